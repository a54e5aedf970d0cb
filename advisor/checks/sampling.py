"""Sampling-parameter rules: temperature and friends, on models and APIs that take them or not.

The guide: lower temperature "can sometimes lead to more focused and shorter responses".
That advice is for older models. API version 2026-10-21 (sent by SDK 2.x) rejects
`temperature`, `top_p` and `top_k` outright, models 4.7 and later accept only their default
values, and SDK 1.0 and later have no `temperature=` argument at all.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator

from .. import wrappers
from ..model import CallApi, Document, Field, Finding, PromptCall, Severity
from ..registry import CheckContext, Option, Rule
from .examples import request_config, script_call
from .idioms import is_script, parameter

if TYPE_CHECKING:
    from ..sdk_pin import SdkPin  # read by the finish stage, for Python files only

_OLD_API_VERSION = "api-2023-06-01"  # a wrapper that sends sampling parameters as request fields (rules/wrappers.yaml)
GUIDE_TEMPERATURE = "2. Optimize prompt and output length: experiment with temperature"
PARAMETERS = ("temperature", "top_p", "top_k")

HIGH_TEMPERATURE = Rule(
    code="T001",
    name="high-temperature",
    severity=Severity.INFO,
    calls_only=True,
    guide=GUIDE_TEMPERATURE,
    summary="A high `temperature` on an older model that still accepts it.",
    why=(
        "Higher temperatures make answers more varied and often longer; every extra output token "
        "is generation time. The guide suggests trying a lower value (around 0.2) where a focused, "
        "shorter answer is what you want. Only models that accept sampling parameters (up to 4.6, "
        "on API version 2023-06-01) are checked."
    ),
    example=request_config(model="claude-haiku-4-5", settings="temperature: 1.0"),
    use_instead=request_config(model="claude-haiku-4-5", settings="temperature: 0.2"),
    options={"threshold": Option(0.7, "Temperatures at or above this are reported.")},
    example_file='configs/orders.yaml',
)

UNSUPPORTED_SAMPLING_PARAMETER = Rule(
    code="T002",
    name="unsupported-sampling-parameter",
    severity=Severity.ERROR,
    calls_only=True,
    guide=GUIDE_TEMPERATURE,
    summary="`temperature`, `top_p` or `top_k` where the SDK, API version or model rejects it.",
    why=(
        "The request fails before any token is generated: SDK 1.0 and later raise a TypeError for "
        "`temperature=`; API version 2026-10-21 answers 400 to any sampling parameter; models 4.7 "
        "and later accept only the default values. Output length is better controlled with "
        "`max_tokens`, a sentence limit in the prompt, and `output_config.effort`."
    ),
    example=script_call('    model="claude-sonnet-5-5",\n    max_tokens=300,\n    temperature=0.2,\n', "Summarize the release notes in 3 sentences."),
    use_instead=script_call('    model="claude-sonnet-5-5",\n    max_tokens=300,\n    output_config={"effort": "low"},\n', "Summarize the release notes in 3 sentences."),
    example_file='app/notes.py',
)


def _present(document: Document, call: PromptCall) -> list[tuple[str, Field]]:
    """The sampling parameters the request really carries. In SDK calls a dynamic value
    counts only when it is written as its own keyword (``temperature=t``); one that merely
    might hide in ``**params`` or an opaque ``extra_body`` is not reported."""
    present = []
    for name in PARAMETERS:
        value = getattr(call, name)
        if value.is_absent:
            continue
        if value.is_dynamic and call.api is not CallApi.BODY and not _written_as_keyword(document, call, name, value):
            continue
        present.append((name, value))
    return present


def _written_as_keyword(document: Document, call: PromptCall, name: str, value: Field) -> bool:
    """``temperature=t`` in Python, ``temperature: t`` / ``topP: p`` in an object literal."""
    if value.span is None:
        return False
    spelled = parameter(call, name)
    start = document.lines.offset(value.span.line, value.span.column)
    before = document.source[max(0, start - len(spelled) - 8):start]
    pattern = rf"\b{spelled}[\"']?\s*:\s*$" if is_script(document) else rf"\b{name}\s*=\s*$"
    return re.search(pattern, before) is not None


def _model_sampling(call: PromptCall, context: CheckContext) -> str | None:
    info = context.catalog.get(str(call.model.value)) if call.model.is_literal else None
    return info.sampling if info else None


def _assumed(pin: SdkPin | None) -> str:
    return f" (judged by {pin.describe()})" if pin else " (no `anthropic` pin found: assuming SDK 1.0 or later)"


@UNSUPPORTED_SAMPLING_PARAMETER.checker
def check_unsupported(document: Document, context: CheckContext) -> Iterator[Finding]:
    pin: SdkPin | None = document.sdk_pin
    for call in document.calls:
        sampling = _model_sampling(call, context)
        route = wrappers.sampling_route(call)
        if route == wrappers.NOT_AN_OPTION:
            continue
        for name, value in _present(document, call):
            # the argument is the problem, wherever its value is written (a parameter default)
            span = (value.origin.argument if value.origin is not None else None) or value.span or call.span
            # Python SDK 1.0+ has no such argument; a TypeScript call sends it as written
            in_code = call.api is not CallApi.BODY and route != _OLD_API_VERSION and not is_script(document)
            old_sdk = in_code and pin is not None and pin.pre_1
            via_extra_body = in_code and (name in call.sampling_via_extra_body or route == "extra_body")
            moved = f" ({call.via.name} moves it there with anthropic 1.0 and later)" if call.via is not None else ""
            if route == _OLD_API_VERSION and sampling == "defaults-only":
                yield context.finding(
                    call.path, span,
                    f"`{call.model.value}` accepts only the default `{name}`, and {call.via.name if call.via else 'the library'} "
                    f"sends it on API version 2023-06-01: any other value is rejected",
                    "remove it; control length with `max_tokens` and a sentence limit in the prompt",
                )
            elif route == _OLD_API_VERSION:
                continue
            elif in_code and not old_sdk and not via_extra_body:
                yield context.finding(
                    call.path, span,
                    f"`{name}=` is not an argument of `messages.create` in anthropic SDK 1.0 and later: the call raises TypeError{_assumed(pin)}",
                    "remove it; control length with `max_tokens`, a sentence limit in the prompt, or `output_config={\"effort\": \"low\"}`",
                )
            elif in_code and not old_sdk:
                yield context.finding(
                    call.path, span,
                    f"`{name}` sent through extra_body{moved}: API version 2026-10-21 (what SDK 2.x sends) rejects it with a 400{_assumed(pin)}",
                    "remove it; control length with `max_tokens` and a sentence limit in the prompt",
                )
            elif sampling == "defaults-only":
                version = "2023-06-01 (what SDK 0.x sends)" if old_sdk else "2026-10-21"
                yield context.finding(
                    call.path, span,
                    f"`{call.model.value}` accepts only the default `{name}`"
                    + (f" on API version {version}" if old_sdk else "; API version 2026-10-21 rejects it entirely")
                    + (_assumed(pin) if old_sdk else ""),
                    "remove it; use `output_config: {effort: low}` and a sentence limit for shorter answers",
                )


@HIGH_TEMPERATURE.checker
def check_high_temperature(document: Document, context: CheckContext) -> Iterator[Finding]:
    threshold = float(context.options["threshold"])
    for call in document.calls:
        sent = call.api is CallApi.BODY or is_script(document) or wrappers.sampling_route(call) == _OLD_API_VERSION
        if not sent or _model_sampling(call, context) != "full":
            continue
        value = call.temperature.get()
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= threshold:
            yield context.finding(
                call.path,
                call.temperature.span or call.span,
                f"temperature {value:g} invites longer, more varied answers",
                "try 0.2 where a focused, short answer is wanted (note: models 4.7 and later ignore this lever)",
            )
