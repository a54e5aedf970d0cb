"""Statistics for `advisor ab`, hand-written (no numpy/scipy) and chosen for latency data.

Latencies are skewed with long tails, so the comparison is about medians, not means: the
difference of medians with a percentile-bootstrap confidence interval, and the
Mann-Whitney U test (normal approximation with tie and continuity corrections) as a
second, rank-based opinion. A verdict needs both to agree and a minimum sample, because
the percentile bootstrap is too confident on tiny samples (three against three fully
separated values give an interval that excludes zero, yet U's exact p is 0.1).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Sequence

MIN_TRIALS_FOR_VERDICT = 5
ALPHA = 0.05
DEFAULT_RESAMPLES = 2000


def quantile(values: Sequence[float], q: float) -> float:
    """The ``q`` quantile by linear interpolation between order statistics (the common
    "type 7" definition, numpy's default)."""
    if not values:
        raise ValueError("quantile of no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return quantile(values, 0.5)


def describe(values: Sequence[float]) -> dict[str, Any]:
    """n, median, p90, mean and sample standard deviation (None where undefined)."""
    n = len(values)
    if n == 0:
        return {"n": 0, "median": None, "p90": None, "mean": None, "stdev": None}
    mean = math.fsum(values) / n
    stdev = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else None
    return {"n": n, "median": median(values), "p90": quantile(values, 0.9), "mean": mean, "stdev": stdev}


def bootstrap_median_difference(
    before: Sequence[float],
    after: Sequence[float],
    *,
    confidence: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | None = None,
) -> tuple[float, float]:
    """Percentile-bootstrap interval of ``median(after) - median(before)``: both arms are
    resampled with replacement, independently, ``resamples`` times."""
    rng = random.Random(seed)
    differences = [
        _median_sorted(sorted(rng.choices(after, k=len(after))))
        - _median_sorted(sorted(rng.choices(before, k=len(before))))
        for _ in range(resamples)
    ]
    tail = (1 - confidence) / 2
    return quantile(differences, tail), quantile(differences, 1 - tail)


def _median_sorted(ordered: list[float]) -> float:
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def mann_whitney_u(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    """U for sample ``a`` and the two-sided p-value from the normal approximation, with
    the tie correction of the variance and a continuity correction."""
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        raise ValueError("Mann-Whitney U needs two non-empty samples")
    ranks, tie_sizes = _average_ranks([*a, *b])
    u = math.fsum(ranks[:n1]) - n1 * (n1 + 1) / 2
    total = n1 + n2
    tie_term = sum(t**3 - t for t in tie_sizes) / (total * (total - 1))
    variance = n1 * n2 / 12 * ((total + 1) - tie_term)
    if variance <= 0:  # every value tied: no evidence of any difference
        return u, 1.0
    z = max(0.0, abs(u - n1 * n2 / 2) - 0.5) / math.sqrt(variance)
    return u, min(1.0, math.erfc(z / math.sqrt(2)))


def _average_ranks(values: list[float]) -> tuple[list[float], list[int]]:
    """1-based ranks in input order (ties share their average rank), and tie-group sizes."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    tie_sizes = []
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for index in order[start : end + 1]:
            ranks[index] = (start + end) / 2 + 1
        tie_sizes.append(end - start + 1)
        start = end + 1
    return ranks, tie_sizes


@dataclass(frozen=True)
class Comparison:
    """``after`` against ``before`` on one metric where lower is better."""

    delta: float | None  # median(after) - median(before)
    ci: tuple[float, float] | None
    p_value: float | None
    n_before: int
    n_after: int
    faster: str | None  # "after", "before" or None (inconclusive)
    reason: str


def compare(
    before: Sequence[float],
    after: Sequence[float],
    *,
    confidence: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int | None = None,
) -> Comparison:
    """Which arm is faster, if the data can tell: the interval must exclude zero, the
    U test must agree at the same level, and each arm needs MIN_TRIALS_FOR_VERDICT values."""
    n_before, n_after = len(before), len(after)
    if min(n_before, n_after) == 0:
        return Comparison(None, None, None, n_before, n_after, None, "no successful trials in an arm")
    delta = median(after) - median(before)
    low, high = bootstrap_median_difference(before, after, confidence=confidence, resamples=resamples, seed=seed)
    _, p_value = mann_whitney_u(before, after)
    faster, reason = _decide(low, high, p_value, min(n_before, n_after), 1 - confidence)
    return Comparison(delta, (low, high), p_value, n_before, n_after, faster, reason)


def _decide(low: float, high: float, p_value: float, n: int, alpha: float) -> tuple[str | None, str]:
    if n < MIN_TRIALS_FOR_VERDICT:
        return None, f"too few trials for a verdict (need {MIN_TRIALS_FOR_VERDICT} per arm)"
    if low <= 0 <= high:
        return None, "the confidence interval includes zero"
    if p_value >= alpha:
        return None, f"the interval excludes zero but the rank test does not agree (p={p_value:.3g})"
    return ("after" if high < 0 else "before"), "the confidence interval excludes zero"


def stop_confidence(looks: int, confidence: float = 0.95) -> float:
    """The stricter level a run that stops as soon as it is confident must use at each of
    ``looks`` interim looks (Bonferroni), so that repeated looking does not turn noise
    into a "faster" verdict more often than ``1 - confidence`` of the time."""
    return 1 - (1 - confidence) / max(1, looks)
