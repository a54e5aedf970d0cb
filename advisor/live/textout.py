"""Human-readable output of `advisor ab`: the plan before the first call, a one-line
progress bar while trials run, and the compact result table with its verdict."""

from __future__ import annotations

import itertools
import textwrap
from typing import Any

from . import stats
from .cost import format_usd
from .plan import Plan
from .runner import Progress

METRIC_LABELS = {
    "ttft_ms": "TTFT ms",
    "total_ms": "total ms",
    "output_tokens": "output tokens",
    "tokens_per_s": "tokens/s",
}
VERDICT_LABELS = {"ttft_ms": "time to first token", "total_ms": "total time"}
_COLUMN = 38
_OUTPUT_LINES = 6
_BAR = 20


def render_plan(plan: Plan) -> str:
    settings = plan.settings
    lines = ["advisor ab plan"]
    for arm in plan.arms:
        estimate = plan.estimates[arm.name]
        price = "price unknown" if estimate.trial_usd_max is None else f"<= {_money(estimate.trial_usd_max)}/trial"
        lines.append(
            f"  {arm.name:<7}{arm.model:<22}{'streamed' if arm.streamed else 'not streamed':<14}"
            f"~{estimate.input_tokens:,} input tokens (estimate), max_tokens {estimate.max_tokens:,}, {price}"
            f"  [{arm.source}]"
        )
    lines.append(
        f"  trials: {settings.trials} per arm after {settings.warmup} warm-up(s), interleaved in balanced random "
        f"blocks (seed {settings.seed}), concurrency {settings.concurrency}"
    )
    if settings.until_confident:
        lines.append(
            f"  until confident: up to {settings.trial_ceiling} per arm, looking every {settings.trials} trials at "
            f"a {stats.stop_confidence(settings.looks):.2%} interval"
        )
    lines.append(
        f"  cost: at most {_money(plan.max_cost_usd())} if every answer used max_tokens; "
        f"budget {format_usd(settings.budget_usd)} (no trial starts that could go over it)"
    )
    if plan.max_cost_usd() > settings.budget_usd:
        lines.append("  note: in the worst case the budget ends the run early; raise --budget-usd or lower max_tokens")
    return "\n".join(lines)


def progress_line(progress: Progress) -> str:
    filled = round(_BAR * progress.done / progress.planned) if progress.planned else _BAR
    medians = " · ".join(f"{arm} {_num(value)}" for arm, value in progress.medians.items())
    return (
        f"[{'#' * min(filled, _BAR)}{'.' * (_BAR - min(filled, _BAR))}] {progress.done}/{progress.planned} "
        f"median {METRIC_LABELS.get(progress.metric, progress.metric)}: {medians} · {_money(progress.spent_usd)} spent"
    )


def render_summary(summary: dict[str, Any], directory: str | None = None) -> str:
    arms = summary["arms"]
    before, after = arms["before"], arms["after"]
    sections = [
        f"advisor ab: before ({_describe_arm(before)}) vs after ({_describe_arm(after)}): {summary['status']}",
        _table(summary),
        _verdict_lines(summary),
        _outputs(summary["outputs"]),
    ]
    if summary["warnings"]:
        sections.append("Warnings:\n" + "\n".join(f"  - {warning}" for warning in summary["warnings"]))
    where = f" Results in {directory}/ (summary.json, trials.jsonl)." if directory else ""
    sections.append(f"Spent {_money(summary['spent_usd'])}.{where}")
    return "\n\n".join(section for section in sections if section)


def _describe_arm(arm: dict[str, Any]) -> str:
    return f"{arm['model']}, {'streamed' if arm['stream'] else 'not streamed: TTFT = total'}"


def _table(summary: dict[str, Any]) -> str:
    before, after = summary["arms"]["before"], summary["arms"]["after"]
    header = (
        f"{'':<16}{'before median':>14}{'p90':>10}{'after median':>14}{'p90':>10}   "
        f"{'delta median [95% CI]':<30}{'p':>8}"
    )
    rows = [header]
    for key, label in METRIC_LABELS.items():
        compared = summary["verdicts"].get(key)
        delta = _delta(compared) if compared else ""
        p_value = _p(compared["p_value"]) if compared else ""
        rows.append(
            f"{label:<16}{_num(before[key]['median']):>14}{_num(before[key]['p90']):>10}"
            f"{_num(after[key]['median']):>14}{_num(after[key]['p90']):>10}   {delta:<30}{p_value:>8}"
        )
    rows.append(
        f"{'trials (failed)':<16}{before['trials']:>11} ({before['errors']}){'':>10}"
        f"{after['trials']:>11} ({after['errors']})"
    )
    rows.append(f"{'cost':<16}{_money(before['cost_usd']):>14}{'':>10}{_money(after['cost_usd']):>14}")
    return "\n".join(rows)


def _verdict_lines(summary: dict[str, Any]) -> str:
    headline = summary["verdict"]["metric"]
    order = [headline] + [metric for metric in summary["verdicts"] if metric != headline]
    lines = []
    for metric in order:
        verdict = summary["verdicts"][metric]
        prefix = "Verdict" if metric == headline else "Also"
        lines.append(f"{prefix} ({VERDICT_LABELS[metric]}): {_verdict_text(verdict)}")
        lines.extend(f"  but: {caveat}" for caveat in verdict["caveats"])
    return "\n".join(lines)


def _verdict_text(verdict: dict[str, Any]) -> str:
    if verdict["faster"] is None:
        return f"inconclusive: {verdict['reason']}."
    low, high = verdict["ci95"]
    gain = abs(verdict["delta_ms"])
    near, far = sorted((abs(low), abs(high)))
    return (
        f"{verdict['faster']} is faster by {gain:.0f} ms (95% CI {near:.0f} to {far:.0f} ms; "
        f"Mann-Whitney p{'' if _p(verdict['p_value']).startswith('<') else '='}{_p(verdict['p_value'])})."
    )


def _outputs(outputs: dict[str, str | None]) -> str:
    columns = [_wrap(outputs.get(name)) for name in ("before", "after")]
    lines = [f"  {'before':<{_COLUMN}} | after"]
    for left, right in itertools.zip_longest(*columns, fillvalue=""):
        lines.append(f"  {left:<{_COLUMN}} | {right}")
    return "First answers:\n" + "\n".join(lines)


def _wrap(text: str | None) -> list[str]:
    if text is None:
        return ["(no successful answer)"]
    lines = textwrap.wrap(" ".join(text.split()), _COLUMN) or ["(empty)"]
    if len(lines) > _OUTPUT_LINES:
        rest = " ".join(lines[_OUTPUT_LINES - 1 :])
        lines = lines[: _OUTPUT_LINES - 1] + [textwrap.shorten(rest, _COLUMN, placeholder=" ...")]
    return lines


def _delta(verdict: dict[str, Any]) -> str:
    if verdict["delta_ms"] is None:
        return "n/a"
    low, high = verdict["ci95"]
    return f"{verdict['delta_ms']:+.1f} [{low:+.1f}, {high:+.1f}]"


def _p(value: float | None) -> str:
    if value is None:
        return "n/a"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _money(value: float | None) -> str:
    """Four decimals, or six for the fractions of a cent a fast model costs per trial."""
    if value is None:
        return "unknown"
    return f"${value:.4f}" if value >= 0.01 or value == 0 else f"${value:.6f}"
