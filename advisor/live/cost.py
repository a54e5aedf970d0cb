"""Money for `advisor ab`: what a trial cost, and the most the next one could cost.

Spent money is computed from the ``usage`` the API reported (never from a tokenizer) and
the catalog's prices. The budget guard needs a number *before* a call, so it uses the
worst case of one attempt: the upper bound of the offline input estimate (billed as a
cache write when the request asks for caching) plus ``max_tokens`` of output. Content that
is not text counts at its most: an image at `IMAGE_TOKENS_MAX`, an inline document at a
token per byte of its data; a document or image fetched from a URL cannot be bounded, so
its arm has no worst case (it runs only with ``--allow-unpriced``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Mapping

from ..catalog import Catalog, ModelInfo
from ..tokens import estimate

CACHE_WRITE_5M = 1.25  # multiples of the base input price
CACHE_WRITE_1H = 2.0
CACHE_READ = 0.1


@dataclass(frozen=True)
class ArmEstimate:
    """The plan's numbers for one arm, before any call."""

    model: str
    input_tokens: int  # offline estimate
    input_tokens_high: int
    input_basis: str
    max_tokens: int
    trial_usd_max: float | None  # None: the catalog has no price for the model

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "input_tokens_estimate": self.input_tokens,
            "input_tokens_high": self.input_tokens_high,
            "input_basis": self.input_basis,
            "max_tokens": self.max_tokens,
            "trial_usd_max": round_usd(self.trial_usd_max) if self.trial_usd_max is not None else None,
        }


IMAGE_TOKENS_MAX = 6_000  # the largest image the API keeps is resized to about 1.15-4.8 megapixels


def non_text_tokens_max(body: Mapping[str, Any]) -> float:
    """The most the request's images and documents can be billed as; infinite when one is
    only a URL (its size is unknown until the API fetches it)."""
    total = 0.0
    for message in body.get("messages", []) if isinstance(body.get("messages"), list) else []:
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else []:
            if not isinstance(block, dict) or block.get("type") not in ("image", "document"):
                continue
            source = block.get("source")
            if not isinstance(source, dict):
                source = {}
            if source.get("type") in ("url", "file"):
                return float("inf")
            data = source.get("data")
            size = len(data) if isinstance(data, str) else len(json.dumps(source))
            total += IMAGE_TOKENS_MAX if block["type"] == "image" else size
    return total


def estimate_arm(body: Mapping[str, Any], catalog: Catalog) -> ArmEstimate:
    model = str(body["model"])
    tokens = estimate(request_text(body), model, catalog)
    info = catalog.get(model)
    worst = None
    extra = non_text_tokens_max(body)
    if info is not None and extra != float("inf"):
        worst = info.cost_usd((tokens.high + extra) * _cache_write_factor(body), int(body["max_tokens"]))
    return ArmEstimate(model, tokens.tokens, tokens.high, tokens.basis, int(body["max_tokens"]), worst)


USD_DIGITS = 6  # a millionth of a dollar: below any real trial's price, above float noise


def round_usd(value: float) -> float:
    """Dollars as written to JSON: 0.000123 rather than 0.00012300000000000001."""
    return round(value, USD_DIGITS)


def format_usd(value: float) -> str:
    """Dollars as people write them ($1.00), keeping the digits of small budgets ($0.002)."""
    return f"${value:.2f}" if round(value, 2) == value else f"${value:g}"


def usage_cost(info: ModelInfo, usage: Mapping[str, Any]) -> float:
    """Dollars for one response's ``usage``, with cache writes and reads at their rates."""
    breakdown = usage.get("cache_creation")
    if breakdown:
        writes = CACHE_WRITE_5M * breakdown.get("ephemeral_5m_input_tokens", 0)
        writes += CACHE_WRITE_1H * breakdown.get("ephemeral_1h_input_tokens", 0)
    else:
        writes = CACHE_WRITE_5M * (usage.get("cache_creation_input_tokens") or 0)
    billed_input = (usage.get("input_tokens") or 0) + writes + CACHE_READ * (usage.get("cache_read_input_tokens") or 0)
    return info.cost_usd(billed_input, usage.get("output_tokens") or 0)


def request_text(body: Mapping[str, Any]) -> str:
    """The text a request sends to the model (system, messages, tool definitions), for
    the offline token estimate."""
    parts = [_text_of(body.get("system"))]
    parts += [_text_of(message.get("content")) for message in body.get("messages", []) if isinstance(message, dict)]
    if body.get("tools"):
        parts.append(json.dumps(body["tools"]))
    return "\n".join(part for part in parts if part)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_text_of(block.get("text")) if isinstance(block, dict) else "" for block in content)
    return ""


def _cache_write_factor(node: Any) -> float:
    """The highest cache-write multiplier a request can be billed at."""
    if isinstance(node, dict):
        own = 1.0
        control = node.get("cache_control")
        if isinstance(control, dict):
            own = CACHE_WRITE_1H if control.get("ttl") == "1h" else CACHE_WRITE_5M
        return max([own, *(_cache_write_factor(value) for value in node.values())])
    if isinstance(node, list):
        return max([1.0, *(_cache_write_factor(item) for item in node)])
    return 1.0
