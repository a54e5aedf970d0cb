"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request."""

from __future__ import annotations

from ..model import Severity, Span
from ..results import LintResult
from .printable import printable

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: LintResult) -> str:
    lines = []
    for finding in result.findings:
        span = finding.span
        title = f"advisor {finding.rule} ({finding.code})"
        cell = result.cell_of(finding)
        if cell is not None:  # a notebook: lines within the cell, which the title names
            span = Span(cell.line, span.column, cell.end_line, span.end_column)
            title += f" in cell {cell.cell}"
        properties = ",".join(
            [
                f"file={_escape_property(printable(finding.path))}",
                f"line={span.line}",
                f"col={span.column}",
                f"endLine={span.end_line}",
                f"endColumn={span.end_column}",
                f"title={_escape_property(title)}",
            ]
        )
        message = printable(finding.message, keep_line_breaks=True) + (
            f"\n{printable(finding.suggestion, keep_line_breaks=True)}" if finding.suggestion else "")
        lines.append(f"::{_LEVELS[finding.severity]} {properties}::{_escape_data(message)}")
    if result.baseline is not None:
        lines.append(f"::notice title=advisor baseline::{_escape_data(printable(result.baseline.describe()))}")
    return "\n".join(lines) + ("\n" if lines else "")
