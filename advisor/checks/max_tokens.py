"""Output-budget rules: `max_tokens` missing, far too large, or too small for the answer.

The guide's second lever is output length: "use the max_tokens parameter to set a hard limit
on the maximum length of the generated response" -- and its warning that the cut "may
occur mid-sentence or mid-word", so the budget must fit the answer the prompt asks for.
"""

from __future__ import annotations

import math
from typing import Callable, Iterator

from .. import wrappers
from ..analysis import call_asks_per_item, call_expected_output, call_requests, thinking_budget, thinks
from ..estimates import estimate_call
from ..fixes import Fix, insert_parameter, replace_value, single_edit_fix
from ..lengths import COUNTED_UNITS
from ..model import CallApi, Document, Finding, PromptCall, Severity, Span
from ..registry import CheckContext, FixSafety, Option, Rule
from .examples import request_config, script_call
from .idioms import assignment, call_label, is_ai_sdk, parameter

GUIDE_OUTPUT = "2. Optimize prompt and output length: set appropriate output limits"
DEFAULT_BUDGET = 1024  # what the missing-max-tokens fix adds when the prompt says nothing


def _counted(call: PromptCall) -> bool:
    """Whether the prompt states the answer's size as a count or a one-word answer (the
    only sizes reliable enough to call a budget oversized)."""
    return any((r.unit in COUNTED_UNITS or r.unit == "one-word") and not r.dynamic for r in call_requests(call))


def is_explicit(call: PromptCall) -> bool:
    """Whether the prompt states a measurable answer size (a count, or a one-word answer),
    which is what makes changing the budget a safe fix. Never with thinking or a raised
    effort: what the model thinks before answering is not stated anywhere."""
    if call_asks_per_item(call) or thinks(call):
        return False
    return _counted(call)


def fitting_budget(high: int) -> int:
    """A budget with headroom over the longest expected answer, rounded to a round number
    (16, 32, 64 ... 1024, then multiples of 512), never below 16."""
    target = max(16, math.ceil(high * 1.5))
    if target <= 1024:
        return 1 << (target - 1).bit_length()
    return math.ceil(target / 512) * 512


def _budget(document: Document, call: PromptCall, context: CheckContext) -> tuple[int, str] | None:
    """The budget the call sends and how to name it: the written ``max_tokens``, or the
    fixed default of the wrapper it goes through ("max_tokens=1024 (langchain-anthropic's
    default)")."""
    value = call.max_tokens.get()
    if isinstance(value, int) and not isinstance(value, bool):
        return value, assignment(document, call, "max_tokens", str(value))
    default = wrappers.default_max_tokens(call, context.catalog, document.wrapper_pins)
    if default is not None and default.fixed:
        written = assignment(document, call, "max_tokens", str(default.tokens))
        return default.tokens, f"{written} ({default.describe}; the code sets none)"
    return None


MISSING_MAX_TOKENS = Rule(
    code="O002",
    name="missing-max-tokens",
    severity=Severity.ERROR,
    calls_only=True,
    guide=GUIDE_OUTPUT,
    summary="A Messages API call or request config does not set `max_tokens`.",
    why=(
        "`max_tokens` is the hard ceiling on how long the model may generate, and generation "
        "time grows with every output token. The Messages API requires it: an SDK call without "
        "it fails at run time, while wrappers, gateways and config loaders often fill in a large "
        "default silently, so a runaway answer costs seconds and money before anyone notices. "
        "It is an error where the call fails (the anthropic SDK), a warning where a wrapper or "
        "the AI SDK sends the model's largest output instead (`rules/wrappers.yaml`)."
    ),
    example=script_call('    model="claude-haiku-5-5",\n', "Greet the customer in one sentence."),
    use_instead=script_call('    model="claude-haiku-5-5",\n    max_tokens=100,\n', "Greet the customer in one sentence."),
    fix=FixSafety.SAFE,
    fix_note=(
        "Adds `max_tokens` sized to the answer the prompt asks for (safe when the prompt states a "
        "count such as \"3 sentences\"); when it states none, adds 1024, as an unsafe fix."
    ),
    example_file='app/greet.py',
)

MAX_TOKENS_OVERSIZED = Rule(
    code="O003",
    name="max-tokens-oversized",
    severity=Severity.WARNING,
    calls_only=True,
    guide=GUIDE_OUTPUT,
    summary="`max_tokens` is far above the answer the prompt asks for.",
    why=(
        "The budget is the worst case you pay for: when the model rambles, ignores the length "
        "instruction or loops, it generates until `max_tokens`, at full output-token latency "
        "and price. A budget close to the requested answer (a label, two sentences, a small "
        "JSON object) caps that worst case at a fraction of a second."
    ),
    example=request_config(max_tokens=4096, system="Classify the ticket. Reply with the category name only.", user='"{{ ticket }}"'),
    use_instead=request_config(max_tokens=16, system="Classify the ticket. Reply with the category name only.", user='"{{ ticket }}"'),
    fix=FixSafety.SAFE,
    fix_note="Lowers `max_tokens` to 1.5x the longest expected answer, rounded up; safe when the prompt states the answer size, unsafe for qualitative requests such as \"be brief\".",
    options={
        "factor": Option(5.0, "Report budgets at least this many times the longest expected answer."),
        "min-excess": Option(200, "...and at least this many tokens above it."),
    },
    example_file='configs/classify.yaml',
)

MAX_TOKENS_TRUNCATION_RISK = Rule(
    code="O004",
    name="max-tokens-truncation-risk",
    severity=Severity.WARNING,
    calls_only=True,
    guide=GUIDE_OUTPUT,
    summary="`max_tokens` is below the answer the prompt asks for, so the answer will be cut off.",
    why=(
        "When the answer reaches `max_tokens`, generation stops, \"possibly mid-sentence or "
        "mid-word\" as the guide warns. A budget below the answer the prompt itself requests "
        "produces truncated answers (stop_reason `max_tokens`), which then need a retry or "
        "post-processing: slower and costlier than a budget that fits."
    ),
    example=request_config(max_tokens=100, system="Write a detailed five-paragraph essay on the topic.", user='"{{ topic }}"'),
    use_instead=request_config(max_tokens=1024, system="Write a detailed five-paragraph essay on the topic.", user='"{{ topic }}"'),
    fix=FixSafety.SAFE,
    fix_note="Raises `max_tokens` to 1.5x the longest expected answer, rounded up (safe when the answer size is stated as a count).",
    options={"tolerance": Option(0.9, "Report budgets below this share of the shortest expected answer.")},
    example_file='configs/essay.yaml',
)


def above_model_limit(call: PromptCall, context: CheckContext, budget: int) -> bool:
    """Whether ``budget`` is more than the call's model accepts as ``max_tokens``: no fix
    may write a value the API rejects (an unknown model is given the benefit)."""
    model = call.model.get()
    info = context.catalog.get(model) if isinstance(model, str) else None
    return info is not None and budget > info.max_output


def _budget_fix(document: Document, call: PromptCall, budget: int, context: CheckContext, *, safe: bool) -> Fix | None:
    if above_model_limit(call, context, budget):
        return None
    if call.max_tokens.is_absent:  # a wrapper's default: write the budget
        edit = insert_parameter(document, call, "max_tokens", str(budget))
    else:
        edit = replace_value(document, call.max_tokens, str(budget))
    return single_edit_fix(f"set max_tokens to {budget}", "safe" if safe else "unsafe", edit)


def _budget_span(call: PromptCall) -> Span:
    """Where a budget finding goes: the written value, the wrapper's settings, or the call."""
    if call.max_tokens.span is not None:
        return call.max_tokens.span
    return call.via.settings if call.via is not None else call.span


def _shared(calls: list[PromptCall], key: Callable[[PromptCall], object]) -> list[list[PromptCall]]:
    """Calls grouped by the one place their budget is (or would be) written: a LangChain
    model used by several calls, a shared constant. A budget written once must fit every
    call that sends it, so the budget rules judge the group."""
    groups: dict[object, list[PromptCall]] = {}
    for call in calls:
        groups.setdefault(key(call), []).append(call)
    return list(groups.values())


def _missing_budget(call: PromptCall) -> tuple[int, bool]:
    """The budget to add to a call without one, and whether the prompt states it (safe)."""
    expected = call_expected_output(call)
    explicit = expected is not None and is_explicit(call)
    return (fitting_budget(expected[1]) if expected is not None and explicit else DEFAULT_BUDGET), explicit


AI_SDK = "ai-sdk-anthropic"  # the AI SDK provider's row in rules/wrappers.yaml


@MISSING_MAX_TOKENS.checker
def check_missing_max_tokens(document: Document, context: CheckContext) -> Iterator[Finding]:
    missing = []
    for call in document.calls:
        if call.api is CallApi.COUNT_TOKENS or not call.max_tokens.is_absent or not wrappers.controls_max_tokens(call):
            continue
        default = wrappers.default_max_tokens(call, context.catalog, document.wrapper_pins)
        if default is not None and default.fixed:
            continue  # a fixed default is a budget: the budget rules judge it
        missing.append(call)
    for calls in _shared(missing, lambda call: call.via.settings if call.via is not None else id(call)):
        call = calls[0]
        sized = [_missing_budget(each) for each in calls]
        budget, explicit = max(size for size, _ in sized), all(known for _, known in sized)
        name, written = parameter(call, "max_tokens"), assignment(document, call, "max_tokens", str(budget))
        edit = insert_parameter(document, call, name, str(budget))
        fix = single_edit_fix(f"add {written}", "safe" if explicit else "unsafe", edit)
        fits = "the answer the prompt asks for" if len(calls) == 1 else f"the longest answer its {len(calls)} calls ask for"
        hint = f"`{written}` fits {fits}" if explicit else (
            f"set `{name}` to the longest answer you expect, e.g. `{written}` for a few paragraphs"
        )
        fails = False  # only the anthropic SDK itself refuses a request without max_tokens
        if call.via is not None:
            default = wrappers.default_max_tokens(call, context.catalog, document.wrapper_pins)
            sends = default.describe if default is not None else "whatever default it applies"
            message = f"{call.via.label} has no `max_tokens`, so it sends {sends}: output length is effectively unbounded"
            span = call.via.settings
        elif is_ai_sdk(call):
            default = wrappers.package_default(AI_SDK, call, context.catalog)
            sends = default.describe if default is not None else "the provider's default"
            message = f"{call_label(call)} has no `{name}`, so it sends {sends}: output length is effectively unbounded"
            span = call.span
        else:
            fails = True
            message = f"{call_label(call)} has no `{name}`: output length is unbounded (or the call fails)"
            span = call.span
        finding = context.finding(call.path, span, message, hint, fix=fix)
        if not fails and finding.severity is Severity.ERROR:
            finding.severity = Severity.WARNING  # the call works, it just may run long; a config override still applies later
        yield finding


@MAX_TOKENS_OVERSIZED.checker
def check_oversized(document: Document, context: CheckContext) -> Iterator[Finding]:
    factor = float(context.options["factor"])
    min_excess = int(context.options["min-excess"])
    latency = context.latency
    for calls in _shared(document.calls, _budget_key):
        judged = [_oversized(document, call, context, factor, min_excess) for call in calls]
        if not judged or any(verdict is None for verdict in judged):
            continue  # a budget shared with a call that needs it is not oversized
        call, budget, named, expected, thinking, suggested = max(
            (verdict for verdict in judged if verdict is not None), key=lambda verdict: verdict[5])
        worst_before = estimate_call(call, context.catalog, latency, output_tokens=budget)
        worst_after = estimate_call(call, context.catalog, latency, output_tokens=suggested)
        # A fitting budget saves nothing on a well-behaved answer, only on a runaway one:
        # the worst case goes into the message, not into the expected saving.
        runaway = ""
        if worst_before is not None and worst_after is not None:
            runaway = f" (a runaway answer could take {(worst_before.total_ms - worst_after.total_ms) / 1000:.1f} s longer, est.)"
        yield context.finding(
            call.path,
            _budget_span(call),
            f"{named} for an answer of about {expected[0]}-{expected[1]} tokens"
            + (f" plus a thinking budget of {thinking}" if thinking else "") + runaway,
            f"use {assignment(document, call, 'max_tokens', str(suggested))}",
            fix=_budget_fix(document, call, suggested, context, safe=all(is_explicit(each) for each in calls)),
        )


def _budget_key(call: PromptCall) -> object:
    """Calls sending the budget written (or defaulted) in one place share a key."""
    if call.max_tokens.span is not None:
        return call.max_tokens.span
    return call.via.settings if call.via is not None else id(call)


def _oversized(document: Document, call: PromptCall, context: CheckContext, factor: float,
               min_excess: int) -> tuple | None:
    """(call, budget, how it is named, expected answer, thinking budget, suggested budget)
    when the call's budget is far above what it asks for; None when it is not."""
    sent = _budget(document, call, context)
    expected = call_expected_output(call)
    if sent is None or expected is None or call.api is CallApi.COUNT_TOKENS or call_asks_per_item(call):
        return None
    budget, named = sent
    if not _counted(call):
        return None  # "be concise" says nothing of how long a JSON, a plan or a CSV must be
    if thinks(call) and thinking_budget(call) is None:
        return None  # adaptive or computed thinking, or a raised effort: the need is unknown
    thinking = thinking_budget(call) or 0
    high = expected[1] + thinking
    if budget < high * factor or budget - high < min_excess:
        return None
    suggested = max(fitting_budget(expected[1]) + thinking, thinking + 16)
    return call, budget, named, expected, thinking, suggested


@MAX_TOKENS_TRUNCATION_RISK.checker
def check_truncation(document: Document, context: CheckContext) -> Iterator[Finding]:
    tolerance = float(context.options["tolerance"])
    for calls in _shared(document.calls, _budget_key):
        cut = [verdict for verdict in (_truncated(document, call, context, tolerance) for call in calls) if verdict is not None]
        if not cut:
            continue
        call, named, (low, high), suggested = max(cut, key=lambda verdict: verdict[3])  # the budget must fit them all
        yield context.finding(
            call.path,
            _budget_span(call),
            f"{named} is below the {low}-{high} tokens the prompt asks for: the answer will be cut off mid-sentence",
            f"use {assignment(document, call, 'max_tokens', str(suggested))}, or ask for a shorter answer",
            fix=_budget_fix(document, call, suggested, context, safe=True),
        )


def _truncated(document: Document, call: PromptCall, context: CheckContext, tolerance: float) -> tuple | None:
    """(call, how its budget is named, expected answer, suggested budget) when the budget is
    below the answer the prompt states; None otherwise."""
    sent = _budget(document, call, context)
    expected = call_expected_output(call)
    if sent is None or expected is None or not is_explicit(call):
        return None
    budget, named = sent
    if budget >= expected[0] * tolerance:
        return None
    return call, named, expected, fitting_budget(expected[1])
