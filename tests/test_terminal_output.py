"""The human output as a user sees it: real `advisor lint` processes, on a pipe and on a
pseudo-terminal, with the colour conventions other tools follow."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

WORDY = "Line one.\nSummarize in no more than 120 words, please.\n"
CONFIG = "model: claude-haiku-5-5\nmax_tokens: 4096\nmessages: [{role: user, content: 'Reply yes or no: is it raining?'}]\n"
SGR = re.compile(r"\x1b\[[0-9;]*m")


def _environ(**extra: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TERM", "CLICOLOR_FORCE")}
    environ.update({"ADVISOR_TODAY": "2026-12-01", "TERM": "xterm-256color", "COLUMNS": "200", **extra})
    return environ


def _piped(root: Path, *args: str, stdin: str | None = None, **environ: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "advisor", "lint", "--no-cache", *args], cwd=root, input=stdin,
                          capture_output=True, text=True, env=_environ(**environ), timeout=60)


def _on_terminal(root: Path, *args: str, **environ: str) -> str:
    """What `advisor lint` writes to a real (pseudo-)terminal."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "advisor", "lint", "--no-cache", *args], cwd=root,
                               stdin=subprocess.DEVNULL, stdout=terminal, stderr=subprocess.DEVNULL, env=_environ(**environ))
    os.close(terminal)
    chunks = []
    while True:
        ready, _, _ = select.select([controller], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the child closed its side
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(controller)
    return b"".join(chunks).decode().replace("\r\n", "\n")


@pytest.fixture
def repo(make_repo):
    return make_repo({"prompts/a.txt": WORDY, "configs/c.yaml": CONFIG})


def test_piped_output_keeps_the_concise_form_without_colour(repo):
    proc = _piped(repo)
    assert proc.returncode == 1
    assert "\x1b" not in proc.stdout
    assert re.search(r"^prompts/a\.txt:2:11: warning word-count-limit ", proc.stdout, re.M)
    assert re.search(r"^configs/c\.yaml:2:13: warning max-tokens-oversized \[\*\] ", proc.stdout, re.M)
    assert "-->" not in proc.stdout


def test_terminal_gets_the_full_form_in_colour(repo):
    out = _on_terminal(repo)
    assert SGR.search(out), "a terminal gets colour by default"
    plain = SGR.sub("", out)
    assert "warning[O001] word-count-limit: word-count limit" in plain
    assert "warning[O003] [*] max-tokens-oversized:" in plain
    assert " --> prompts/a.txt:2:11" in plain
    # the quoted line, then carets exactly under the span "in no more than 120 words"
    quoted = re.search(r"^(2 \| )(Summarize.*)$\n^(  \| )( *)(\^+)$", plain, re.M)
    assert quoted, plain
    assert quoted.group(2) == "Summarize in no more than 120 words, please."
    start = len(quoted.group(4))
    assert quoted.group(2)[start:start + len(quoted.group(5))] == "in no more than 120 words"
    assert "help: ask for" in plain


@pytest.mark.parametrize("environ", [{"NO_COLOR": "1"}, {"TERM": "dumb"}, {"FORCE_COLOR": "1", "NO_COLOR": "1"}])
def test_colour_off_on_a_terminal(repo, environ):
    out = _on_terminal(repo, **environ)
    assert "\x1b" not in out and "warning[O001] word-count-limit" in out


def test_colour_flags_and_force_color(repo):
    forced = _piped(repo, FORCE_COLOR="1")
    assert SGR.search(forced.stdout) and re.search(r"^prompts/a\.txt:2:11: ", SGR.sub("", forced.stdout), re.M)
    assert "\x1b" not in _piped(repo, "--color", "never", FORCE_COLOR="1").stdout
    assert SGR.search(_piped(repo, "--color", "always").stdout)
    assert "\x1b" not in _on_terminal(repo, "--color", "never")
    assert "\x1b" not in _piped(repo, "--color", "always", "--format", "json").stdout


def test_output_format_full_and_concise_by_name(repo):
    full = _piped(repo, "--output-format", "full").stdout
    assert " --> configs/c.yaml:2:13" in full and "2 | max_tokens: 4096" in full
    assert re.search(r"^  \|             \^\^\^\^$", full, re.M)
    assert "-->" not in _on_terminal(repo, "--output-format", "concise")


def test_file_content_cannot_inject_colour_or_terminal_commands(make_repo):
    hostile = "Summarize \x1b]0;owned\x07 \x1b[35m: in no more than 120 words.\n"
    root = make_repo({"prompts/evil.txt": hostile, "prompts/e\x1b[35mvil.txt": "Answer in under 40 words.\n"})
    for args in (("--color", "always", "--output-format", "full"), ("--color", "always", "--output-format", "concise")):
        out = _piped(root, *args).stdout
        assert "\x1b[35m" not in out and "\x1b]0;" not in out and "\x07" not in out
        assert "\\x1b[35m" in out
        assert not SGR.sub("", out).count("\x1b"), "every escape left is one advisor wrote"


def test_wide_characters_keep_the_underline_under_the_span(make_repo):
    root = make_repo({"prompts/zh.txt": "请总结：Summarize in no more than 120 words.\n"})
    full = _piped(root, "--output-format", "full").stdout
    line = re.search(r"^(1 \| )(.*)$\n^  \| ( *)(\^+)$", full, re.M)
    assert line, full
    # four wide characters take eight columns: the carets start at column 8 + 10
    assert len(line.group(3)) == 8 + len("Summarize ")


def test_statistics_count_each_rule_with_code_and_fixes(make_repo):
    root = make_repo({
        "prompts/a.txt": WORDY, "prompts/b.txt": "Answer in under 50 words.\n",
        "configs/c.yaml": CONFIG, "configs/d.yaml": CONFIG.replace("4096", "8192"),
    })
    proc = _piped(root, "--statistics")
    assert proc.returncode == 1
    rows = [line.split(None, 3) for line in proc.stdout.splitlines()]
    assert rows[0] == ["count", "code", "rule", "fixable"]
    table = {row[2]: row for row in rows[1:] if len(row) == 4 and row[0].isdigit()}
    assert table["word-count-limit"][:2] == ["2", "O001"] and table["word-count-limit"][3] == "2 unsafe"
    assert table["max-tokens-oversized"][:2] == ["2", "O003"] and table["max-tokens-oversized"][3] == "2 safe [*]"
    assert "prompts/a.txt:" not in proc.stdout and "Found " in proc.stdout
    import json

    data = json.loads(_piped(root, "--statistics", "--format", "json").stdout)
    assert {"code": "O003", "rule": "max-tokens-oversized", "count": 2, "fixable": 2, "safe_fixes": 2} in data
    assert _piped(root, "--statistics", "--format", "sarif").returncode == 2


def test_show_fixes_lists_available_then_applied_fixes(repo):
    available = _piped(repo, "--show-fixes").stdout
    assert "Fixes available: 1 safe [*] (`--fix`), 1 unsafe (`--fix --unsafe-fixes`):" in available
    assert "- configs/c.yaml:\n    2:13 O003 (max-tokens-oversized) [*] set max_tokens to" in available
    assert "2:11 O001 (word-count-limit) (unsafe) ask for" in available
    applied = _piped(repo, "--fix", "--show-fixes")
    assert "Fixed 1 finding:\n- configs/c.yaml:\n    1 × O003 (max-tokens-oversized)\n" in applied.stdout
    assert "max_tokens: 4096" not in (repo / "configs/c.yaml").read_text()
    again = _piped(repo, "--fix", "--show-fixes")
    assert "No fixes applied." in again.stdout


def test_stdin_full_form_quotes_what_was_read(make_repo):
    root = make_repo({"prompts/.keep": ""})
    proc = _piped(root, "-", "--stdin-filename", "prompts/x.txt", "--output-format", "full",
                  stdin="First.\nAnswer in under 40 words.\n")
    assert " --> prompts/x.txt:2:8" in proc.stdout and "2 | Answer in under 40 words." in proc.stdout


def test_show_fixes_with_diff_says_what_would_be_fixed(repo):
    proc = _piped(repo, "--diff", "--show-fixes")
    assert proc.returncode == 1 and "+max_tokens: " in proc.stdout
    assert "Would fix 1 finding:\n- configs/c.yaml:\n    1 × O003 (max-tokens-oversized)\n" in proc.stderr
    assert "max_tokens: 4096" in (repo / "configs/c.yaml").read_text()  # nothing written
