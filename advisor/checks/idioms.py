"""How advice is phrased for the code a call is written in: the Python SDK, the TypeScript
SDK or the Vercel AI SDK name the same request parameters and streaming idioms differently,
and a hint the user cannot paste is no hint. Rules ask here instead of writing Python."""

from __future__ import annotations

from ..model import CallApi, Document, Kind, PromptCall

_SCRIPT_KINDS = (Kind.TYPESCRIPT, Kind.JAVASCRIPT)


def is_script(document: Document) -> bool:
    """TypeScript or JavaScript source."""
    return document.kind in _SCRIPT_KINDS


def is_ai_sdk(call: PromptCall) -> bool:
    return call.callee is not None and not call.callee.startswith("messages.")


def parameter(call: PromptCall, name: str) -> str:
    """The name the call's code writes a Messages API parameter as (``maxOutputTokens``)."""
    return call.spelling.get(name, name)


def call_label(call: PromptCall) -> str:
    if call.api is CallApi.BODY:
        return "request config"
    return f"`{call.callee or call.api.value}` call"


def assignment(document: Document, call: PromptCall, name: str, value: str) -> str:
    """``max_tokens=512`` in Python (and for request configs, as the messages always said),
    ``max_tokens: 512`` / ``maxOutputTokens: 512`` in a TypeScript object literal."""
    if is_script(document):
        return f"{parameter(call, name)}: {value}"
    return f"{name}={value}"


def streaming_hint(document: Document, call: PromptCall) -> str:
    """How to stream this call instead of waiting for the whole answer."""
    if call.api is CallApi.BODY:
        return "set `stream: true` and render text deltas as they arrive"
    if is_ai_sdk(call):
        return "use `streamText(...)` and return `result.toDataStreamResponse()` (AI SDK 5: `toUIMessageStreamResponse()`)"
    if is_script(document):
        return "use `client.messages.stream({...})` and return `new Response(stream.toReadableStream())`, or send each `text` event on"
    if call.is_async:
        return "use `async with client.messages.stream(...) as stream:` and forward `stream.text_stream` to the client"
    return "use `with client.messages.stream(...) as stream:` and send `stream.text_stream` to the user as it arrives"


def buffered_hint(document: Document, call: PromptCall) -> str:
    if is_ai_sdk(call):
        return "return `result.toDataStreamResponse()` (or iterate `result.textStream`) instead of awaiting the whole text"
    if is_script(document):
        return "return `new Response(stream.toReadableStream())`, or forward each `stream.on('text', …)` delta, before `finalMessage()`"
    return "send each text delta on as it arrives: `yield from stream.text_stream`, a StreamingResponse, or a websocket send per chunk"
