"""What a wrapper library does that the code does not show, from ``rules/wrappers.yaml``.

LangChain's ``ChatAnthropic`` and LiteLLM send ``max_tokens`` when the code sets none, each
with its own default (which has changed between releases); the Claude Agent SDK has no such
option at all. The rules ask here, so a call without ``max_tokens`` is judged by what really
goes over the wire, and the figures stay data a reviewer can check against the library.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Mapping

from . import ruledata
from .catalog import Catalog
from .model import PromptCall

MODEL_MAX_OUTPUT = "model-max-output"
NOT_AN_OPTION = "not-an-option"


@dataclass(frozen=True, eq=False, repr=False, slots=True)  # internal: never compared or printed (cheaper to define)
class DefaultBudget:
    """The ``max_tokens`` a wrapper sends when the code sets none."""

    tokens: int
    fixed: bool  # a fixed number (a budget like a written one), or the model's largest output
    describe: str  # for messages: "langchain-anthropic's default, the model's largest output (64,000 tokens)"


@functools.cache
def _data() -> dict[str, Any]:
    return ruledata.load("wrappers.yaml")


def entry(name: str) -> dict[str, Any]:
    """The data of one wrapper (empty for a name the pack does not describe)."""
    found = _data().get(name)
    return found if isinstance(found, dict) else {}


def controls_max_tokens(call: PromptCall) -> bool:
    """Whether the library the call goes through takes a ``max_tokens`` at all."""
    if call.via is None:
        return True
    return entry(call.via.name).get("max_tokens", {}).get("default") != NOT_AN_OPTION


def default_max_tokens(call: PromptCall, catalog: Catalog, pins: Mapping[str, Any] | None = None) -> DefaultBudget | None:
    """What the wrapper sends for a call whose code sets no ``max_tokens``; None for the
    anthropic SDK (the call fails), a library without the option, or unknown data.
    ``pins`` (package -> ``sdk_pin.SdkPin``) picks the release's default where the project
    pins one below the release the current default came in."""
    if call.via is None or not call.max_tokens.is_absent:
        return None
    return package_default(call.via.name, call, catalog, (pins or {}).get(call.via.name))


def package_default(package: str, call: PromptCall, catalog: Catalog, pin: Any = None) -> DefaultBudget | None:
    """What ``package`` (a row of ``rules/wrappers.yaml``) sends as ``max_tokens`` for
    ``call`` when the code sets none; None when the data says nothing usable."""
    data = _for_release(entry(package).get("max_tokens", {}), pin)
    default = data.get("default")
    if isinstance(default, int) and not isinstance(default, bool):
        release = f" for {pin.describe()}" if pin is not None and hasattr(pin, "describe") else ""
        return DefaultBudget(default, True, f"{package}'s default{release}")
    if default != MODEL_MAX_OUTPUT:
        return None
    model = call.model.get()
    info = catalog.get(model) if isinstance(model, str) else None
    if info is not None:
        return DefaultBudget(info.max_output, False,
                             f"{package}'s default, the model's largest output ({info.max_output:,} tokens for `{model}`)")
    fallback = data.get("fallback")
    if not isinstance(fallback, int):
        return None
    which = "for a model it has no figure for" if call.model.is_literal else "unless the model it is given has a figure of its own"
    return DefaultBudget(fallback, False, f"{package}'s default, the model's largest output ({fallback:,} tokens {which})")


def _for_release(data: Mapping[str, Any], pin: Any) -> Mapping[str, Any]:
    """The entry for the pinned release: an ``earlier`` entry ``before: "1.0.0"`` when the
    pin allows only releases below 1.0 (the one boundary pins are read at), else the current."""
    if pin is None or not getattr(pin, "pre_1", False):
        return data
    for earlier in data.get("earlier", []):
        if isinstance(earlier, dict) and str(earlier.get("before", "")).startswith("1.0"):
            return earlier
    return data


def sampling_route(call: PromptCall) -> str | None:
    """How the wrapper sends temperature / top_p / top_k ("extra_body", "api-2023-06-01",
    "not-an-option"); None for the anthropic SDK's own methods."""
    if call.via is None:
        return None
    route = entry(call.via.name).get("sampling")
    return route if isinstance(route, str) else None


def stream_advice(call: PromptCall) -> str | None:
    """How to stream an answer with the wrapper, for non-streaming-ui-call's suggestion."""
    if call.via is None:
        return None
    advice = entry(call.via.name).get("stream")
    return " ".join(advice.split()) if isinstance(advice, str) else None
