"""A repository's files as an attacker can arrange them: FIFOs and device nodes, folders
advisor may not read, paths that do not exist, and a result cache committed to the tree.
Each runs the real command in a real process (a hang or crash would take it down)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = "Summarize the ticket in no more than 120 words.\n"


def advisor(cwd, *args, timeout=60, prefix=(), env=None):
    proc = subprocess.run([*prefix, sys.executable, "-m", "advisor", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def lint_json(cwd, *args, **kwargs):
    proc = advisor(cwd, "lint", ".", "--format", "json", "--isolated", *args, **kwargs)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def test_fifos_and_device_nodes_are_skipped_not_read(tmp_path):
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "good.txt").write_text(GOOD)
    os.mkfifo(tmp_path / "prompts" / "pipe.txt")  # read() on it blocks for ever
    os.mkfifo(tmp_path / "prompts" / "pipe.yaml")
    devices = []
    try:  # a /dev/zero-like node, where the machine lets us make one (root)
        os.mknod(tmp_path / "prompts" / "zero.txt", stat.S_IFCHR | 0o644, os.makedev(1, 5))
        devices.append("prompts/zero.txt")
    except (PermissionError, OSError):
        pass
    for named in ([], ["prompts/pipe.txt", *devices]):
        data = lint_json(tmp_path, "--no-cache", *named, timeout=60)
        notes = {n["path"]: n["reason"] for n in data["notes"]}
        for name in ["prompts/pipe.txt", *devices]:
            assert notes[name] == "skipped: not a regular file", notes
        assert any(f["path"] == "prompts/good.txt" for f in data["findings"])


def _without_dac_override():
    """A prefix that runs a command as root without the capabilities that ignore file
    modes, so chmod 000 means what it means for any user."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot take away root's read-everything")
    caps = "-dac_override,-dac_read_search"
    return ("setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}")


def test_an_unreadable_directory_is_a_note_and_the_rest_is_linted(tmp_path):
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "good.txt").write_text(GOOD)
    locked = tmp_path / "locked"
    (locked / "inner").mkdir(parents=True)
    (locked / "inner" / "x.txt").write_text("Reply in 30 words.\n")
    locked.chmod(0)
    try:
        data = lint_json(tmp_path, "--no-cache", prefix=_without_dac_override())
    finally:
        locked.chmod(0o755)
    notes = {n["path"]: n["reason"] for n in data["notes"]}
    assert notes.get("locked", "").startswith("skipped: cannot read this directory"), notes
    assert [f["path"] for f in data["findings"]] == ["prompts/good.txt"]


@pytest.mark.parametrize("command", ["lint", "report"])
def test_a_path_that_does_not_exist_is_an_error(tmp_path, command):
    (tmp_path / "good.txt").write_text(GOOD)
    proc = advisor(tmp_path, command, "good.txt", "prompts/typo.txt")
    assert proc.returncode == 2
    assert "prompts/typo.txt" in proc.stderr and "does not exist" in proc.stderr


# -- the result cache ---------------------------------------------------------------------

def _repo(tmp_path):
    repo = tmp_path / "repo"
    (repo / "prompts").mkdir(parents=True)
    (repo / "prompts" / "good.txt").write_text(GOOD)
    (repo / "prompts" / "clean.txt").write_text("Classify the ticket as bug or feature.\n")
    return repo


def _database(repo):
    return repo / ".advisor_cache" / "results.sqlite3"


def _rows(repo):
    """Each row's report as the cache holds it: a JSON array (path, kind, tokens, findings,
    ...), a line break, the calls."""
    with sqlite3.connect(_database(repo)) as db:
        rows = {}
        for path, report in db.execute("SELECT path, report FROM entries"):
            head, _, calls = report.partition("\n")
            rows[path] = (json.loads(head), calls)
        return rows


def _row_text(head, calls):
    return json.dumps(head) + "\n" + calls


def _rewrite(repo, statement, *parameters):
    db = sqlite3.connect(_database(repo))
    with db:
        db.execute(statement, parameters)
    db.close()


def test_a_cache_made_on_another_machine_is_never_trusted(tmp_path):
    """A pull request can commit `.advisor_cache/`: entries from anyone without this
    machine's key are misses, so they can neither hide nor add findings."""
    repo = _repo(tmp_path)
    other = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "attacker-home")}
    mine = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "my-home")}
    honest = lint_json(repo, "--no-cache", env=mine)
    assert [f["path"] for f in honest["findings"]] == ["prompts/good.txt"]
    # the attacker lints on their machine, then edits the cache: no findings for good.txt,
    # a made-up one for clean.txt pointing at a file outside the repository
    lint_json(repo, env=other)
    rows = _rows(repo)
    assert set(rows) == {"prompts/good.txt", "prompts/clean.txt"}  # one row per file, keyed by path
    (good, good_calls), (clean, clean_calls) = rows["prompts/good.txt"], rows["prompts/clean.txt"]
    assert good[0] == "prompts/good.txt" and good[3]  # the report's path, then its findings
    good[3] = []
    finding = honest["findings"][0]
    clean[3] = [[finding["rule"], finding["code"], finding["severity"], "../../etc/passwd", finding["line"],
                 finding["column"], finding["end_line"], finding["end_column"], finding["message"],
                 finding.get("suggestion"), None, None, []]]
    clean[0] = "../../etc/passwd"
    forged_good = _row_text(good, good_calls)
    _rewrite(repo, "UPDATE entries SET report = ? WHERE path = ?", forged_good, "prompts/good.txt")
    _rewrite(repo, "UPDATE entries SET report = ?, display = ? WHERE path = ?", _row_text(clean, clean_calls),
             "../../etc/passwd", "prompts/clean.txt")
    # the victim's CI, with its own key: the forged cache changes nothing
    assert lint_json(repo, env=mine)["findings"] == honest["findings"]
    # even with the attacker's own key, an edited row is not served
    lint_json(repo, env=other)
    _rewrite(repo, "UPDATE entries SET report = ? WHERE path = ?", forged_good, "prompts/good.txt")
    assert lint_json(repo, env=other)["findings"] == honest["findings"]
    report = advisor(repo, "report", ".", "-o", str(tmp_path / "r.html"), env=other)
    assert report.returncode in (0, 1), report.stderr
    assert "root:x:0:0" not in (tmp_path / "r.html").read_text()


@pytest.mark.parametrize("content", [b"", b"[]", b"{not json", b"SQLite format 3\x00" + b"\xff" * 200])
def test_a_result_cache_that_is_not_a_database_is_a_miss_and_replaced(tmp_path, content):
    repo = _repo(tmp_path)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "home")}
    expected = lint_json(repo, env=env)["findings"]
    _database(repo).write_bytes(content)
    proc = advisor(repo, "lint", ".", "--format", "json", env=env)
    assert json.loads(proc.stdout)["findings"] == expected and "Traceback" not in proc.stderr
    assert set(_rows(repo)) == {"prompts/good.txt", "prompts/clean.txt"}  # rebuilt


@pytest.mark.parametrize("statement", [
    "UPDATE entries SET digest = 5",
    "UPDATE entries SET report = 'x'",
    "UPDATE entries SET report = '[]'",
    "UPDATE entries SET relevant = 7",
    "UPDATE entries SET size = 'big', inode = 1.5",
    "UPDATE entries SET report = NULL",
    "CREATE VIEW extra AS SELECT 1",
    "CREATE TRIGGER hide AFTER INSERT ON entries BEGIN DELETE FROM entries; END",
])
def test_a_wrong_shaped_result_cache_is_a_miss(tmp_path, statement):
    repo = _repo(tmp_path)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "home")}
    expected = lint_json(repo, env=env)["findings"]
    _rewrite(repo, statement)
    assert lint_json(repo, env=env)["findings"] == expected
    assert lint_json(repo, env=env)["findings"] == expected


def test_the_cache_is_not_written_through_a_planted_link(tmp_path):
    repo = _repo(tmp_path)
    target = tmp_path / "elsewhere"
    target.mkdir()
    (repo / ".advisor_cache").symlink_to(target, target_is_directory=True)
    proc = advisor(repo, "lint", ".", "--isolated", env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "home")})
    assert proc.returncode == 1
    assert list(target.iterdir()) == []
    assert "result cache not saved" in proc.stderr and "symbolic link" in proc.stderr
    # a marker file planted as a dangling link is not followed either
    (repo / ".advisor_cache").unlink()
    (repo / ".advisor_cache").mkdir()
    (repo / ".advisor_cache" / "README").symlink_to(tmp_path / "created-outside")
    advisor(repo, "lint", ".", "--isolated", env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "home")})
    assert not (tmp_path / "created-outside").exists()
    # nor are the database or the journal SQLite writes next to it
    for name in ("results.sqlite3", "results.sqlite3-journal"):
        shutil.rmtree(repo / ".advisor_cache")
        (repo / ".advisor_cache").mkdir()
        (repo / ".advisor_cache" / name).symlink_to(tmp_path / f"outside-{name}")
        proc = advisor(repo, "lint", ".", "--isolated", env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "home")})
        assert proc.returncode == 1 and "result cache not saved" in proc.stderr
        assert not (tmp_path / f"outside-{name}").exists()


def test_the_machine_key_is_private_and_reused(tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "home")}
    repo = _repo(tmp_path)
    lint_json(repo, env=env)
    key = tmp_path / "home" / "advisor" / "cache-key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) >= 32
    first = key.read_bytes()
    (repo / "prompts" / "good.txt").write_text(GOOD + "More.\n")
    lint_json(repo, env=env)
    assert key.read_bytes() == first
    assert Path(repo / ".advisor_cache").is_dir()


def test_linked_prompt_files_are_read_only_inside_the_calling_files_tree(tmp_path):
    """Run from `/`, the working directory is no boundary: `open("../../x")` must not read
    a file outside the linted repository (its size and tokens were listed)."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("You are a support bot. " * 400)
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "prompts").mkdir()
    (repo / "prompts" / "system.txt").write_text("You classify tickets as bug or feature.\n")
    (repo / "app" / "chat.py").write_text(
        "import anthropic\nclient = anthropic.Anthropic()\n"
        "OUT = open('../../outside/secret.txt').read()\nIN = open('../prompts/system.txt').read()\n"
        "def a(q):\n    return client.messages.create(model='claude-haiku-5-5', max_tokens=100, system=OUT, messages=[{'role': 'user', 'content': q}])\n"
        "def b(q):\n    return client.messages.create(model='claude-haiku-5-5', max_tokens=100, system=IN, messages=[{'role': 'user', 'content': q}])\n"
    )
    for cwd in ("/", repo / "app"):
        proc = advisor(cwd, "lint", str(repo), "--isolated", "--no-cache", "--format", "json")
        calls = {c["function"]: c for c in json.loads(proc.stdout)["calls"]}
        assert calls["a"]["linked_files"] == [] and calls["a"]["input_tokens"] == 0
        assert [Path(p).name for p in calls["b"]["linked_files"]] == ["system.txt"]
        assert "secret" not in proc.stdout
