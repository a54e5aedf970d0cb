"""Extended-thinking rules: a budget the API rejects, and thinking spent on a simple task.

Thinking tokens are output tokens generated before the first text token: they add directly
to the time to first token a user waits for, and they count against ``max_tokens``. The
guide's first lever (the fastest model that does the job) applies to them as much as to the
model id: a label or a yes/no answer gains nothing from a thinking budget.
"""

from __future__ import annotations

from typing import Iterator

from ..analysis import call_profile, thinking_budget
from ..fixes import replace_value, single_edit_fix
from ..model import CallApi, Document, Finding, Severity
from ..registry import CheckContext, FixSafety, Rule
from .examples import request_config
from .max_tokens import DEFAULT_BUDGET, GUIDE_OUTPUT, above_model_limit
from .model_choice import GUIDE_MODEL

MAX_TOKENS_BELOW_THINKING_BUDGET = Rule(
    code="O005",
    name="max-tokens-below-thinking-budget",
    severity=Severity.ERROR,
    calls_only=True,
    guide=GUIDE_OUTPUT,
    summary="`max_tokens` is not above `thinking.budget_tokens`, so the API rejects the call.",
    why=(
        "With extended thinking on, `max_tokens` covers the thinking and the answer together, "
        "and the API requires it to be greater than `thinking.budget_tokens`: a call that sets "
        "it at or below the budget fails with a 400 before any token is generated. Every retry "
        "of a call that cannot succeed is latency for nothing."
    ),
    example=request_config(max_tokens=1024, model="claude-sonnet-5-5", settings="thinking: {type: enabled, budget_tokens: 2048}", system=None, user="Plan the database migration step by step."),
    use_instead=request_config(max_tokens=4096, model="claude-sonnet-5-5", settings="thinking: {type: enabled, budget_tokens: 2048}", system=None, user="Plan the database migration step by step."),
    fix=FixSafety.UNSAFE,
    fix_note="Raises `max_tokens` to the thinking budget plus room for an answer; the call then runs (and costs) instead of failing, so review it.",
    example_file='configs/plan.yaml',
)

THINKING_ON_SIMPLE_TASK = Rule(
    code="M006",
    name="thinking-on-simple-task",
    severity=Severity.WARNING,
    calls_only=True,
    guide=GUIDE_MODEL,
    summary="Extended thinking is on for a label, yes/no or extraction task.",
    why=(
        "Thinking tokens are generated before the first text token and billed as output: a "
        "budget of a few thousand tokens adds seconds to every answer. A classification, "
        "a yes/no decision or an extraction is answered as well without it, so the budget is "
        "pure latency."
    ),
    example=request_config(model="claude-sonnet-5-5", system="Is this email spam? Answer yes or no.", user='"{{ email }}"', max_tokens=3000, settings="thinking: {type: enabled, budget_tokens: 2048}"),
    use_instead=request_config(model="claude-sonnet-5-5", system="Is this email spam? Answer yes or no.", user='"{{ email }}"', max_tokens=16),
    fix=FixSafety.NONE,
    example_file='configs/spam.yaml',
)


@MAX_TOKENS_BELOW_THINKING_BUDGET.checker
def check_below_budget(document: Document, context: CheckContext) -> Iterator[Finding]:
    for call in document.calls:
        budget = thinking_budget(call)
        limit = call.max_tokens.get()
        if budget is None or not isinstance(limit, int) or isinstance(limit, bool) or limit > budget:
            continue
        suggested = budget + DEFAULT_BUDGET
        edit = None if above_model_limit(call, context, suggested) else replace_value(document, call.max_tokens, str(suggested))
        yield context.finding(
            call.path,
            call.max_tokens.span or call.span,
            f"max_tokens={limit} is not above thinking.budget_tokens={budget}: the API rejects this call (400)",
            f"use max_tokens={suggested} (the thinking budget plus room for the answer), or a smaller thinking budget",
            fix=single_edit_fix(f"set max_tokens to {suggested}", "unsafe", edit),
        )


@THINKING_ON_SIMPLE_TASK.checker
def check_thinking_on_simple_task(document: Document, context: CheckContext) -> Iterator[Finding]:
    for call in document.calls:
        budget = thinking_budget(call)
        if budget is None or call.api is CallApi.COUNT_TOKENS or not call.prompt_texts:
            continue
        profile = call_profile(call)
        if profile.verdict != "simple":
            continue
        field = call.extra["thinking"]
        yield context.finding(
            call.path,
            field.span or call.span,
            f"a thinking budget of {budget} tokens for {profile.summary}: thinking comes before the first token of the answer",
            "drop `thinking` for this call (or use `effort: low`) and confirm with `advisor ab`",
        )
