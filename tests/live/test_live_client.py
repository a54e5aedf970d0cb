"""One timed trial through the real SDK and real HTTP against the fake on loopback: the
clock must agree with the injected latency, and retries must not leak into it."""

from __future__ import annotations

import statistics
import time

import pytest

from advisor.live.client import RetryPolicy, make_client, retry_after_s, run_trial, sdk_arguments
from advisor.live.fake_api import Fault, Profile

BODY = {"model": "claude-haiku-5-5", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
# What the client may add to the server's own timing on an idle machine: building the
# request, loopback transit both ways, parsing the answer. On a busy machine the allowance
# grows with the loopback overhead measured in the same test (see ``allowance_ms``).
TOLERANCE_MS = 5.0


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        time.sleep(seconds)


def measure(fake, body, trials=5):
    """Timed trials after a warm-up, each paired with the fake's record of the request."""
    client = make_client(30)
    run_trial(client, body)  # warm-up: connection and SDK first-use costs
    first = len(fake.state.requests)
    results = [run_trial(client, body) for _ in range(trials)]
    return list(zip(results, fake.state.requests[first:], strict=True))


def allowance_ms(fake, body) -> float:
    """How much later than the server's own instants the client may see them: a fixed
    tolerance plus three times the loopback overhead of zero-latency answers, measured now.

    The server's sleeps overshoot on a loaded machine, so the client's clock is compared
    with the instants the server actually wrote the bytes, not with the injected latency;
    what is left is the client's own cost, which this bounds. Measuring at the wrong event
    (the last token instead of the first, say) adds the whole generation time, far above it.
    """
    fake.configure(default=Profile(ttft_ms=0, token_ms=0))
    overhead = [(r.response.total_s - q.finished_at + q.received_at) * 1000 for r, q in measure(fake, body, trials=5)]
    return TOLERANCE_MS + 3 * max(0.0, statistics.median(overhead))


def test_streamed_ttft_and_total_match_the_server_instants(fake):
    body = {**BODY, "stream": True}
    slack = allowance_ms(fake, body)
    fake.configure(default=Profile(ttft_ms=60, token_ms=2))
    tokens = len(Profile().tokens())
    pairs = measure(fake, body)
    for result, request in pairs:
        served_ttft = (request.first_token_at - request.received_at) * 1000
        served_total = (request.finished_at - request.received_at) * 1000
        assert served_ttft >= 60 and served_total >= 60 + 2 * (tokens - 1)  # the fake honours the profile
        # the client cannot see a token before the server wrote it: measuring at
        # message_start (sent at once) would come out earlier than this
        assert result.response.ttft_s * 1000 >= served_ttft
        assert result.response.total_s * 1000 >= served_total
    ttft_excess = statistics.median(r.response.ttft_s * 1000 - (q.first_token_at - q.received_at) * 1000 for r, q in pairs)
    total_excess = statistics.median(r.response.total_s * 1000 - (q.finished_at - q.received_at) * 1000 for r, q in pairs)
    assert ttft_excess <= slack and total_excess <= slack, (ttft_excess, total_excess, slack)
    # and the two are told apart: the generation time the server spent lies between them
    generation = statistics.median((r.response.total_s - r.response.ttft_s) * 1000 for r, _ in pairs)
    served_generation = statistics.median((q.finished_at - q.first_token_at) * 1000 for _, q in pairs)
    assert generation >= served_generation - slack, (generation, served_generation, slack)
    first = pairs[0][0]
    assert first.response.text == Profile().text and first.response.stop_reason == "end_turn"
    assert first.response.usage["output_tokens"] == tokens and first.response.usage["input_tokens"] > 0
    assert first.request_id.startswith("req_fake_") and first.attempts == 1


def test_non_streamed_ttft_is_the_total(fake):
    slack = allowance_ms(fake, BODY)
    fake.configure(default=Profile(ttft_ms=40, token_ms=1))
    tokens = len(Profile().tokens())
    pairs = measure(fake, BODY, trials=3)
    assert all(r.response.ttft_s == r.response.total_s for r, _ in pairs)
    for result, request in pairs:
        served = (request.finished_at - request.received_at) * 1000
        assert served >= 40 + (tokens - 1) and result.response.total_s * 1000 >= served
    excess = statistics.median(r.response.total_s * 1000 - (q.finished_at - q.received_at) * 1000 for r, q in pairs)
    assert excess <= slack, (excess, slack)


def test_sdk_sends_bearer_credentials_and_the_current_api_version(fake, api_key):
    run_trial(make_client(30), BODY)
    (request,) = fake.state.requests
    assert request.headers["authorization"] == f"Bearer {api_key}"
    assert request.headers["anthropic-version"] == "2026-10-21"
    assert request.body == BODY


def test_overload_is_retried_honouring_retry_after_and_the_wait_is_not_latency(fake):
    fake.configure(default=Profile(ttft_ms=30, token_ms=0), faults=[Fault(status=529, count=2, retry_after=0.1)])
    sleep = RecordingSleep()
    result = run_trial(make_client(30), {**BODY, "stream": True}, RetryPolicy(max_retries=3), sleep=sleep)
    assert result.error is None and result.attempts == 3
    assert sleep.delays == [0.1, 0.1] and result.retry_wait_s == pytest.approx(0.2)
    assert 30 <= result.response.ttft_s * 1000 < 30 + 50  # the 200 ms of waiting is not in it
    assert [r.status for r in fake.state.requests] == [529, 529, 200]


def test_rate_limit_without_retry_after_backs_off_exponentially(fake):
    fake.configure(faults=[Fault(status=429, count=2)])
    sleep = RecordingSleep()
    policy = RetryPolicy(max_retries=2, base_delay_s=0.01, max_delay_s=1)
    assert run_trial(make_client(30), BODY, policy, sleep=sleep).error is None
    assert sleep.delays == [0.01, 0.02]


def test_persistent_midstream_error_is_a_failed_trial_with_its_billed_usage(fake):
    fake.configure(default=Profile(ttft_ms=5), faults=[Fault(kind="midstream", count=None)])
    sleep = RecordingSleep()
    result = run_trial(make_client(30), {**BODY, "stream": True}, RetryPolicy(max_retries=2, base_delay_s=0.01), sleep=sleep)
    assert result.response is None
    assert result.error == "overloaded_error" and result.attempts == 3
    assert result.request_id.startswith("req_fake_")
    assert len(result.usages) == 3 and all(u["input_tokens"] > 0 for u in result.usages)


def test_one_midstream_error_is_retried(fake):
    fake.configure(faults=[Fault(kind="midstream", count=1)])
    result = run_trial(make_client(30), {**BODY, "stream": True}, RetryPolicy(base_delay_s=0.01))
    assert result.error is None and result.attempts == 2 and len(result.usages) == 2


def test_a_cut_connection_is_retried_then_recorded(fake):
    fake.configure(faults=[Fault(kind="drop", count=1)])
    assert run_trial(make_client(30), {**BODY, "stream": True}, RetryPolicy(base_delay_s=0.01)).attempts == 2
    fake.configure(faults=[Fault(kind="drop", count=None)])
    result = run_trial(make_client(30), {**BODY, "stream": True}, RetryPolicy(max_retries=1, base_delay_s=0.01))
    assert result.error == "connection_error" and result.response is None and result.attempts == 2


def test_client_errors_are_not_retried(fake):
    result = run_trial(make_client(30), {**BODY, "temperature": 0.2}, sleep=pytest.fail)
    assert result.error == "invalid_request_error" and result.attempts == 1
    assert fake.state.requests[0].body["temperature"] == 0.2  # sent as configured, via extra_body


def test_bad_credentials_fail_without_retry(fake):
    fake.configure(api_key="another-key")
    result = run_trial(make_client(30), BODY, sleep=pytest.fail)
    assert result.error == "authentication_error" and result.attempts == 1


def test_unknown_fields_go_to_extra_body():
    kwargs = sdk_arguments({**BODY, "stream": True, "temperature": 1, "output_config": {"effort": "low"}})
    assert kwargs["extra_body"] == {"temperature": 1}
    assert kwargs["output_config"] == {"effort": "low"} and "stream" not in kwargs


def test_retry_after_header_forms():
    assert retry_after_s({"retry-after-ms": "250"}) == 0.25
    assert retry_after_s({"retry-after": "2"}) == 2.0
    assert retry_after_s({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # in the past
    assert retry_after_s({}) is None


def test_retry_policy_gives_up_on_long_waits_and_after_max_retries():
    policy = RetryPolicy(max_retries=2, base_delay_s=0.5, max_delay_s=0.8, max_retry_after_s=60)
    assert [policy.delay(n, None) for n in range(3)] == [0.5, 0.8, None]
    assert policy.delay(0, 0.0) == 0.0
    assert policy.delay(0, 61) is None
