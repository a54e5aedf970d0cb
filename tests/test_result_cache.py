"""The result cache changes how fast results come, never what they are: cold, warm,
serial and parallel runs agree; a file named on the command line reuses what a walk
cached; unchanged files are not read again; deleted files leave the cache."""

from __future__ import annotations

import datetime
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from advisor import engine
from advisor.config import Settings
from advisor.engine import Linter
from advisor.output import json_format

VARIED = {
    "prompts/long.txt": "You are a support assistant. " * 30 + "\nAnswer in no more than 40 words.\n",
    "prompts/short.txt": "Classify the ticket as bug or feature.\n",
    "prompts/bad.txt": b"caf\xe9 \xff in 50 words",
    "prompts/readme.md": "# Prompts\n\nThis folder holds the prompts. See the [guide](guide.md).\n",
    "templates/reply.j2": "You help {{ name }}.\n{% if urgent %}Urgent.{% endif %}\nReply in 3 sentences.\n",
    "configs/request.yaml": "model: claude-opus-4-8\nmessages: [{role: user, content: 'Summarize in 2 sentences.'}]\n",
    "configs/ci.yaml": "name: ci\non: push\n",
    "configs/broken.yaml": "model: m\nmessages: [\n",
    "app/linked.py": (
        "import anthropic\nfrom pathlib import Path\n\nclient = anthropic.Anthropic()\n"
        "PROMPT = Path(__file__).parent.parent.joinpath('prompts/long.txt').read_text()\n\n"
        "def ask(q):\n    return client.messages.create(model='claude-sonnet-4-5', max_tokens=64000,\n"
        "        system=PROMPT, messages=[{'role': 'user', 'content': q}])\n"
    ),
    "app/plain.py": "def add(a, b):\n    return a + b\n",
}


def _render(result) -> str:
    return json_format.render(result)


def _linter(root: Path, **kwargs) -> Linter:
    return Linter(Settings(root=root, today=datetime.date(2026, 6, 1)), **kwargs)


def _rows(root: Path) -> set[str]:
    with sqlite3.connect(root / ".advisor_cache" / "results.sqlite3") as db:
        return {path for (path,) in db.execute("SELECT path FROM entries")}


@pytest.fixture
def varied(make_repo, monkeypatch, tmp_path_factory):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("home")))
    root = make_repo(VARIED)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def counted(monkeypatch):
    """How many files each run lints and reads (the cache's whole point is fewer)."""
    calls = {"lint": 0, "read": 0}
    lint_source, read = Linter.lint_source, Linter._read

    def counting_lint(self, *args, **kwargs):
        calls["lint"] += 1
        return lint_source(self, *args, **kwargs)

    def counting_read(self, *args, **kwargs):
        calls["read"] += 1
        return read(self, *args, **kwargs)

    monkeypatch.setattr(Linter, "lint_source", counting_lint)
    monkeypatch.setattr(Linter, "_read", counting_read)
    return calls


def test_cold_warm_serial_and_parallel_runs_give_the_same_json(varied, monkeypatch):
    cold = _render(_linter(varied, use_cache=False).lint_paths([Path(".")]))
    assert '"prompts/bad.txt"' in cold and '"app/linked.py"' in cold and '"configs/ci.yaml"' not in cold
    filling = _render(_linter(varied).lint_paths([Path(".")]))
    warm = _render(_linter(varied).lint_paths([Path(".")]))
    monkeypatch.setattr(engine, "PARALLEL_MIN_FILES", 2)
    parallel = _render(_linter(varied, use_cache=False).lint_paths([Path(".")]))
    assert filling == cold and warm == cold and parallel == cold
    named = [Path(p) for p in VARIED]
    assert _render(_linter(varied).lint_paths(named)) == _render(_linter(varied, use_cache=False).lint_paths(named))


def _age(root: Path) -> None:
    """Date the files an hour back, by the file system's clock (they were just written),
    which the cache compares with: old enough for their stat to stand for their bytes."""
    an_hour_ago = max((root / name).stat().st_mtime for name in VARIED) - 3600
    for name in VARIED:
        os.utime(root / name, (an_hour_ago, an_hour_ago))


def test_a_warm_run_decodes_call_summaries_only_when_they_are_read(varied):
    _age(varied)
    cold = {r.path: r for r in _linter(varied, use_cache=False).lint_paths([Path(".")]).files}
    _linter(varied).lint_paths([Path(".")])
    warm = {r.path: r for r in _linter(varied).lint_paths([Path(".")]).files}
    assert warm.keys() == cold.keys()
    with_calls = {path for path, report in cold.items() if report.calls}
    assert {"app/linked.py", "configs/request.yaml"} <= with_calls
    for path, report in warm.items():
        assert report.__dict__.get("_calls") is None  # still the stored JSON
        assert report.has_calls == (path in with_calls)
        assert report.calls == cold[path].calls and report.to_dict() == cold[path].to_dict()


def test_a_named_file_reuses_what_a_walk_cached(varied, counted):
    walked = _linter(varied).lint_paths([Path(".")])
    assert counted["lint"] > 0
    counted["lint"] = 0
    named = _linter(varied).lint_paths([Path("prompts/long.txt"), Path("configs/request.yaml")])
    assert counted["lint"] == 0
    by_path = {r.path: r for r in walked.files}
    assert [r.to_dict() for r in named.files] == [by_path["configs/request.yaml"].to_dict(), by_path["prompts/long.txt"].to_dict()]
    # a file the walk skipped (no request body) is linted when named, not served as skipped
    ci = _linter(varied).lint_paths([Path("configs/ci.yaml")])
    assert counted["lint"] == 1 and [r.path for r in ci.files] == ["configs/ci.yaml"]
    # and a walk after it still skips it, from the same entry
    counted["lint"] = 0
    assert _render(_linter(varied).lint_paths([Path(".")])) == _render(walked)
    assert counted["lint"] == 0


def test_unchanged_files_are_not_read_again_and_changed_ones_are(varied, counted):
    _age(varied)
    first = _linter(varied).lint_paths([Path(".")])
    counted["read"] = counted["lint"] = 0
    again = _linter(varied).lint_paths([Path(".")])
    assert counted["read"] == 0 and counted["lint"] == 0
    assert _render(again) == _render(first)
    (varied / "prompts/short.txt").write_text("Classify the ticket in 200 words.\n")
    changed = _linter(varied).lint_paths([Path(".")])
    assert counted["lint"] == 1
    assert "prompts/short.txt" in {f.path for f in changed.findings}


def test_a_file_rewritten_in_the_same_clock_tick_is_noticed(varied):
    """Same size, same modification time, new bytes (a fast editor or checkout right after
    a run): a file that recent is hashed, not trusted by its stat."""
    target = varied / "prompts/short.txt"
    before = _linter(varied).lint_paths([Path(".")])
    status = target.stat()
    target.write_text("Classify the ticket in 200 words.\n"[: status.st_size].ljust(status.st_size))
    os.utime(target, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert target.stat().st_size == status.st_size
    after = _linter(varied).lint_paths([Path(".")])
    assert _render(after) != _render(before)
    assert _render(after) == _render(_linter(varied, use_cache=False).lint_paths([Path(".")]))


def test_rows_of_deleted_files_are_pruned_by_a_walk_only(varied):
    _linter(varied).lint_paths([Path(".")])
    assert "prompts/short.txt" in _rows(varied) and "app/plain.py" in _rows(varied)
    (varied / "prompts/short.txt").unlink()
    _linter(varied).lint_paths([Path("prompts/long.txt")])  # a pre-commit run does not sweep
    assert "prompts/short.txt" in _rows(varied)
    _linter(varied).lint_paths([Path(".")])
    assert "prompts/short.txt" not in _rows(varied) and "prompts/long.txt" in _rows(varied)


def test_concurrent_runs_share_the_cache_safely(make_repo, tmp_path_factory):
    root = make_repo({f"prompts/p{i:03d}.txt": f"Summarize ticket {i} in no more than 120 words.\n" for i in range(60)})
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path_factory.mktemp("home"))}
    command = [sys.executable, "-m", "advisor", "lint", "--format", "json", "--today", "2026-06-01", "."]
    expected = subprocess.run([*command, "--no-cache"], cwd=root, env=env, capture_output=True, text=True).stdout
    runs = [subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(3)]
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 1 and "Traceback" not in err and "not saved" not in err, err
        assert json.loads(out) == json.loads(expected)
    assert len(_rows(root)) == 60
    warm = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    assert json.loads(warm.stdout) == json.loads(expected)
