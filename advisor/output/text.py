"""The human formats, as in ruff: ``concise`` and ``full``.

- ``concise``: ``path:line:col: severity rule [*] message``, one finding per line, the
  suggestion on an indented ``help:`` line. Editors, CI logs and the pre-commit hook parse
  this form, so it does not change; it is the default when output is not a terminal.
- ``full`` (the default on a terminal): a header with the severity, the rule's code and
  name, the location, the source lines with the span underlined, and the suggestion.

``[*]`` marks a finding with a safe fix. Every piece of text that comes from a scanned
repository (paths, messages, source lines) goes through
:func:`~advisor.output.printable.printable` before colour is added around it.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from typing import TYPE_CHECKING, Any

from ..model import CellIndex, Finding, Severity
from ..results import LintResult
from .colour import Palette
from .printable import printable

if TYPE_CHECKING:
    from ..excerpts import SourceFiles

TAB = "    "  # a tab in a quoted line, so the underline stays under its characters


def safe_fix_marker(finding: Finding) -> str:
    return " [*]" if finding.fix is not None and finding.fix.safety == "safe" else ""


def format_finding(finding: Finding, *, colour: bool = False, line: str | None = None) -> str:
    """The concise form of one finding (and its ``help:`` line); ``line`` is how its line
    is shown when not as a number (``cell 4:12`` in a notebook, `LintResult.line_label`)."""
    palette = Palette(colour)
    shown = (f"{printable(finding.path)}:{line or finding.span.line}:{finding.span.column}: "
             f"{palette.severity(finding.severity.value)} {finding.rule}{safe_fix_marker(finding)} "
             f"{printable(finding.message)}")
    if finding.suggestion:
        shown += f"\n    help: {printable(finding.suggestion)}"
    return shown


def format_full(finding: Finding, sources: SourceFiles, *, colour: bool = False, cells: CellIndex | None = None) -> str:
    """The full form: header, location, underlined source excerpt, suggestion. In a
    notebook (``cells``) the location reads ``cell 4:12:5`` and the excerpt is the cell's."""
    palette = Palette(colour)
    severity = finding.severity.value
    marker = " [*]" if safe_fix_marker(finding) else ""
    header = (f"{palette.severity(severity, f'{severity}[{finding.code}]')}{palette.good(marker)} "
              f"{palette.bold(finding.rule)}: {printable(finding.message)}")
    line = cells.label(finding.span.line) if cells is not None else finding.span.line
    location = f"{printable(finding.path)}:{line}:{finding.span.column}"
    body, gutter = _excerpt_lines(finding, sources, palette, cells)
    lines = [header, f"{' ' * (gutter - 1)}{palette.dim('-->')} {location}"]
    lines.extend(body)
    if finding.suggestion:
        lines.append(f"{palette.style('help', fg='cyan', bold=True)}: {printable(finding.suggestion)}")
    if finding.fix is not None and finding.fix.safety != "safe":
        lines.append(f"{palette.dim('note')}: an unsafe fix is available (`--fix --unsafe-fixes`): {printable(finding.fix.description)}")
    return "\n".join(lines) + "\n"


def _excerpt_lines(finding: Finding, sources: SourceFiles, palette: Palette,
                   cells: CellIndex | None = None) -> tuple[list[str], int]:
    """The quoted lines with a gutter of line numbers and carets under the span; a span
    over several lines is bracketed on the left, as rustc and ruff draw it. In a notebook,
    the lines of the finding's cell, numbered within it."""
    from ..excerpts import excerpt, in_cell, line_pieces

    lines, note = sources.lines(finding.path)
    span = finding.span
    if lines is not None and cells is not None:
        lines, span = in_cell(lines, span, cells)
    shown, problem = excerpt(lines, span) if lines is not None else (None, note)
    if shown is None:
        return ([f"  {palette.dim('=')} {printable(problem)}"] if problem else []), 2
    rows: list[dict[str, Any]] = shown["rows"]
    if span.line == span.end_line and span.column == span.end_column and lines is not None:
        # an empty span (a missing key): one caret where it would go
        for row in rows:
            if row["number"] == span.line:
                row["pieces"] = line_pieces(lines[span.line - 1], (span.column - 1, span.column - 1))
    gutter = len(str(max(row["number"] or 0 for row in rows))) + 1
    bar = palette.dim("|")
    paint = lambda text: palette.severity(finding.severity.value, text)  # noqa: E731
    multi = shown["first"] != shown["last"]
    out = [f"{' ' * gutter}{bar}"]
    for row in rows:
        if row["gap"]:
            skipped = palette.dim(f"({row['skipped']} more lines)")
            out.append(f"{palette.dim('...'.ljust(gutter))}{bar} {paint('|') + ' ' if multi else ''}{skipped}")
            continue
        text, underline = _quoted(row["pieces"])
        number = palette.dim(str(row["number"]).rjust(gutter - 1) + " ")
        if not multi:
            out.append(f"{number}{bar} {text}".rstrip())
            if row["hit"] and underline is not None:
                start, width = underline
                out.append(f"{' ' * gutter}{bar} {' ' * start}{paint('^' * max(width, 1))}")
            continue
        first, last = row["number"] == shown["first"], row["number"] == shown["last"]
        bracket = paint("/" if first else "|") if row["hit"] else " "
        if first and underline is not None and underline[0] > 0:
            # the span starts inside the line: the bracket starts under its first character
            start = underline[0]
            out.append(f"{number}{bar}   {text}".rstrip())
            out.append(f"{' ' * gutter}{bar} {paint('_' * (start + 2) + '^')}")
            bracket = paint("|")
            continue
        out.append(f"{number}{bar} {bracket} {text}".rstrip())
        if last and underline is not None:
            start, width = underline
            out.append(f"{' ' * gutter}{bar} {paint('|' + '_' * (start + width) + '^')}")
    out.append(f"{' ' * gutter}{bar}")
    return out, gutter


def _quoted(pieces: list[dict[str, Any]]) -> tuple[str, tuple[int, int] | None]:
    """One source line, safe to print, and where its marked piece is (start, width)."""
    text = ""
    width = 0
    underline: tuple[int, int] | None = None
    for piece in pieces:
        shown = printable(piece["text"].replace("\t", TAB))
        if piece["mark"]:
            underline = (width, display_width(shown))
        text += shown
        width += display_width(shown)
    return text, underline


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wide East Asian characters take two,
    combining marks none."""
    width = 0
    for character in text:
        if unicodedata.combining(character):
            continue
        width += 2 if unicodedata.east_asian_width(character) in ("W", "F") else 1
    return width


def summary(result: LintResult) -> str:
    if not result.findings:
        return f"No findings in {len(result.files)} file{'s' if len(result.files) != 1 else ''}."
    counts = Counter(f.severity for f in result.findings)
    parts = [f"{counts[s]} {s.value}{'s' if counts[s] != 1 else ''}" for s in (Severity.ERROR, Severity.WARNING, Severity.INFO) if counts[s]]
    total = len(result.findings)
    return f"Found {total} finding{'s' if total != 1 else ''} ({', '.join(parts)}) in {len(result.files)} file{'s' if len(result.files) != 1 else ''}."


def fix_summary(result: LintResult) -> str | None:
    safe = sum(1 for f in result.findings if f.fix is not None and f.fix.safety == "safe")
    unsafe = sum(1 for f in result.findings if f.fix is not None and f.fix.safety != "safe")
    if not safe and not unsafe:
        return None
    parts = []
    if safe:
        parts.append(f"{safe} fixable with `advisor lint --fix`")
    if unsafe:
        parts.append(f"{unsafe} more with `--fix --unsafe-fixes` (review those: they change behaviour)")
    return "; ".join(parts) + "."


def render(result: LintResult, *, colour: bool = False, fix_hint: bool = True, summary_lines: bool = True,
           full: bool = False, sources: SourceFiles | None = None) -> str:
    """The findings in the concise form (or ``full``, quoting ``sources``), then the summary."""
    if full:
        from ..excerpts import SourceFiles  # quoting files: only the full form reads them

        sources = sources or SourceFiles()
        blocks = [format_full(f, sources, colour=colour, cells=result.cells_of(f.path)) for f in result.findings]
        lines = ["\n".join(blocks)] if blocks else []
    else:
        lines = [format_finding(f, colour=colour, line=result.line_label(f.path, f.span.line)) for f in result.findings]
    if summary_lines:
        lines.append(summary(result))
        hint = fix_summary(result) if fix_hint else None
        if hint:
            lines.append(hint)
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
