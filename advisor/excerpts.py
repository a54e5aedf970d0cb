"""Source excerpts for the HTML report and the terminal (`--output-format full`), and
fixes shown as diffs.

An excerpt is a few numbered lines around a finding with its span marked to the exact
column (multi-line spans too). Long lines are cut to a window around the mark, long spans
to their first and last lines, so a report stays small however big the files are. Every
string shown goes through :func:`advisor.secrets.redact`; a key that straddles the edge of
the mark or of a cut window is masked as a whole before anything is cut, so no part of it
can slip through.

Each file is read (and decoded exactly as the linter decoded it, so fix offsets match)
at most once per output, and only when one of its findings is shown with an excerpt.
"""

from __future__ import annotations

import bisect
import difflib
import re
from pathlib import Path
from typing import Any

from .fixes import apply_fixes
from .loaders import decode
from .model import CellIndex, Span
from .secrets import MASK, find_keys, redact, redact_keeping_lines
from .sources import source_for

CONTEXT_LINES = 2  # shown before and after the span
MAX_LINE_CHARS = 160  # a longer line shows a window of this many characters around the mark
LEAD_CHARS = 40  # how much of the line before the mark the window keeps
MAX_SPAN_LINES = 8  # a longer span shows its first SPAN_HEAD and last SPAN_TAIL lines
SPAN_HEAD = 4
SPAN_TAIL = 2
DIFF_CONTEXT = 1  # unchanged lines shown around a fix
MAX_DIFF_LINES = 30
MAX_DIFF_LINE_CHARS = 240
MAX_READ_BYTES = 16 * 1024 * 1024  # a file bigger than this is not read for an excerpt
ELLIPSIS = "…"


class SourceFiles:
    """The text of the files findings point at, read once each, with a note when a file
    cannot be shown (deleted since the lint, unreadable, not text)."""

    def __init__(self, base: Path | None = None) -> None:
        self.base = base
        self._cache: dict[str, tuple[str | None, list[str] | None, str | None]] = {}

    def _read(self, path: str) -> tuple[str | None, list[str] | None, str | None]:
        cached = self._cache.get(path)
        if cached is not None:
            return cached
        target = Path(path)
        if self.base is not None and not target.is_absolute():
            target = self.base / target
        text: str | None = None
        linted: str | None = None
        note: str | None = None
        try:
            if target.stat().st_size > MAX_READ_BYTES:
                note = "excerpt omitted: the file is too large to quote"
            else:
                text, problem = decode(target.read_bytes())
                # what positions refer to: the file's text, or what was linted of it (a
                # notebook's code cells); keys split across lines are masked on the whole
                # text, before it is cut into lines
                row = source_for(path)
                linted = row.linted_text(text) if row is not None and text is not None else text
                text = redact_keeping_lines(text) if text is not None else None
                linted = redact_keeping_lines(linted) if linted is not None else None
                if text is None:
                    note = "excerpt omitted: the file is not readable text" + (f" ({problem.message})" if problem else "")
        except FileNotFoundError:
            note = "excerpt omitted: the file no longer exists"
        except IsADirectoryError:
            note = "excerpt omitted: the path is a directory"
        except OSError as error:
            note = f"excerpt omitted: the file cannot be read ({error.strerror or error.__class__.__name__})"
        lines = [line[:-1] if line.endswith("\r") else line for line in linted.split("\n")] if linted is not None else None
        entry = (text, lines, redact(note) if note else None)
        self._cache[path] = entry
        return entry

    def text(self, path: str) -> tuple[str | None, str | None]:
        """The decoded text of ``path`` (what fix offsets refer to), or None and the reason."""
        text, _, note = self._read(path)
        return text, note

    def remember(self, path: str, text: str) -> None:
        """Quote ``text`` for ``path`` instead of reading it (standard input, an unsaved
        editor buffer): what was linted is what is shown."""
        row = source_for(path)
        linted = redact_keeping_lines(row.linted_text(text) if row is not None else text)
        text = redact_keeping_lines(text)
        lines = [line[:-1] if line.endswith("\r") else line for line in linted.split("\n")]
        self._cache[path] = (text, lines, None)

    def lines(self, path: str) -> tuple[list[str] | None, str | None]:
        """The lines of what was linted of ``path`` (what spans refer to)."""
        _, lines, note = self._read(path)
        return lines, note

    def __len__(self) -> int:
        return len(self._cache)


# ---------------------------------------------------------------------------------------
# Excerpts
# ---------------------------------------------------------------------------------------


def excerpt(lines: list[str], span: Span) -> tuple[dict[str, Any] | None, str | None]:
    """The excerpt of ``span`` as ``{"rows": [...]}``, or None and why.

    Each row is ``{"number", "hit", "pieces": [{"text", "mark", "elided"}]}`` or a gap
    ``{"gap": True, "skipped": n}`` standing for the middle of a long span.
    """
    count = len(lines)
    if count == 0 or span.line > count:
        return None, f"excerpt omitted: line {span.line} is past the end of the file (has it changed since the lint?)"
    first, end_line, end_column = _normalise(lines, span)
    # The empty "line" after a final newline is shown only when the span is on it.
    last_real = count - 1 if count > 1 and lines[-1] == "" else count
    shown_from = max(1, first - CONTEXT_LINES)
    shown_to = max(end_line, min(last_real, end_line + CONTEXT_LINES))
    numbers: list[int | None] = []
    if end_line - first + 1 > MAX_SPAN_LINES:
        numbers.extend(range(shown_from, first + SPAN_HEAD))
        numbers.append(None)
        numbers.extend(range(end_line - SPAN_TAIL + 1, shown_to + 1))
    else:
        numbers.extend(range(shown_from, shown_to + 1))
    rows: list[dict[str, Any]] = []
    for position, number in enumerate(numbers):
        if number is None:
            before, after = numbers[position - 1], numbers[position + 1]
            assert before is not None and after is not None  # the one gap sits between the head and the tail
            skipped = after - before - 1
            rows.append({"gap": True, "skipped": skipped, "number": None, "hit": True, "pieces": []})
            continue
        line = lines[number - 1]
        hit = first <= number <= end_line
        mark = None
        if hit:
            start = span.column - 1 if number == first else 0
            stop = end_column - 1 if number == end_line else len(line)
            start = max(0, min(start, len(line)))
            stop = max(start, min(stop, len(line)))
            mark = (start, stop) if stop > start else None
        rows.append({"gap": False, "skipped": 0, "number": number, "hit": hit, "pieces": line_pieces(line, mark)})
    return {"rows": rows, "first": first, "last": end_line}, None


def cell_excerpt(lines: list[str], span: Span, cells: CellIndex) -> tuple[dict[str, Any] | None, str | None]:
    """The excerpt of a span in a notebook: the lines of its cell only, numbered as the
    cell numbers them."""
    return excerpt(*in_cell(lines, span, cells))


def in_cell(lines: list[str], span: Span, cells: CellIndex) -> tuple[list[str], Span]:
    """The lines of the cell a span starts in, and the span counted within them (cut at
    the cell's end)."""
    first, after = cells.cell_lines(span.line)
    own = lines[first - 1: after - 1 if after is not None else None]
    end_line = span.end_line if after is None or span.end_line < after else after - 1
    end_column = span.end_column if end_line == span.end_line else len(own[end_line - first]) + 1 if own else 1
    return own, Span(span.line - first + 1, span.column, end_line - first + 1, end_column)


def _normalise(lines: list[str], span: Span) -> tuple[int, int, int]:
    """The first line, last line and end column of the span, clamped to the file; a span
    that ends at column 1 of a line really ends with the line before."""
    first = span.line
    end_line = max(first, min(span.end_line, len(lines)))
    end_column = span.end_column if span.end_line <= len(lines) else len(lines[end_line - 1]) + 1
    if end_line > first and end_column <= 1:
        end_line -= 1
        end_column = len(lines[end_line - 1]) + 1
    return first, end_line, end_column


def line_pieces(line: str, mark: tuple[int, int] | None) -> list[dict[str, Any]]:
    """One line as pieces of text, the marked one flagged; keys masked, long lines cut."""
    display, mark = _mask_keys(line, mark)
    window_start, window_end = 0, len(display)
    if len(display) > MAX_LINE_CHARS:
        anchor = mark[0] if mark else 0
        window_start = max(0, min(anchor - LEAD_CHARS, len(display) - MAX_LINE_CHARS))
        window_end = window_start + MAX_LINE_CHARS
    pieces: list[dict[str, Any]] = []
    if window_start > 0:
        pieces.append({"text": ELLIPSIS, "mark": False, "elided": True})
    if mark is None:
        pieces.append({"text": display[window_start:window_end], "mark": False, "elided": False})
    else:
        start = min(max(mark[0], window_start), window_end)
        stop = min(max(mark[1], start), window_end)
        for text, marked in (
            (display[window_start:start], False),
            (display[start:stop], True),
            (display[stop:window_end], False),
        ):
            if text or marked:
                pieces.append({"text": text, "mark": marked, "elided": False})
    if window_end < len(display):
        pieces.append({"text": ELLIPSIS, "mark": False, "elided": True})
    for piece in pieces:
        piece["text"] = redact(piece["text"])
    return pieces


def _mask_keys(line: str, mark: tuple[int, int] | None) -> tuple[str, tuple[int, int] | None]:
    """``line`` with each key replaced by the mask, and the mark moved to match (a mark
    edge inside a key moves to the edge of the mask)."""
    keys = find_keys(line)
    if not keys:
        return line, mark
    parts: list[str] = []
    # (original start, original end, display start, display end, is_key)
    chunks: list[tuple[int, int, int, int, bool]] = []
    cursor = shown = 0
    for start, end in keys:
        if start > cursor:
            parts.append(line[cursor:start])
            chunks.append((cursor, start, shown, shown + start - cursor, False))
            shown += start - cursor
        parts.append(MASK)
        chunks.append((start, end, shown, shown + len(MASK), True))
        shown += len(MASK)
        cursor = end
    if cursor < len(line):
        parts.append(line[cursor:])
        chunks.append((cursor, len(line), shown, shown + len(line) - cursor, False))

    def moved(offset: int, is_end: bool) -> int:
        for start, end, shown_start, shown_end, is_key in chunks:
            if start <= offset < end or (offset == end and is_end and start < end):
                if is_key:
                    return shown_end if is_end else shown_start
                return shown_start + offset - start
        return shown

    if mark is not None:
        mark = (moved(mark[0], False), moved(mark[1], True))
    return "".join(parts), mark


# ---------------------------------------------------------------------------------------
# Fixes as diffs
# ---------------------------------------------------------------------------------------


def fix_diff(path: str, text: str, fix: Any, cells: CellIndex | None = None) -> dict[str, Any] | None:
    """One finding's fix as a unified diff of the lines it changes:
    ``{"header": [...], "rows": [{"kind": "context|removed|added|hunk|cut", "text"}]}``.
    In a notebook (``cells``), the diff of the cell's code, not of the JSON around it.

    Only this fix is applied (another finding's fix never shows here). None when the fix
    does not apply to the file as it is now (it changed since the lint).
    """
    edits = getattr(fix, "edits", None)
    if not edits or any(not (0 <= e.start <= e.end <= len(text)) for e in edits):
        return None
    fixed, applied = apply_fixes(text, [fix])
    if not applied or fixed == text:
        return None
    source = source_for(path)
    if cells is not None and source is not None and source.view is not None:
        return _cell_diff(path, source.linted_text(text), source.linted_text(fixed), cells)
    # The lines the edits touch, widened by the context lines; the same stretch of the
    # fixed text ends `delta` characters later.
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    first = bisect.bisect_right(starts, min(e.start for e in edits)) - 1
    last = bisect.bisect_right(starts, max(e.end for e in edits)) - 1
    first = max(0, first - DIFF_CONTEXT)
    last = min(len(lines) - 1, last + DIFF_CONTEXT)
    start, end = starts[first], starts[last] + len(lines[last])
    delta = sum(len(e.replacement) - (e.end - e.start) for e in edits)
    old = [_strip_cr(line) for line in text[start:end].split("\n")]
    new = [_strip_cr(line) for line in fixed[start:end + delta].split("\n")]
    offset = first
    rows: list[dict[str, str]] = []
    for line in list(difflib.unified_diff(old, new, n=DIFF_CONTEXT, lineterm=""))[2:]:
        if line.startswith("@@"):
            rows.append({"kind": "hunk", "text": _shift_hunk(line, offset)})
        else:
            kind = {"-": "removed", "+": "added"}.get(line[:1], "context")
            rows.append({"kind": kind, "text": line})
    return _diff_view(redact(path), rows)


def _diff_view(shown: str, rows: list[dict[str, str]]) -> dict[str, Any] | None:
    """Diff rows under their header, capped, every line masked and clipped."""
    if not rows:
        return None
    if len(rows) > MAX_DIFF_LINES:
        cut = len(rows) - MAX_DIFF_LINES
        rows = rows[:MAX_DIFF_LINES] + [{"kind": "cut", "text": f"… {cut} more diff lines"}]
    for row in rows:
        row["text"] = _clip(redact(row["text"]))
    return {"header": [f"--- a/{shown}", f"+++ b/{shown}"], "rows": rows}


def _cell_diff(path: str, before: str, after: str, cells: CellIndex) -> dict[str, Any] | None:
    """The diff of a notebook's code as its cells show it: a hunk per change, numbered
    within the cell."""
    old = [_strip_cr(line) for line in before.split("\n")]
    new = [_strip_cr(line) for line in after.split("\n")]
    rows: list[dict[str, str]] = []
    cell_numbers = []
    for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(DIFF_CONTEXT):
        first_old, first_new = group[0][1], group[0][3]
        found = cells.locate(first_old + 1)
        if found is None:
            return None
        cell, line = found
        cell_numbers.append(cell)
        shift = first_old + 1 - line  # the cell's first line, counted from 0
        rows.append({"kind": "hunk", "text": f"@@ cell {cell}: -{first_old + 1 - shift},{group[-1][2] - first_old} "
                                            f"+{first_new + 1 - shift},{group[-1][4] - first_new} @@"})
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                rows.extend({"kind": "context", "text": " " + line} for line in old[i1:i2])
                continue
            rows.extend({"kind": "removed", "text": "-" + line} for line in old[i1:i2])
            rows.extend({"kind": "added", "text": "+" + line} for line in new[j1:j2])
    return _diff_view(f"{redact(path)}:cell {cell_numbers[0]}", rows) if rows else None


_HUNK = re.compile(r"^@@ -(\d+)(,\d+)? \+(\d+)(,\d+)? @@")


def _shift_hunk(header: str, offset: int) -> str:
    """A hunk header of the excerpt renumbered to the file's lines."""
    match = _HUNK.match(header)
    if not match:
        return header
    old_start, old_count, new_start, new_count = match.groups()
    return f"@@ -{int(old_start) + offset}{old_count or ''} +{int(new_start) + offset}{new_count or ''} @@"


def _strip_cr(line: str) -> str:
    return line[:-1] if line.endswith("\r") else line


def _clip(text: str) -> str:
    return text if len(text) <= MAX_DIFF_LINE_CHARS else text[:MAX_DIFF_LINE_CHARS] + ELLIPSIS
