"""A protocol-faithful fake of the Messages API, with known latencies, for tests and demos.

`advisor ab` is only worth trusting if its clock is checked against latencies that are
known exactly. This server speaks the wire protocol the real SDK expects (SSE events with
an ``event:`` line equal to ``data.type``, chunked keep-alive responses, JSON errors with
``request-id`` and ``retry-after``), validates requests the way the API does, and delays
each response by a per-model profile, so a test can assert that measured TTFT matches
the injected one. It also injects faults on a schedule (HTTP 429/529 before the response,
``overloaded_error`` in the middle of a stream) and records every request it received.

Run it by hand with ``python -m advisor.live.fake_api --port 8089 --ttft-ms 200``.
It binds to loopback by default and never calls out.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import re
import threading
import time
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, cast

NEW_API_VERSION = "2026-10-21"
API_VERSIONS = {"2023-06-01", NEW_API_VERSION}
SAMPLING_PARAMETERS = ("temperature", "top_p", "top_k")
DEFAULT_TEXT = (
    "Paris is the capital of France. It sits on the Seine and has been the seat of "
    "government for most of the country's history."
)
_TOKEN = re.compile(r"\S+\s*|\s+")
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}


@dataclass(frozen=True)
class Profile:
    """How one model answers: when its first token arrives, how fast the rest follow,
    and what it says. ``jitter_ms`` adds a seeded uniform delay in ``[0, jitter_ms)`` to
    the first token so that tests can model noise reproducibly; ``cached_ttft_ms`` is the
    first-token delay when a request with ``cache_control`` finds its prompt cached."""

    ttft_ms: float = 50.0
    token_ms: float = 1.0
    jitter_ms: float = 0.0
    text: str = DEFAULT_TEXT
    cached_ttft_ms: float | None = None

    def first_token_ms(self, cache: str | None) -> float:
        if cache == "read" and self.cached_ttft_ms is not None:
            return self.cached_ttft_ms
        return self.ttft_ms

    def tokens(self) -> list[str]:
        """The answer cut into "tokens" (a word and its trailing space each)."""
        return _TOKEN.findall(self.text) or [""]


@dataclass
class Fault:
    """A scheduled failure: the first ``count`` matching requests (every one when
    ``count`` is None) fail. ``kind`` is ``status`` (an HTTP error before any body),
    ``midstream`` (a 200 stream that breaks off with an ``event: error`` half-way),
    ``drop`` (a 200 stream whose connection is cut half-way), ``malformed`` (a 200 whose
    body is not a valid answer; ``variant`` says how, see `MALFORMED`) or ``drip`` (a 200
    that sends a byte every ``variant`` seconds, default 0.2, and never finishes)."""

    kind: str = "status"
    status: int = 529
    count: int | None = 1
    retry_after: float | None = None
    model: str | None = None
    variant: str = ""

    def matches(self, body: dict[str, Any]) -> bool:
        if self.count is not None and self.count <= 0:
            return False
        if self.model is not None and body.get("model") != self.model:
            return False
        return self.kind in ("status", "malformed", "drip") or bool(body.get("stream"))

    def consume(self) -> None:
        if self.count is not None:
            self.count -= 1

    @property
    def error_type(self) -> str:
        return _ERROR_TYPES.get(self.status, "api_error")


@dataclass
class RecordedRequest:
    """What the server received, so tests can assert what the SDK actually sent.
    Recorded on arrival, and ``status`` set before the response is sent, so a client
    that has its answer always finds its request here."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any  # None when the body was not JSON
    status: int | None = None
    # perf_counter instants on the server's side, so a test can tell the latency the
    # server really produced (its sleeps overshoot on a busy machine) from what the client
    # measured: when the body had been read, when the first text token was written (the
    # whole JSON body for a non-streamed answer) and when the last event was; each stamped
    # just before the write, so a client that has the bytes always finds the stamp.
    received_at: float | None = None
    first_token_at: float | None = None
    finished_at: float | None = None


class _ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass
class FakeState:
    """The server's configuration and memory; every field may be changed between tests."""

    default: Profile = field(default_factory=Profile)
    profiles: dict[str, Profile] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    api_key: str | None = None  # when set, credentials must equal it
    seed: int = 0
    requests: list[RecordedRequest] = field(default_factory=list)
    cached_prompts: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self.rng = random.Random(self.seed)

    def profile_for(self, model: str) -> Profile:
        return self.profiles.get(model, self.default)

    def next_request_id(self) -> str:
        with self.lock:
            return f"req_fake_{next(self._ids):06d}"

    def take_fault(self, body: dict[str, Any]) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(body):
                    fault.consume()
                    return fault
        return None

    def jitter_s(self, profile: Profile) -> float:
        if profile.jitter_ms <= 0:
            return 0.0
        with self.lock:
            return self.rng.uniform(0.0, profile.jitter_ms) / 1000.0

    def use_cache(self, body: dict[str, Any]) -> str | None:
        """Prompt caching, simplified: a request that marks ``cache_control`` anywhere
        writes its whole prompt to the cache the first time and reads it afterwards."""
        if not _wants_cache(body):
            return None
        key = json.dumps([body.get(name) for name in ("model", "system", "messages", "tools")], sort_keys=True)
        with self.lock:
            if key in self.cached_prompts:
                return "read"
            self.cached_prompts.add(key)
            return "write"

    def record(self, request: RecordedRequest) -> None:
        with self.lock:
            self.requests.append(request)


class FakeMessagesServer(ThreadingHTTPServer):
    """A threading HTTP server holding a :class:`FakeState`; use as a context manager
    to serve in a background thread."""

    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, state: FakeState | None = None) -> None:
        super().__init__((host, port), _Handler)
        self.state = state or FakeState()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        # typeshed types the address for every family; an AF_INET/AF_INET6 server's host is a str
        host, port = cast("tuple[str, int]", self.server_address[:2])
        return f"http://{host}:{port}"

    def configure(self, **fields: Any) -> FakeState:
        """Start afresh with a new configuration (see :class:`FakeState`), forgetting
        recorded requests; fields not given take their defaults."""
        self.state = FakeState(**fields)
        return self.state

    def start(self) -> "FakeMessagesServer":
        self._thread = threading.Thread(target=self.serve_forever, name="fake-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeMessagesServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # small SSE writes must leave at once, as a real server's do
    server: FakeMessagesServer
    recorded: RecordedRequest | None = None  # the POST being answered

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Quiet: tests and demos read the recorded requests instead of a log."""

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        state = self.server.state
        raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        received = time.perf_counter()
        headers = {key.lower(): value for key, value in self.headers.items()}
        path = self.path.split("?", 1)[0]
        self.recorded = RecordedRequest("POST", self.path, headers, _json_or_none(raw), received_at=received)
        state.record(self.recorded)
        try:
            body = _parse_json(raw)
            _check_headers(headers, state)
            if path == "/v1/messages":
                _validate_message(body, headers)
                self._messages(state, body, received)
            elif path == "/v1/messages/count_tokens":
                _validate_common(body, headers)
                self._json(200, {"input_tokens": count_input_tokens(body)}, state.next_request_id())
            else:
                raise _ApiError(404, f"no route for {path}")
        except _ApiError as error:
            self._error(state, error)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def send_response(self, code: int, message: str | None = None) -> None:
        if self.recorded is not None:
            self.recorded.status = code
        super().send_response(code, message)

    def _messages(self, state: FakeState, body: dict[str, Any], received: float) -> None:
        fault = state.take_fault(body)
        if fault is not None and fault.kind == "status":
            retry = {} if fault.retry_after is None else {"retry-after": f"{fault.retry_after:g}"}
            raise _ApiError(fault.status, f"fake {fault.error_type}", retry)
        if fault is not None and fault.kind == "malformed":
            self._malformed(fault.variant or "truncated", bool(body.get("stream")), state.next_request_id())
            return
        if fault is not None and fault.kind == "drip":
            self._drip(float(fault.variant or 0.2))
            return
        profile = state.profile_for(body["model"])
        cache = state.use_cache(body)
        first_at = received + profile.first_token_ms(cache) / 1000 + state.jitter_s(profile)
        answer = _Answer.build(body, profile, first_at, cache)
        request_id = state.next_request_id()
        if body.get("stream"):
            self._stream(answer, request_id, None if fault is None else fault.kind)
        else:
            _sleep_until(answer.deadline(len(answer.tokens) - 1))
            if self.recorded is not None:
                self.recorded.first_token_at = self.recorded.finished_at = time.perf_counter()
            self._json(200, answer.message(request_id, with_content=True), request_id)

    # -- responses -----------------------------------------------------------------------

    def _json(self, status: int, payload: dict[str, Any], request_id: str, extra: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", request_id)
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, state: FakeState, error: _ApiError) -> None:
        request_id = state.next_request_id()
        error_type = _ERROR_TYPES.get(error.status, "api_error")
        payload = {"type": "error", "error": {"type": error_type, "message": error.message}, "request_id": request_id}
        self._json(error.status, payload, request_id, error.headers)

    def _stream(self, answer: "_Answer", request_id: str, fault: str | None) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", request_id)
        self.end_headers()
        recorded = self.recorded
        for payload, deadline in answer.events(request_id, fault):
            _sleep_until(deadline)
            if recorded is not None:  # stamped before the write, so a client never sees the bytes first
                if recorded.first_token_at is None and payload["type"] == "content_block_delta":
                    recorded.first_token_at = time.perf_counter()
                if payload["type"] == "message_stop":
                    recorded.finished_at = time.perf_counter()
            self._chunk(_sse(payload))
        if fault == "drop":
            self.close_connection = True  # no terminating chunk: the client sees a cut connection
            return
        self._chunk(b"")

    def _malformed(self, variant: str, stream: bool, request_id: str) -> None:
        content_type, data = MALFORMED[variant](stream, request_id)
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", request_id)
        self.end_headers()
        self.wfile.write(data)

    def _drip(self, interval: float) -> None:
        """Headers, then a byte now and then for ever: every read succeeds, no answer ends."""
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", "1000000")
        self.end_headers()
        try:
            while True:
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(interval)
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()


def _message_json(request_id: str, **changes: Any) -> dict[str, Any]:
    message = {"id": "msg_fake", "type": "message", "role": "assistant", "model": "claude-haiku-5-5",
               "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn", "stop_sequence": None,
               "usage": {"input_tokens": 5, "output_tokens": 1}}
    message.update(changes)
    return message


# How a 200 can be broken: each returns (content type, body) for a streamed or plain request.
MALFORMED = {
    "truncated": lambda stream, rid: ("text/event-stream" if stream else "application/json",
                                      (b"event: message_start\ndata: {\"type\": \"message_st" if stream
                                       else json.dumps(_message_json(rid)).encode()[:40])),
    "text": lambda stream, rid: ("text/plain", b"Service temporarily unavailable. Try again later."),
    "error_shaped": lambda stream, rid: ("application/json", json.dumps(
        {"type": "error", "error": {"type": "api_error", "message": "upstream said no"}}).encode()),
    "null_content": lambda stream, rid: ("application/json", json.dumps(_message_json(rid, content=None)).encode()),
    "odd_usage": lambda stream, rid: ("application/json", json.dumps(
        _message_json(rid, usage={"input_tokens": "five", "output_tokens": -3})).encode()),
    "bad_sse": lambda stream, rid: ("text/event-stream", b"event: message_start\ndata: not json at all\n\n"
                                    b"event: content_block_delta\ndata: {\"type\": 5}\n\n"),
}


@dataclass(frozen=True)
class _Answer:
    """One generated response: its tokens, the instant each is due, and its usage."""

    model: str
    tokens: list[str]
    stop_reason: str
    input_tokens: int
    first_at: float  # perf_counter instant of the first text token
    token_s: float
    cache: str | None  # "write", "read" or None (no caching asked)

    @classmethod
    def build(cls, body: dict[str, Any], profile: Profile, first_at: float, cache: str | None) -> "_Answer":
        tokens = profile.tokens()
        limit = int(body["max_tokens"])
        stop = "max_tokens" if len(tokens) > limit else "end_turn"
        token_s = profile.token_ms / 1000
        return cls(body["model"], tokens[:limit], stop, count_input_tokens(body), first_at, token_s, cache)

    def deadline(self, index: int) -> float:
        return self.first_at + index * self.token_s

    def usage(self, output_tokens: int) -> dict[str, int]:
        return {
            "input_tokens": 0 if self.cache else self.input_tokens,
            "output_tokens": output_tokens,
            "cache_creation_input_tokens": self.input_tokens if self.cache == "write" else 0,
            "cache_read_input_tokens": self.input_tokens if self.cache == "read" else 0,
        }

    def message(self, request_id: str, *, with_content: bool) -> dict[str, Any]:
        content = [{"type": "text", "text": "".join(self.tokens)}] if with_content else []
        return {
            "id": "msg_" + request_id.removeprefix("req_"),
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": content,
            "stop_reason": self.stop_reason if with_content else None,
            "stop_sequence": None,
            "usage": self.usage(len(self.tokens) if with_content else 1),
        }

    def events(self, request_id: str, fault: str | None) -> Iterator[tuple[dict[str, Any], float]]:
        """The SSE events in order, each with the instant it is due (0 = at once); a
        fault stops them half-way, ``midstream`` with an error event."""
        yield {"type": "message_start", "message": self.message(request_id, with_content=False)}, 0.0
        yield {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}, 0.0
        yield {"type": "ping"}, 0.0
        cut = max(1, len(self.tokens) // 2) if fault else len(self.tokens)
        for index, token in enumerate(self.tokens[:cut]):
            delta = {"type": "text_delta", "text": token}
            yield {"type": "content_block_delta", "index": 0, "delta": delta}, self.deadline(index)
        if fault == "midstream":
            yield {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, 0.0
        if fault:
            return
        yield {"type": "content_block_stop", "index": 0}, 0.0
        stop = {"stop_reason": self.stop_reason, "stop_sequence": None}
        yield {"type": "message_delta", "delta": stop, "usage": {"output_tokens": len(self.tokens)}}, 0.0
        yield {"type": "message_stop"}, 0.0


# -- validation --------------------------------------------------------------------------


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return None


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except ValueError:
        raise _ApiError(400, "request body is not valid JSON") from None


def _check_headers(headers: dict[str, str], state: FakeState) -> None:
    key = headers.get("x-api-key")
    authorization = headers.get("authorization", "")
    if key is None and authorization.lower().startswith("bearer "):
        key = authorization[len("bearer ") :].strip()
    if not key:
        raise _ApiError(401, "missing credentials: send x-api-key or Authorization: Bearer")
    if state.api_key is not None and key != state.api_key:
        raise _ApiError(401, "invalid credentials")
    if headers.get("anthropic-version") not in API_VERSIONS:
        raise _ApiError(400, "anthropic-version header is missing or unknown")


def _validate_common(body: Any, headers: dict[str, str]) -> None:
    if not isinstance(body, dict):
        raise _ApiError(400, "request body must be a JSON object")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise _ApiError(400, "model: field required")
    if not body["model"].startswith("claude-"):
        raise _ApiError(404, f"model: {body['model']}")
    if not isinstance(body.get("messages"), list):
        raise _ApiError(400, "messages: field required")
    if headers.get("anthropic-version") == NEW_API_VERSION:
        for name in SAMPLING_PARAMETERS:
            if name in body:
                raise _ApiError(400, f"{name}: not supported on anthropic-version {NEW_API_VERSION}")


def _validate_message(body: Any, headers: dict[str, str]) -> None:
    _validate_common(body, headers)
    max_tokens = body.get("max_tokens")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise _ApiError(400, "max_tokens: field required (a positive integer)")


def count_input_tokens(body: dict[str, Any]) -> int:
    """A deterministic stand-in for the tokenizer: about four characters per token of the
    system prompt, messages and tools."""
    text = json.dumps([body.get("system"), body.get("messages"), body.get("tools")])
    return max(1, math.ceil(len(text) / 4))


def _wants_cache(node: Any) -> bool:
    if isinstance(node, dict):
        return "cache_control" in node or any(_wants_cache(value) for value in node.values())
    if isinstance(node, list):
        return any(_wants_cache(item) for item in node)
    return False


def _sse(payload: dict[str, Any]) -> bytes:
    return f"event: {payload['type']}\ndata: {json.dumps(payload)}\n\n".encode()


def _sleep_until(deadline: float) -> None:
    remaining = deadline - time.perf_counter()
    if remaining > 0:
        time.sleep(remaining)


# -- command line ------------------------------------------------------------------------


def parse_profile(spec: str) -> tuple[str, Profile]:
    """``MODEL:ttft_ms=300,token_ms=5,jitter_ms=10,text=...`` to a model's profile."""
    model, _, settings = spec.partition(":")
    return model, replace(Profile(), **_settings(settings, {"text"}))


def parse_fault(spec: str) -> Fault:
    """``529 count=3 retry_after=0.1 model=M``, ``midstream count=all``, ``drop``,
    ``malformed variant=text`` or ``drip variant=0.5`` to a fault."""
    kind, *options = spec.split()
    fault = Fault(kind=kind) if kind in {"midstream", "drop", "malformed", "drip"} else Fault(status=int(kind))
    for option in options:
        name, _, value = option.partition("=")
        if name == "count":
            fault.count = None if value == "all" else int(value)
        elif name == "retry_after":
            fault.retry_after = float(value)
        elif name == "model":
            fault.model = value
        elif name == "variant":
            fault.variant = value
        else:
            raise ValueError(f"unknown fault option {name!r} (count, retry_after, model, variant)")
    return fault


def _settings(text: str, strings: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in filter(None, text.split(",")):
        name, _, value = item.partition("=")
        out[name] = value if name in strings else float(value)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m advisor.live.fake_api", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed at start)")
    parser.add_argument("--ttft-ms", type=float, default=Profile.ttft_ms)
    parser.add_argument("--token-ms", type=float, default=Profile.token_ms)
    parser.add_argument("--jitter-ms", type=float, default=Profile.jitter_ms)
    parser.add_argument("--cached-ttft-ms", type=float, help="TTFT when the prompt is read from the cache")
    parser.add_argument("--text", default=DEFAULT_TEXT)
    parser.add_argument("--model-profile", action="append", default=[], metavar="MODEL:k=v,...")
    parser.add_argument("--fault", action="append", default=[], metavar="'529 count=3 retry_after=0.1'")
    parser.add_argument("--api-key", help="accept only this key (default: any non-empty key)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    state = FakeState(
        default=Profile(args.ttft_ms, args.token_ms, args.jitter_ms, args.text, args.cached_ttft_ms),
        profiles=dict(parse_profile(spec) for spec in args.model_profile),
        faults=[parse_fault(spec) for spec in args.fault],
        api_key=args.api_key,
        seed=args.seed,
    )
    server = FakeMessagesServer(args.host, args.port, state)
    print(f"listening on {server.base_url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
