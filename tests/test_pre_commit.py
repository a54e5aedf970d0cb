"""The real pre-commit, trying this repository's hook in a scratch git repository.

`pre-commit try-repo` builds the hook's environment from this project exactly as a user's
`.pre-commit-config.yaml` would (pip-installing it from the repository, uncommitted changes
included), then runs it on the staged files, as a commit does.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory) -> Path:
    if shutil.which("git") is None or importlib.util.find_spec("pre_commit") is None:
        pytest.fail("git and pre-commit are needed: pip install '.[test]' installs pre-commit")
    return tmp_path_factory.mktemp("pre-commit-home")


def _try_repo(repo: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(PROJECT), "advisor", "--verbose"],
        cwd=repo, capture_output=True, text=True, env=env, timeout=900,
    )


def _scratch_repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    _git(root, "init", "-q")
    _git(root, "config", "user.email", "test@example.invalid")
    _git(root, "config", "user.name", "test")
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    _git(root, "add", "-A")
    return root


def test_hook_blocks_a_staged_word_count_limit(tmp_path, pre_commit_home):
    repo = _scratch_repo(tmp_path / "repo", {
        "prompts/summary.txt": "Summarize the ticket in no more than 120 words.\n",
        "README.md": "Describe the project in 50 words.\n",  # not a prompt file: the hook skips it
        "notes.txt": "in 80 words\n",
    })
    proc = _try_repo(repo, pre_commit_home)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "prompts/summary.txt:1:22: warning word-count-limit" in output
    assert "README.md" not in output.split("advisor (prompt latency lint)")[-1]
    assert "notes.txt" not in output.split("advisor (prompt latency lint)")[-1]


def test_hook_passes_a_sentence_limit(tmp_path, pre_commit_home):
    repo = _scratch_repo(tmp_path / "repo", {"prompts/summary.txt": "Summarize the ticket in 3 sentences.\n"})
    proc = _try_repo(repo, pre_commit_home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout


def test_hook_with_a_baseline_blocks_only_new_findings(tmp_path, pre_commit_home):
    """`baseline` in the configuration: a repository with known findings commits; a staged
    file with a new finding is blocked, and the other files' entries are not counted as fixed."""
    repo = _scratch_repo(tmp_path / "repo", {
        ".advisor.toml": 'baseline = "advisor-baseline.json"\n',
        "prompts/old.txt": "Summarize the ticket in no more than 120 words.\n",
        "prompts/other.txt": "Reply in under 60 words.\n",
        "advisor-baseline.json": json.dumps({"version": 1, "findings": [
            {"path": "prompts/old.txt", "rule": "word-count-limit", "text": "in no more than 120 words", "occurrence": 0},
            {"path": "prompts/other.txt", "rule": "word-count-limit", "text": "in under 60 words", "occurrence": 0},
        ]}),
    })
    proc = _try_repo(repo, pre_commit_home)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (repo / "prompts" / "old.txt").write_text("Intro line.\nSummarize the ticket in no more than 120 words.\n")
    (repo / "prompts" / "new.txt").write_text("Describe the issue in under 70 words.\n")
    _git(repo, "add", "prompts/old.txt", "prompts/new.txt")
    proc = _try_repo(repo, pre_commit_home)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    hook_output = output.split("advisor (prompt latency lint)")[-1]
    assert "prompts/new.txt:1:20: warning word-count-limit" in hook_output
    assert "prompts/old.txt" not in hook_output  # moved down a line: still known
