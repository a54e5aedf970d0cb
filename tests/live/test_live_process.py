"""`advisor ab` and the fake as real processes: Ctrl-C leaves a valid partial result and
``--resume`` finishes the run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 30


@pytest.fixture
def fake_process(api_key):
    process = subprocess.Popen(
        [sys.executable, "-m", "advisor.live.fake_api", "--port", "0", "--ttft-ms", "100", "--token-ms", "1"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:")
        yield line.split()[-1]
    finally:
        process.terminate()
        process.wait(TIMEOUT_S)


@pytest.fixture
def ab_environment(fake_process, api_key):
    environment = {key: value for key, value in os.environ.items() if "PROXY" not in key.upper()}
    environment.update(
        PYTHONPATH=str(REPO), ANTHROPIC_BASE_URL=fake_process, ANTHROPIC_API_KEY=api_key, NO_PROXY="127.0.0.1"
    )
    environment.pop("ANTHROPIC_AUTH_TOKEN", None)
    return environment


def ab_command(*args: object) -> list[str]:
    return [sys.executable, "-m", "advisor.live.command", *map(str, args), "--no-progress"]


def wait_for_lines(path: Path, count: int) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) >= count:
            return
        time.sleep(0.02)
    pytest.fail(f"{path} never reached {count} lines")


def test_ctrl_c_leaves_a_valid_partial_summary_and_resume_finishes(ab_environment, write_config, tmp_path, api_key):
    before = write_config("before.yaml", model="claude-opus-5-5", stream=True)
    after = write_config("after.yaml", model="claude-haiku-5-5")
    out = tmp_path / "run"
    process = subprocess.Popen(
        ab_command(before, after, "--trials", 8, "--seed", 5, "--format", "json", "--out", out),
        cwd=tmp_path, env=ab_environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    wait_for_lines(out / "trials.jsonl", 4)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=TIMEOUT_S)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    partial = json.loads(stdout)
    assert partial["status"] == "interrupted" and json.loads((out / "summary.json").read_text()) == partial
    logged = [json.loads(line) for line in (out / "trials.jsonl").read_text().splitlines()]
    assert 4 <= len(logged) < 18
    assert len(partial["trials"]) == sum(not t["warmup"] for t in logged)

    finished = subprocess.run(
        ab_command("--resume", out), cwd=tmp_path, env=ab_environment, capture_output=True, text=True, timeout=60
    )
    assert finished.returncode == 0, finished.stderr
    assert "Verdict (time to first token)" in finished.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "complete" and len(summary["trials"]) == 16
    seqs = [json.loads(line)["seq"] for line in (out / "trials.jsonl").read_text().splitlines()]
    assert sorted(seqs) == list(range(18))
    for text in (stdout, stderr, finished.stdout, finished.stderr, *(p.read_text() for p in out.iterdir())):
        assert api_key not in text


@pytest.fixture
def stalled_environment(api_key):
    """A fake whose every answer drips a byte at a time and never ends."""
    process = subprocess.Popen(
        [sys.executable, "-m", "advisor.live.fake_api", "--port", "0", "--fault", "drip count=all variant=0.1"],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, text=True,
    )
    try:
        line = process.stdout.readline()
        environment = {key: value for key, value in os.environ.items() if "PROXY" not in key.upper()}
        environment.update(PYTHONPATH=str(REPO), ANTHROPIC_BASE_URL=line.split()[-1], ANTHROPIC_API_KEY=api_key,
                           NO_PROXY="127.0.0.1")
        yield environment
    finally:
        process.terminate()
        process.wait(TIMEOUT_S)


@pytest.mark.parametrize("signals", [1, 2])
def test_ctrl_c_during_a_stalled_request_exits_at_once(stalled_environment, write_config, tmp_path, signals):
    before = write_config("before.yaml", model="claude-opus-5-5")
    after = write_config("after.yaml", model="claude-haiku-5-5")
    out = tmp_path / "run"
    process = subprocess.Popen(
        ab_command(before, after, "--trials", 2, "--timeout", 600, "--format", "json", "--out", out),
        cwd=tmp_path, env=stalled_environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + TIMEOUT_S
    while not (out / "plan.json").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # the first request is now stalled in a read
    started = time.monotonic()
    for _ in range(signals):
        process.send_signal(signal.SIGINT)
        time.sleep(0.05)
    stdout, stderr = process.communicate(timeout=TIMEOUT_S)
    assert time.monotonic() - started < 10, "a stalled request held the process after Ctrl-C"
    assert process.returncode == 130 and "Traceback" not in stderr, stderr
    if signals == 1:
        assert json.loads(stdout)["status"] == "interrupted"
