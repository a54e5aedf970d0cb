"""The fake Messages API must behave like the real one, or the A/B tests prove nothing.
These talk to it with raw HTTP (no SDK) to check the wire protocol itself."""

from __future__ import annotations

import http.client
import json
import time
from typing import Any

import pytest

from advisor.live.fake_api import FakeMessagesServer, Fault, Profile, parse_fault, parse_profile

HEADERS = {"content-type": "application/json", "anthropic-version": "2026-10-21", "x-api-key": "sk-test"}
BODY = {"model": "claude-haiku-5-5", "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]}


def post(server: FakeMessagesServer, body: Any, headers: dict[str, str] | None = None,
         path: str = "/v1/messages") -> http.client.HTTPResponse:
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.request("POST", path, body=json.dumps(body), headers=HEADERS if headers is None else headers)
    return connection.getresponse()


def sse_events(raw: str) -> list[tuple[str | None, dict[str, Any]]]:
    events = []
    for block in raw.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines.get("event"), json.loads(lines["data"])))
    return events


def test_stream_events_have_event_lines_equal_to_data_type(fake):
    response = post(fake, {**BODY, "stream": True})
    assert response.status == 200
    assert response.getheader("content-type") == "text/event-stream"
    assert response.getheader("request-id").startswith("req_")
    events = sse_events(response.read().decode())
    assert all(name == data["type"] for name, data in events)
    kinds = [name for name, _ in events]
    assert kinds[:3] == ["message_start", "content_block_start", "ping"]
    assert kinds[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    text = "".join(data["delta"]["text"] for name, data in events if name == "content_block_delta")
    assert text == Profile().text
    assert events[-2][1]["delta"]["stop_reason"] == "end_turn"
    assert events[-2][1]["usage"]["output_tokens"] == kinds.count("content_block_delta")


def test_non_streamed_response_and_truncation_at_max_tokens(fake):
    message = json.loads(post(fake, {**BODY, "max_tokens": 3}).read())
    assert message["type"] == "message"
    assert message["stop_reason"] == "max_tokens"
    assert message["usage"]["output_tokens"] == 3
    assert message["content"][0]["text"] == "Paris is the "


@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "application/json", "anthropic-version": "2026-10-21", "x-api-key": "k"},
        {"content-type": "application/json", "anthropic-version": "2026-10-21", "authorization": "Bearer k"},
    ],
)
def test_both_credential_headers_are_accepted(fake, headers):
    assert post(fake, BODY, headers).status == 200


def test_missing_credentials_are_401(fake):
    response = post(fake, BODY, {"content-type": "application/json", "anthropic-version": "2026-10-21"})
    assert response.status == 401
    assert json.loads(response.read())["error"]["type"] == "authentication_error"


def test_wrong_key_is_401_when_the_fake_expects_one(fake):
    fake.configure(api_key="the-right-key")
    assert post(fake, BODY).status == 401


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"max_tokens": 5, "messages": []}, 400),
        ({"model": "claude-haiku-5-5", "messages": []}, 400),
        ({**BODY, "max_tokens": 0}, 400),
        ({**BODY, "model": "gpt-4"}, 404),
    ],
)
def test_requests_are_validated_like_the_api(fake, body, status):
    response = post(fake, body)
    assert response.status == status
    error = json.loads(response.read())
    assert error["type"] == "error" and error["request_id"] == response.getheader("request-id")


def test_temperature_is_rejected_on_the_new_api_version_only(fake):
    assert post(fake, {**BODY, "temperature": 1.0}).status == 400
    assert post(fake, {**BODY, "temperature": 1.0}, {**HEADERS, "anthropic-version": "2023-06-01"}).status == 200


def test_count_tokens(fake):
    body = {"model": "claude-haiku-5-5", "messages": BODY["messages"]}
    response = post(fake, body, path="/v1/messages/count_tokens")
    assert response.status == 200
    assert json.loads(response.read())["input_tokens"] > 0


def test_status_fault_schedule_with_retry_after(fake):
    fake.configure(faults=[Fault(status=529, count=2, retry_after=0.1)])
    first, second, third = (post(fake, BODY) for _ in range(3))
    assert (first.status, second.status, third.status) == (529, 529, 200)
    assert first.getheader("retry-after") == "0.1"
    assert json.loads(first.read())["error"]["type"] == "overloaded_error"


def test_midstream_fault_breaks_the_stream_with_an_error_event(fake):
    fake.configure(faults=[Fault(kind="midstream", count=1)])
    assert post(fake, BODY).status == 200  # non-streamed requests are not affected
    events = sse_events(post(fake, {**BODY, "stream": True}).read().decode())
    assert events[-1] == ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    assert "message_stop" not in [name for name, _ in events]


def test_injected_latency_is_served_as_configured(fake):
    fake.configure(default=Profile(ttft_ms=80, token_ms=0))
    started = time.perf_counter()
    post(fake, BODY).read()
    assert 0.08 <= time.perf_counter() - started < 0.2


def test_requests_are_recorded(fake):
    post(fake, BODY).read()
    (recorded,) = fake.state.requests
    assert recorded.path == "/v1/messages" and recorded.body == BODY and recorded.status == 200


def test_profile_and_fault_specs_parse():
    assert parse_profile("claude-opus-5-5:ttft_ms=300,token_ms=5,text=Hi") == (
        "claude-opus-5-5", Profile(ttft_ms=300, token_ms=5, text="Hi"))
    assert parse_fault("529 count=3 retry_after=0.1 model=m") == Fault("status", 529, 3, 0.1, "m")
    assert parse_fault("midstream count=all") == Fault(kind="midstream", count=None)
    assert parse_fault("drop") == Fault(kind="drop")
    with pytest.raises(ValueError):
        parse_fault("529 colour=red")
