"""Where things are in a file: spans (1-based lines and columns), an index from offsets to
positions, and the source map that carries a prompt text's characters back to the file
they were read from (escaped literals, templates, concatenated strings)."""

from __future__ import annotations

import bisect
import itertools
import operator
from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source file.

    Lines and columns are 1-based; ``end_column`` is the column just after the last
    character (the SARIF convention), so an empty span has ``column == end_column``.
    """

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int = 1) -> "Span":
        return cls(line, column, line, column)

    def to_dict(self) -> dict[str, int]:
        return {
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


FILE_START = Span(1, 1, 1, 1)


@dataclass(frozen=True, slots=True)
class CellIndex:
    """Which notebook cell each line of a notebook's linted source belongs to.

    A notebook is linted as one Python source, its code cells one after the other, so spans,
    fixes and suppressions work as for a ``.py`` file. This is the one extra fact outputs
    need to show a position the way the notebook shows it (``cell 4``, line 12 of that cell):
    ``starts[i]`` is the first line of the i-th code cell in the linted source (ascending)
    and ``numbers[i]`` its cell number in the notebook (1-based, markdown cells counted, as
    Jupyter lists them). Lines before the first cell belong to no cell (the notebook as a
    whole, where problems with its structure are reported).
    """

    starts: tuple[int, ...]
    numbers: tuple[int, ...]

    def locate(self, line: int) -> tuple[int, int] | None:
        """(cell number, line within the cell) of a line of the linted source, or None."""
        index = bisect.bisect_right(self.starts, line) - 1
        if index < 0:
            return None
        return self.numbers[index], line - self.starts[index] + 1

    def label(self, line: int) -> str:
        """A line as the notebook shows it: ``cell 4:12`` (the line number alone outside cells)."""
        found = self.locate(line)
        return f"cell {found[0]}:{found[1]}" if found is not None else str(line)

    def cell_lines(self, line: int) -> tuple[int, int | None]:
        """The first line of the cell holding ``line`` and the first line after it (None:
        the cell runs to the end of the source)."""
        index = bisect.bisect_right(self.starts, line) - 1
        if index < 0:
            return 1, self.starts[0] if self.starts else None
        return self.starts[index], self.starts[index + 1] if index + 1 < len(self.starts) else None

    def to_dict(self) -> dict[str, list[int]]:
        return {"starts": list(self.starts), "numbers": list(self.numbers)}

    @classmethod
    def from_dict(cls, data: dict[str, list[int]]) -> "CellIndex":
        return cls(tuple(int(n) for n in data["starts"]), tuple(int(n) for n in data["numbers"]))


class LineIndex:
    """Converts character offsets in a source text to 1-based line/column positions.

    Built once per file; lookups are a binary search, so mapping thousands of findings
    stays cheap.
    """

    __slots__ = ("_starts", "_length")

    def __init__(self, source: str) -> None:
        # line k starts after the first k lines and their k newlines; summed in C (a
        # generator summing len(line) + 1 costs half as much again on a large file)
        lines = source.split("\n")
        lines.pop()
        self._starts = [0, *map(operator.add, itertools.accumulate(map(len, lines)), range(1, len(lines) + 1))]
        self._length = len(source)

    @property
    def line_count(self) -> int:
        return len(self._starts)

    @property
    def line_starts(self) -> list[int]:
        """The offset of each line's first character (lines end at ``\\n``); not to be changed."""
        return self._starts

    def position(self, offset: int) -> tuple[int, int]:
        offset = max(0, min(offset, self._length))
        index = bisect.bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1

    def offset(self, line: int, column: int) -> int:
        """The character offset of a 1-based (line, column); clamped to the text."""
        line = max(1, min(line, len(self._starts)))
        return min(self._starts[line - 1] + max(column, 1) - 1, self._length)

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(max(start, end))
        return Span(line, column, end_line, end_column)


# ---------------------------------------------------------------------------------------
# Source maps
# ---------------------------------------------------------------------------------------


class Segment(NamedTuple):
    """A run of linted text and where it came from in the source.

    ``exact`` segments were copied character for character, so an offset inside maps to
    the same offset inside the source range. Other segments (an escaped string literal, a
    ``{{ expression }}`` replaced by a placeholder) map as a whole: any finding touching
    them points at the entire source range. A named tuple: every line of every prompt text
    makes one or two, and a tuple is made three times faster than a frozen dataclass.
    """

    text_start: int
    text_end: int
    source_start: int
    source_end: int
    exact: bool


class SourceMap:
    """Maps offsets in a :class:`PromptText` back to spans of the source file."""

    __slots__ = ("segments", "lines", "_text_starts")

    def __init__(self, segments: list[Segment], lines: LineIndex) -> None:
        self.segments = segments
        self.lines = lines
        self._text_starts = [s.text_start for s in segments]

    def _segment_at(self, offset: int, *, is_end: bool) -> Segment | None:
        if not self.segments:
            return None
        index = bisect.bisect_right(self._text_starts, offset) - 1
        if is_end and index > 0 and self.segments[index].text_start == offset:
            # An end offset that touches the start of a segment belongs to the previous one.
            index -= 1
        return self.segments[max(index, 0)]

    def source_range(self, start: int, end: int) -> tuple[int, int]:
        first = self._segment_at(start, is_end=False)
        last = self._segment_at(end, is_end=True) if end > start else first
        if first is None or last is None:
            return 0, 0
        if first.exact:
            src_start = first.source_start + min(start - first.text_start, first.source_end - first.source_start)
        else:
            src_start = first.source_start
        if last.exact:
            src_end = last.source_start + min(max(end - last.text_start, 0), last.source_end - last.source_start)
        else:
            src_end = last.source_end
        return src_start, max(src_start, src_end)

    def span(self, start: int, end: int) -> Span:
        return self.lines.span(*self.source_range(start, end))
