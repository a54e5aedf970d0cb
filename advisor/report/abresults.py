"""Reading the results of `advisor ab` runs for the report.

``--ab`` takes the ``summary.json`` that ``advisor ab --out DIR`` writes (or the run
directory holding it), or the same object as printed by ``advisor ab --format json``.
A file that is not such a summary is refused with a message naming it; nothing in it is
trusted beyond its shape (the report escapes every string and masks key-shaped ones).

This module reads JSON only: it does not import the live package (and so not the SDK).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any, Mapping

from ..secrets import redact
from . import charts

SUMMARY_FILE = "summary.json"
SUPPORTED_VERSION = 1
ARMS = ("before", "after")
METRIC_LABELS = {"ttft_ms": "time to first token", "total_ms": "total latency"}
MAX_OUTPUT_CHARS = 6000  # of each arm's sample answer
MAX_POINTS = 2000  # trials drawn per arm and metric


class AbResultError(ValueError):
    """The file is not an `advisor ab` summary; the message names it and says why."""


def load_summary(path: str | Path) -> tuple[dict[str, Any], str]:
    """The summary object of a run and the path it was read from."""
    given = Path(path)
    target = given / SUMMARY_FILE if given.is_dir() else given
    if given.is_dir() and not target.is_file():
        raise AbResultError(f"{given}: the directory holds no {SUMMARY_FILE} (is it an `advisor ab --out` run directory?)")
    try:
        raw = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AbResultError(f"{target}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise AbResultError(f"{target}: cannot read it ({getattr(error, 'strerror', None) or error})") from None
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise AbResultError(f"{target}: not JSON ({error})") from None
    problem = _shape_problem(data)
    if problem:
        raise AbResultError(f"{target}: not an `advisor ab` result: {problem}")
    return data, target.as_posix()


def _shape_problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "the top level is not an object"
    if data.get("dry_run"):
        return "it is a --dry-run plan; run the A/B to get results"
    if data.get("version") != SUPPORTED_VERSION:
        return f"unsupported summary version {data.get('version')!r} (this advisor reads version {SUPPORTED_VERSION})"
    arms = data.get("arms")
    if not isinstance(arms, dict) or not all(isinstance(arms.get(name), dict) for name in ARMS):
        return "it has no `arms.before` and `arms.after`"
    for name in ARMS:
        for metric in METRIC_LABELS:
            if not isinstance(arms[name].get(metric), dict):
                return f"`arms.{name}.{metric}` is missing"
    if not isinstance(data.get("verdicts", {}), dict) or not isinstance(data.get("verdict"), dict):
        return "it has no verdict"
    if not isinstance(data.get("trials", []), list):
        return "`trials` is not a list"
    return None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _string(value: Any) -> str | None:
    return None if value is None else redact(str(value))


def _object(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _described(arm: Mapping[str, Any], key: str) -> dict[str, Any]:
    block = _object(arm.get(key))
    return {name: _number(block.get(name)) for name in ("n", "median", "p90", "mean", "stdev")}


def _verdict(data: Mapping[str, Any], metric: str) -> dict[str, Any]:
    ci = data.get("ci95")
    interval = [_number(ci[0]), _number(ci[1])] if isinstance(ci, list) and len(ci) == 2 else None
    faster = data.get("faster")
    n = _object(data.get("n"))
    return {
        "metric": metric,
        "label": METRIC_LABELS.get(metric, metric),
        "faster": faster if faster in ARMS else None,
        "delta_ms": _number(data.get("delta_ms")),
        "ci95": interval if interval and None not in interval else None,
        "p_value": _number(data.get("p_value")),
        "reason": _string(data.get("reason")) or "",
        "caveats": [redact(str(c)) for c in data.get("caveats") or []],
        "n": {name: _number(n.get(name)) for name in ARMS},
        "text": _verdict_text(faster, data),
    }


def _verdict_text(faster: Any, data: Mapping[str, Any]) -> str:
    if faster == "after":
        return "after is faster"
    if faster == "before":
        return "before is faster (the change made it slower)"
    return "no verdict"


def _cut(text: Any) -> tuple[str | None, int]:
    if text is None:
        return None, 0
    text = redact(str(text))
    if len(text) <= MAX_OUTPUT_CHARS:
        return text, 0
    return text[:MAX_OUTPUT_CHARS], len(text) - MAX_OUTPUT_CHARS


def ab_view(summary: Mapping[str, Any], source: str, index: int) -> dict[str, Any]:
    """One A/B run as the template shows it."""
    ident = f"ab{index}"
    plan = _object(summary.get("plan"))
    settings = _object(plan.get("settings"))
    plan_arms = _object(plan.get("arms"))
    trials = [t for t in summary.get("trials") or [] if isinstance(t, dict) and not t.get("warmup")]
    outputs = _object(summary.get("outputs"))
    arms: list[dict[str, Any]] = []
    for name in ARMS:
        arm = summary["arms"][name]
        planned = _object(plan_arms.get(name))
        text, cut = _cut(outputs.get(name))
        succeeded = [t for t in trials if t.get("arm") == name and t.get("error") is None]
        input_tokens = [v for v in (_number(t.get("input_tokens")) for t in succeeded) if v is not None]
        arms.append(
            {
                "name": name,
                "model": _string(arm.get("model")) or "?",
                "stream": bool(arm.get("stream")),
                "source": _string(arm.get("source") or planned.get("source")) or "",
                "trials": _number(arm.get("trials")) or 0,
                "errors": _number(arm.get("errors")) or 0,
                "truncated": _number(arm.get("truncated")) or 0,
                "ttft_ms": _described(arm, "ttft_ms"),
                "total_ms": _described(arm, "total_ms"),
                "output_tokens": _described(arm, "output_tokens"),
                "input_tokens_median": _median(input_tokens),
                "cost_usd": _number(arm.get("cost_usd")),
                "output": text,
                "output_cut": cut,
            }
        )
    verdicts = _object(summary.get("verdicts"))
    headline = summary["verdict"]
    metric = str(headline.get("metric") or settings.get("metric") or "ttft_ms")
    view_charts = {}
    for key, label in METRIC_LABELS.items():
        series: list[tuple[str, str, list[float]]] = []
        for arm in arms:
            numbers = [_number(t.get(key)) for t in trials if t.get("arm") == arm["name"] and t.get("error") is None]
            values = [v for v in numbers if v is not None][:MAX_POINTS]
            series.append((arm["name"], f"{arm['name']} · {arm['model']}", values))
        view_charts[key] = charts.distribution_plot(f"{ident}-{key.replace('_', '-')}", f"{label.capitalize()} per trial (ms)", series)
    return {
        "id": ident,
        "source": redact(source),
        "status": _string(summary.get("status")) or "unknown",
        "spent_usd": _number(summary.get("spent_usd")),
        "metric": metric,
        "metric_label": METRIC_LABELS.get(metric, metric),
        "trials_per_arm": _number(settings.get("trials")),
        "seed": settings.get("seed") if isinstance(settings.get("seed"), int) else None,
        "arms": arms,
        "verdict": _verdict(headline, metric),
        "verdicts": [_verdict(verdicts[key], key) for key in METRIC_LABELS if isinstance(verdicts.get(key), dict)]
        or [_verdict(headline, metric)],
        "warnings": [redact(str(w)) for w in summary.get("warnings") or []],
        "charts": view_charts,
    }


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None
