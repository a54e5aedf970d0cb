"""The table of source types: what each kind of file advisor reads *is*.

One row per source type holds everything the rest of the program needs to know about it:
the extensions it is recognised by, the globs a walk includes by default, the loader that
turns its text into a Document, the sniff that decides whether a file found by walking is
really one of ours (a CI workflow is YAML but not a request config), the comment syntax
inline suppressions are written in (none where the file is text sent to the model), the
syntax fixes write into it, and the ``kind`` JSON output reports.

Discovery, the default configuration, loading, suppressions, fixes, links, the rule docs,
the pre-commit hook's ``files:`` pattern (checked by a test) and the tests read this table,
so adding a source type is one loader module and one row here. Loaders and sniffs are named
as ``"module:function"`` and imported on first use: configuration and discovery read the
table without importing any parser.
"""

from __future__ import annotations

import enum
import fnmatch
import importlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath
from typing import TYPE_CHECKING, Any, Callable, Mapping

from .model import Kind

if TYPE_CHECKING:
    from .model import Document, Span


class Comments(enum.Enum):
    """Where an ``advisor: ignore`` comment may be written in a source type."""

    NONE = "none"  # no comment syntax: any `#` or `{# #}` is text that is sent
    PYTHON = "python"  # real Python comments (tokenized, never inside strings)
    HASH = "hash"  # YAML `#` comments
    JINJA = "jinja"  # Jinja `{# … #}` comments, which the renderer strips
    JINJA_IF_TEMPLATED = "jinja-if-templated"  # `{# #}` only when the file is a template anyway
    SLASH = "slash"  # real `//` and `/* */` comments of TypeScript/JavaScript (parsed, never in strings)


class Syntax(enum.Enum):
    """The language a fix writes into the file (and the rule docs' code-fence language)."""

    TEXT = "text"
    MARKDOWN = "markdown"
    JINJA = "jinja"
    YAML = "yaml"
    JSON = "json"
    PYTHON = "python"
    TYPESCRIPT = "typescript"
    JAVASCRIPT = "javascript"


Loader = Callable[..., "Document"]
Sniff = Callable[[str, str], bool]


@dataclass(frozen=True, eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class Source:
    """One source type. ``loader`` and ``sniff`` are ``"module:function"`` references; a
    sniff takes (text, path) and says whether a walked file is worth linting (None: every
    file with the suffix is). ``needs_calls``: a walked file of this type that turns out to
    hold no request and no finding is dropped from the results, not reported as linted."""

    name: str
    kind: Kind
    suffixes: tuple[str, ...]
    include: tuple[str, ...]
    loader: str
    comments: Comments
    syntax: Syntax
    sniff: str | None = None
    needs_calls: bool = False
    names: tuple[str, ...] = ()  # file-name globs, for files known by name (`.env.local`)
    view: str | None = None  # "module:function": the text positions refer to, when not the file's
    # "module:function" (file text, span) -> that span in the file's own text, where `view` is set
    file_positions: str | None = None
    skip: str | None = None  # "module:function": (bytes) -> why a walked file is skipped with a note, or None

    def linted_text(self, text: str) -> str:
        """The text positions in this file refer to (what the report quotes): the file's
        own, or the row's view of it (a notebook's code cells, laid out as linted)."""
        return text if self.view is None else str(_resolve(self.view)(text))

    def span_in_file(self, text: str, span: "Span") -> "Span":
        """A span of what was linted, in the file's own text (an editor showing a notebook's
        JSON places diagnostics there)."""
        return span if self.file_positions is None else _resolve(self.file_positions)(text, span)

    def load(self, path: str, text: str, *, variables: Mapping[str, Any] | None = None) -> "Document":
        loader: Loader = _resolve(self.loader)
        return loader(path, text, variables=variables)

    def relevant(self, text: str, path: str) -> bool:
        if self.sniff is None:
            return True
        sniff: Sniff = _resolve(self.sniff)
        return bool(sniff(text, path))

    def skip_reason(self, data: bytes) -> str | None:
        return None if self.skip is None else _resolve(self.skip)(data)


# Prompt text only counts as a prompt inside a folder named like one or under a name that
# says so: a repository's other .txt and .md files are notes, licences and docs.
_PROMPT_FOLDERS = ("**/*[Pp]rompt*/**/", "**/*PROMPT*/**/")
_PROMPT_NAMES = ("*[Pp]rompt*", "*PROMPT*")


def _prompt_globs(suffix: str) -> tuple[str, ...]:
    return tuple(f"{folder}*{suffix}" for folder in _PROMPT_FOLDERS) + tuple(f"{name}{suffix}" for name in _PROMPT_NAMES)


SOURCES: tuple[Source, ...] = (
    Source(
        name="prompt",
        kind=Kind.PROMPT,
        suffixes=(".prompt",),
        include=("*.prompt",),
        loader="advisor.loaders.text:load",
        comments=Comments.JINJA_IF_TEMPLATED,
        syntax=Syntax.TEXT,
    ),
    Source(
        name="text-prompt",
        kind=Kind.PROMPT,
        suffixes=(".txt",),
        include=_prompt_globs(".txt"),
        loader="advisor.loaders.text:load",
        comments=Comments.JINJA_IF_TEMPLATED,
        syntax=Syntax.TEXT,
    ),
    Source(
        name="markdown-prompt",
        kind=Kind.PROMPT,
        suffixes=(".md",),
        include=_prompt_globs(".md"),
        loader="advisor.loaders.text:load",
        comments=Comments.JINJA_IF_TEMPLATED,
        syntax=Syntax.MARKDOWN,
        sniff="advisor.loaders.text:looks_like_prompt",
    ),
    Source(
        name="jinja",
        kind=Kind.TEMPLATE,
        suffixes=(".j2", ".jinja", ".jinja2"),
        include=("*.j2", "*.jinja", "*.jinja2"),
        loader="advisor.loaders.jinja:load",
        comments=Comments.JINJA,
        syntax=Syntax.JINJA,
    ),
    Source(
        name="prompty",
        kind=Kind.TEMPLATE,
        suffixes=(".prompty",),
        include=("*.prompty",),
        loader="advisor.loaders.prompty:load",
        comments=Comments.JINJA,
        syntax=Syntax.YAML,  # fixes edit its YAML front matter
    ),
    Source(
        name="yaml-config",
        kind=Kind.CONFIG,
        suffixes=(".yaml", ".yml"),
        include=("*.yaml", "*.yml"),
        loader="advisor.loaders.yamljson:load",
        comments=Comments.HASH,
        syntax=Syntax.YAML,
        sniff="advisor.loaders.yamljson:looks_like_request_config",
        needs_calls=True,
    ),
    Source(
        name="json-config",
        kind=Kind.CONFIG,
        suffixes=(".json",),
        include=("*.json",),
        loader="advisor.loaders.yamljson:load",
        comments=Comments.NONE,  # JSON has no comments: a `#` is inside a string the API receives
        syntax=Syntax.JSON,
        sniff="advisor.loaders.yamljson:looks_like_request_config",
        needs_calls=True,
    ),
    Source(
        name="python",
        kind=Kind.PYTHON,
        suffixes=(".py",),
        include=("*.py",),
        loader="advisor.loaders.python:load",
        comments=Comments.PYTHON,
        syntax=Syntax.PYTHON,
        sniff="advisor.loaders.python:imports_anthropic",
    ),
    Source(
        name="notebook",
        kind=Kind.PYTHON,
        suffixes=(".ipynb",),
        include=("*.ipynb",),
        loader="advisor.loaders.notebook:load",
        comments=Comments.PYTHON,  # in code cells
        syntax=Syntax.JSON,  # fixes edit the cell's source strings in the JSON
        sniff="advisor.loaders.notebook:is_relevant",
        view="advisor.loaders.notebook:cells_source",
        file_positions="advisor.loaders.notebook:span_in_file",
    ),
    Source(
        name="dotenv",
        kind=Kind.CONFIG,
        suffixes=(".env",),
        include=(".env", "*.env", ".env.*"),
        loader="advisor.loaders.dotenv:load",
        comments=Comments.HASH,
        syntax=Syntax.TEXT,
        sniff="advisor.loaders.dotenv:mentions_key",
        needs_calls=True,  # only a file with a key is reported
        names=(".env", ".env.*"),
    ),
    Source("typescript", Kind.TYPESCRIPT, (".ts", ".tsx", ".mts", ".cts"), ("*.ts", "*.tsx", "*.mts", "*.cts"),
           "advisor.loaders.typescript:load", Comments.SLASH, Syntax.TYPESCRIPT,
           sniff="advisor.loaders.typescript:imports_claude_client", skip="advisor.loaders.typescript:minified_bundle"),
    Source("javascript", Kind.JAVASCRIPT, (".js", ".jsx", ".mjs", ".cjs"), ("*.js", "*.jsx", "*.mjs", "*.cjs"),
           "advisor.loaders.typescript:load", Comments.SLASH, Syntax.JAVASCRIPT,
           sniff="advisor.loaders.typescript:imports_claude_client", skip="advisor.loaders.typescript:minified_bundle"),
)

_BY_SUFFIX: dict[str, Source] = {suffix: source for source in SOURCES for suffix in source.suffixes}
_DEFAULT_FOR_KIND: dict[Kind, Source] = {}
for _source in SOURCES:
    _DEFAULT_FOR_KIND.setdefault(_source.kind, _source)

DEFAULT_INCLUDE: tuple[str, ...] = tuple(glob for source in SOURCES for glob in source.include)
PROMPT_TEXT = _DEFAULT_FOR_KIND[Kind.PROMPT]


def _literal_prefix(glob: str) -> str:
    """The characters a name must start with to match ``glob`` (all before its first wildcard)."""
    cut = min((i for i, char in enumerate(glob) if char in "*?["), default=len(glob))
    return glob[:cut]


# (glob, what a matching name starts with, row): a name is matched against a glob only when
# it starts with the glob's literal prefix (".env"), so the usual file costs two comparisons.
_BY_NAME: tuple[tuple[str, str, Source], ...] = tuple(
    (glob, _literal_prefix(glob), source) for source in SOURCES for glob in source.names
)


def source_for(path: str | PurePath) -> Source | None:
    """The source type a file's name or extension says it is (None: not a file advisor reads)."""
    return _source_named(_name(path))


def _source_named(name: str) -> Source | None:
    """`source_for` by file name: discovery, the engine and the loader each ask about every
    file, so a name is tried only against the name globs it could match."""
    for glob, prefix, source in _BY_NAME:
        if name.startswith(prefix) and fnmatch.fnmatchcase(name, glob):
            return source
    dot = name.rfind(".")
    return _BY_SUFFIX.get(name[dot:].lower() if 0 < dot < len(name) - 1 else "")


def _name(path: str | PurePath) -> str:
    """``PurePath(path).name``, without building a path for a POSIX path string
    (discovery asks for every file it walks)."""
    if isinstance(path, PurePath):
        return path.name
    if os.sep == "/":
        name = path.rstrip("/").rpartition("/")[2]
        if name not in ("", ".", ".."):
            return name
    return PurePath(path).name


def kind_for(path: str | PurePath) -> Kind | None:
    """The ``kind`` a file's extension says it is read as (None: not a file advisor reads)."""
    found = source_for(path)
    return found.kind if found is not None else None


@lru_cache(maxsize=1024)
def source_of(path: str, kind: Kind) -> Source:
    """The row for a file being read as ``kind``: its own extension's row when that agrees
    with the kind, else the kind's first row (a prompt file named ``notes.cfg`` linked from
    code is prompt text, whatever its name). Kept for the last files asked about: reading,
    the sniff, loading and the report each ask it about the same file, one after another."""
    found = source_for(path)
    if found is not None and found.kind is kind:
        return found
    return _DEFAULT_FOR_KIND[kind]


@lru_cache(maxsize=None)
def _resolve(reference: str) -> Any:
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)
