"""Model-lifecycle rules: retired, deprecated, unknown and superseded model ids.

Everything they know comes from the catalog (rules/models.yaml), whose statuses follow the
calendar: a deprecated model is reported as retired from the day after its retirement date.
"""

from __future__ import annotations

from typing import Iterator

from ..catalog import Catalog
from ..model import CallApi, Document, Field, Finding, PromptCall, Severity, Span
from ..registry import CheckContext, FixSafety, Rule
from .examples import request_config
from .model_choice import (
    GUIDE_MODEL,
    OVERSIZED_MODEL,
    oversized_for_task,
    oversized_options,
    replace_model_fix,
    tier_of,
    use_model,
)

DEPRECATED_MODEL = Rule(
    code="M003",
    name="deprecated-model",
    severity=Severity.WARNING,
    calls_only=True,
    guide=GUIDE_MODEL,
    summary="The model is deprecated (it retires on a known date) or already retired (calls fail).",
    why=(
        "A retired model id makes every call fail; a deprecated one will, on its retirement "
        "date. Their replacements are also faster or cheaper per token, so moving early is both "
        "a reliability and a latency win. Retired models are reported as errors."
    ),
    example=request_config(model="claude-sonnet-4-5-20250929"),
    use_instead=request_config(model="claude-sonnet-5-5"),
    fix=FixSafety.UNSAFE,
    fix_note="Replaces the id with the documented replacement; the answering model changes, so re-check output quality.",
    example_file='configs/orders.yaml',
)

UNKNOWN_MODEL = Rule(
    code="M004",
    name="unknown-model",
    severity=Severity.WARNING,
    calls_only=True,
    guide=GUIDE_MODEL,
    summary="The model id is not one advisor's catalog knows (often a typo).",
    why=(
        "An id the API does not know fails with a 404 on every call, and an id advisor does not "
        "know cannot be checked for speed, price or deprecation. Most unknown ids are typos or "
        "dots where the API expects dashes (claude-haiku-5.5)."
    ),
    example=request_config(model="claude-haiku-5.5"),
    use_instead=request_config(),
    fix=FixSafety.UNSAFE,
    fix_note="Replaces the id with the closest known one; check it is the model you meant.",
    example_file='configs/orders.yaml',
)

OUTDATED_MODEL = Rule(
    code="M002",
    name="outdated-model",
    severity=Severity.INFO,
    calls_only=True,
    guide=GUIDE_MODEL,
    summary="A legacy model whose current successor in the same family is faster or cheaper.",
    why=(
        "Legacy models keep working, but each family's current model is at least as fast and "
        "usually cheaper per token. Staying on the old one pays more for the same or slower "
        "responses."
    ),
    example=request_config(model="claude-haiku-4-5"),
    use_instead=request_config(),
    fix=FixSafety.UNSAFE,
    fix_note="Replaces the id with the family's current model.",
    example_file='configs/orders.yaml',
)

def _calls_with_ids(document: Document) -> Iterator[tuple[list[PromptCall], Field, str]]:
    """Each model id the file spells once, with every call that uses it: a constant shared
    by several calls is one place to change, so it gets one finding. A model chosen at run
    time among literal options (`Field.candidates`) has each option judged at its span."""
    by_span: dict[object, tuple[list[PromptCall], Field, str]] = {}
    for call in document.calls:
        if call.api is CallApi.COUNT_TOKENS and not call.model.is_literal:
            continue
        for value in call.model.judged_values:
            if isinstance(value.value, str):
                key = value.span if value.span is not None else id(call)
                by_span.setdefault(key, ([], value, value.value))[0].append(call)
    yield from by_span.values()


def _span(calls: list[PromptCall], field: Field) -> Span:
    """Where a finding about the id goes: the id itself, else its call (an id without a span
    is grouped on its own, so it has one call)."""
    return field.span or calls[0].span


def _task_sized(calls: list[PromptCall], base: str, context: CheckContext) -> tuple[str, str] | None:
    """(fastest model id, task summary) when every call using the id sets a task that
    needs a faster tier than the model's family: the replacement a lifecycle rule suggests
    is then the model the task needs, so oversized-model and this rule never name two
    different models for one span."""
    info = tier_of(context.catalog, base)
    if info is None:
        return None
    profiles = [oversized_for_task(call, info, context.catalog, oversized_options(context)) for call in calls]
    sized = [p for p in profiles if p is not None]
    if not sized or len(sized) < len(profiles):
        return None
    return context.catalog.fastest_current().id, sized[0].summary


def _price(catalog: Catalog, model_id: str) -> str:
    info = catalog.get(model_id)
    return f"${info.input_price:g}/${info.output_price:g} per MTok, speed: {info.latency}" if info else "unknown price"


@DEPRECATED_MODEL.checker
def check_deprecated(document: Document, context: CheckContext) -> Iterator[Finding]:
    catalog = context.catalog
    for calls, field, model_id in _calls_with_ids(document):
        info = catalog.get(model_id)
        retired = catalog.retired_entry(model_id)
        if info is not None and info.status not in ("deprecated", "retired"):
            continue
        if info is None and retired is None:
            continue
        replacement = catalog.successor(model_id)
        sized = _task_sized(calls, model_id, context)
        also = ""
        if sized is not None:
            replacement, task = sized
            also = f"; and for {task} a faster tier does the job"
        fix = replace_model_fix(document, field, replacement, catalog) if replacement else None
        use = f"use {use_model(catalog, replacement, field)} ({_price(catalog, replacement)})" if replacement else "move to a current model"
        if retired is not None or (info is not None and info.status == "retired"):
            date = f" on {info.retires.isoformat()}" if info is not None and info.retires else ""
            finding = context.finding(
                document.path, _span(calls, field), f"`{model_id}` was retired{date}: every call to it fails{also}", use, fix=fix
            )
            finding.severity = Severity.ERROR  # calls fail today; a config override still applies later
        else:
            assert info is not None  # no retired entry, so the catalog lists the model
            finding = context.finding(
                document.path,
                _span(calls, field),
                f"`{model_id}` is deprecated and retires on {info.retires.isoformat() if info.retires else 'a date to be announced'}{also}",
                use,
                fix=fix,
            )
        if sized is not None:
            finding.also = (OVERSIZED_MODEL.name,)
        yield finding


@UNKNOWN_MODEL.checker
def check_unknown(document: Document, context: CheckContext) -> Iterator[Finding]:
    catalog = context.catalog
    for calls, field, model_id in _calls_with_ids(document):
        if catalog.is_known(model_id) or "{{" in model_id or "claude" not in model_id.lower():
            continue  # an id that is not a Claude id at all is another provider's or a deliberate dummy
        closest = catalog.closest(model_id)
        fix = replace_model_fix(document, field, closest, catalog) if closest else None
        suggestion = f"did you mean {use_model(catalog, closest, field)}?" if closest else "use a model id from `advisor rules`' catalog, e.g. `claude-haiku-5-5`"
        yield context.finding(document.path, _span(calls, field), f"unknown model id `{model_id}`", suggestion, fix=fix)


@OUTDATED_MODEL.checker
def check_outdated(document: Document, context: CheckContext) -> Iterator[Finding]:
    catalog = context.catalog
    for calls, field, model_id in _calls_with_ids(document):
        info = catalog.get(model_id)
        if info is None or info.status != "legacy":
            continue
        if _task_sized(calls, info.id, context) is not None:
            continue  # oversized-model names the model this task needs
        successor_id = catalog.successors.get(info.family)
        successor = catalog.get(successor_id) if successor_id else None
        if successor is None or successor.id == info.id:
            continue
        faster = successor.latency_rank < info.latency_rank
        cheaper = (successor.input_price, successor.output_price) < (info.input_price, info.output_price) and (
            successor.input_price <= info.input_price and successor.output_price <= info.output_price
        )
        if not (faster or cheaper):
            continue
        gains = " and ".join(g for g, ok in (("faster", faster), ("cheaper", cheaper)) if ok)
        yield context.finding(
            document.path,
            _span(calls, field),
            f"`{model_id}` is a legacy model; its successor `{successor.id}` is {gains}",
            f"use {use_model(catalog, successor.id, field)} ({_price(catalog, successor.id)} vs {_price(catalog, info.id)})",
            fix=replace_model_fix(document, field, successor.id, catalog),
        )
