"""``--statistics``: how many findings each rule has, and how many of them can be fixed,
instead of the findings themselves (what a team looks at before switching a rule on)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..model import Finding
from ..results import LintResult
from .colour import Palette


@dataclass(frozen=True)
class RuleCount:
    """One row of `--statistics`: a rule, how many findings it made, and how many of them have fixes."""

    code: str
    rule: str
    count: int
    safe_fixes: int
    unsafe_fixes: int

    def fixable_text(self) -> str:
        parts = [f"{self.safe_fixes} safe [*]"] if self.safe_fixes else []
        if self.unsafe_fixes:
            parts.append(f"{self.unsafe_fixes} unsafe")
        return ", ".join(parts) or "-"

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "rule": self.rule, "count": self.count,
                "fixable": self.safe_fixes + self.unsafe_fixes, "safe_fixes": self.safe_fixes}


def rule_counts(findings: list[Finding]) -> list[RuleCount]:
    """One row per rule, the most frequent first."""
    rows: dict[tuple[str, str], list[int]] = {}
    for finding in findings:
        row = rows.setdefault((finding.code, finding.rule), [0, 0, 0])
        row[0] += 1
        if finding.fix is not None:
            row[1 if finding.fix.safety == "safe" else 2] += 1
    counts = [RuleCount(code, rule, *numbers) for (code, rule), numbers in rows.items()]
    return sorted(counts, key=lambda row: (-row.count, row.code))


def render_text(result: LintResult, *, colour: bool = False) -> str:
    rows = rule_counts(result.findings)
    if not rows:
        return ""
    palette = Palette(colour)
    count_width = max(len("count"), *(len(str(row.count)) for row in rows))
    code_width = max(len("code"), *(len(row.code) for row in rows))
    rule_width = max(len("rule"), *(len(row.rule) for row in rows))
    lines = [palette.bold(f"{'count':>{count_width}}  {'code':<{code_width}}  {'rule':<{rule_width}}  fixable")]
    for row in rows:
        lines.append(f"{row.count:>{count_width}}  {row.code:<{code_width}}  {row.rule:<{rule_width}}  {row.fixable_text()}")
    return "\n".join(lines) + "\n"


def render_json(result: LintResult) -> str:
    return json.dumps([row.to_dict() for row in rule_counts(result.findings)], indent=2) + "\n"
