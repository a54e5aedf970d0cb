"""One timed trial: a request sent through the real ``anthropic`` SDK, timed as its user
would experience it.

* Streamed request: TTFT is from sending the request to the first non-empty text delta;
  total is until ``message_stop``.
* Non-streamed request: the user sees nothing until the whole response has arrived, so
  TTFT equals total.

Retries are done here, not by the SDK (the client is built with ``max_retries=0``): the
SDK's loop would hide where each attempt starts, so a retried request's latency would
include the failed attempts and the back-off; and the SDK does not retry an ``error``
event in the middle of a stream at all. Here each attempt restarts the clock, only the
successful attempt's times are kept, and the wait honours ``retry-after``.
"""

from __future__ import annotations

import email.utils
import inspect
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import anthropic
import httpx2
from anthropic.resources.messages import Messages

# Status codes worth another attempt: timeouts, lock conflicts, rate limits, server errors.
RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
# Error types that make a mid-stream ``event: error`` worth another attempt.
RETRYABLE_STREAM_ERRORS = frozenset({"overloaded_error", "rate_limit_error", "api_error", "timeout_error"})
USAGE_FIELDS = ("input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
_CACHE_WRITE_FIELDS = ("ephemeral_5m_input_tokens", "ephemeral_1h_input_tokens")
_NOT_SDK_ARGUMENTS = {"self", "stream", "extra_headers", "extra_query", "extra_body", "timeout"}
_SDK_ARGUMENTS = frozenset(inspect.signature(Messages.create).parameters) - _NOT_SDK_ARGUMENTS

Clock = Callable[[], float]


@dataclass(frozen=True)
class RetryPolicy:
    """When to try again: up to ``max_retries`` more attempts, waiting what the server's
    ``retry-after`` asks, or else ``base_delay_s`` doubling up to ``max_delay_s``. A
    server that asks for more than ``max_retry_after_s`` ends the trial as failed rather
    than stalling the run."""

    max_retries: int = 4
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    max_retry_after_s: float = 60.0

    def delay(self, retries_done: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if retries_done >= self.max_retries:
            return None
        if retry_after is not None:
            return max(0.0, retry_after) if retry_after <= self.max_retry_after_s else None
        return min(self.base_delay_s * 2**retries_done, self.max_delay_s)


@dataclass
class Response:
    """A successful attempt, as measured."""

    ttft_s: float | None  # None when no text arrived (a tool call, an empty answer)
    total_s: float
    text: str
    usage: dict[str, Any]
    stop_reason: str | None
    request_id: str | None


@dataclass
class TrialResult:
    """The outcome of a trial after its retries: a response, or the last error."""

    response: Response | None
    error: str | None = None  # the API's error type, e.g. overloaded_error
    error_message: str | None = None
    request_id: str | None = None
    attempts: int = 1
    retry_wait_s: float = 0.0
    usages: list[dict[str, Any]] = field(default_factory=list)  # billed usage of every attempt


class AttemptFailed(Exception):
    """One attempt failed; says whether another is worth making and when."""

    def __init__(
        self,
        error_type: str,
        message: str,
        *,
        retryable: bool,
        request_id: str | None = None,
        retry_after: float | None = None,
        usage: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.retryable = retryable
        self.request_id = request_id
        self.retry_after = retry_after
        self.usage = usage


def make_client(timeout_s: float) -> anthropic.Anthropic:
    """An SDK client configured from its own environment (``ANTHROPIC_API_KEY``,
    ``ANTHROPIC_BASE_URL``, ...), so gateways and proxies work as in the user's app."""
    return anthropic.Anthropic(max_retries=0, timeout=timeout_s)


def has_credentials(client: anthropic.Anthropic) -> bool:
    return any(getattr(client, name, None) for name in ("api_key", "auth_token", "credentials"))


def sdk_arguments(body: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for ``messages.create``: fields the SDK names are passed as
    such; anything else (new or removed fields such as ``temperature``) goes in
    ``extra_body`` so the request is sent exactly as configured."""
    kwargs = {key: value for key, value in body.items() if key in _SDK_ARGUMENTS}
    extra = {key: value for key, value in body.items() if key not in _SDK_ARGUMENTS and key != "stream"}
    if extra:
        kwargs["extra_body"] = extra
    return kwargs


def run_trial(
    client: anthropic.Anthropic,
    body: Mapping[str, Any],
    policy: RetryPolicy = RetryPolicy(),
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Clock = time.perf_counter,
) -> TrialResult:
    """Send ``body`` until it succeeds or the policy gives up; time the successful attempt."""
    kwargs = sdk_arguments(body)
    attempt = _streamed if body.get("stream") else _buffered
    usages: list[dict[str, Any]] = []
    waited = 0.0
    number = 0
    while True:
        number += 1
        try:
            response = attempt(client, kwargs, clock)
        except AttemptFailed as failure:
            if failure.usage:
                usages.append(failure.usage)
            delay = policy.delay(number - 1, failure.retry_after) if failure.retryable else None
            if delay is None:
                return TrialResult(None, failure.error_type, failure.message, failure.request_id, number, waited, usages)
            sleep(delay)
            waited += delay
            continue
        usages.append(response.usage)
        return TrialResult(response, request_id=response.request_id, attempts=number, retry_wait_s=waited, usages=usages)


def _buffered(client: anthropic.Anthropic, kwargs: dict[str, Any], clock: Clock) -> Response:
    start = clock()
    try:
        message = client.messages.create(**kwargs)
    except (anthropic.AnthropicError, httpx2.HTTPError) as error:
        raise _failure(error) from error
    elapsed = clock() - start
    text = "".join(block.text for block in message.content if block.type == "text")
    return Response(
        ttft_s=elapsed,
        total_s=elapsed,
        text=text,
        usage=usage_dict(message.usage),
        stop_reason=message.stop_reason,
        request_id=message._request_id,
    )


@dataclass
class _StreamState:
    """What a stream has shown so far; kept even when it breaks, for its billed usage."""

    start: float
    first: float | None = None
    end: float | None = None
    parts: list[str] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)
    stop_reason: str | None = None
    request_id: str | None = None

    def observe(self, event: Any, now: float) -> None:
        kind = getattr(event, "type", None)
        if kind == "content_block_delta":
            delta = event.delta
            if getattr(delta, "type", None) == "text_delta" and delta.text:
                if self.first is None:
                    self.first = now
                self.parts.append(delta.text)
        elif kind == "message_start":
            self.usage = usage_dict(event.message.usage)
        elif kind == "message_delta":
            self.stop_reason = event.delta.stop_reason
            self.usage.update(usage_dict(event.usage))
        elif kind == "message_stop":
            self.end = now


def _streamed(client: anthropic.Anthropic, kwargs: dict[str, Any], clock: Clock) -> Response:
    state = _StreamState(start=clock())
    try:
        with client.messages.create(**kwargs, stream=True) as stream:
            state.request_id = stream.response.headers.get("request-id")
            for event in stream:
                state.observe(event, clock())
    except (anthropic.AnthropicError, httpx2.HTTPError) as error:
        raise _failure(error, usage=state.usage, request_id=state.request_id) from error
    if state.end is None:
        raise AttemptFailed(
            "incomplete_stream", "the stream ended before message_stop", retryable=True, request_id=state.request_id,
            usage=state.usage,
        )
    return Response(
        ttft_s=None if state.first is None else state.first - state.start,
        total_s=state.end - state.start,
        text="".join(state.parts),
        usage=state.usage,
        stop_reason=state.stop_reason,
        request_id=state.request_id,
    )


def usage_dict(usage: Any) -> dict[str, Any]:
    """The token counts of an SDK usage object (fields the API left out are omitted)."""
    out: dict[str, Any] = {name: getattr(usage, name) for name in USAGE_FIELDS if getattr(usage, name, None) is not None}
    breakdown = getattr(usage, "cache_creation", None)
    if breakdown is not None:
        out["cache_creation"] = {name: getattr(breakdown, name, 0) or 0 for name in _CACHE_WRITE_FIELDS}
    return out


def _failure(error: Exception, *, usage: dict[str, Any] | None = None, request_id: str | None = None) -> AttemptFailed:
    """Classify an SDK or transport error: its type name, and whether and when to retry."""
    if isinstance(error, anthropic.APIStatusError):
        status = error.status_code
        error_type = error.type or f"http_{status}"
        message = error.api_message or str(error)
        if status < 400:  # an `event: error` inside a 200 stream
            return AttemptFailed(
                error_type, message, retryable=error_type in RETRYABLE_STREAM_ERRORS,
                request_id=error.request_id or request_id, usage=usage,
            )
        return AttemptFailed(
            error_type, message, retryable=status in RETRYABLE_STATUS, request_id=error.request_id,
            retry_after=retry_after_s(error.response.headers), usage=usage,
        )
    if isinstance(error, anthropic.APITimeoutError):
        return AttemptFailed("timeout", str(error), retryable=True, request_id=request_id, usage=usage)
    if isinstance(error, (anthropic.APIConnectionError, httpx2.TransportError)):
        return AttemptFailed("connection_error", str(error), retryable=True, request_id=request_id, usage=usage)
    return AttemptFailed(type(error).__name__, str(error), retryable=False, request_id=request_id, usage=usage)


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    """The wait a response asks for: ``retry-after-ms``, else ``retry-after`` in seconds
    or as an HTTP date; None when it asks for nothing usable."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        try:
            return float(milliseconds) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        parsed = email.utils.parsedate_tz(value)
        return None if parsed is None else max(0.0, email.utils.mktime_tz(parsed) - time.time())
