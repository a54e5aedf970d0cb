"""The human format: ``path:line:col: severity rule message``, one finding per line.

The first line of each finding is stable and grep-able (editors and CI parse it); the
suggestion follows on an indented ``help:`` line, and a summary closes the output.
"""

from __future__ import annotations

from collections import Counter

import click

from ..model import Severity
from ..results import LintResult
from .printable import printable

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def format_finding(finding, *, colour: bool = False) -> str:
    severity = finding.severity.value
    if colour:
        severity = click.style(severity, fg=_COLOURS[finding.severity], bold=True)
    marker = " [*]" if finding.fix is not None and finding.fix.safety == "safe" else ""
    line = (f"{printable(finding.path)}:{finding.span.line}:{finding.span.column}: {severity} {finding.rule}{marker} "
            f"{printable(finding.message)}")
    if finding.suggestion:
        line += f"\n    help: {printable(finding.suggestion)}"
    return line


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


def render(result: LintResult, *, colour: bool = False, fix_hint: bool = True, summary_lines: bool = True) -> str:
    lines = [format_finding(f, colour=colour) for f in result.findings]
    if summary_lines:
        lines.append(summary(result))
        hint = fix_summary(result) if fix_hint else None
        if hint:
            lines.append(hint)
    return "".join(line + "\n" for line in lines)
