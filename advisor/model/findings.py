"""What the rules report: findings with a severity and the fixes they carry (plain data:
`advisor.fixes` builds and applies them), and the inline suppression comments that may
silence them."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from .positions import Span


class Severity(str, enum.Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}
_SEVERITY_OF = {severity.value: severity for severity in Severity}


def severity_named(value: str) -> Severity:
    """``Severity(value)`` (KeyError if there is none), without an Enum call's cost: the
    result cache rebuilds every cached finding."""
    return _SEVERITY_OF[value]


@dataclass(frozen=True)
class Edit:
    """``text[start:end]`` replaced, by character offset into the file's text as read."""

    start: int  # character offset in the original text
    end: int
    replacement: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "replacement": self.replacement}


@dataclass(frozen=True)
class Fix:
    """The edits a rule attaches to a finding (plain data: the cache and every output read it;
    `advisor.fixes` builds and applies them)."""

    description: str  # what applying it does, in a few words
    safety: str  # "safe" or "unsafe" (see registry.FixSafety)
    edits: tuple[Edit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "safety": self.safety,
            "edits": [edit.to_dict() for edit in self.edits],
        }



@dataclass
class Finding:
    """One reported problem, as every output format sees it."""

    rule: str
    code: str
    severity: Severity
    path: str
    span: Span
    message: str
    suggestion: str | None = None
    fix: Any = None  # a Fix, when the rule can fix it (built by `advisor.fixes`)
    estimate: dict[str, Any] | None = None  # estimated saving, when the rule knows it
    # Other rules whose problem this finding reports too, so a span gets one suggestion
    # (a retired model on a simple task: deprecated-model naming oversized-model's model).
    also: tuple[str, ...] = ()

    def sort_key(self) -> tuple:
        return (self.path, self.span.line, self.span.column, self.code, self.message)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rule": self.rule,
            "code": self.code,
            "severity": self.severity.value,
            "path": self.path,
            **self.span.to_dict(),
            "message": self.message,
            "suggestion": self.suggestion,
        }
        if self.fix is not None:
            data["fix"] = self.fix.to_dict()
        if self.estimate is not None:
            data["estimate"] = self.estimate
        if self.also:
            data["also"] = list(self.also)
        return data


@dataclass(frozen=True, slots=True)
class Suppression:
    """An inline ``advisor: ignore[...]`` comment; ``rules`` empty means every rule."""

    line: int  # the line the comment applies to
    rules: tuple[str, ...]
    span: Span  # the comment itself, for unused-suppression reports
    file_wide: bool = False
