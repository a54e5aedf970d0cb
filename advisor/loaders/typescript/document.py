"""Reading one TypeScript or JavaScript file into a Document: parse, walk, read each call."""

from __future__ import annotations

import re
from typing import Any, Mapping

from ...model import Document, Kind, LineIndex, Problem
from .bindings import Bindings
from .calls import CallReader
from .outline import Walker
from .runs_in import Contexts
from .streams import Streams
from .syntax import Positions, grammar_for, index, parse, syntax_errors
from .values import Values

MAX_LINE = 5_000  # characters: a longer line is a minified bundle, not code a person wrote
MAX_NESTING = 400  # bracket levels: far past hand-written code, and where the analysis would turn slow
_MAX_REPORTED_ERRORS = 3


def load(path: str, source: str, *, variables: Mapping[str, Any] | None = None) -> Document:
    """Reads one file; problems become :class:`Problem`s, never exceptions. ``variables`` is
    accepted for the common loader signature (code values are never sampled)."""
    kind = Kind.JAVASCRIPT if grammar_for(path) == "javascript" else Kind.TYPESCRIPT
    document = Document(path, kind, source, LineIndex(source))
    try:
        _read(document)
    except (RecursionError, MemoryError):
        document.problems.append(Problem("code nested too deeply to analyse"))
    return document


def _read(document: Document) -> None:
    source = document.source
    if is_minified(source):
        document.problems.append(Problem(
            f"a line longer than {MAX_LINE:,} characters: a minified bundle, not linted",
            hint="lint the sources the bundle is built from, and exclude the bundle (`exclude` in [tool.advisor])"))
        return
    if nesting_depth(source) > MAX_NESTING:
        document.problems.append(Problem(f"code nested more than {MAX_NESTING} brackets deep: not analysed"))
        return
    data = source.encode("utf-8", "surrogatepass")
    tree = parse(document.path, data)
    positions = Positions(source, data, document.lines)
    root = tree.root_node
    language = "TypeScript" if document.kind is Kind.TYPESCRIPT else "JavaScript"
    for error in syntax_errors(root, _MAX_REPORTED_ERRORS):
        what = f"missing `{error.type}`" if error.is_missing else f"unexpected `{positions.expression(error)[:40]}`"
        document.problems.append(Problem(
            f"invalid {language} syntax ({what}); the rest of the file is checked as far as it parses",
            positions.span(error)))
    nodes = index(document.path, root)
    bindings = Bindings(root, nodes)
    outline = Walker(bindings).walk(root, nodes)
    values = Values(document, positions, bindings)
    document.texts.extend(values.constants(root))
    calls = CallReader(document, positions, bindings, values, outline.providers)
    contexts = Contexts(positions, outline, bindings, document.path, root, nodes.get("if_statement", []))
    streams = Streams(positions, root)
    for found in outline.api_calls:
        call = calls.read(found)
        call.where = contexts.where(found.function)
        call.buffered = streams.buffered(found, call)
        document.calls.append(call)


def nesting_depth(source: str) -> int:
    """The deepest nesting of ``( [ {`` in the text (strings and comments included: a close
    enough upper bound, found without parsing)."""
    depth = deepest = 0
    for char in re.sub(r"[^()\[\]{}]+", "", source):
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest


def is_minified(source: str | bytes) -> bool:
    """A bundle or minified file: some line is longer than any a person writes. (The
    lines' lengths are measured in C: a loop over the lines of every walked script, most of
    them short, cost more than splitting it.)"""
    lines = source.split("\n") if isinstance(source, str) else source.split(b"\n")
    return max(map(len, lines)) > MAX_LINE
