"""Estimated latency and cost per call, from the latency model in rules/latency.yaml.

These numbers rank findings and put an order of magnitude on each suggestion ("about
1.1 s sooner to first token, $3.20 less per 1,000 calls"). They come from labelled
assumptions, not measurements; ``advisor ab`` measures the real thing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any, Mapping

from . import ruledata
from .analysis import call_expected_output
from .catalog import Catalog, ModelInfo
from .model import PromptCall


@dataclass(frozen=True, eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class Tier:
    """The latency assumptions of one speed label (``fast``, ``moderate``...)."""

    base_ttft_ms: float
    prefill_ms_per_1k: float
    output_tokens_per_s: float


@dataclass(frozen=True, eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class LatencyModel:
    """The assumptions estimates are made from: each speed label's tier and the prompt cache's factors."""

    tiers: Mapping[str, Tier]
    read_prefill_factor: float
    read_price_factor: float
    write_price_factor: float
    default_output_tokens: int

    def with_overrides(self, overrides: Mapping[str, Any]) -> "LatencyModel":
        """Apply ``[tool.advisor.latency]``: tiers.<label>.<field>, cache.<field>, default_output_tokens."""
        model = self
        tiers = dict(self.tiers)
        for label, fields in (overrides.get("tiers") or {}).items():
            tiers[label] = replace(tiers[label], **{k: float(v) for k, v in fields.items()}) if label in tiers else Tier(**fields)
        model = replace(model, tiers=tiers)
        cache = overrides.get("cache") or {}
        factors: dict[str, Any] = {k: float(v) for k, v in cache.items()}  # config admits only the *_factor fields
        model = replace(model, **factors)
        if "default_output_tokens" in overrides:
            model = replace(model, default_output_tokens=int(overrides["default_output_tokens"]))
        return model


@functools.cache
def builtin_latency_model() -> LatencyModel:
    data = ruledata.load("latency.yaml")
    tiers = {label: Tier(**{k: float(v) for k, v in fields.items()}) for label, fields in data["tiers"].items()}
    cache = data["cache"]
    return LatencyModel(
        tiers=tiers,
        read_prefill_factor=float(cache["read_prefill_factor"]),
        read_price_factor=float(cache["read_price_factor"]),
        write_price_factor=float(cache["write_price_factor"]),
        default_output_tokens=int(data["default_output_tokens"]),
    )


def latency_model(overrides: Mapping[str, Any] | None = None) -> LatencyModel:
    base = builtin_latency_model()
    return base.with_overrides(overrides) if overrides else base


@dataclass(frozen=True, eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class CallEstimate:
    """A call's estimated tokens, latency and cost under the latency model."""

    model: str
    input_tokens: int
    output_tokens: int
    output_basis: str  # where the output length came from
    ttft_ms: float  # first token generated
    total_ms: float  # last token generated
    visible_ttft_ms: float  # when the user first sees text: ttft if streamed, else total
    cost_per_1k_calls_usd: float
    cached_tokens: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "output_basis": self.output_basis,
            "ttft_ms": round(self.ttft_ms),
            "total_ms": round(self.total_ms),
            "visible_ttft_ms": round(self.visible_ttft_ms),
            "cost_per_1k_calls_usd": round(self.cost_per_1k_calls_usd, 4),
            "cached_tokens": self.cached_tokens,
            "assumption": "latency model in rules/latency.yaml (not a measurement; confirm with advisor ab)",
        }


def compute(
    info: ModelInfo,
    input_tokens: int,
    output_tokens: int,
    *,
    streams: bool,
    latency: LatencyModel,
    output_basis: str = "",
    cached_tokens: int = 0,
) -> CallEstimate:
    tier = latency.tiers[info.latency]
    uncached = max(input_tokens - cached_tokens, 0)
    prefill = (uncached + cached_tokens * latency.read_prefill_factor) / 1000 * tier.prefill_ms_per_1k
    ttft = tier.base_ttft_ms + prefill
    total = ttft + max(output_tokens - 1, 0) / tier.output_tokens_per_s * 1000
    input_cost = uncached * info.input_price + cached_tokens * info.input_price * latency.read_price_factor
    cost = (input_cost + output_tokens * info.output_price) / 1_000_000 * 1000
    return CallEstimate(
        model=info.id,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        output_basis=output_basis,
        ttft_ms=ttft,
        total_ms=total,
        visible_ttft_ms=ttft if streams else total,
        cost_per_1k_calls_usd=cost,
        cached_tokens=cached_tokens,
    )


def expected_output(call: PromptCall, latency: LatencyModel) -> tuple[int, str]:
    """The answer length to plan for, and why: the prompt's own length request first, then
    the budget, then the latency model's default."""
    requested = call_expected_output(call)
    budget = call.max_tokens.get()
    budget = budget if isinstance(budget, int) and not isinstance(budget, bool) and budget > 0 else None
    if requested is not None:
        low, high = requested
        tokens = (low + high) // 2
        if budget is not None:
            tokens = min(tokens, budget)
        return max(tokens, 1), "the length the prompt asks for"
    if budget is not None:
        return min(budget, latency.default_output_tokens), "max_tokens, capped at the usual answer length"
    return latency.default_output_tokens, "default answer length (nothing in the prompt or budget says)"


def input_tokens(call: PromptCall, catalog: Catalog) -> int:
    from .tokens import calibrate

    raw = sum(t.raw_tokens or 0 for t in call.prompt_texts)
    model = call.model.get()
    return calibrate(raw, model if isinstance(model, str) else None, catalog).tokens


def estimate_call(
    call: PromptCall,
    catalog: Catalog,
    latency: LatencyModel,
    *,
    model_id: str | None = None,
    streams: bool | None = None,
    output_tokens: int | None = None,
    cached_tokens: int = 0,
) -> CallEstimate | None:
    """The estimate for a call as written, or with one thing changed (model, streaming,
    output length, cached prefix) to price a suggestion. None when the model is unknown."""
    chosen = model_id or (call.model.value if call.model.is_literal and isinstance(call.model.value, str) else None)
    info = catalog.get(chosen) if chosen else None
    if info is None or info.latency not in latency.tiers:
        return None
    expected, basis = expected_output(call, latency)
    if output_tokens is not None:
        expected, basis = output_tokens, "the suggested output length"
    return compute(
        info,
        input_tokens(call, catalog),
        expected,
        streams=bool(call.streams) if streams is None else streams,
        latency=latency,
        output_basis=basis,
        cached_tokens=cached_tokens,
    )


def saving(before: CallEstimate | None, after: CallEstimate | None) -> dict[str, Any] | None:
    """What a suggestion saves per call (and per 1,000 calls in money); None when unknown."""
    if before is None or after is None:
        return None
    return {
        "visible_ttft_ms": round(before.visible_ttft_ms - after.visible_ttft_ms),
        "total_ms": round(before.total_ms - after.total_ms),
        "cost_per_1k_calls_usd": round(before.cost_per_1k_calls_usd - after.cost_per_1k_calls_usd, 4),
        "basis": "estimate from the latency model in rules/latency.yaml; confirm with advisor ab",
    }
