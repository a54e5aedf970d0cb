"""Prompt-size rules: prompts over a token budget, and large static prefixes sent again and
again without prompt caching.

The guide: "minimize the number of tokens in both your input prompt and the expected output"
-- every input token is processed before the first output token appears. Prompt caching is
the other lever on input: Anthropic reports up to 85% lower latency for long prompts.
"""

from __future__ import annotations

import re
import sys
from typing import Callable, Iterator

from .. import tokens
from ..analysis import instruction_text, text_parts
from ..catalog import ModelInfo
from ..model import CallApi, Document, Finding, PromptCall, PromptText, Role, RunsIn, Severity
from ..parts import DATA
from ..patterns import lazy
from ..registry import CheckContext, Option, Rule
from .examples import policy_endpoint, support_function

GUIDE_PROMPT = "2. Optimize prompt and output length: be clear but concise"
GUIDE_CACHE = "Prompt caching (the guide's companion lever on input latency)"
# sections of a prompt over budget (a finding): compiled for the first
_HEADING = lazy(r"^(?:#{1,6}\s+\S.*|<([A-Za-z_][\w-]*)[^>]*>\s*)$", re.MULTILINE)

PROMPT_TOO_LONG = Rule(
    code="P001",
    name="prompt-too-long",
    severity=Severity.WARNING,
    guide=GUIDE_PROMPT,
    summary="A prompt (or the static part of a call's prompt) is over the token budget.",
    why=(
        "Every input token is processed before the first output token: time to first token "
        "grows with the prompt, and so does the price of every call. Long prompts are often "
        "long by accretion (examples nobody reads, pasted documentation, repeated rules); the "
        "biggest sections named in the finding are where to cut first, or what to cache."
    ),
    example=support_function("style_guide.md"),
    use_instead=support_function("style_rules.md"),
    options={"max-tokens": Option(8000, "Budget in (estimated) tokens for one prompt text or a call's static prompt.")},
    example_file='app/support.py',
    example_files={
        "prompts/style_guide.md": ("Write in a warm, plain voice; avoid jargon, define any term a customer may not know, and keep paragraphs short. ", 500),
        "prompts/style_rules.md": ("Write in a warm, plain voice. Keep answers under five sentences. ", 1),
    },
)

MISSING_PROMPT_CACHE = Rule(
    code="P003",
    name="missing-prompt-cache",
    severity=Severity.WARNING,
    calls_only=True,
    guide=GUIDE_CACHE,
    summary="A large static prompt prefix is sent on every request without `cache_control`.",
    why=(
        "A prefix that is the same on every request (system prompt, tools, long context) is "
        "processed from scratch each time unless it is cached. With `cache_control` the first "
        "request writes the cache and the next ones (within the 5-minute TTL) skip most of that "
        "work: Anthropic reports time to first token falling from 11.5 s to 2.4 s on a "
        "100K-token prompt, and cached input costs a tenth of the price. Prefixes shorter than "
        "the model's minimum cacheable length are never cached, so they are not reported."
    ),
    example=policy_endpoint("POLICY"),
    use_instead=policy_endpoint('[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}]'),
    example_file='app/policy.py',
    example_files={
        "prompts/policy.md": ("Refunds are possible within thirty days of purchase when the customer shows a receipt and the item is unused. ", 160),
    },
)


def _factor(model: str | None, context: CheckContext) -> float:
    return context.catalog.tokenizer_for(model).factor


def _tokens(text: str, model: str | None, context: CheckContext) -> int:
    return round(tokens.raw_count(text) * _factor(model, context))


def _data_tokens(text: PromptText, model: str | None, context: CheckContext, count: Callable[..., int] = _tokens) -> int:
    pieces = [p for p in text_parts(text) if p.kind == DATA]
    return sum(count(text.text[p.start:p.end], model, context) for p in pieces)


def _most_tokens(text: str, model: str | None, context: CheckContext) -> int:
    """The most tokens ``text`` can count as, without counting it: cl100k_base is a
    byte-level encoding (every token stands for at least one UTF-8 byte, and the fallback
    count is a quarter of the characters), so the byte length bounds the raw count, and
    the rounded product is monotone in it (for a positive factor)."""
    factor = _factor(model, context)
    return round(len(text.encode("utf-8", "surrogatepass")) * factor) if factor > 0 else sys.maxsize


def _data_reasons(text: PromptText) -> str:
    reasons = list(dict.fromkeys(p.reason.split(":")[0] for p in text_parts(text) if p.kind == DATA))
    return "; ".join(reasons[:2])


_SHOWN_SECTIONS = 3


def _sections(text: PromptText, model: str | None, context: CheckContext) -> list[tuple[int, int, int, str]]:
    """(tokens, first line, last line, title) of each of the biggest sections: split at
    Markdown headings and XML-style tags on their own line, else at blank lines. Only the
    instructions are offered for trimming: data parts are blanked (they are reported as
    data).

    Only sections that can be among the biggest are counted (the encoder is most of what
    this rule costs on a long prompt): sections are taken by their byte length, largest
    first, and once the shown ones are counted, a section whose most possible tokens
    (`_most_tokens`) are fewer than the smallest of them is not, nor is any after it."""
    body = instruction_text(text)
    cuts = [m.start() for m in _HEADING().finditer(body)]
    if len(cuts) < 2:
        cuts = [0, *(m.end() for m in re.finditer(r"\n\s*\n", body))]
    cuts = sorted({0, *cuts})
    chunks = [(start, end) for start, end in zip(cuts, [*cuts[1:], len(body)]) if body[start:end].strip()]
    bounds = [_most_tokens(body[start:end], model, context) for start, end in chunks]
    sections: list[tuple[int, int, int, str]] = []
    for bound, (start, end) in sorted(zip(bounds, chunks), key=lambda item: item[0], reverse=True):
        if len(sections) >= _SHOWN_SECTIONS and bound < sorted(sections, reverse=True)[_SHOWN_SECTIONS - 1][0]:
            break
        chunk = body[start:end]
        first = text.span(start, start).line
        last = text.span(max(start, end - 1), max(start, end - 1)).line
        title = chunk.strip().splitlines()[0][:50]
        sections.append((_tokens(chunk, model, context), first, last, title))
    return sorted(sections, reverse=True)[:_SHOWN_SECTIONS]


def _call_model(call: PromptCall, context: CheckContext) -> ModelInfo | None:
    return context.catalog.get(str(call.model.value)) if call.model.is_literal else None


def _trim_saving(excess: int, info: ModelInfo | None, context: CheckContext) -> dict | None:
    latency = context.latency
    tier = latency.tiers.get(info.latency if info else "fast")
    if tier is None:
        return None
    estimate = {
        "visible_ttft_ms": round(excess / 1000 * tier.prefill_ms_per_1k),
        "total_ms": round(excess / 1000 * tier.prefill_ms_per_1k),
        "basis": "estimate from the latency model in rules/latency.yaml; confirm with advisor ab",
    }
    if info is not None:
        estimate["cost_per_1k_calls_usd"] = round(excess * info.input_price / 1000, 4)
    return estimate


@PROMPT_TOO_LONG.checker
def check_prompt_too_long(document: Document, context: CheckContext) -> Iterator[Finding]:
    budget = int(context.options["max-tokens"])
    models = {id(t): str(c.model.value) for c in document.calls if c.model.is_literal for t in c.texts}
    reported: set[int] = set()
    for text in document.all_texts():
        model = models.get(id(text))
        size = round((text.raw_tokens or 0) * _factor(model, context))
        if size <= budget:
            continue
        reported.add(id(text))
        # the data parts are counted only when they may be half the prompt (`_most_tokens`)
        data = _data_tokens(text, model, context) if _data_tokens(text, model, context, _most_tokens) * 2 >= size else 0
        where = text.span(0, len(text.text.split("\n", 1)[0]))
        saving_estimate = _trim_saving(size - budget, None if model is None else context.catalog.get(model), context)
        if data * 2 >= size:
            yield context.finding(
                text.path,
                where,
                f"prompt of ~{size:,} tokens (estimate) is over the {budget:,}-token budget, and ~{data:,} of them are "
                f"pasted material ({_data_reasons(text)}), not instructions",
                "send only the part of the material the task needs (or fetch it by retrieval), or cache it with cache_control",
                estimate=saving_estimate,
            )
            continue
        parts = "; ".join(f"lines {a}-{b} \"{title}\" ~{n:,}" for n, a, b, title in _sections(text, model, context))
        yield context.finding(
            text.path,
            where,
            f"prompt of ~{size:,} tokens (estimate) is over the {budget:,}-token budget; biggest sections: {parts}",
            "cut or summarize the biggest sections, move reference material to retrieval, or cache the static part",
            estimate=saving_estimate,
        )
    for call in document.calls:
        if call.api is CallApi.COUNT_TOKENS or any(id(t) in reported for t in call.prompt_texts):
            continue
        model = str(call.model.value) if call.model.is_literal else None
        size = sum(round((t.raw_tokens or tokens.raw_count(t.static_text)) * _factor(model, context)) for t in call.prompt_texts)
        if size <= budget:
            continue
        parts = ", ".join(f"{t.name or t.role}: ~{round((t.raw_tokens or 0) * _factor(model, context)):,}" for t in call.prompt_texts)
        yield context.finding(
            call.path,
            call.span,
            f"the static prompt of this call is ~{size:,} tokens (estimate), over the {budget:,}-token budget ({parts})",
            "shorten the largest part, or cache the static prefix with cache_control",
            estimate=_trim_saving(size - budget, _call_model(call, context), context),
        )


def static_prefix_tokens(call: PromptCall, context: CheckContext) -> int:
    """Tokens of the prefix that is identical on every request: tools, then the system
    prompt up to its first dynamic part, then leading messages without dynamic parts
    (the last message is the per-request question and is never counted)."""
    model = str(call.model.value) if call.model.is_literal else None
    total = 0
    tools = call.extra.get("tools")
    if tools is not None and tools.is_literal:
        total += _tokens(repr(tools.value), model, context)
    # a system prompt read from a file (`open("prompts/policy.md").read()`) is as static as
    # one written in the call: the file is the same on every request
    linked_system = [t for t in call.linked_texts if t.role is Role.SYSTEM]
    for text in [*call.system, *linked_system]:
        if text.slots:
            return total + _tokens(text.text[: text.slots[0].start], model, context)
        total += round((text.raw_tokens or 0) * _factor(model, context))
    if call.system_dynamic and not linked_system:
        return total
    for text in call.messages[:-1]:
        if text.slots or call.messages_dynamic:
            return total + (_tokens(text.text[: text.slots[0].start], model, context) if text.slots else 0)
        total += round((text.raw_tokens or 0) * _factor(model, context))
    return total


@MISSING_PROMPT_CACHE.checker
def check_missing_prompt_cache(document: Document, context: CheckContext) -> Iterator[Finding]:
    latency = context.latency
    for call in document.calls:
        if call.api is CallApi.COUNT_TOKENS or not call.cache_control.is_absent:
            continue
        if call.where.kind is not RunsIn.UI and not call.in_loop:
            continue  # runs once, or we cannot tell: a cache would rarely be read
        info = _call_model(call, context)
        if info is None or not info.min_cache_tokens:
            continue
        prefix = static_prefix_tokens(call, context)
        if prefix < info.min_cache_tokens:
            continue
        tier = latency.tiers[info.latency]
        ttft_saved = round(prefix / 1000 * tier.prefill_ms_per_1k * (1 - latency.read_prefill_factor))
        cost_saved = round(prefix * info.input_price * (1 - latency.read_price_factor) / 1000, 4)
        where = call.where.reason if call.where.kind is RunsIn.UI else "a loop"
        anchor = call.system[0].span() if call.system else call.span
        yield context.finding(
            call.path,
            anchor if call.system and call.system[0].path == call.path else call.span,
            f"~{prefix:,}-token static prefix re-sent uncached from {where} (cacheable from {info.min_cache_tokens:,} tokens on {info.id})",
            f"mark the end of the static prefix with cache_control {{\"type\": \"ephemeral\"}}: about {ttft_saved:,} ms less time to first token and ${cost_saved:g} less per 1,000 calls on cache hits (estimate)",
            estimate={
                "visible_ttft_ms": ttft_saved,
                "total_ms": ttft_saved,
                "cost_per_1k_calls_usd": cost_saved,
                "basis": "cache hits, from the latency model in rules/latency.yaml; confirm with advisor ab",
            },
        )
