"""Helpers shared by test modules (import with `from helpers import ...`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from advisor.config import Settings
from advisor.engine import Linter, select_rules
from advisor.model import Kind

KIND_BY_SUFFIX = {
    ".txt": Kind.PROMPT,
    ".prompt": Kind.PROMPT,
    ".md": Kind.PROMPT,
    ".j2": Kind.TEMPLATE,
    ".jinja": Kind.TEMPLATE,
    ".prompty": Kind.TEMPLATE,
    ".yaml": Kind.CONFIG,
    ".yml": Kind.CONFIG,
    ".json": Kind.CONFIG,
    ".py": Kind.PYTHON,
}


def lint_text(path: str, source: str, *, select=None, settings: Settings | None = None, dedent: bool = True):
    """Findings for one in-memory file, linted as its extension says, without the cache."""
    settings = settings or Settings(root=Path.cwd())
    rules = select_rules(settings, select=select or ())
    linter = Linter(settings, rules=rules, use_cache=False)
    kind = KIND_BY_SUFFIX[Path(path).suffix]
    text = textwrap.dedent(source) if dedent else source
    return linter.lint_source(path, kind, text).findings
