"""Model-choice rules: a slower, pricier model than the task needs.

The guide's first lever: "one of the most straightforward ways to reduce latency is to
select the appropriate model for your use case" -- the fastest model that does the job.
"""

from __future__ import annotations

from typing import Iterator

from ..lengths import expected_output_tokens, find_length_requests
from ..model import CallApi, Document, Finding, PromptCall, Severity
from ..registry import CheckContext, FixSafety, Option, Rule
from ..tasks import classify_task

GUIDE_MODEL = "1. Choose the right model"

OVERSIZED_MODEL = Rule(
    code="M001",
    name="oversized-model",
    severity=Severity.WARNING,
    guide=GUIDE_MODEL,
    summary="A slower, pricier model tier is used for a short, simple task.",
    why=(
        "Larger tiers (Opus, Fable, Mythos, and Sonnet where Haiku suffices) take longer to "
        "process the prompt and produce each token, and cost several times more per token. "
        "Classification, extraction, labels, yes/no answers and short summaries are well within "
        "the fastest model's reach, so the extra latency buys nothing. Long, multi-step or "
        "long-form work is not flagged."
    ),
    example='client.messages.create(model="claude-opus-5-5", max_tokens=10, system="Classify the sentiment as positive or negative. Reply with one word.", ...)',
    use_instead='client.messages.create(model="claude-haiku-5-5", max_tokens=10, ...)',
    fix=FixSafety.UNSAFE,
    fix_note="Replaces the model id with the fastest current model; the answering model changes, so confirm quality (advisor ab --apply oversized-model).",
    options={
        "max-output-tokens": Option(1024, "A `max_tokens` above this marks the call as long work (never flagged) unless the prompt asks for a short answer."),
        "max-expected-output": Option(400, "The largest expected answer, in tokens, that still counts as short."),
    },
)


def _prompt_text(call: PromptCall) -> str:
    return "\n\n".join(text.text for text in call.texts)


@OVERSIZED_MODEL.checker
def check_oversized_model(document: Document, context: CheckContext) -> Iterator[Finding]:
    catalog = context.catalog
    fastest = catalog.fastest_current()
    for call in document.calls:
        if call.api is CallApi.COUNT_TOKENS or not call.model.is_literal:
            continue
        info = catalog.get(str(call.model.value))
        if info is None or info.latency_rank <= fastest.latency_rank or not call.texts:
            continue
        text = _prompt_text(call)
        requests = find_length_requests(text)
        expected = expected_output_tokens(requests)
        budget = call.max_tokens.get()
        short_answer = expected is not None and expected[1] <= context.options["max-expected-output"]
        if isinstance(budget, int) and budget > context.options["max-output-tokens"] and not short_answer:
            continue
        if not short_answer and not isinstance(budget, int):
            continue  # neither the prompt nor the budget says the answer is short
        profile = classify_task(text, length_requests=requests)
        if profile.verdict != "simple":
            continue
        speedup = f"{info.latency} -> {fastest.latency}"
        price = f"${info.input_price:g}/${info.output_price:g} -> ${fastest.input_price:g}/${fastest.output_price:g} per MTok"
        yield context.finding(
            call.path,
            call.model.span or call.span,
            f"`{info.id}` ({info.latency}) for {profile.summary}: a faster model does this",
            f"use `{fastest.id}` ({speedup}; {price}) and confirm with `advisor ab`",
        )
