"""What a lint run produces: a FileReport per file (the unit the result cache stores and
every output reads) and the run's LintResult. Plain data, so each stage that makes or reads
them stays in its own module."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from .discovery import Note
from .model import CellIndex, Finding, Severity

if TYPE_CHECKING:
    from .baseline import Outcome
    from .registry import Rule


@dataclass
class FileReport:
    """What one file contributed to a run; the unit the result cache stores."""

    path: str
    kind: str
    tokens: int
    findings: list[Finding] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    suppressed: int = 0
    dependencies: dict[str, str] = field(default_factory=dict)  # linked file -> digest read
    omitted: dict[str, int] = field(default_factory=dict)  # rule -> findings over the cap
    errors: list[str] = field(default_factory=list)  # advisor's own failures on this file (never cached)
    cells: CellIndex | None = None  # a notebook: the cell of each line findings point at

    def defer_calls(self, calls_json: str) -> None:
        """Keep the calls as the result cache stored them (a JSON array) and decode them on
        first use: a warm `lint` prints findings only, and decoding the call summaries of
        every cached file was over half its JSON work."""
        self.__dict__["_calls"] = None
        self.__dict__["_calls_json"] = calls_json

    @property
    def has_calls(self) -> bool:
        """Whether the file has any call, without decoding deferred calls."""
        if self.__dict__.get("_calls") is None and "_calls_json" in self.__dict__:
            return self.__dict__["_calls_json"] != "[]"
        return bool(self.calls)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "path": self.path,
            "kind": self.kind,
            "tokens": self.tokens,
            "findings": [f.to_dict() for f in self.findings],
            "calls": self.calls,
            "suppressed": self.suppressed,
            "dependencies": self.dependencies,
            "omitted": self.omitted,
        }
        if self.cells is not None:
            data["cells"] = self.cells.to_dict()
        return data


def _get_calls(report: FileReport) -> list[dict[str, Any]]:
    calls = report.__dict__.get("_calls")
    if calls is None:
        import json

        calls = report.__dict__["_calls"] = json.loads(report.__dict__.pop("_calls_json", None) or "[]")
    return calls


def _set_calls(report: FileReport, calls: list[dict[str, Any]]) -> None:
    report.__dict__["_calls"] = calls
    report.__dict__.pop("_calls_json", None)


# `calls` is a field (in __init__, equality and repr) read through this property, so that
# `defer_calls` can leave it undecoded; the dataclass has no class attribute for a field
# with a default factory, so the property does not become its default.
FileReport.calls = property(_get_calls, _set_calls)  # type: ignore[assignment]


@dataclass(frozen=True)
class CellPosition:
    """A finding's place in a notebook: the cell (1-based, every cell counted) and the line
    within it where the span starts, and where it ends."""

    cell: int
    line: int
    end_cell: int
    end_line: int


@dataclass
class LintResult:
    """What a run produces: the findings, a report per file, notes on files skipped, advisor's
    own errors and the rules that ran."""

    findings: list[Finding]
    files: list[FileReport]
    notes: list[Note]
    errors: list[str] = field(default_factory=list)
    rules: Sequence[Rule] = field(default_factory=list)
    as_of: _dt.date | None = None  # the date models' deprecation and retirement were judged by
    # directories a walk left to their own configuration (`run.LintRun` lints them with it)
    subprojects: list[Path] = field(default_factory=list)
    # with a baseline: `findings` are the new ones; this holds the known ones and the count fixed
    baseline: "Outcome | None" = None
    _cell_indexes: dict[str, CellIndex] | None = field(default=None, init=False, repr=False)

    def cell_of(self, finding: Finding) -> CellPosition | None:
        """Where a finding in a notebook is, the way the notebook shows it (None elsewhere)."""
        cells = self.cells_of(finding.path)
        if cells is None:
            return None
        start, end = cells.locate(finding.span.line), cells.locate(finding.span.end_line)
        if start is None or end is None:
            return None
        return CellPosition(start[0], start[1], end[0], end[1])

    def line_label(self, path: str, line: int) -> str:
        """A line as the user sees it: ``12``, or ``cell 4:12`` in a notebook."""
        cells = self.cells_of(path)
        return cells.label(line) if cells is not None else str(line)

    def cells_of(self, path: str) -> CellIndex | None:
        """The cell index of a notebook linted in this run (None: not a notebook)."""
        return self._cells().get(path)

    def _cells(self) -> dict[str, CellIndex]:
        if self._cell_indexes is None:
            self._cell_indexes = {r.path: r.cells for r in self.files if r.cells is not None}
        return self._cell_indexes

    @property
    def calls(self) -> list[dict[str, Any]]:
        return [call for report in self.files for call in report.calls]

    def count_at_or_above(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity.rank >= severity.rank)
