"""`advisor ab` at its edges, end to end through the real SDK: runs that cannot succeed,
files it cannot time, mistakes in the command line, and the precision of its JSON."""

from __future__ import annotations

import json
import re
import socket
import time

import pytest
from click.testing import CliRunner

from advisor.live.command import ab
from advisor.live.fake_api import Fault, Profile

FAST = "claude-haiku-5-5"


def invoke(*args):
    return CliRunner().invoke(ab, [str(arg) for arg in args], catch_exceptions=False)


def run_json(*args):
    result = invoke(*args, "--format", "json", "--no-progress")
    return result.exit_code, json.loads(result.stdout), result


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_run_that_cannot_connect_stops_early_as_failed_and_says_why(fake, write_config, tmp_path, monkeypatch):
    before = write_config("before.yaml", model=FAST, stream=True)
    after = write_config("after.yaml", model=FAST, stream=True, max_tokens=64)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{_closed_port()}")
    started = time.monotonic()
    code, summary, _ = run_json(before, after, "--trials", 20, "--max-retries", 0, "--seed", 3, "--out", tmp_path / "run")
    assert code == 1 and summary["status"] == "failed"
    assert "stopped after 3 trials in a row failed with connection_error: could not connect to the API at http://127.0.0.1:" in summary["reason"]
    assert summary["warnings"][0] == summary["reason"]
    logged = (tmp_path / "run" / "trials.jsonl").read_text().splitlines()
    assert len(logged) == 3  # not the 42 the plan had
    assert time.monotonic() - started < 30
    text = invoke(before, after, "--trials", 20, "--max-retries", 0, "--no-progress", "--out", tmp_path / "again")
    assert text.exit_code == 1 and "): failed" in text.output
    assert "could not connect to the API" in text.output


def test_a_run_whose_every_trial_failed_is_failed_not_complete(fake, write_config, tmp_path):
    fake.configure(faults=[Fault(kind="midstream", count=None)])  # retryable: the run goes to its end
    before = write_config("before.yaml", model=FAST, stream=True)
    after = write_config("after.yaml", model=FAST, stream=True, max_tokens=64)
    code, summary, _ = run_json(before, after, "--trials", 2, "--warmup", 0, "--max-retries", 0, "--out", tmp_path / "run")
    assert code == 1 and summary["status"] == "failed"
    assert summary["reason"].startswith("every trial failed (") and "nothing was measured" in summary["reason"]
    assert len(summary["trials"]) == 4


def test_apply_on_a_file_that_is_not_a_request_config_says_what_ab_takes(fake, tmp_path):
    code_file = tmp_path / "app.py"
    code_file.write_text("import anthropic\nclient = anthropic.Anthropic()\n"
                         "client.messages.create(model='claude-opus-5-5', max_tokens=5, messages=[{'role': 'user', 'content': 'Yes or no?'}])\n")
    result = invoke(code_file, "--apply", "oversized-model")
    assert result.exit_code == 2
    assert "ab takes YAML/JSON request configs" in result.output and "not valid YAML" not in result.output
    assert fake.state.requests == []


@pytest.mark.parametrize(
    "rule, expected, absent",
    [
        # a misspelt rule is reported first, though the config also lacks a variable
        ("oversized-modle", "--apply 'oversized-modle': no such rule; did you mean 'oversized-model'?", "ticket_text"),
        ("oversized-model", "template variable `ticket_text` has no value: pass --var ticket_text=…", "UndefinedError"),
    ],
)
def test_apply_reports_the_first_mistake_with_its_remedy(fake, tmp_path, rule, expected, absent):
    config = tmp_path / "classify.yaml"
    config.write_text("model: claude-opus-5-5\nmax_tokens: 10\nmessages: [{role: user, content: '{{ ticket_text }}'}]\n")
    result = invoke(config, "--apply", rule)
    assert result.exit_code == 2
    assert expected in result.output and absent not in result.output
    assert fake.state.requests == []


def test_money_and_times_in_json_are_rounded(fake, write_config, tmp_path):
    fake.configure(default=Profile(ttft_ms=20, token_ms=1))
    before = write_config("before.yaml", model=FAST, stream=True)
    after = write_config("after.yaml", model=FAST, stream=True, max_tokens=64)
    code, summary, result = run_json(before, after, "--trials", 3, "--seed", 1, "--out", tmp_path / "run")
    assert code == 0 and summary["status"] == "complete"

    def decimals(value: float) -> int:
        text = repr(value)
        return len(text.split(".")[1]) if "." in text and "e" not in text else 0

    trial = summary["trials"][0]
    for key in ("ttft_ms", "total_ms", "tokens_per_s"):
        assert decimals(trial[key]) <= 1, (key, trial[key])
    for arm in summary["arms"].values():
        assert all(decimals(value) <= 1 for value in arm["ttft_ms"].values() if value is not None)
        assert decimals(arm["cost_usd"]) <= 6
    assert decimals(summary["spent_usd"]) <= 6 and decimals(trial["cost_usd"]) <= 6
    assert decimals(summary["verdict"]["delta_ms"]) <= 1
    assert not re.search(r"\d\.\d{7,}", result.stdout), "no float noise anywhere in the JSON"
