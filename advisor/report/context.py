"""The report's content: a lint result (and A/B results) turned into plain data.

The built-in template and a user's ``--template`` receive the same context, made only of
strings, numbers, booleans, None, lists and dicts (and ``Markup`` for the ready-made SVG
charts and the inline assets), so a template can also dump it with ``|tojson``. Every
string that comes from the linted repository is already passed through
:func:`advisor.secrets.redact`; HTML escaping is the template engine's job (autoescape is
always on).

Context variables
-----------------
``title``            the report's title (``--title``, else "Prompt latency report: <path>").
``generated_at``     ISO 8601 UTC time of generation (``SOURCE_DATE_EPOCH`` is honoured).
``models_as_of``     the date models' deprecation and retirement were judged by (``--today``,
                     ``ADVISOR_TODAY``, ``today`` in config, else the day of the run), or None.
``generator``        ``{"name": "advisor", "version"}``.
``paths``            the linted paths, as given on the command line.
``fail_on``          the ``--fail-on`` threshold ("error", "warning", "info") or None for never.
``failing``          how many findings reach it (the exit status is 1 when this is not 0).
``severities``       ``["error", "warning", "info"]``, the order used everywhere.
``has_estimates``    whether any finding carries an estimated saving.
``summary``          ``files``, ``calls``, ``findings``, ``fixable`` (findings with a fix),
                     ``suppressed``, ``rules_run``, ``notes``, ``errors``;
                     ``by_severity``: ``[{"severity", "count"}]`` (all three, in order);
                     ``by_rule``: ``[{"name", "code", "severity", "count", "anchor", "saving",
                     "summary"}]`` in impact order; ``input_tokens`` (all files) and ``call_input_tokens``
                     (all call sites; ``partial_calls`` of them have dynamic parts not counted);
                     ``savings``: None, or the honest headline of the estimated savings (see
                     `advisor.report.headline`; times are never summed across call sites)
                     ``{"findings", "sites", "largest": {"location", "rule", "anchor",
                     "visible_ttft_ms", "total_ms", "cost_per_1k_calls_usd"}, "median":
                     {the same three keys, the median over call sites}, "traffic": None or
                     {"sites", "unweighted_sites", "calls_per_day", "waiting_saved_ms_per_day",
                     "cost_saved_usd_per_day"}, "basis"}``;
                     ``measured``: one entry per ``--ab`` run, shown first: ``{"id", "source",
                     "status", "label", "text", "faster", "delta_ms", "ci95", "arms":
                     [{"name", "model", "median_ms"}]}``;
                     ``call_estimates``: None, or ``{"count", "cost_per_1k_calls_usd",
                     "visible_ttft_ms_median", "total_ms_median"}`` over the estimated calls.
``rules``            the findings grouped by rule, ordered by estimated impact (summed
                     savings, then severity, then count). Each group: ``name``, ``code``,
                     ``severity`` (the highest of its findings), ``anchor`` (HTML id),
                     ``count``, ``file_count``, ``saving`` (None, or the largest per-call times
                     and the summed money of its findings), ``open`` (shown
                     expanded), the rule's documentation ``doc``: ``{"summary", "why",
                     "guide", "example", "use_instead", "fix", "fix_note"}``; ``files``: the
                     file groups shown, ``[{"path", "count", "shown", "findings": [finding]}]``;
                     ``more``: None, or the findings beyond the excerpt cap
                     ``{"count", "file_count", "files": [{"path", "count", "lines", "more_lines"}],
                     "files_omitted"}``.
                     A finding: ``id``, ``rule``, ``code``, ``severity``, ``path``, ``line``,
                     ``column``, ``end_line``, ``end_column``, ``location`` ("path:line:col"),
                     ``message``, ``suggestion``, ``saving`` (None or ``{"visible_ttft_ms",
                     "total_ms", "cost_per_1k_calls_usd", "basis"}``), ``fix`` (None or
                     ``{"description", "safety", "applies"}``), ``diff`` (None or
                     ``{"header": [str], "rows": [{"kind", "text"}]}``; kinds: hunk, context,
                     removed, added, cut), ``excerpt`` (None or ``{"rows": [{"number",
                     "hit", "gap", "skipped", "pieces": [{"text", "mark", "elided"}]}]}``),
                     ``excerpt_note`` (why the excerpt is missing).
``baseline``         None, or with a baseline (``--baseline``): ``file``, ``known`` (findings in
                     it, left out of everything above), ``fixed`` (its entries of the linted
                     files not found again), ``rows`` (``location``, ``rule``, ``code``,
                     ``severity``, ``message``) and ``omitted`` (beyond the cap).
``files``            ``{"rows": [...], "omitted"}``: files with findings by impact; a row has
                     ``path``, ``kind``, ``tokens``, ``count``, ``errors``, ``warnings``,
                     ``infos``, ``rules`` (names), ``saving``.
``calls``            ``{"rows": [...], "has_estimates"}``: every API call site, by path and
                     line; a row has ``path``, ``line``, ``location``, ``api``, ``function``,
                     ``model``, ``model_dynamic``, ``max_tokens``, ``max_tokens_dynamic``,
                     ``stream`` ("yes", "no", "depends"), ``runs_in`` ("ui", "batch",
                     "unknown"), ``runs_in_reason``, ``input_tokens``, ``input_is_partial``,
                     ``estimate`` (None or the engine's per-call estimate: ``model``,
                     ``input_tokens``, ``output_tokens``, ``output_basis``, ``ttft_ms``,
                     ``total_ms``, ``visible_ttft_ms``, ``cost_per_1k_calls_usd``,
                     ``assumption``).
``charts``           SVG (Markup): ``findings_by_rule``, ``prompt_tokens``, ``largest_prompts``,
                     and ``savings_by_rule`` (None without estimates).
``ab``               one entry per ``--ab`` run: ``id``, ``source``, ``status``, ``spent_usd``,
                     ``metric``, ``metric_label``, ``trials_per_arm``, ``seed``, ``arms``
                     (``[{"name", "model", "stream", "source", "trials", "errors",
                     "truncated", "ttft_ms", "total_ms", "output_tokens" (each ``{"n",
                     "median", "p90", "mean", "stdev"}``), "input_tokens_median",
                     "cost_usd", "output", "output_cut"}]``), ``verdict`` and ``verdicts``
                     (``{"metric", "label", "faster", "delta_ms", "ci95", "p_value",
                     "reason", "caveats", "n", "text"}``), ``warnings``, ``charts``
                     (``{"ttft_ms", "total_ms"}`` SVG).
``notes``            ``{"rows": [{"path", "reason"}], "omitted"}``: files the lint skipped.
``errors``           run errors (strings).
``limits``           the caps applied (``excerpts_per_rule``, ``more_files``, ``file_rows``,
                     ``notes``).
``assets``           ``{"css", "js"}`` (Markup, to put inside ``<style>`` and ``<script>``)
                     and ``csp``: a Content-Security-Policy allowing exactly those two.
"""

from __future__ import annotations

import datetime as _dt
import os
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from .. import __version__, checks
from ..engine import FileReport, LintResult
from ..excerpts import SourceFiles, cell_excerpt, excerpt, fix_diff
from ..model import Finding, Severity
from ..secrets import redact
from . import charts
from .headline import headline
from .render import format_ms

SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)
SAVING_KEYS = ("visible_ttft_ms", "total_ms", "cost_per_1k_calls_usd")
ESTIMATE_KEYS = (
    "model", "input_tokens", "output_tokens", "output_basis", "ttft_ms", "total_ms",
    "visible_ttft_ms", "cost_per_1k_calls_usd", "assumption",
)


@dataclass(frozen=True)
class Limits:
    """Caps that keep a report of a big repository small and quick to open."""

    excerpts_per_rule: int = 25  # findings shown in full (excerpt, diff) per rule
    more_files: int = 300  # files listed by name in a rule's "and N more" part
    more_lines: int = 12  # line numbers listed per file there
    file_rows: int = 100  # rows of the files table
    notes: int = 200  # skipped-file notes listed
    open_findings: int = 40  # a report with at most this many findings opens every group
    largest_prompts: int = 10  # bars in the largest-prompts chart
    known_findings: int = 200  # baseline findings listed in their section

    def to_dict(self) -> dict[str, int]:
        return {
            "excerpts_per_rule": self.excerpts_per_rule,
            "more_files": self.more_files,
            "file_rows": self.file_rows,
            "notes": self.notes,
        }


# ---------------------------------------------------------------------------------------
# Savings and impact
# ---------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def saving_of(estimate: Any) -> dict[str, Any] | None:
    """A finding's estimated saving, tolerant of partial data; None when it has none."""
    if not isinstance(estimate, Mapping):
        return None
    saving: dict[str, Any] = {key: _number(estimate.get(key)) for key in SAVING_KEYS}
    if all(value is None for value in saving.values()):
        return None
    saving["basis"] = redact(str(estimate.get("basis") or ""))
    return saving


def _sum_savings(savings: Sequence[dict[str, Any] | None]) -> dict[str, Any] | None:
    """The savings of a group of findings (a rule's, a file's): the largest per-call time
    saving (times at unrelated call sites do not add up: see `headline`) and the summed
    money per 1,000 calls of each site (which does)."""
    present = [s for s in savings if s is not None]
    if not present:
        return None
    total: dict[str, Any] = {}
    for key in SAVING_KEYS:
        values = [s[key] for s in present if s[key] is not None]
        combine = sum if key == "cost_per_1k_calls_usd" else max
        total[key] = combine(values) if values else None
    total["findings"] = len(present)
    return total


def _impact(saving: Mapping[str, Any] | None) -> tuple[float, float, float]:
    """Bigger is more impact: time to the first visible token saved, then total time,
    then money. A finding without an estimate counts as saving nothing measurable."""
    if not saving:
        return (0.0, 0.0, 0.0)
    return tuple(float(saving.get(key) or 0.0) for key in SAVING_KEYS)  # type: ignore[return-value]


def finding_key(finding: Finding, saving: Mapping[str, Any] | None) -> tuple:
    ttft, total, cost = _impact(saving)
    span = finding.span
    return (-ttft, -total, -cost, -finding.severity.rank, finding.path, span.line, span.column, finding.message)


def _group_key(saving: Mapping[str, Any] | None, severity: Severity, count: int, name: str) -> tuple:
    ttft, total, cost = _impact(saving)
    return (-ttft, -total, -cost, -severity.rank, -count, name)


# ---------------------------------------------------------------------------------------
# Building the context
# ---------------------------------------------------------------------------------------


def generated_at() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        moment = _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc)
    else:
        moment = _dt.datetime.now(_dt.timezone.utc)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_context(
    result: LintResult,
    *,
    paths: Sequence[str] = (),
    title: str | None = None,
    fail_on: Severity | None = Severity.WARNING,
    ab_runs: Sequence[dict[str, Any]] = (),
    limits: Limits = Limits(),
    base: Path | None = None,
    traffic: Mapping[str, float] | None = None,
    traffic_root: Path | None = None,
) -> dict[str, Any]:
    """Everything the template shows. ``ab_runs`` are views from
    :func:`advisor.report.abresults.ab_view`; ``base`` is the directory finding paths are
    relative to (the working directory when None); ``traffic`` the calls per day per call
    site or glob (``[tool.advisor.traffic]``, keys relative to ``traffic_root``)."""
    sources = SourceFiles(base)
    savings = [saving_of(f.estimate) for f in result.findings]
    keyed = sorted(zip(result.findings, savings), key=lambda pair: finding_key(*pair))
    kinds = {report.path: report for report in result.files}
    anchors: dict[int, str] = {}
    rule_groups = _rule_groups(keyed, sources, limits, anchors, result, open_all=len(result.findings) <= limits.open_findings)
    calls = _calls(result)
    summary = _summary(result, rule_groups, calls)
    summary["savings"] = headline(keyed, result.calls, anchors, traffic, traffic_root, line_label=result.line_label)
    summary["measured"] = [_measured(run) for run in ab_runs]
    shown_paths = [redact(str(p)) for p in paths] or ["."]
    return {
        "title": redact(title) if title else f"Prompt latency report: {_describe_paths(shown_paths, base)}",
        "generated_at": generated_at(),
        "models_as_of": result.as_of.isoformat() if result.as_of else None,
        "generator": {"name": "advisor", "version": __version__},
        "paths": shown_paths,
        "fail_on": fail_on.value if fail_on is not None else None,
        "failing": result.count_at_or_above(fail_on) if fail_on is not None else 0,
        "severities": [s.value for s in SEVERITIES],
        "has_estimates": summary["savings"] is not None,
        "summary": summary,
        "rules": rule_groups,
        "files": _files(keyed, kinds, limits),
        "calls": calls,
        "charts": _charts(result, rule_groups, limits),
        "ab": list(ab_runs),
        "notes": {
            "rows": [{"path": redact(n.path), "reason": redact(n.reason)} for n in result.notes[: limits.notes]],
            "omitted": max(0, len(result.notes) - limits.notes),
        },
        "errors": [redact(str(e)) for e in result.errors],
        "limits": limits.to_dict(),
        "baseline": _baseline(result, limits),
    }


def _baseline(result: LintResult, limits: Limits) -> dict[str, Any] | None:
    """The known findings a baseline set apart (not counted anywhere else in the report)."""
    outcome = result.baseline
    if outcome is None:
        return None
    rows = [{"location": redact(f"{f.path}:{result.line_label(f.path, f.span.line)}:{f.span.column}"), "rule": f.rule,
             "code": f.code,
             "severity": f.severity.value, "message": redact(f.message)}
            for f in sorted(outcome.known, key=Finding.sort_key)[: limits.known_findings]]
    return {"file": redact(outcome.path), "known": len(outcome.known), "fixed": outcome.fixed, "rows": rows,
            "omitted": max(0, len(outcome.known) - limits.known_findings)}


def _describe_paths(paths: Sequence[str], base: Path | None) -> str:
    """The linted paths for a title; "." becomes the directory's name."""
    here = (base or Path.cwd()).resolve()
    return ", ".join((here.name or str(here)) if p in (".", "./") else p for p in paths)


def _rule_doc(name: str) -> tuple[Any, dict[str, str]]:
    rule = checks.get_rule(name)
    if rule is None:
        return None, {"summary": "", "why": "", "guide": "", "example": "", "use_instead": "", "fix": "none", "fix_note": ""}
    return rule, {
        "summary": rule.summary,
        "why": rule.why,
        "guide": rule.guide,
        "example": rule.example,
        "use_instead": rule.use_instead,
        "fix": rule.fix.value,
        "fix_note": rule.fix_note,
    }


def _rule_groups(
    keyed: list[tuple[Finding, dict[str, Any] | None]],
    sources: SourceFiles,
    limits: Limits,
    anchors: dict[int, str],
    result: LintResult,
    *,
    open_all: bool,
) -> list[dict[str, Any]]:
    """The rule groups; ``anchors`` receives the HTML id of each finding shown in full."""
    by_rule: dict[str, list[tuple[Finding, dict[str, Any] | None]]] = defaultdict(list)
    for pair in keyed:
        by_rule[pair[0].rule].append(pair)
    groups: list[dict[str, Any]] = []
    counter = 0
    for name, pairs in by_rule.items():
        rule, doc = _rule_doc(name)
        severity = max((f.severity for f, _ in pairs), key=lambda s: s.rank)
        saving = _sum_savings([s for _, s in pairs])
        # Files in impact order: their summed saving, worst severity, number of findings.
        per_file: dict[str, list[tuple[Finding, dict[str, Any] | None]]] = defaultdict(list)
        for pair in pairs:
            per_file[pair[0].path].append(pair)
        file_order = sorted(
            per_file,
            key=lambda path: _group_key(
                _sum_savings([s for _, s in per_file[path]]),
                max((f.severity for f, _ in per_file[path]), key=lambda s: s.rank),
                len(per_file[path]),
                path,
            ),
        )
        shown_ids = {id(f) for f, _ in pairs[: limits.excerpts_per_rule]}
        files = []
        more_files = []
        for path in file_order:
            shown = [(f, s) for f, s in per_file[path] if id(f) in shown_ids]
            rest = [f for f, _ in per_file[path] if id(f) not in shown_ids]
            if shown:
                views = []
                for finding, finding_saving in shown:
                    counter += 1
                    anchors[id(finding)] = f"f{counter}"
                    views.append(_finding_view(finding, finding_saving, f"f{counter}", sources, result))
                files.append({"path": redact(path), "count": len(per_file[path]), "shown": len(shown), "findings": views})
            if rest:
                lines = [result.line_label(path, line) for line in sorted({f.span.line for f in rest})]
                more_files.append(
                    {
                        "path": redact(path),
                        "count": len(rest),
                        "lines": lines[: limits.more_lines],
                        "more_lines": max(0, len(lines) - limits.more_lines),
                    }
                )
        hidden = len(pairs) - len(shown_ids)
        more = None
        if hidden:
            more = {
                "count": hidden,
                "file_count": len(more_files),
                "files": more_files[: limits.more_files],
                "files_omitted": max(0, len(more_files) - limits.more_files),
            }
        groups.append(
            {
                "name": name,
                "code": rule.code if rule is not None else (pairs[0][0].code or ""),
                "severity": severity.value,
                "severity_rank": severity.rank,
                "anchor": f"rule-{_slug(name)}",
                "count": len(pairs),
                "file_count": len(per_file),
                "saving": saving,
                "open": open_all,
                "doc": doc,
                "files": files,
                "more": more,
            }
        )
    groups.sort(key=lambda g: _group_key(g["saving"], Severity(g["severity"]), g["count"], g["name"]))
    for group in groups:
        group.pop("severity_rank")
    return groups


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c == "-" else "-" for c in name.lower()) or "rule"


def _finding_view(finding: Finding, saving: dict[str, Any] | None, ident: str, sources: SourceFiles,
                  result: LintResult) -> dict[str, Any]:
    span = finding.span
    lines, note = sources.lines(finding.path)
    shown_excerpt = None
    cells = result.cells_of(finding.path)
    if lines is not None:
        shown_excerpt, note = excerpt(lines, span) if cells is None else cell_excerpt(lines, span, cells)
    fix = None
    diff = None
    if finding.fix is not None:
        text, _ = sources.text(finding.path)
        diff = fix_diff(finding.path, text, finding.fix, cells) if text is not None else None
        fix = {
            "description": redact(str(getattr(finding.fix, "description", "") or "")),
            "safety": str(getattr(finding.fix, "safety", "") or ""),
            "applies": diff is not None,
        }
    path = redact(finding.path)
    return {
        "id": ident,
        "rule": finding.rule,
        "code": finding.code,
        "severity": finding.severity.value,
        "path": path,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "location": f"{path}:{result.line_label(finding.path, span.line)}:{span.column}",
        "message": redact(finding.message),
        "suggestion": redact(finding.suggestion) if finding.suggestion else None,
        "saving": saving,
        "fix": fix,
        "diff": diff,
        "excerpt": shown_excerpt,
        "excerpt_note": note,
    }


def _files(
    keyed: list[tuple[Finding, dict[str, Any] | None]], reports: Mapping[str, FileReport], limits: Limits
) -> dict[str, Any]:
    per_file: dict[str, list[tuple[Finding, dict[str, Any] | None]]] = defaultdict(list)
    for pair in keyed:
        per_file[pair[0].path].append(pair)
    rows = []
    for path, pairs in per_file.items():
        counts = Counter(f.severity for f, _ in pairs)
        report = reports.get(path)
        worst = max((f.severity for f, _ in pairs), key=lambda s: s.rank)
        saving = _sum_savings([s for _, s in pairs])
        rows.append(
            (
                _group_key(saving, worst, len(pairs), path),
                {
                    "path": redact(path),
                    "kind": report.kind if report else "",
                    "tokens": report.tokens if report else None,
                    "count": len(pairs),
                    "errors": counts[Severity.ERROR],
                    "warnings": counts[Severity.WARNING],
                    "infos": counts[Severity.INFO],
                    "rules": sorted({f.rule for f, _ in pairs}),
                    "saving": saving,
                },
            )
        )
    rows.sort(key=lambda pair: pair[0])
    return {"rows": [row for _, row in rows[: limits.file_rows]], "omitted": max(0, len(rows) - limits.file_rows)}


def _display_field(value: Any) -> tuple[str | None, bool]:
    """A call field from ``summarize_call``: literal, ``{"dynamic": source}`` or None."""
    if isinstance(value, dict) and "dynamic" in value:
        return redact(str(value.get("dynamic") or "computed at run time")), True
    if value is None:
        return None, False
    return redact(str(value)), False


def _estimate(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, Mapping):
        return None
    shown = {}
    for key in ESTIMATE_KEYS:
        item = value.get(key)
        shown[key] = redact(item) if isinstance(item, str) else _number(item)
    return shown


def _calls(result: LintResult) -> dict[str, Any]:
    rows = []
    for call in sorted(result.calls, key=lambda c: (c.get("path", ""), c.get("line", 0), c.get("column", 0))):
        model, model_dynamic = _display_field(call.get("model"))
        max_tokens, max_dynamic = _display_field(call.get("max_tokens"))
        stream = call.get("stream")
        path = redact(str(call.get("path", "")))
        rows.append(
            {
                "path": path,
                "line": call.get("line"),
                "location": f"{path}:{result.line_label(str(call.get('path', '')), int(call.get('line') or 0))}",
                "api": redact(str(call.get("api") or "")),
                "function": redact(str(call["function"])) if call.get("function") else None,
                "model": model,
                "model_dynamic": model_dynamic,
                "max_tokens": max_tokens,
                "max_tokens_dynamic": max_dynamic,
                "stream": "yes" if stream is True else "no" if stream is False else "depends",
                "runs_in": str(call.get("runs_in") or "unknown"),
                "runs_in_reason": redact(str(call.get("runs_in_reason") or "")),
                "input_tokens": call.get("input_tokens"),
                "input_is_partial": bool(call.get("input_is_partial")),
                "estimate": _estimate(call.get("estimate")),
            }
        )
    return {"rows": rows, "has_estimates": any(row["estimate"] for row in rows)}


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _summary(result: LintResult, groups: list[dict[str, Any]], calls: dict[str, Any]) -> dict[str, Any]:
    counts = Counter(f.severity for f in result.findings)
    estimated = [row["estimate"] for row in calls["rows"] if row["estimate"]]
    call_estimates = None
    if estimated:
        costs = [e["cost_per_1k_calls_usd"] for e in estimated if e["cost_per_1k_calls_usd"] is not None]
        call_estimates = {
            "count": len(estimated),
            "cost_per_1k_calls_usd": sum(costs) if costs else None,
            "visible_ttft_ms_median": _median([e["visible_ttft_ms"] for e in estimated if e["visible_ttft_ms"] is not None]),
            "total_ms_median": _median([e["total_ms"] for e in estimated if e["total_ms"] is not None]),
        }
    call_tokens = [row["input_tokens"] for row in calls["rows"] if isinstance(row["input_tokens"], int)]
    return {
        "files": len(result.files),
        "calls": len(calls["rows"]),
        "findings": len(result.findings),
        "fixable": sum(1 for f in result.findings if f.fix is not None),
        "suppressed": sum(report.suppressed for report in result.files),
        "rules_run": len(result.rules),
        "notes": len(result.notes),
        "errors": len(result.errors),
        "by_severity": [{"severity": s.value, "count": counts[s]} for s in SEVERITIES],
        "by_rule": [
            {
                "name": g["name"],
                "code": g["code"],
                "severity": g["severity"],
                "count": g["count"],
                "anchor": g["anchor"],
                "saving": g["saving"],
                "summary": g["doc"]["summary"],
            }
            for g in groups
        ],
        "input_tokens": sum(report.tokens for report in result.files),
        "call_input_tokens": sum(call_tokens),
        "partial_calls": sum(1 for row in calls["rows"] if row["input_is_partial"]),
        "savings": None,  # `headline`, set by build_context
        "call_estimates": call_estimates,
    }


def _measured(run: Mapping[str, Any]) -> dict[str, Any]:
    """An `advisor ab` run's headline verdict, for the top of the summary: measured
    results come before estimates."""
    verdict = run.get("verdict") or {}
    return {
        "id": run.get("id"),
        "source": run.get("source"),
        "status": run.get("status"),
        "label": verdict.get("label"),
        "text": verdict.get("text"),
        "faster": verdict.get("faster"),
        "delta_ms": verdict.get("delta_ms"),
        "ci95": verdict.get("ci95"),
        "arms": [{"name": arm.get("name"), "model": arm.get("model"), "median_ms": (arm.get(run.get("metric") or "ttft_ms") or {}).get("median")}
                 for arm in run.get("arms") or []],
    }


def _charts(result: LintResult, groups: list[dict[str, Any]], limits: Limits) -> dict[str, Any]:
    by_rule = charts.bar_chart(
        "chart-findings-by-rule",
        "Findings per rule",
        [(g["name"], g["count"], charts.SEVERITY_FILL.get(g["severity"], charts.NEUTRAL_FILL)) for g in groups],
    )
    sized = [report for report in result.files if report.tokens > 0]
    prompt_tokens = charts.histogram(
        "chart-prompt-tokens",
        "Prompt size: files by estimated tokens",
        charts.token_bins(report.tokens for report in sized),
        x_label="estimated tokens per file",
    )
    largest = sorted(sized, key=lambda r: (-r.tokens, r.path))[: limits.largest_prompts]
    largest_prompts = charts.bar_chart(
        "chart-largest-prompts",
        f"The {len(largest)} largest prompt files (estimated tokens)",
        [(report.path, report.tokens, charts.NEUTRAL_FILL) for report in largest],
        unit=" tokens",
    )
    with_savings = [g for g in groups if g["saving"] and g["saving"].get("visible_ttft_ms")]
    savings_chart = None
    if with_savings:
        savings_chart = charts.bar_chart(
            "chart-savings-by-rule",
            "Estimated time to first visible token saved per rule (ms, the largest single call)",
            [
                (g["name"], g["saving"]["visible_ttft_ms"], charts.SEVERITY_FILL.get(g["severity"], charts.NEUTRAL_FILL))
                for g in with_savings
            ],
            value_format=format_ms,
        )
    return {
        "findings_by_rule": by_rule,
        "prompt_tokens": prompt_tokens,
        "largest_prompts": largest_prompts,
        "savings_by_rule": savings_chart,
    }
