"""The report's headline: what the suggestions would save, said so that it is true.

Latencies of unrelated call sites do not add up: nobody waits for the checkout call and
the nightly batch job one after the other, so "7.9 s sooner, summed over 4 suggestions" is
a number no user ever experiences. The headline instead gives

- the **largest single saving** (one call, one suggestion),
- the **median per call site** over the sites with an estimated saving (each site counted
  once, with the largest of its suggestions: two suggestions on one call overlap), and
- with traffic weights from ``[tool.advisor.traffic]`` (calls per day per call site
  ``path:line`` or per glob of paths), a **traffic-weighted total**: the waiting time and
  money saved per day, which is a sum that means something.
"""

from __future__ import annotations

import fnmatch
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from ..model import Finding
from ..secrets import redact

SAVING_KEYS = ("visible_ttft_ms", "total_ms", "cost_per_1k_calls_usd")


@dataclass(frozen=True)
class Site:
    """Where a saving happens: the call a finding belongs to, or the finding's own line
    when it sits outside any call (a model constant that calls read)."""

    path: str
    line: int

    @property
    def key(self) -> str:
        return f"{self.path}:{self.line}"


def site_of(finding: Finding, calls: Sequence[Mapping[str, Any]]) -> Site:
    """The call whose lines hold the finding (the innermost, when calls nest)."""
    holding = [
        call for call in calls
        if call.get("path") == finding.path
        and isinstance(call.get("line"), int)
        and call["line"] <= finding.span.line <= int(call.get("end_line") or call["line"])
    ]
    if holding:
        call = max(holding, key=lambda c: c["line"])
        return Site(finding.path, int(call["line"]))
    return Site(finding.path, finding.span.line)


def calls_per_day(site: Site, traffic: Mapping[str, float], root: Path | None) -> float | None:
    """The traffic weight of a site: an exact ``path:line`` key wins, then the most
    specific (longest) glob matching its path. Keys are relative to the configuration's
    folder (``root``), as ``per-file-ignores`` are; paths here are relative to the working
    directory, so both forms are tried."""
    candidates = {site.path}
    if root is not None:
        try:
            candidates.add((Path.cwd() / site.path).resolve().relative_to(root.resolve()).as_posix())
        except ValueError:
            pass
    for path in candidates:
        exact = traffic.get(f"{path}:{site.line}")
        if exact is not None:
            return exact
    globs = sorted((key for key in traffic if ":" not in key.rsplit("/", 1)[-1]), key=len, reverse=True)
    for pattern in globs:
        if any(fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, pattern.replace("**/", "")) for path in candidates):
            return traffic[pattern]
    return None


def headline(
    keyed: Sequence[tuple[Finding, dict[str, Any] | None]],
    calls: Sequence[Mapping[str, Any]],
    anchors: Mapping[int, str],
    traffic: Mapping[str, float] | None = None,
    root: Path | None = None,
    line_label: Callable[[str, int], str] = lambda path, line: str(line),
) -> dict[str, Any] | None:
    """``{"findings", "sites", "largest", "median", "traffic", "basis"}`` (see
    `advisor.report.context` for each), or None when no finding has an estimate.
    ``keyed`` is in impact order, so its first estimated finding is the largest saving."""
    estimated = [(finding, saving) for finding, saving in keyed if saving is not None]
    if not estimated:
        return None
    best_finding, best = estimated[0]
    per_site: dict[Site, dict[str, Any]] = {}
    for finding, saving in estimated:
        site = site_of(finding, calls)
        current = per_site.get(site)
        if current is None or _rank(saving) > _rank(current):
            per_site[site] = saving
    median = {
        key: (statistics.median(values) if (values := [s[key] for s in per_site.values() if s.get(key) is not None]) else None)
        for key in SAVING_KEYS
    }
    return {
        "findings": len(estimated),
        "sites": len(per_site),
        "largest": {
            "location": f"{redact(best_finding.path)}:{line_label(best_finding.path, best_finding.span.line)}:"
                        f"{best_finding.span.column}",
            "rule": best_finding.rule,
            "anchor": anchors.get(id(best_finding)),
            **{key: best.get(key) for key in SAVING_KEYS},
        },
        "median": median,
        "traffic": _weighted(per_site, traffic, root) if traffic else None,
        "basis": next((s["basis"] for _, s in estimated if s.get("basis")), ""),
    }


def _rank(saving: Mapping[str, Any]) -> tuple[float, ...]:
    return tuple(float(saving.get(key) or 0.0) for key in SAVING_KEYS)


def _weighted(per_site: Mapping[Site, dict[str, Any]], traffic: Mapping[str, float], root: Path | None) -> dict[str, Any]:
    """Per day, over the sites the traffic table covers: the time users wait less (each
    call's saving times its calls) and the money saved."""
    waiting_ms = cost_usd = calls = 0.0
    weighted = 0
    for site, saving in per_site.items():
        per_day = calls_per_day(site, traffic, root)
        if not per_day:
            continue
        weighted += 1
        calls += per_day
        waiting_ms += per_day * float(saving.get("visible_ttft_ms") or 0.0)
        cost_usd += per_day * float(saving.get("cost_per_1k_calls_usd") or 0.0) / 1000
    return {
        "sites": weighted,
        "unweighted_sites": len(per_site) - weighted,
        "calls_per_day": calls,
        "waiting_saved_ms_per_day": waiting_ms,
        "cost_saved_usd_per_day": cost_usd,
    }
