"""``--show-fixes``: which fixes were applied (with ``--fix``), or which are available and
what each would do (without it), file by file."""

from __future__ import annotations

from collections import Counter

from ..results import LintResult
from .colour import Palette
from .printable import printable


def render_applied(fixed: dict[str, Counter[tuple[str, str]]], *, colour: bool = False, dry_run: bool = False) -> str:
    """What ``--fix`` changed (``--diff``: would change): per file, how many fixes of each rule."""
    palette = Palette(colour)
    total = sum(sum(counts.values()) for counts in fixed.values())
    if not total:
        return "No fixes to apply.\n" if dry_run else "No fixes applied.\n"
    verb = "Would fix" if dry_run else "Fixed"
    lines = [palette.bold(f"{verb} {total} finding{'s' if total != 1 else ''}:")]
    for path in sorted(fixed):
        lines.append(f"- {printable(path)}:")
        for (code, rule), count in sorted(fixed[path].items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"    {count} × {code} ({rule})")
    return "\n".join(lines) + "\n"


def render_available(result: LintResult, *, colour: bool = False) -> str:
    """The fixes the findings carry: location, rule, safety and what the fix does. Unsafe
    ones are listed too, marked, with the option that applies them."""
    palette = Palette(colour)
    findings = [f for f in result.findings if f.fix is not None]
    if not findings:
        return "No fixes available.\n"
    safe = sum(1 for f in findings if f.fix.safety == "safe")
    unsafe = len(findings) - safe
    lines = [palette.bold(f"Fixes available: {safe} safe [*] (`--fix`), {unsafe} unsafe (`--fix --unsafe-fixes`):")]
    current = None
    for finding in findings:
        if finding.path != current:
            current = finding.path
            lines.append(f"- {printable(finding.path)}:")
        tag = palette.good("[*]") if finding.fix.safety == "safe" else "(unsafe)"
        lines.append(f"    {result.line_label(finding.path, finding.span.line)}:{finding.span.column} {finding.code} ({finding.rule}) {tag} "
                     f"{printable(finding.fix.description)}")
    return "\n".join(lines) + "\n"
