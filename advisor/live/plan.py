"""What an `advisor ab` run will do, decided before the first call: the two arms, the
settings, the order of trials and the most it can cost.

The plan is saved with the run (``plan.json``) so that ``--resume DIR`` continues the very
same run: same request bodies, same seed, hence the same trial order.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import asdict, dataclass, field
from typing import Any, Iterator

from ..catalog import Catalog
from .cost import ArmEstimate, estimate_arm, round_usd

ARM_NAMES = ("before", "after")
METRICS = ("ttft_ms", "total_ms")
PLAN_VERSION = 1


@dataclass(frozen=True)
class Arm:
    """One side of an A/B comparison: the request body sent and where it came from."""

    name: str  # "before" or "after"
    body: dict[str, Any]  # the request exactly as it will be sent
    source: str  # where it came from, for people reading the result

    @property
    def model(self) -> str:
        return str(self.body["model"])

    @property
    def streamed(self) -> bool:
        return bool(self.body.get("stream"))


@dataclass(frozen=True)
class TrialSettings:
    """How many trials each arm gets, in what order, on what budget, and what decides the verdict."""

    trials: int = 20  # per arm, after warm-ups
    warmup: int = 1  # per arm, discarded
    seed: int = 0  # trial order and bootstrap
    budget_usd: float = 1.0
    concurrency: int = 1
    until_confident: bool = False
    max_trials: int = 100  # per arm, with until_confident
    metric: str = "ttft_ms"  # the headline verdict
    allow_unpriced: bool = False
    max_retries: int = 4
    timeout_s: float = 600.0

    @property
    def trial_ceiling(self) -> int:
        """The most trials per arm the run may make."""
        return max(self.max_trials, self.trials) if self.until_confident else self.trials

    @property
    def looks(self) -> int:
        """How often an until-confident run checks whether it may stop: after ``trials``
        per arm, then after every further ``trials``."""
        if not self.until_confident:
            return 1
        return 1 + math.ceil((self.trial_ceiling - self.trials) / self.trials)


@dataclass(frozen=True)
class Slot:
    """One planned trial: its place in the run, its arm, and its block (a warm-up round
    or a main block holding each arm once)."""

    seq: int
    arm: str
    block: int
    warmup: bool


@dataclass
class Plan:
    """The arms and settings of a run, with each arm's cost estimate worked out once."""

    arms: list[Arm]
    settings: TrialSettings
    catalog: Catalog = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        self.estimates: dict[str, ArmEstimate] = {arm.name: estimate_arm(arm.body, self.catalog) for arm in self.arms}

    def arm(self, name: str) -> Arm:
        return next(arm for arm in self.arms if arm.name == name)

    def unpriced_models(self) -> list[str]:
        return sorted({e.model for e in self.estimates.values() if e.trial_usd_max is None})

    def max_cost_usd(self) -> float:
        """The worst case of the whole run over its priced arms (every trial at
        ``max_tokens``; retries of a stream that broke off are not included)."""
        per_arm = self.settings.trial_ceiling + self.settings.warmup
        return sum(per_arm * (e.trial_usd_max or 0.0) for e in self.estimates.values())

    def slots(self) -> Iterator[Slot]:
        """The trial order, endless: warm-up rounds, then balanced random blocks (each
        arm once per block, in a seeded random order) so that drift hits both arms."""
        rng = random.Random(self.settings.seed)
        seq = itertools.count()
        names = [arm.name for arm in self.arms]
        for round_ in range(self.settings.warmup):
            for name in rng.sample(names, len(names)):
                yield Slot(next(seq), name, round_, True)
        for block in itertools.count():
            for name in rng.sample(names, len(names)):
                yield Slot(next(seq), name, block, False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": PLAN_VERSION,
            "arms": {arm.name: {"source": arm.source, "model": arm.model, "stream": arm.streamed, "body": arm.body}
                     for arm in self.arms},
            "settings": asdict(self.settings),
            "estimates": {name: estimate.to_dict() for name, estimate in self.estimates.items()},
            "max_cost_usd": round_usd(self.max_cost_usd()),
            "unpriced_models": self.unpriced_models(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], catalog: Catalog, **overrides: Any) -> "Plan":
        """A saved plan, with some settings (the budget) optionally changed."""
        if data.get("version") != PLAN_VERSION:
            raise ValueError(f"unsupported plan version {data.get('version')!r}")
        try:
            arms = [Arm(name, dict(data["arms"][name]["body"]), data["arms"][name]["source"]) for name in ARM_NAMES]
            settings = TrialSettings(**{**data["settings"], **overrides})
        except (KeyError, TypeError) as error:
            raise ValueError(f"the saved plan is damaged ({error})") from None
        return cls(arms, settings, catalog)
