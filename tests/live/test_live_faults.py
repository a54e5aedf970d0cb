"""`advisor ab` against a hostile or broken gateway, through the real SDK and real HTTP on
loopback: a 200 that is not an answer is a failed trial, and --timeout is a deadline."""

from __future__ import annotations

import json
import time

import pytest

from advisor.live.client import RetryPolicy, make_client, run_trial
from advisor.live.fake_api import MALFORMED, Fault

BODY = {"model": "claude-haiku-5-5", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("variant", sorted(MALFORMED))
def test_a_malformed_200_is_an_invalid_response_trial(fake, variant, stream):
    fake.configure(faults=[Fault(kind="malformed", variant=variant, count=None)])
    result = run_trial(make_client(10), {**BODY, "stream": stream}, RetryPolicy(base_delay_s=0.01), sleep=lambda s: None)
    assert result.response is None, variant
    # a body the SDK reads as an error is an error; anything else it cannot read is invalid
    assert result.error in ("invalid_response", "api_error", "incomplete_stream", "connection_error"), (variant, result.error)
    if variant in ("null_content", "odd_usage") and not stream:
        assert result.error == "invalid_response" and result.attempts == 1


@pytest.mark.parametrize("stream", [False, True])
def test_the_timeout_is_a_deadline_for_the_whole_request(fake, stream):
    # a byte every 50 ms: each read succeeds, so a per-read timeout never fires
    fake.configure(faults=[Fault(kind="drip", variant="0.05", count=None)])
    start = time.monotonic()
    result = run_trial(make_client(1.0), {**BODY, "stream": stream}, RetryPolicy(max_retries=0))
    took = time.monotonic() - start
    assert result.response is None and result.error == "timeout"
    assert took < 1.0 + 3.0, took  # the deadline plus one interval and shutdown, never "for ever"
    assert took >= 0.9


def test_a_good_answer_still_passes_through_the_deadline_transport(fake):
    result = run_trial(make_client(10), BODY)
    assert result.error is None and result.response.text


def test_credentials_in_the_base_url_are_redacted_in_every_form(monkeypatch):
    import base64

    from advisor.live.redact import Redactor

    monkeypatch.setenv("ANTHROPIC_BASE_URL", "https://team:p%40ss-W0rd-123@gateway.example/v1")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    echoed = {"error": {"message": "bad auth header: Basic " + base64.b64encode(b"team:p@ss-W0rd-123").decode(),
                        "detail": ["password p@ss-W0rd-123", "raw p%40ss-W0rd-123"]}}
    scrubbed = json.dumps(Redactor.from_environment().scrub(echoed))
    assert "p@ss" not in scrubbed and "p%40ss" not in scrubbed and "dGVhbTpwQHNz" not in scrubbed
