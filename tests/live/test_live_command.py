"""`advisor ab` end to end: the click command, the real SDK, real HTTP, the fake on loopback."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.live.command import ab
from advisor.live.fake_api import Fault, Profile

SLOW, FAST = "claude-opus-5-5", "claude-haiku-5-5"
TOLERANCE_MS = 5.0


def invoke(*args: str):
    return CliRunner().invoke(ab, [str(arg) for arg in args], catch_exceptions=False)


def run_json(*args: str) -> tuple[int, dict]:
    result = invoke(*args, "--format", "json", "--no-progress")
    return result.exit_code, json.loads(result.stdout)


def jsonl(directory: Path) -> list[dict]:
    return [json.loads(line) for line in (directory / "trials.jsonl").read_text().splitlines()]


@pytest.fixture
def slow_and_fast(fake, write_config):
    """BEFORE on a model the fake answers in 120 ms, AFTER on one it answers in 40 ms."""
    fake.configure(default=Profile(ttft_ms=40, token_ms=1), profiles={SLOW: Profile(ttft_ms=120, token_ms=1)})
    return write_config("before.yaml", model=SLOW, stream=True), write_config("after.yaml", model=FAST, stream=True)


def _server_ms(fake, model, instant="first_token_at"):
    """The fake's own median delay from reading a request of ``model`` to writing its first
    token (or, with ``instant="finished_at"``, its last event), from its timestamps: on a
    busy machine its sleeps overshoot, and the client cannot beat that."""
    delays = [(getattr(r, instant) - r.received_at) * 1000 for r in fake.state.requests
              if r.body and r.body.get("model") == model and getattr(r, instant) is not None]
    return statistics.median(delays)


def _client_overhead_ms(fake, summary, arm, model):
    """What the client adds to the server's own timing in this run (building the request,
    loopback transit, parsing), read off the whole answers: the client's median total less
    the server's. A first-token time measured at the right event carries the same overhead;
    one measured at the last token is later by the whole generation."""
    return max(0.0, summary["arms"][arm]["total_ms"]["median"] - _server_ms(fake, model, "finished_at"))


def test_clear_difference_gives_the_right_verdict_and_the_documented_json(slow_and_fast, fake, tmp_path):
    before, after = slow_and_fast
    out = tmp_path / "run"
    code, summary = run_json(before, after, "--trials", 6, "--seed", 1, "--out", out)
    assert code == 0 and summary["status"] == "complete"
    slow_server, fast_server = _server_ms(fake, SLOW), _server_ms(fake, FAST)
    verdict = summary["verdict"]
    assert verdict["metric"] == "ttft_ms" and verdict["faster"] == "after"
    server_delta = fast_server - slow_server
    assert server_delta - 2 * TOLERANCE_MS <= verdict["delta_ms"] <= server_delta + 2 * TOLERANCE_MS
    assert verdict["ci95"][1] < 0 and verdict["p_value"] < 0.05
    assert set(summary["verdicts"]) == {"ttft_ms", "total_ms"}
    arm = summary["arms"]["before"]
    assert arm["model"] == SLOW and arm["trials"] == 6 and arm["errors"] == 0
    assert set(arm["ttft_ms"]) == {"n", "median", "p90", "mean", "stdev"}
    slow_bound = slow_server + _client_overhead_ms(fake, summary, "before", SLOW) + TOLERANCE_MS
    fast_bound = fast_server + _client_overhead_ms(fake, summary, "after", FAST) + TOLERANCE_MS
    assert 120 <= arm["ttft_ms"]["median"] <= slow_bound, (arm["ttft_ms"], slow_bound)
    assert 40 <= summary["arms"]["after"]["ttft_ms"]["median"] <= fast_bound, (summary["arms"]["after"]["ttft_ms"], fast_bound)
    # the bound still tells the first token from the last: the fake spends a token_ms per word
    assert _server_ms(fake, SLOW, "finished_at") - slow_server > 2 * TOLERANCE_MS
    assert arm["cost_usd"] > 0 and set(arm) >= {"total_ms", "output_tokens", "tokens_per_s"}
    trials = summary["trials"]
    assert len(trials) == 12 and not any(t["warmup"] for t in trials)
    assert {"arm", "ttft_ms", "total_ms", "output_tokens", "stop_reason", "error", "request_id", "text"} <= set(trials[0])
    assert summary["outputs"]["before"] == Profile().text
    logged = jsonl(out)
    assert len(logged) == 14 and sum(t["warmup"] for t in logged) == 2
    assert (out / ".advisor-run").is_file()  # so `advisor lint` never reads its bodies
    assert json.loads((out / "summary.json").read_text()) == summary
    assert len(fake_requests := [t["request_id"] for t in logged]) == len(set(fake_requests))


def test_arms_are_interleaved_in_balanced_blocks(slow_and_fast, tmp_path):
    _, summary = run_json(*slow_and_fast, "--trials", 5, "--seed", 4, "--out", tmp_path / "run")
    trials = summary["trials"]
    for block in range(5):
        assert sorted(t["arm"] for t in trials if t["block"] == block) == ["after", "before"]
    assert [t["arm"] for t in trials[::2]] != ["before"] * 5  # the order within blocks is shuffled


def test_no_difference_is_inconclusive(fake, write_config, tmp_path):
    fake.configure(default=Profile(ttft_ms=40, token_ms=0, jitter_ms=30), seed=3)
    before = write_config("before.yaml", model=FAST, stream=True)
    after = write_config("after.yaml", model=FAST, stream=True)
    code, summary = run_json(before, after, "--trials", 8, "--seed", 2, "--out", tmp_path / "run")
    assert code == 0
    verdict = summary["verdict"]
    assert verdict["faster"] is None and verdict["ci95"][0] < 0 < verdict["ci95"][1]


def test_a_non_streamed_arm_waits_for_the_whole_answer(fake, write_config, tmp_path):
    fake.configure(default=Profile(ttft_ms=30, token_ms=3))
    before = write_config("before.yaml", model=FAST)
    after = write_config("after.yaml", model=FAST, stream=True)
    _, summary = run_json(before, after, "--trials", 5, "--seed", 1, "--out", tmp_path / "run")
    for trial in summary["trials"]:
        if trial["arm"] == "before":
            assert trial["ttft_ms"] == trial["total_ms"] and trial["tokens_per_s"] is None
        else:
            assert trial["ttft_ms"] < trial["total_ms"] and trial["tokens_per_s"] > 0
    assert summary["verdicts"]["ttft_ms"]["faster"] == "after"  # streaming shows the first words sooner


def test_dry_run_prints_the_plan_and_sends_nothing(slow_and_fast, fake, tmp_path):
    out = tmp_path / "run"
    result = invoke(*slow_and_fast, "--dry-run", "--out", out)
    assert result.exit_code == 0
    assert "advisor ab plan" in result.stdout and "cost: at most $" in result.stdout
    assert SLOW in result.stdout and FAST in result.stdout
    assert fake.state.requests == [] and not out.exists()


def test_dry_run_json_plan(slow_and_fast, fake):
    code, data = run_json(*slow_and_fast, "--dry-run", "--trials", 3)
    assert code == 0 and data["dry_run"] is True
    assert data["plan"]["settings"]["trials"] == 3 and data["plan"]["max_cost_usd"] > 0
    assert fake.state.requests == []


def test_budget_stops_the_run_before_a_trial_could_exceed_it(fake, write_config, tmp_path):
    fake.configure(default=Profile(ttft_ms=5, token_ms=0))
    before = write_config("before.yaml", model=SLOW, max_tokens=1000, stream=True)
    after = write_config("after.yaml", model=SLOW, max_tokens=1000, stream=True)
    out = tmp_path / "run"
    code, summary = run_json(before, after, "--trials", 20, "--budget-usd", "0.025", "--seed", 1, "--out", out)
    assert code == 1 and summary["status"] == "budget"
    worst = summary["plan"]["estimates"]["before"]["trial_usd_max"]
    assert summary["spent_usd"] <= 0.025 < summary["spent_usd"] + worst
    assert len(fake.state.requests) == len(jsonl(out)) < 42
    assert any("budget" in warning for warning in summary["warnings"])

    # Resume with a bigger budget: the run finishes its plan without repeating a trial.
    code, resumed = run_json("--resume", out, "--budget-usd", "1")
    assert code == 0 and resumed["status"] == "complete"
    logged = jsonl(out)
    assert sorted(t["seq"] for t in logged) == list(range(42))
    assert len(resumed["trials"]) == 40 and resumed["spent_usd"] == pytest.approx(sum(t["cost_usd"] for t in logged))


def test_a_budget_below_one_trial_sends_nothing(slow_and_fast, fake, tmp_path):
    code, summary = run_json(*slow_and_fast, "--budget-usd", "0.0001", "--out", tmp_path / "run")
    assert code == 1 and summary["status"] == "budget" and summary["trials"] == []
    assert fake.state.requests == []


def test_resume_keeps_the_saved_plan(slow_and_fast, tmp_path):
    out = tmp_path / "run"
    run_json(*slow_and_fast, "--trials", 5, "--budget-usd", "0.004", "--out", out)
    result = invoke("--resume", out, "--trials", 9)
    assert result.exit_code == 2 and "--resume continues the saved plan" in result.output
    result = invoke(slow_and_fast[0], "--resume", out)
    assert result.exit_code == 2
    result = invoke(*slow_and_fast, "--out", out)
    assert result.exit_code == 2 and "already holds a run" in result.output


def test_overload_is_retried_and_persistent_midstream_errors_are_failed_trials(fake, write_config, tmp_path):
    fake.configure(
        default=Profile(ttft_ms=10, token_ms=0),
        faults=[Fault(status=529, count=1, retry_after=0.05), Fault(kind="midstream", count=None, model=FAST)],
    )
    before = write_config("before.yaml", model=SLOW, stream=True)
    after = write_config("after.yaml", model=FAST, stream=True)
    args = (before, after, "--trials", 3, "--warmup", 0, "--max-retries", 1, "--seed", 1, "--out", tmp_path / "run")
    code, summary = run_json(*args)
    assert code == 0
    failed = [t for t in summary["trials"] if t["arm"] == "after"]
    assert len(failed) == 3 and all(t["error"] == "overloaded_error" and t["ttft_ms"] is None for t in failed)
    assert all(t["attempts"] == 2 and t["cost_usd"] > 0 for t in failed)  # the broken streams were billed
    assert summary["arms"]["after"]["errors"] == 3 and summary["arms"]["after"]["ttft_ms"]["n"] == 0
    assert summary["verdict"]["faster"] is None and summary["verdict"]["reason"] == "no successful trials in an arm"
    assert any("after: 3 of 3 trials failed (overloaded_error x3)" in w for w in summary["warnings"])
    assert [r.status for r in fake.state.requests].count(529) == 1


def test_a_faster_but_truncated_answer_is_not_a_plain_win(fake, write_config, tmp_path):
    fake.configure(default=Profile(ttft_ms=10, token_ms=3))
    before = write_config("before.yaml", model=FAST, stream=True)
    after = write_config("after.yaml", model=FAST, stream=True, max_tokens=4)
    result = invoke(before, after, "--trials", 5, "--metric", "total_ms", "--seed", 1, "--out", tmp_path / "run")
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    verdict = summary["verdict"]
    assert verdict["metric"] == "total_ms" and verdict["faster"] == "after"
    assert any("truncated" in c for c in verdict["caveats"]) and any("much shorter" in c for c in verdict["caveats"])
    assert all(t["truncated"] and t["stop_reason"] == "max_tokens" for t in summary["trials"] if t["arm"] == "after")
    assert "but: after: 5 of 5 answers stopped at max_tokens" in result.stdout
    assert "First answers:" in result.stdout and "Paris is the capital" in result.stdout


def test_prompt_caching_arm_warm_up_primes_the_cache(fake, write_config, tmp_path):
    fake.configure(default=Profile(ttft_ms=90, token_ms=0, cached_ttft_ms=30))
    system = "You answer questions about European capitals."
    before = write_config("before.yaml", model=FAST, stream=True, system=system)
    after = write_config("after.yaml", model=FAST, stream=True,
                         system=[{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}])
    _, summary = run_json(before, after, "--trials", 5, "--seed", 1, "--out", tmp_path / "warm")
    assert summary["verdict"]["faster"] == "after" and summary["warnings"] == []
    assert all(t["cache_read_input_tokens"] > 0 for t in summary["trials"] if t["arm"] == "after")

    fake.configure(default=Profile(ttft_ms=90, token_ms=0, cached_ttft_ms=30))
    _, cold = run_json(before, after, "--trials", 5, "--warmup", 0, "--seed", 1, "--out", tmp_path / "cold")
    assert "after: 1 trials wrote the prompt cache and 4 read it; its latencies mix both kinds" in cold["warnings"]


def test_until_confident_stops_once_the_interval_excludes_zero(slow_and_fast, tmp_path):
    code, summary = run_json(*slow_and_fast, "--trials", 5, "--until-confident", "--max-trials", 30, "--out", tmp_path / "r")
    assert code == 0 and summary["status"] == "confident" and summary["verdict"]["faster"] == "after"
    # Six looks make each one need a 99.17% level: 5 against 5, however separated, cannot
    # reach it (the rank test's p is 0.012), 10 against 10 can.
    assert summary["arms"]["before"]["trials"] == 10


def test_concurrent_trials(slow_and_fast, tmp_path):
    code, summary = run_json(*slow_and_fast, "--trials", 5, "--concurrency", 2, "--out", tmp_path / "run")
    assert code == 0 and len(summary["trials"]) == 10 and summary["verdict"]["faster"] == "after"


def test_the_api_key_is_never_written(slow_and_fast, write_config, tmp_path, api_key, fake):
    before = write_config("before.yaml", model=SLOW, stream=True,
                          messages=[{"role": "user", "content": "Key: {{ leaked }}"}])
    out = tmp_path / "run"
    text = invoke(before, slow_and_fast[1], "--trials", 5, "--var", f"leaked={api_key}", "--out", out)
    as_json = invoke(before, slow_and_fast[1], "--trials", 5, "--var", f"leaked={api_key}", "--format", "json",
                     "--out", tmp_path / "run2")
    assert fake.state.requests[0].headers["authorization"] == f"Bearer {api_key}"  # it was used...
    outputs = [text.output, as_json.output] + [p.read_text() for d in (out, tmp_path / "run2") for p in d.iterdir()]
    assert all(api_key not in output for output in outputs)  # ...and never written
    assert "Key: [redacted]" in (out / "plan.json").read_text()


def test_apply_measures_the_rules_fix(fake, tmp_path):
    fake.configure(default=Profile(ttft_ms=40, token_ms=1), profiles={SLOW: Profile(ttft_ms=120, token_ms=1)})
    config = tmp_path / "classify.yaml"
    config.write_text(
        f"model: {SLOW}\nmax_tokens: 10\nstream: true\n"
        "system: Classify the sentiment as positive or negative. Reply with one word.\n"
        "messages: [{role: user, content: 'I love it'}]\n"
    )
    code, summary = run_json(config, "--apply", "oversized-model", "--trials", 6, "--seed", 2, "--out", tmp_path / "run")
    assert code == 0
    assert summary["arms"]["before"]["model"] == SLOW and summary["arms"]["after"]["model"] == FAST
    assert summary["verdict"]["faster"] == "after"


def test_apply_without_anything_to_fix_makes_no_request(slow_and_fast, fake):
    result = invoke(slow_and_fast[0], "--apply", "oversized-model")
    assert result.exit_code == 2 and "finds nothing to fix" in result.output
    assert fake.state.requests == []


def test_arguments_must_name_two_configs_or_one_with_apply(slow_and_fast):
    assert invoke(slow_and_fast[0]).exit_code == 2


def test_unpriced_models_need_consent(fake, write_config, tmp_path):
    before = write_config("before.yaml", model="claude-gateway-custom", stream=True)
    after = write_config("after.yaml", model=FAST, stream=True)
    refused = invoke(before, after)
    assert refused.exit_code == 2 and "no worst-case cost for claude-gateway-custom (no catalog price" in refused.output
    code, summary = run_json(before, after, "--trials", 5, "--allow-unpriced", "--out", tmp_path / "run")
    assert code == 0 and summary["arms"]["before"]["cost_usd"] is None
    assert any("cost is unknown" in warning for warning in summary["warnings"])


def test_default_run_directory_is_under_reports(slow_and_fast, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    result = invoke(*slow_and_fast, "--trials", 5, "--no-progress")
    assert result.exit_code == 0 and "Verdict (time to first token): after is faster" in result.stdout
    (directory,) = (tmp_path / "reports").iterdir()
    assert directory.name.startswith("ab-") and (directory / "summary.json").is_file()


def test_billed_retries_are_reserved_so_the_budget_is_never_overspent(fake, write_config, tmp_path):
    # every stream breaks mid-way (billed) and is retried: each retry must fit the budget
    fake.configure(default=Profile(ttft_ms=5, token_ms=0), faults=[Fault(kind="midstream", count=None)])
    before = write_config("before.yaml", model=SLOW, max_tokens=1000, stream=True)
    after = write_config("after.yaml", model=SLOW, max_tokens=1000, stream=True)
    out = tmp_path / "run"
    code, summary = run_json(before, after, "--trials", 20, "--warmup", 0, "--max-retries", 4,
                             "--budget-usd", "0.025", "--seed", 1, "--out", out)
    assert code == 1 and summary["status"] == "budget"
    worst = summary["plan"]["estimates"]["before"]["trial_usd_max"]
    spent = sum(t["cost_usd"] or 0 for t in jsonl(out))
    assert spent <= 0.025 and summary["spent_usd"] <= 0.025
    # room for one attempt only: the billed failure is not retried (it used to be, four times)
    assert worst <= 0.025 < 2 * worst and len(fake.state.requests) == 1
    [trial] = jsonl(out)
    assert trial["attempts"] == 1 and "not retried: the budget" in trial["error_message"]


def test_a_malformed_answer_is_a_failed_trial_and_the_run_goes_on(fake, write_config, tmp_path):
    fake.configure(default=Profile(ttft_ms=5, token_ms=0),
                   faults=[Fault(kind="malformed", variant="null_content", count=2, model=SLOW)])
    before = write_config("before.yaml", model=SLOW)
    after = write_config("after.yaml", model=FAST)
    code, summary = run_json(before, after, "--trials", 4, "--warmup", 0, "--seed", 1, "--out", tmp_path / "run")
    assert code == 0 and (tmp_path / "run" / "summary.json").is_file()
    failed = [t for t in summary["trials"] if t["error"]]
    assert [t["error"] for t in failed] == ["invalid_response", "invalid_response"]
    assert summary["arms"]["after"]["errors"] == 0 and len(summary["trials"]) == 8


def test_resume_reads_answers_with_line_separators_and_skips_a_damaged_line(fake, write_config, tmp_path):
    text = "Paris\u2028is\u2029the capital\u0085of France."
    fake.configure(default=Profile(ttft_ms=5, token_ms=0, text=text))
    before = write_config("before.yaml", model=SLOW, max_tokens=1000, stream=True)
    after = write_config("after.yaml", model=SLOW, max_tokens=1000, stream=True)
    out = tmp_path / "run"
    code, summary = run_json(before, after, "--trials", 3, "--warmup", 0, "--seed", 1, "--out", out)
    assert summary["status"] == "complete"
    lines = (out / "trials.jsonl").read_text(encoding="utf-8").split("\n")
    assert len(lines) == 7 and "\u2028" in lines[0]  # written raw, inside one line
    lines[1] = "{not json"  # a damaged line in the middle: that trial is lost
    (out / "trials.jsonl").write_text("\n".join(lines), encoding="utf-8")
    result = invoke("--resume", out, "--budget-usd", "1")
    assert result.exit_code == 0, result.output
    assert "trials.jsonl:2: not a trial record; skipped" in result.stderr
    logged = [t for t in jsonl_lenient(out)]
    assert sorted(t["seq"] for t in logged) == list(range(6))  # every trial once, none twice


def jsonl_lenient(directory: Path) -> list[dict]:
    out = []
    for line in (directory / "trials.jsonl").read_text(encoding="utf-8").split("\n"):
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out
