"""Fixes in a notebook: edits of the linted source carried into the notebook's JSON.

A rule's fix edits the linted source (the code cells one after the other). The file is
JSON, where each cell's ``source`` is a string or a list of strings, one per line, with
JSON escapes. A fix becomes an edit of exactly the JSON string(s) holding the edited
characters: decoded offsets are mapped through the escapes of that string, the
replacement is escaped as JSON, and a line break written into a list-of-lines source
starts a new string in the list, laid out like its neighbours. Outputs, metadata, key
order and formatting stay byte for byte. An edit that touches a line of IPython syntax
advisor turned into a comment, or that cannot be placed in the JSON for certain, is
refused: the finding keeps no fix and says why.

So that fix edits are, as everywhere, offsets into the text of the file as read, the
engine passes every finding through :meth:`NotebookFile.carry_fixes`.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from ..fixes import Edit, Fix

if TYPE_CHECKING:
    from ..model import Finding
    from .notebook import Cell

REFUSED = "not fixed automatically in a notebook"
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|NaN|-?Infinity")


@dataclass(frozen=True, eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class _Token:
    """A JSON string of the notebook file: where it is and what it decodes to."""

    start: int  # the opening quote, in the file's text
    end: int  # just after the closing quote
    value: str  # the decoded string


class NotebookFile:
    """A notebook's JSON text and where each code cell sits in the linted source."""

    def __init__(self, text: str, cells: list[tuple["Cell", int]]) -> None:
        self.text = text
        self.cells = cells  # (cell, offset of its first character in the linted source)
        self._starts = [offset for _, offset in cells]
        self._sources: dict[int, tuple[bool, list[_Token]]] | None = None

    def carry_fixes(self, findings: list["Finding"]) -> list["Finding"]:
        """The findings with their fixes' edits moved into the file's text (a fix that
        cannot be moved is dropped, and the finding's suggestion says so)."""
        out = []
        for finding in findings:
            if finding.fix is not None:
                fix, reason = self.file_fix(finding.fix)
                suggestion = finding.suggestion
                if fix is None:
                    suggestion = f"{suggestion} ({REFUSED}: {reason})" if suggestion else f"{REFUSED}: {reason}"
                finding = replace(finding, fix=fix, suggestion=suggestion)
            out.append(finding)
        return out

    def file_fix(self, fix: Fix) -> tuple[Fix | None, str]:
        edits = []
        for edit in fix.edits:
            moved, reason = self._file_edit(edit)
            if moved is None:
                return None, reason
            edits.append(moved)
        return Fix(fix.description, fix.safety, tuple(edits)), ""

    def _file_edit(self, edit: Edit) -> tuple[Edit | None, str]:
        found = self._locate(edit.start)
        if isinstance(found, str):
            return None, found
        cell, start, is_list, tokens = found
        end = start + edit.end - edit.start
        if end > len(cell.text):
            return None, "the edit reaches past the end of the cell"
        if any(s <= end and start <= e for s, e in cell.neutralised):
            return None, "the edit touches a line of IPython syntax (magic or shell command)"
        return _string_edit(self.text, is_list, tokens, start, end, edit.replacement), "the JSON string holds an escape advisor cannot map"

    def file_offset(self, offset: int) -> int | None:
        """The offset in the file's text of a position in the linted source (None: outside
        the cells' sources, or not locatable)."""
        found = self._locate(offset)
        if isinstance(found, str):
            return None
        _, position, _, tokens = found
        ends = [0]
        for token in tokens:
            ends.append(ends[-1] + len(token.value))
        which = max(0, min(bisect.bisect_right(ends, position) - 1, len(tokens) - 1))
        return _raw_offset(self.text, tokens[which], position - ends[which])

    def _locate(self, offset: int) -> tuple["Cell", int, bool, list[_Token]] | str:
        """The cell holding a position of the linted source, the position within the cell,
        and the cell's source in the JSON (whether a list, its strings); or why not."""
        index = bisect.bisect_right(self._starts, offset) - 1
        if index < 0:
            return "the edit is outside the code cells"
        cell, start = self.cells[index]
        if offset - start > len(cell.text):
            return "the edit reaches past the end of the cell"
        sources = self._cell_sources()
        if sources is None or cell.number - 1 not in sources:
            return "the cell's source could not be located in the JSON"
        is_list, tokens = sources[cell.number - 1]
        if not tokens or "".join(token.value for token in tokens) != cell.text:
            return "the cell's source could not be located in the JSON"
        return cell, offset - start, is_list, tokens

    def _cell_sources(self) -> dict[int, tuple[bool, list[_Token]]] | None:
        if self._sources is None:
            try:
                self._sources = _cell_source_tokens(self.text)
            except (ValueError, IndexError, RecursionError):
                return None
        return self._sources


def _string_edit(text: str, is_list: bool, tokens: list[_Token], start: int, end: int, replacement: str) -> Edit | None:
    """The edit of the file's text that makes characters ``start:end`` of the cell's source
    ``replacement``, touching only the string tokens that hold them."""
    starts = [0]
    for token in tokens:
        starts.append(starts[-1] + len(token.value))
    if not tokens:
        return None
    first = max(0, min(bisect.bisect_right(starts, start) - 1, len(tokens) - 1))
    last = first if end <= start else max(0, min(bisect.bisect_left(starts, end) - 1, len(tokens) - 1))
    raw_start = _raw_offset(text, tokens[first], start - starts[first])
    raw_end = _raw_offset(text, tokens[last], end - starts[last])
    if raw_start is None or raw_end is None:
        return None
    escaped = [_escape(piece) for piece in replacement.split("\n")]
    if not is_list or len(escaped) == 1:
        return Edit(raw_start, raw_end, "\\n".join(escaped))
    # One string per line in a list source: each line break written starts a new string.
    head = text[tokens[first].start:raw_start]
    tail = text[raw_end:tokens[last].end]
    if escaped[-1] == "" and tail == '"':
        escaped = escaped[:-2] + [escaped[-2] + "\\n"]
    separator = '",' + _separator(text, tokens, first) + '"'
    body = ("\\n" + separator).join(escaped)
    return Edit(tokens[first].start, tokens[last].end, head + body + tail)


def _separator(text: str, tokens: list[_Token], index: int) -> str:
    """What goes between two strings of the list after the comma: what the file has
    between its first two, else a line break and the indentation of this one."""
    if len(tokens) > 1:
        between = text[tokens[0].end:tokens[1].start]
        return between.lstrip()[1:] if between.lstrip().startswith(",") else between.split(",", 1)[-1]
    line_start = text.rfind("\n", 0, tokens[index].start) + 1
    indent = text[line_start:tokens[index].start]
    return "\n" + indent if not indent.strip() else " "


def _escape(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def _raw_offset(text: str, token: _Token, position: int) -> int | None:
    """The offset in the file's text of decoded character ``position`` of a string token."""
    raw = token.start + 1
    decoded = 0
    while decoded < position and raw < token.end - 1:
        if text[raw] != "\\":
            raw += 1
        elif text[raw + 1] != "u":
            raw += 2
        else:
            code = int(text[raw + 2:raw + 6], 16)
            pair = 0xD800 <= code < 0xDC00 and text.startswith("\\u", raw + 6) and 0xDC00 <= int(text[raw + 8:raw + 12], 16) < 0xE000
            raw += 12 if pair else 6
        decoded += 1
    return raw if decoded == position else None


def _cell_source_tokens(text: str) -> dict[int, tuple[bool, list[_Token]]]:
    """For each cell (0-based index in ``cells``) whose ``source`` is a string or a list of
    strings: whether it is a list, and its string tokens. The text is known to be valid
    JSON (it was parsed before); a later duplicate key wins, as it does for the parser."""
    found: dict[int, tuple[bool, list[_Token]]] = {}
    stack: list[list[Any]] = []  # one frame per open container: [is_object, its path, current key or index]
    position = _skip(text, 0)
    while True:
        path = (*stack[-1][1], stack[-1][2]) if stack else ()
        char = text[position]
        _note_start(found, path, char)
        if char in "{[":
            position = _skip(text, position + 1)
            if text[position] not in "}]":
                stack.append([char == "{", path, 0])
                if char == "{":
                    position = _key(text, position, stack[-1])
                continue
            position += 1
        elif char == '"':
            value, end = _SCAN(text, position + 1)
            if _is_source(path):
                found[path[1]] = (False, [_Token(position, end, value)])
            elif len(path) == 4 and _is_source(path[:3]) and path[1] in found:
                found[path[1]][1].append(_Token(position, end, value))
            position = end
        else:
            match = _SCALAR.match(text, position)
            if match is None:
                raise ValueError(f"unexpected character at offset {position}")
            position = match.end()
        while True:  # after a value: the next one, or the end of containers
            if not stack:
                return found
            position = _skip(text, position)
            frame = stack[-1]
            if text[position] == ",":
                position = _skip(text, position + 1)
                if frame[0]:
                    position = _key(text, position, frame)
                else:
                    frame[2] += 1
                break
            stack.pop()
            position += 1


_SCAN = json.decoder.scanstring  # type: ignore[attr-defined]


def _skip(text: str, position: int) -> int:
    match = _WHITESPACE.match(text, position)
    return match.end() if match else position


def _key(text: str, position: int, frame: list[Any]) -> int:
    """Read an object's key at ``position`` into the frame; the offset of its value."""
    frame[2], position = _SCAN(text, position + 1)
    position = _skip(text, position)
    if text[position] != ":":
        raise ValueError(f"expected ':' at offset {position}")
    return _skip(text, position + 1)


def _is_source(path: tuple[Any, ...]) -> bool:
    return len(path) == 3 and path[0] == "cells" and isinstance(path[1], int) and path[2] == "source"


def _note_start(found: dict[int, tuple[bool, list[_Token]]], path: tuple[Any, ...], char: str) -> None:
    """A value starts at ``path``: a repeated ``cells`` or ``source`` key starts afresh."""
    if path == ("cells",):
        found.clear()
    elif _is_source(path):
        if char == "[":
            found[path[1]] = (True, [])
        else:
            found.pop(path[1], None)
