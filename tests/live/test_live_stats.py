"""The hand-written statistics, checked against textbook values and brute force."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from advisor.live import stats


def test_quantiles_interpolate_between_order_statistics():
    values = list(range(1, 11))
    assert stats.median(values) == 5.5
    assert stats.quantile(values, 0.9) == pytest.approx(9.1)
    assert stats.quantile([7.0], 0.9) == 7.0
    with pytest.raises(ValueError):
        stats.quantile([], 0.5)


def test_describe_uses_the_sample_standard_deviation():
    summary = stats.describe([2, 4, 4, 4, 5, 5, 7, 9])
    assert summary["n"] == 8 and summary["mean"] == 5 and summary["median"] == 4.5
    assert summary["stdev"] == pytest.approx(math.sqrt(32 / 7))
    assert stats.describe([]) == {"n": 0, "median": None, "p90": None, "mean": None, "stdev": None}
    assert stats.describe([3.0])["stdev"] is None


def test_mann_whitney_textbook_value():
    u, p = stats.mann_whitney_u([1, 2, 3], [4, 5, 6])
    assert u == 0
    # z = (4.5 - 0.5) / sqrt(9 * 7 / 12)
    assert p == pytest.approx(math.erfc(4 / math.sqrt(5.25) / math.sqrt(2)))
    assert p == pytest.approx(0.0809, abs=1e-4)


def test_mann_whitney_tie_correction_matches_the_exact_permutation_variance():
    a, b = [1, 2, 2, 3, 3], [2, 3, 3, 4, 4, 4]
    pooled = a + b
    us = []
    for chosen in itertools.combinations(range(len(pooled)), len(a)):
        first = [pooled[i] for i in chosen]
        rest = [pooled[i] for i in range(len(pooled)) if i not in chosen]
        us.append(stats.mann_whitney_u(first, rest)[0])
    mean = sum(us) / len(us)
    exact_variance = sum((u - mean) ** 2 for u in us) / len(us)
    u, p = stats.mann_whitney_u(a, b)
    z = (abs(u - mean) - 0.5) / math.sqrt(exact_variance)
    assert p == pytest.approx(math.erfc(z / math.sqrt(2)))


def test_mann_whitney_all_tied_has_no_evidence():
    assert stats.mann_whitney_u([5, 5, 5], [5, 5])[1] == 1.0


def test_bootstrap_is_reproducible_with_a_seed_and_covers_the_shift():
    rng = random.Random(1)
    before = [100 + rng.gauss(0, 5) for _ in range(30)]
    after = [60 + rng.gauss(0, 5) for _ in range(30)]
    first = stats.bootstrap_median_difference(before, after, seed=7)
    assert first == stats.bootstrap_median_difference(before, after, seed=7)
    low, high = first
    assert low < -40 < high < 0


def test_compare_verdicts():
    rng = random.Random(2)
    slow = [200 + rng.uniform(-10, 10) for _ in range(12)]
    fast = [150 + rng.uniform(-10, 10) for _ in range(12)]
    same = [200 + rng.uniform(-10, 10) for _ in range(12)]
    assert stats.compare(slow, fast, seed=1).faster == "after"
    assert stats.compare(fast, slow, seed=1).faster == "before"
    inconclusive = stats.compare(slow, same, seed=1)
    assert inconclusive.faster is None and inconclusive.ci[0] < 0 < inconclusive.ci[1]
    assert inconclusive.reason == "the confidence interval includes zero"


def test_compare_needs_enough_trials_even_for_a_clear_difference():
    result = stats.compare([100, 101, 102], [10, 11, 12], seed=1)
    assert result.faster is None and "too few trials" in result.reason
    assert result.delta == -90
    assert stats.compare([], [1.0]).faster is None


def test_stop_confidence_is_bonferroni():
    assert stats.stop_confidence(1) == pytest.approx(0.95)
    assert stats.stop_confidence(5) == pytest.approx(0.99)
