"""Where things are, in the two ways an editor and advisor count.

advisor counts lines split at ``\\n`` and columns in code points (1-based); fixes are
code-point offsets into the text. LSP counts 0-based lines split at ``\\n``, ``\\r\\n`` or a
lone ``\\r``, and characters in the encoding agreed at initialisation (UTF-16 unless the
client offers UTF-32 or UTF-8). `BufferPositions` converts through offsets, so a buffer with
astral characters (emoji, some CJK) or old Mac line endings still gets exact ranges.
"""

from __future__ import annotations

import bisect
import re

from lsprotocol import types

from ..model import LineIndex, Span

_LSP_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _units(text: str, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for character in text if ord(character) > 0xFFFF)


class BufferPositions:
    """Offsets in one buffer's text as LSP positions and back, for one encoding."""

    def __init__(self, text: str, encoding: str = types.PositionEncodingKind.Utf16) -> None:
        self.text = text
        self.encoding = encoding
        self.advisor_lines = LineIndex(text)
        self._starts = [0, *(match.end() for match in _LSP_LINE_BREAK.finditer(text))]

    def position(self, offset: int) -> types.Position:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._starts, offset) - 1
        return types.Position(line=line, character=_units(self.text[self._starts[line]:offset], self.encoding))

    def offset(self, position: types.Position) -> int:
        """The code-point offset of an LSP position (clamped to its line, as LSP asks)."""
        if position.line >= len(self._starts):
            return len(self.text)
        start = self._starts[max(position.line, 0)]
        end = self._starts[position.line + 1] if position.line + 1 < len(self._starts) else len(self.text)
        line = self.text[start:end].rstrip("\r\n")
        counted = 0
        for index, character in enumerate(line):
            if counted >= position.character:
                return start + index
            counted += _units(character, self.encoding)
        return start + len(line)

    def span_offsets(self, span: Span) -> tuple[int, int]:
        return (self.advisor_lines.offset(span.line, span.column),
                self.advisor_lines.offset(span.end_line, span.end_column))

    def range_of_offsets(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(max(start, end)))

    def range_of_span(self, span: Span) -> types.Range:
        """A finding's range. An empty span (a missing parameter, a point in a file) is
        widened to the character it sits on, so editors draw it and hover finds it."""
        start, end = self.span_offsets(span)
        if end <= start < len(self.text) and self.text[start] not in "\r\n":
            end = start + 1
        return self.range_of_offsets(start, end)
