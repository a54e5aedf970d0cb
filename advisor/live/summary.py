"""Turns the logged trials of an `advisor ab` run into its result: per-arm statistics,
a verdict per metric, the first answer of each arm, and the warnings a reader needs so
that a "faster" change which breaks the answer does not look like a win.

Warm-ups are left out; failed trials are listed and counted but never used as latencies.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from . import stats
from .cost import format_usd, round_usd
from .plan import METRICS, Arm, Plan
from .runner import BUDGET, COMPLETE, CONFIDENT, FAILED, INTERRUPTED

SUMMARY_VERSION = 1
DESCRIBED = ("ttft_ms", "total_ms", "output_tokens", "tokens_per_s")
SHORTER_RATIO = 0.5  # "much shorter": the after arm's median answer under half the before arm's


def summarize(plan: Plan, records: list[dict[str, Any]], status: str, spent_usd: float,
              reason: str | None = None) -> dict[str, Any]:
    """The run's result; ``reason`` says why a run stopped as "failed". A run that went
    to the end without one successful trial is "failed" too: it measured nothing."""
    trials = sorted((r for r in records if not r["warmup"]), key=lambda r: r["seq"])
    if status in (COMPLETE, CONFIDENT) and trials and all(t["error"] is not None for t in trials):
        kinds = ", ".join(sorted({t["error"] for t in trials}))
        status, reason = FAILED, reason or f"every trial failed ({kinds}): nothing was measured"
    by_arm = {arm.name: [t for t in trials if t["arm"] == arm.name] for arm in plan.arms}
    arms = {arm.name: arm_summary(arm, by_arm[arm.name], plan) for arm in plan.arms}
    quality = quality_warnings(arms, by_arm)
    verdicts = {metric: verdict(metric, by_arm, plan.settings.seed, quality) for metric in METRICS}
    return {
        "version": SUMMARY_VERSION,
        "status": status,
        **({"reason": reason} if reason else {}),
        "spent_usd": round_usd(spent_usd),
        "plan": plan.to_dict(),
        "arms": arms,
        "verdict": verdicts[plan.settings.metric],
        "verdicts": verdicts,
        "outputs": {name: _first_output(arm_trials) for name, arm_trials in by_arm.items()},
        "warnings": ([reason] if reason else []) + quality + run_warnings(plan, arms, status),
        "trials": trials,
    }


def arm_summary(arm: Arm, trials: list[dict[str, Any]], plan: Plan) -> dict[str, Any]:
    succeeded = [t for t in trials if t["error"] is None]
    out: dict[str, Any] = {
        "model": arm.model,
        "stream": arm.streamed,
        "source": arm.source,
        "trials": len(trials),
        "errors": len(trials) - len(succeeded),
        "error_types": dict(Counter(t["error"] for t in trials if t["error"] is not None)),
        "truncated": sum(1 for t in succeeded if t["truncated"]),
    }
    for key in DESCRIBED:
        described = stats.describe([t[key] for t in succeeded if t[key] is not None])
        out[key] = {name: _round(value) for name, value in described.items()}
    priced = plan.estimates[arm.name].trial_usd_max is not None
    out["cost_usd"] = round_usd(sum(t["cost_usd"] or 0.0 for t in trials)) if priced else None
    return out


def verdict(metric: str, by_arm: dict[str, list[dict[str, Any]]], seed: int, quality: list[str]) -> dict[str, Any]:
    """The comparison on one metric; a verdict for ``after`` carries the quality warnings
    as caveats, because a faster answer that is cut off or thin is not a win."""
    before, after = ([t[metric] for t in by_arm[name] if t["error"] is None and t[metric] is not None]
                     for name in ("before", "after"))
    comparison = stats.compare(before, after, seed=seed)
    return {
        "metric": metric,
        "faster": comparison.faster,
        "delta_ms": _round(comparison.delta),
        "ci95": [_round(bound) for bound in comparison.ci] if comparison.ci else None,
        "p_value": float(f"{comparison.p_value:.3g}") if comparison.p_value is not None else None,
        "n": {"before": comparison.n_before, "after": comparison.n_after},
        "reason": comparison.reason,
        "caveats": [w for w in quality if w.startswith("after")] if comparison.faster == "after" else [],
    }


def quality_warnings(arms: dict[str, dict[str, Any]], by_arm: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Signs that an arm's answers changed: truncation, empty answers, a much shorter after."""
    warnings = []
    for name, arm in arms.items():
        succeeded = arm["trials"] - arm["errors"]
        if arm["truncated"]:
            warnings.append(f"{name}: {arm['truncated']} of {succeeded} answers stopped at max_tokens (truncated)")
        empty = sum(1 for t in by_arm[name] if t["error"] is None and not t["text"])
        if empty:
            warnings.append(f"{name}: {empty} of {succeeded} answers had no text")
        warnings.extend(_cache_mix(name, [t for t in by_arm[name] if t["error"] is None]))
    before_tokens, after_tokens = arms["before"]["output_tokens"]["median"], arms["after"]["output_tokens"]["median"]
    if before_tokens and after_tokens is not None and after_tokens < SHORTER_RATIO * before_tokens:
        warnings.append(
            f"after: answers are much shorter than before's (median {after_tokens:g} vs {before_tokens:g} output "
            "tokens); check that they still do the job"
        )
    return warnings


def _cache_mix(name: str, succeeded: list[dict[str, Any]]) -> list[str]:
    """An arm whose trials partly wrote and partly read the prompt cache mixes two
    different latencies in one distribution."""
    reads = sum(1 for t in succeeded if t["cache_read_input_tokens"])
    writes = sum(1 for t in succeeded if t["cache_creation_input_tokens"])
    if reads and writes:
        return [f"{name}: {writes} trials wrote the prompt cache and {reads} read it; its latencies mix both kinds"]
    return []


def run_warnings(plan: Plan, arms: dict[str, dict[str, Any]], status: str) -> list[str]:
    """Failed trials, unknown prices and how the run ended."""
    warnings = []
    for name, arm in arms.items():
        if arm["errors"]:
            kinds = ", ".join(f"{kind} x{count}" for kind, count in arm["error_types"].items())
            warnings.append(f"{name}: {arm['errors']} of {arm['trials']} trials failed ({kinds}); they are not latencies")
    for model in plan.unpriced_models():
        warnings.append(f"no catalog price for {model}: its cost is unknown and not counted against the budget")
    trials = sum(arm["trials"] for arm in arms.values())
    if status == BUDGET:
        warnings.append(
            f"the budget ({format_usd(plan.settings.budget_usd)}) stopped the run after {trials} trials; raise --budget-usd "
            "and --resume the run directory to go on"
        )
    elif status == INTERRUPTED:
        warnings.append(f"interrupted after {trials} trials: a partial result; --resume the run directory to go on")
    elif status == CONFIDENT:
        level = stats.stop_confidence(plan.settings.looks)
        warnings.append(
            f"--until-confident stopped early; each interim look needed a {level:.2%} interval (Bonferroni over "
            f"{plan.settings.looks} looks) so that stopping early does not manufacture a difference"
        )
    return warnings


def _round(value: float | None) -> float | None:
    """A tenth of a millisecond (or token, or token per second): the network and the
    clock jitter far more than that, so more digits would only be noise."""
    return None if value is None else round(value, 1)


def _first_output(trials: list[dict[str, Any]]) -> str | None:
    return next((t["text"] for t in trials if t["error"] is None), None)
