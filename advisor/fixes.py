"""Fixes: text edits a rule attaches to a finding, and applying them to files.

A fix is a set of edits by character offset into the file's text as advisor read it. Edits
touch only the characters they replace, so comments, key order, quoting and indentation of
everything else survive byte for byte, in every format. Overlapping fixes in one file are
applied one at a time (the first wins; the rest are re-evaluated on the next run), as
ruff does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable


@dataclass(frozen=True)
class Edit:
    start: int  # character offset in the original text
    end: int
    replacement: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "replacement": self.replacement}


@dataclass(frozen=True)
class Fix:
    description: str  # what applying it does, in a few words
    safety: str  # "safe" or "unsafe" (see registry.FixSafety)
    edits: tuple[Edit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "safety": self.safety,
            "edits": [edit.to_dict() for edit in self.edits],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Fix":
        edits = tuple(Edit(e["start"], e["end"], e["replacement"]) for e in data["edits"])
        return cls(data["description"], data["safety"], edits)


def apply_fixes(text: str, fixes: Iterable[Fix]) -> tuple[str, list[Fix]]:
    """Apply non-overlapping fixes to ``text``; returns the new text and the fixes applied."""
    applied: list[Fix] = []
    taken: list[tuple[int, int]] = []
    for fix in fixes:
        ranges = [(e.start, e.end) for e in fix.edits]
        if any(s < te and ts < e or (s == e == ts) for s, e in ranges for ts, te in taken):
            continue
        applied.append(fix)
        taken.extend(ranges)
    edits = sorted((e for fix in applied for e in fix.edits), key=lambda e: (e.start, e.end), reverse=True)
    for edit in edits:
        text = text[: edit.start] + edit.replacement + text[edit.end:]
    return text, applied
