"""Helpers shared by test modules (import with `from helpers import ...`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from advisor.config import Settings
from advisor.engine import Linter, select_rules
from advisor.loaders.python import load as load_python
from advisor.model import Document, LineIndex, PromptCall, Span
from advisor.sources import kind_for


def lint_text(path: str, source: str, *, select=None, settings: Settings | None = None, dedent: bool = True,
              absolute: Path | None = None):
    """Findings for one in-memory file, linted as its extension says, without the cache.
    With ``absolute`` (where the file lies in a scratch project) the prompt files its calls
    read are resolved too, inside the settings' root."""
    settings = settings or Settings(root=Path.cwd())
    rules = select_rules(settings, select=select or ())
    linter = Linter(settings, rules=rules, use_cache=False)
    kind = kind_for(path)
    assert kind is not None, f"{path}: not a file type advisor reads"
    text = textwrap.dedent(source) if dedent else source
    tree = settings.root if absolute is not None else None
    return linter.lint_source(path, kind, text, absolute=absolute, tree=tree).findings


def load_py(source: str, path: str = "app.py") -> Document:
    """A Python source (dedented) through the Python loader, which must load it cleanly."""
    document = load_python(path, textwrap.dedent(source))
    assert document.problems == []
    return document


def only_call(source: str, path: str = "app.py") -> PromptCall:
    """The one API call of a Python source."""
    [call] = load_py(source, path).calls
    return call


def source_span(source: str, phrase: str, occurrence: int = 0) -> Span:
    """The span of the n-th occurrence of ``phrase`` in the (dedented) source, computed
    independently of the loader's source maps."""
    source = textwrap.dedent(source)
    start = -1
    for _ in range(occurrence + 1):
        start = source.index(phrase, start + 1)
    return LineIndex(source).span(start, start + len(phrase))
