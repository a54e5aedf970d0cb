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

A 200 that is not a valid answer (truncated JSON, broken SSE, ``text/plain`` from a proxy,
an error-shaped body, ``content: null``, token counts that are not counts) is a failed
trial of type ``invalid_response``, never a crash of the run. ``--timeout`` is a deadline
for the whole request, not for each read: `_DeadlineTransport` stops a server that drips a
byte a second as surely as one that sends nothing.
"""

from __future__ import annotations

import contextvars
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


_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("advisor_request_deadline", default=None)


class _DeadlineStream(httpx2.SyncByteStream):
    def __init__(self, inner: Any, deadline: float) -> None:
        self.inner = inner
        self.deadline = deadline

    def __iter__(self):
        for chunk in self.inner:
            if time.monotonic() > self.deadline:
                raise httpx2.ReadTimeout("the request went over its deadline (--timeout)")
            yield chunk

    def close(self) -> None:
        self.inner.close()


class _DeadlineTransport(httpx2.BaseTransport):
    """Each request's reads are bounded by what is left of its deadline, and the body is
    checked against it chunk by chunk (a read timeout alone restarts with every byte)."""

    def __init__(self, inner: httpx2.BaseTransport, timeout_s: float) -> None:
        self.inner = inner
        self.timeout_s = timeout_s

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        deadline = _deadline.get() or time.monotonic() + self.timeout_s
        left = deadline - time.monotonic()
        if left <= 0:
            raise httpx2.ReadTimeout("the request went over its deadline (--timeout)", request=request)
        request.extensions["timeout"] = {name: left for name in ("connect", "read", "write", "pool")}
        response = self.inner.handle_request(request)
        response.stream = _DeadlineStream(response.stream, deadline)
        return response

    def close(self) -> None:
        self.inner.close()


def make_client(timeout_s: float) -> anthropic.Anthropic:
    """An SDK client configured from its own environment (``ANTHROPIC_API_KEY``,
    ``ANTHROPIC_BASE_URL``, ...), so gateways and proxies work as in the user's app;
    ``timeout_s`` is each request's deadline, from sending to the last byte."""
    transport = _DeadlineTransport(httpx2.HTTPTransport(), timeout_s)
    http_client = anthropic.DefaultHttpxClient(transport=transport, timeout=timeout_s)
    return anthropic.Anthropic(max_retries=0, timeout=timeout_s, http_client=http_client)


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
    may_retry: Callable[[], bool] = lambda: True,
) -> TrialResult:
    """Send ``body`` until it succeeds or the policy gives up; time the successful attempt.
    ``may_retry`` is asked before each further attempt (the budget reserves its worst case
    there: a mid-stream error is billed, so a retry can cost as much as the first try)."""
    kwargs = sdk_arguments(body)
    attempt = _streamed if body.get("stream") else _buffered
    usages: list[dict[str, Any]] = []
    waited = 0.0
    number = 0
    timeout_s = _timeout_of(client)
    while True:
        number += 1
        token = _deadline.set(time.monotonic() + timeout_s if timeout_s else None)
        try:
            response = attempt(client, kwargs, clock)
        except AttemptFailed as failure:
            if failure.usage:
                usages.append(failure.usage)
            delay = policy.delay(number - 1, failure.retry_after) if failure.retryable else None
            if delay is not None and not may_retry():
                return TrialResult(None, failure.error_type, failure.message + " (not retried: the budget)",
                                   failure.request_id, number, waited, usages)
            if delay is None:
                return TrialResult(None, failure.error_type, failure.message, failure.request_id, number, waited, usages)
            sleep(delay)
            waited += delay
            continue
        finally:
            _deadline.reset(token)
        usages.append(response.usage)
        return TrialResult(response, request_id=response.request_id, attempts=number, retry_wait_s=waited, usages=usages)


def _timeout_of(client: anthropic.Anthropic) -> float | None:
    timeout = getattr(client, "timeout", None)
    if isinstance(timeout, (int, float)):
        return float(timeout)
    read = getattr(timeout, "read", None)
    return float(read) if isinstance(read, (int, float)) else None


def _invalid(error: Exception, request_id: str | None = None, usage: dict[str, Any] | None = None) -> AttemptFailed:
    """A 200 that is not an answer: recorded as a failed trial, never retried (the same
    gateway would say the same), never a crash."""
    detail = str(error).splitlines()[0][:200] if str(error) else ""
    return AttemptFailed("invalid_response", f"the response could not be read as an answer: {type(error).__name__}"
                         + (f": {detail}" if detail else ""), retryable=False, request_id=request_id, usage=usage)


def _buffered(client: anthropic.Anthropic, kwargs: dict[str, Any], clock: Clock) -> Response:
    start = clock()
    try:
        message = client.messages.create(**kwargs)
    except (anthropic.AnthropicError, httpx2.HTTPError) as error:
        if isinstance(error, anthropic.APIResponseValidationError):
            raise _invalid(error) from error
        raise _failure(error) from error
    except Exception as error:  # the SDK could not parse what came back
        raise _invalid(error) from error
    elapsed = clock() - start
    try:
        if not isinstance(message.content, list):
            raise TypeError(f"content is {type(message.content).__name__}, not a list of blocks")
        text = "".join(block.text for block in message.content if getattr(block, "type", None) == "text")
        usage = usage_dict(message.usage)
        request_id = message._request_id
    except Exception as error:
        raise _invalid(error) from error
    return Response(
        ttft_s=elapsed,
        total_s=elapsed,
        text=text,
        usage=usage,
        stop_reason=message.stop_reason if isinstance(message.stop_reason, str) else None,
        request_id=request_id,
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
        if isinstance(error, anthropic.APIResponseValidationError):
            raise _invalid(error, state.request_id, state.usage) from error
        raise _failure(error, usage=state.usage, request_id=state.request_id) from error
    except Exception as error:  # events the SDK could not parse, or of the wrong shape
        raise _invalid(error, state.request_id, state.usage) from error
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
    for name, value in out.items():
        if not _count(value):
            raise ValueError(f"usage.{name} is {value!r}, not a token count")
    breakdown = getattr(usage, "cache_creation", None)
    if breakdown is not None:
        out["cache_creation"] = {name: getattr(breakdown, name, 0) or 0 for name in _CACHE_WRITE_FIELDS}
        if not all(_count(v) for v in out["cache_creation"].values()):
            raise ValueError("usage.cache_creation holds something that is not a token count")
    return out


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**12


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
    if isinstance(error, (anthropic.APITimeoutError, httpx2.TimeoutException)):
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
