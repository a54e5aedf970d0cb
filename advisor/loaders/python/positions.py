"""Where an `ast` node sits in the source: character offsets, spans and its source text.

`ast` counts columns in UTF-8 bytes and also ends lines at a lone carriage return, while
the rest of the advisor counts characters; every position goes through here.
"""

from __future__ import annotations

import ast
from typing import Protocol, cast

from ...model import LineIndex, Span
from .strings import LINE_BREAK, squeeze

_MAX_EXPRESSION = 120  # characters of an expression quoted in a message


class Located(Protocol):
    """A node that knows where it is: expressions, statements, arguments, keywords (what
    `ast` locates; the `ast.AST` base type declares no positions)."""

    @property
    def lineno(self) -> int: ...
    @property
    def col_offset(self) -> int: ...
    @property
    def end_lineno(self) -> int | None: ...
    @property
    def end_col_offset(self) -> int | None: ...


class Positions:
    """Turns `ast` positions into character offsets, spans and text of the source."""

    def __init__(self, source: str, start: int, lines: LineIndex) -> None:
        self.source = source
        self.lines = lines
        if start == 0 and "\r" not in source:  # then `ast` ends lines where the line index does
            self._starts = lines.line_starts
        else:
            self._starts = [start, *(match.end() for match in LINE_BREAK.finditer(source, start))]
        self._ascii = source.isascii()  # then byte columns are character columns on every line

    def offset(self, lineno: int, column: int, *, in_bytes: bool = True) -> int:
        index = min(max(lineno, 1), len(self._starts)) - 1
        start = self._starts[index]
        end = self._starts[index + 1] if index + 1 < len(self._starts) else len(self.source)
        if in_bytes and not self._ascii:
            line = self.source[start:end]
            if not line.isascii():
                column = len(line.encode("utf-8", "surrogatepass")[:column].decode("utf-8", "ignore"))
        return start + min(max(column, 0), end - start)

    def range(self, node: ast.AST) -> tuple[int, int]:
        located = cast(Located, node)  # every node whose place is asked for is a located one
        line, column = located.lineno, located.col_offset
        end_line = located.end_lineno if located.end_lineno is not None else line  # None only for nodes built by hand
        end_column = located.end_col_offset if located.end_col_offset is not None else column
        return self.offset(line, column), self.offset(end_line, end_column)

    def span(self, node: ast.AST) -> Span:
        return self.lines.span(*self.range(node))

    def span_between(self, first: ast.AST, last: ast.AST) -> Span:
        """From the start of ``first`` to the end of ``last`` (a loop header, say)."""
        return self.lines.span(self.range(first)[0], self.range(last)[1])

    def expression(self, node: ast.AST, last: ast.AST | None = None) -> str:
        """The source of ``node`` (through ``last``) on one line, shortened for a message."""
        start, end = self.range(node)
        if last is not None:
            end = self.range(last)[1]
        text = squeeze(self.source[start:end])
        return text if len(text) <= _MAX_EXPRESSION else text[:_MAX_EXPRESSION - 3] + "..."
