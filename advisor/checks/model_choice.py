"""Model-choice rules: a slower, pricier model than the task needs.

The guide's first lever: "one of the most straightforward ways to reduce latency is to
select the appropriate model for your use case" -- the fastest model that does the job.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from .. import model_ids
from ..analysis import call_expected_output, call_profile
from ..catalog import Catalog, ModelInfo
from ..estimates import estimate_call, saving
from ..fixes import Fix, replace_value, single_edit_fix
from ..model import CallApi, Document, Field, Finding, PromptCall, Severity
from ..registry import CheckContext, FixSafety, Option, Rule
from ..tasks import TaskProfile
from .examples import request_config, sentiment_function

GUIDE_MODEL = "1. Choose the right model"

OVERSIZED_MODEL = Rule(
    code="M001",
    name="oversized-model",
    severity=Severity.WARNING,
    calls_only=True,
    guide=GUIDE_MODEL,
    summary="A slower, pricier model tier is used for a short, simple task.",
    why=(
        "Larger tiers (Opus, Fable, Mythos, and Sonnet where Haiku suffices) take longer to "
        "process the prompt and produce each token, and cost several times more per token. "
        "Classification, extraction, labels, yes/no answers and short summaries are well within "
        "the fastest model's reach, so the extra latency buys nothing. Long, multi-step or "
        "long-form work is not flagged."
    ),
    example=sentiment_function("claude-opus-5-5"),
    use_instead=sentiment_function("claude-haiku-5-5"),
    fix=FixSafety.UNSAFE,
    fix_note="Replaces the model id with the fastest current model; the answering model changes, so confirm quality (advisor ab --apply oversized-model).",
    options={
        "max-output-tokens": Option(1024, "A `max_tokens` above this marks the call as long work (never flagged) unless the prompt asks for a short answer."),
        "max-expected-output": Option(400, "The largest expected answer, in tokens, that still counts as short."),
    },
    example_file='app/sentiment.py',
)


def tier_of(catalog: Catalog, model_id: str) -> ModelInfo | None:
    """The catalog entry that gives a model id its speed tier: its own, or for a retired id
    (an Opus 3, a Sonnet 3.5) its family's current model, so old ids are judged by the
    tier they belong to."""
    info = catalog.get(model_id)
    if info is not None:
        return info
    successor = catalog.successor(model_id)
    return catalog.get(successor) if successor else None


def oversized_for_task(call: PromptCall, info: ModelInfo, catalog: Catalog, options: Mapping[str, Any]) -> TaskProfile | None:
    """The simple task a call sets when its model's tier is slower than the fastest current
    model's and the answer is short; None when the model is not oversized for it. Shared by
    oversized-model and deprecated-model, so one call never gets two different models."""
    fastest = catalog.fastest_current()
    if call.api is CallApi.COUNT_TOKENS or info.latency_rank <= fastest.latency_rank or not call.prompt_texts:
        return None
    expected = call_expected_output(call)
    budget = call.max_tokens.get()
    short_answer = expected is not None and expected[1] <= options["max-expected-output"]
    if isinstance(budget, int) and budget > options["max-output-tokens"] and not short_answer:
        return None
    if not short_answer and not isinstance(budget, int):
        return None  # neither the prompt nor the budget says the answer is short
    profile = call_profile(call)
    return profile if profile.verdict == "simple" else None


def replace_model_fix(document: Document, field: Field, new_id: str, catalog: Catalog) -> Fix | None:
    """Replacing a model id changes who answers: always an unsafe fix. The replacement is
    written in the spelling the code uses (a Bedrock or Vertex id for a Bedrock or Vertex
    call); None when the catalog has no such spelling of it."""
    written = respelt(catalog, new_id, field)
    if written is None:
        return None
    return single_edit_fix(f"use {written}", "unsafe", replace_value(document, field, written))


def respelt(catalog: Catalog, new_id: str, field: Field) -> str | None:
    """``new_id`` as the code would have to write it where ``field`` is written."""
    return catalog.respell(new_id, field.value) if isinstance(field.value, str) else new_id


def use_model(catalog: Catalog, new_id: str, field: Field) -> str:
    """How a suggestion names the replacement: in the code's spelling, or the API id with a
    note when the catalog knows no such spelling of it (and so no fix is offered)."""
    written = respelt(catalog, new_id, field)
    if written is not None:
        return f"`{written}`"
    platform = model_ids.PLATFORM_NAMES[model_ids.parse(str(field.value)).platform]
    return f"`{new_id}` (advisor knows no {platform} id for it: look it up in your {platform} model list)"



@OVERSIZED_MODEL.checker
def check_oversized_model(document: Document, context: CheckContext) -> Iterator[Finding]:
    catalog = context.catalog
    fastest = catalog.fastest_current()
    for call in document.calls:
        if not call.model.is_literal:
            continue
        model_id = str(call.model.value)
        own = catalog.get(model_id)
        if catalog.retired_entry(model_id) is not None or (own is not None and own.status in ("deprecated", "retired")):
            continue  # deprecated-model reports it, with the replacement this task needs
        info = tier_of(catalog, model_id)
        if info is None:
            continue
        profile = oversized_for_task(call, info, catalog, context.options)
        if profile is None:
            continue
        speedup = f"speed: {info.latency} -> {fastest.latency}"
        price = f"${info.input_price:g}/${info.output_price:g} -> ${fastest.input_price:g}/${fastest.output_price:g} per MTok"
        latency = context.latency
        yield context.finding(
            call.path,
            call.model.span or call.span,
            f"`{info.id}` (speed: {info.latency}) for {profile.summary}: a faster model does this",
            f"use {use_model(catalog, fastest.id, call.model)} ({speedup}; {price}) and confirm with `advisor ab --apply oversized-model`",
            fix=replace_model_fix(document, call.model, fastest.id, catalog),
            estimate=saving(
                estimate_call(call, context.catalog, latency),
                estimate_call(call, context.catalog, latency, model_id=fastest.id),
            ),
        )


EXCESSIVE_EFFORT = Rule(
    code="M005",
    name="excessive-effort",
    severity=Severity.WARNING,
    calls_only=True,
    guide=GUIDE_MODEL,
    summary="`output_config.effort` is high, xhigh or max for a short, simple task.",
    why=(
        "Effort is the main speed control of current models: higher effort lets the model "
        "think and write more before and while answering, which costs time to first token and "
        "output tokens. A classification, extraction or yes/no answer gains nothing from it; "
        "`low` answers as well, sooner."
    ),
    example=request_config(model="claude-sonnet-5-5", max_tokens=5, system="Is this email spam? Answer yes or no.", user='"{{ email }}"', settings="output_config: {effort: high}"),
    use_instead=request_config(model="claude-sonnet-5-5", max_tokens=5, system="Is this email spam? Answer yes or no.", user='"{{ email }}"', settings="output_config: {effort: low}"),
    fix=FixSafety.UNSAFE,
    fix_note="Sets the effort to `low`; the model may reason less, so confirm quality with `advisor ab`.",
    example_file='configs/spam.yaml',
)

HIGH_EFFORTS = ("high", "xhigh", "max")


@EXCESSIVE_EFFORT.checker
def check_excessive_effort(document: Document, context: CheckContext) -> Iterator[Finding]:
    for call in document.calls:
        effort = call.effort.get()
        if effort not in HIGH_EFFORTS or not call.prompt_texts:
            continue
        profile = call_profile(call)
        if profile.verdict != "simple":
            continue
        edit = replace_value(document, call.effort, "low")
        yield context.finding(
            call.path,
            call.effort.span or call.span,
            f"effort `{effort}` for {profile.summary}: higher effort means more thinking and output before the answer",
            "use `effort: low` (or drop it for the model's default) and confirm with `advisor ab`",
            fix=single_edit_fix("set effort to low", "unsafe", edit),
        )


def oversized_options(context: CheckContext) -> dict[str, Any]:
    """oversized-model's options as configured, for the lifecycle rules that defer to it."""
    return {**OVERSIZED_MODEL.default_options(), **context.settings.rule_options.get(OVERSIZED_MODEL.name, {})}
