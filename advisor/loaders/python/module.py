"""One Python file parsed and walked once: what the loader reads a file with, and what the
project index (`advisor/modules.py`) keeps of a module another file imports from.

Parsing is the only step that can fail on bad input; it returns a Problem instead of raising,
so a broken sibling module costs nothing but the values it would have given.
"""

from __future__ import annotations

import ast
import functools
import warnings
from dataclasses import dataclass

from ...model import Document, Kind, LineIndex, Problem
from .files import FileReads
from .outline import Outline, Walker
from .positions import Positions
from .runs_in import Contexts
from .scopes import Binder, Scope
from .texts import Texts
from .values import Values


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class ParsedModule:
    """A parsed file: its syntax tree, name bindings and outline, with the readers built on
    them made on first use (a module read only for one constant never builds its texts)."""

    document: Document
    tree: ast.Module
    module: Scope
    scopes: dict[int, Scope]
    outline: Outline
    positions: Positions

    @functools.cached_property
    def values(self) -> Values:
        return Values(self.tree, self.outline, self.scopes)

    @functools.cached_property
    def texts(self) -> Texts:
        return Texts(self.document, self.positions, self.outline, FileReads(self.positions, self.outline))

    @functools.cached_property
    def contexts(self) -> Contexts:
        return Contexts(self.positions, self.outline, self.document.path)


def parse_module(document: Document) -> ParsedModule | Problem:
    """Parses and walks ``document``'s source; a Problem when it is not valid Python."""
    source = document.source
    bom = 1 if source.startswith("\ufeff") else 0  # ast rejects a BOM in str input
    positions = Positions(source, bom, document.lines)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes in the parsed file warn on parse
        try:
            tree = ast.parse(source[bom:])
        except SyntaxError as error:
            return _syntax_problem(error, positions)
        except (RecursionError, MemoryError):
            return Problem("Python code nested too deeply to parse")
        except (ValueError, UnicodeError) as error:  # NUL bytes (3.11), lone surrogates
            return Problem(f"invalid Python source: {error}")
    binder = Binder(tree)
    outline = Walker(binder).walk(tree)
    module, scopes = binder.finish()
    return ParsedModule(document, tree, module, scopes, outline, positions)


def new_document(path: str, source: str) -> Document:
    return Document(path, Kind.PYTHON, source, LineIndex(source))


def _syntax_problem(error: SyntaxError, positions: Positions) -> Problem:
    """A SyntaxError as a Problem at the error (its offsets count characters, 1-based)."""
    message = f"invalid Python syntax: {error.msg}"
    if not error.lineno:
        return Problem(message)
    column = error.offset or 1
    start = positions.offset(error.lineno, column - 1, in_bytes=False)
    end = start
    if error.end_lineno and error.end_offset and (error.end_lineno, error.end_offset) > (error.lineno, column):
        end = positions.offset(error.end_lineno, error.end_offset - 1, in_bytes=False)
    return Problem(message, positions.lines.span(start, end))
