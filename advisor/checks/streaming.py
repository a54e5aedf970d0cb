"""Streaming rules: a user waits on a response that is not streamed.

The guide's third lever: "streaming ... can significantly improve the perceived
responsiveness of your application, as users can see the model's output in real time".
"""

from __future__ import annotations

from typing import Iterator

from .. import wrappers
from ..analysis import call_expected_output, few_shot_labels
from ..estimates import estimate_call, saving
from ..fixes import Fix, insert_parameter, replace_value, single_edit_fix
from ..model import CallApi, Document, Finding, PromptCall, RunsIn, Severity
from ..registry import CheckContext, FixSafety, Option, Rule
from .examples import BLOCKING_REPLY, BUFFERED_REPLY, STREAMED_REPLY, WEB_APP
from .idioms import buffered_hint, streaming_hint

GUIDE_STREAMING = "3. Leverage streaming"

NON_STREAMING_UI_CALL = Rule(
    code="S001",
    name="non-streaming-ui-call",
    severity=Severity.WARNING,
    calls_only=True,
    guide=GUIDE_STREAMING,
    summary="A non-streamed call whose answer a user waits for in a web handler or chat UI.",
    why=(
        "Without streaming the user sees nothing until the last token is generated: the time to "
        "first visible token equals the whole generation time, often several seconds. Streamed, "
        "the first words appear after the time to first token (typically well under a second) "
        "and the rest arrives while the user reads. Batch jobs and scripts gain nothing from "
        "streaming and are not flagged."
    ),
    example=WEB_APP + BLOCKING_REPLY,
    use_instead=WEB_APP + STREAMED_REPLY,
    fix=FixSafety.UNSAFE,
    fix_note="Request configs marked `x-advisor: {runs-in: ui}` get `stream: true`; the code that reads the response must then consume events.",
    options={
        "short-answer-tokens": Option(
            64,
            "Calls whose answer is at most this many tokens (by `max_tokens`, or the size the prompt asks for) "
            "are internal steps (a label, a yes/no, a routing decision, a title): nothing to stream.",
        ),
    },
    example_file='app/chat.py',
)


BUFFERED_STREAM = Rule(
    code="S002",
    name="buffered-stream",
    severity=Severity.WARNING,
    calls_only=True,
    guide=GUIDE_STREAMING,
    summary="A stream opened where a user waits, then collected in full before anything is shown.",
    why=(
        "`get_final_message()`, `get_final_text()` or joining every text delta waits for the "
        "last token, exactly like a non-streamed call: the user still sees nothing until the "
        "whole answer exists. The request pays streaming's overhead and gets none of its "
        "benefit, and the code looks as if the latency problem were solved."
    ),
    example=WEB_APP + BUFFERED_REPLY,
    use_instead=WEB_APP + STREAMED_REPLY,
    example_file='app/chat.py',
)


def _streaming_saving(call: PromptCall, context: CheckContext) -> dict | None:
    latency = context.latency
    return saving(
        estimate_call(call, context.catalog, latency, streams=False),
        estimate_call(call, context.catalog, latency, streams=True),
    )


def _stream_fix(document: Document, call: PromptCall) -> Fix | None:
    """`stream: true` for a request config (the code that reads it must consume events)."""
    if call.api is not CallApi.BODY:
        return None
    if call.stream.is_literal:
        edit = replace_value(document, call.stream, "true")
    else:
        edit = insert_parameter(document, call, "stream", "true")
    return single_edit_fix("set stream: true", "unsafe", edit)


@BUFFERED_STREAM.checker
def check_buffered_stream(document: Document, context: CheckContext) -> Iterator[Finding]:
    for call in document.calls:
        if call.where.kind is not RunsIn.UI or not (call.buffered.is_literal and call.buffered.value):
            continue
        how = call.buffered.source or "collecting the whole stream"
        yield context.finding(
            call.path,
            call.buffered.span or call.span,
            f"stream collected in full ({how}) before the user sees anything ({call.where.reason or 'user-facing handler'})",
            buffered_hint(document, call),
            estimate=_streaming_saving(call, context),
        )


def _short_internal_answer(call: PromptCall, limit: int) -> bool:
    """Whether the answer is too short for anyone to read it as text as it arrives: a
    small literal budget, a stated answer of a few tokens, or a label task. Such a call
    inside a handler (classify the message, route it, name the chat) is over in the time to
    first token anyway."""
    budget = call.max_tokens.get()
    if isinstance(budget, int) and not isinstance(budget, bool) and budget <= limit:
        return True
    expected = call_expected_output(call)
    if expected is not None and expected[1] <= limit:
        return True
    return few_shot_labels(call)


@NON_STREAMING_UI_CALL.checker
def check_non_streaming_ui_call(document: Document, context: CheckContext) -> Iterator[Finding]:
    for call in document.calls:
        if call.api not in (CallApi.CREATE, CallApi.BODY) or call.where.kind is not RunsIn.UI:
            continue
        if call.streams is not False:
            continue  # streamed, or decided at run time
        if _short_internal_answer(call, int(context.options["short-answer-tokens"])):
            continue
        span = call.stream.span if call.stream.is_literal and call.stream.span else call.span
        advice = wrappers.stream_advice(call)
        suggestion = advice if advice is not None else streaming_hint(document, call)
        yield context.finding(
            call.path,
            span,
            f"non-streamed call where a user waits ({call.where.reason or 'user-facing handler'}): nothing is shown until the whole answer is generated",
            suggestion,
            fix=_stream_fix(document, call),
            estimate=_streaming_saving(call, context),
        )
