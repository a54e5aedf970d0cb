"""What a repository controls in advisor's output: file names that are not UTF-8 or hold
control characters, and prompt text with terminal escapes. No output may fail to write,
become invalid JSON, move a terminal's cursor or turn into a GitHub workflow command."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ESCAPES = "\x1b]0;pwned\x07\x1b[2J"


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    (root / "prompts").mkdir(parents=True)
    (root / "prompts" / "ok.txt").write_text(f"Answer in 50 words. {ESCAPES}\u202e\n")
    bad = os.fsencode(root / "prompts") + b"/caf\xe9-\xff.txt"  # Latin-1 bytes: not UTF-8
    with open(bad, "wb") as out:
        out.write(b"Reply in 30 words.\n")
    (root / "prompts" / "x\n::error file=evil.py,line=1::owned\x1b[2J.txt").write_text("Reply in 20 words.\n")
    return root


def _run(repo, *args):
    proc = subprocess.run([sys.executable, "-m", "advisor", *args], cwd=repo, capture_output=True, timeout=120)
    stderr = proc.stderr.decode("utf-8")  # strict: every byte advisor writes is UTF-8
    assert "Traceback" not in stderr and proc.returncode in (0, 1), stderr
    return proc.stdout.decode("utf-8"), stderr


@pytest.mark.parametrize("fmt", ["text", "github", "json", "sarif"])
def test_hostile_names_and_text_never_break_an_output(repo, fmt, tmp_path):
    out, err = _run(repo, "lint", ".", "--no-cache", "--format", fmt)
    for text in (out, err):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    if fmt in ("json", "sarif"):
        json.loads(out)
    lines = out.splitlines()
    assert not any(line.startswith("::error file=evil.py") for line in lines)
    if fmt == "text":
        # each file's finding is one line naming it, with its odd bytes shown as escapes
        assert any(line.startswith("prompts/caf\\xe9-\\xff.txt:1:") for line in lines)
        assert any(line.startswith("prompts/x\\x0a::error file=evil.py,line=1::owned\\x1b[2J.txt:1:") for line in lines)
    # the same through -o, which used to fail with UnicodeEncodeError
    target = tmp_path / f"out.{fmt}"
    _run(repo, "lint", ".", "--no-cache", "--format", fmt, "-o", str(target))
    target.read_bytes().decode("utf-8")


def test_the_report_is_written_for_hostile_names(repo, tmp_path):
    target = tmp_path / "report.html"
    _run(repo, "report", ".", "--no-cache", "-o", str(target))
    html = target.read_bytes().decode("utf-8")
    assert "\x1b" not in html and "word-count-limit" in html
