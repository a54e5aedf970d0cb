"""`advisor lint --fix` on fixture files: each case's file must become its `after` text,
byte for byte (data in tests/fixtures/fixes/cases.yaml)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from advisor.cli import cli

CASES = YAML(typ="safe", pure=True).load((Path(__file__).parent / "fixtures" / "fixes" / "cases.yaml").read_text())


def _run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["lint", "--no-cache", "--isolated", *args], catch_exceptions=False)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_fix_case(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / case["file"]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(case["before"], encoding="utf-8")
    flags = ["--fix", "--select", case["rule"], *(["--unsafe-fixes"] if case.get("unsafe") else [])]
    _run(tmp_path, *flags, case["file"])
    assert target.read_text(encoding="utf-8") == case["after"]


def test_diff_shows_without_writing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "configs" / "c.yaml"
    target.parent.mkdir()
    before = "model: claude-haiku-5-5\nmax_tokens: 4096\nsystem: Answer yes or no.\nmessages: []\n"
    target.write_text(before)
    result = _run(tmp_path, "--diff", "configs/c.yaml")
    assert result.exit_code == 1
    assert "-max_tokens: 4096\n+max_tokens: 16\n" in result.stdout
    assert target.read_text() == before
    clean = _run(tmp_path, "--diff", "--select", "word-count-limit", "configs/c.yaml")
    assert clean.exit_code == 0 and clean.stdout == ""


def test_fix_keeps_bom_and_crlf_and_reports_what_is_left(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "c.yaml"
    text = "model: claude-haiku-5-5\r\nmax_tokens: 4096\r\nsystem: Answer yes or no.\r\nmessages: []\r\n"
    target.write_bytes(codecs.BOM_UTF8 + text.encode())
    result = _run(tmp_path, "--fix", "c.yaml")
    assert target.read_bytes() == codecs.BOM_UTF8 + text.replace("4096", "16").encode()
    assert result.exit_code == 0, result.output
    assert "Fixed 1 finding in 1 file." in result.stderr


def test_overlapping_fixes_settle_over_passes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "c.yaml"
    target.write_text("model: claude-3-opus-20240229\nsystem: Answer yes or no.\nmessages: []\n")
    _run(tmp_path, "--fix", "--unsafe-fixes", "c.yaml")
    fixed = target.read_text()
    # the retired id and the missing budget are fixed; the model fixes overlap, one wins
    assert "claude-3-opus" not in fixed and "max_tokens: 16\n" in fixed


def test_an_inserted_parameter_in_a_crlf_python_file_gets_crlf(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "app.py"
    source = ("import anthropic\r\nclient = anthropic.Anthropic()\r\n"
              "r = client.messages.create(\r\n    model='claude-haiku-5-5',\r\n"
              "    messages=[{'role': 'user', 'content': 'Answer yes or no.'}],\r\n)\r\n")
    target.write_bytes(source.encode())
    _run(tmp_path, "--fix", "--unsafe-fixes", "--select", "missing-max-tokens", "app.py")
    fixed = target.read_bytes()
    assert b"max_tokens" in fixed and fixed != source.encode()
    assert fixed.count(b"\n") == fixed.count(b"\r\n"), fixed


def test_fix_keeps_the_mode_and_writes_through_a_link(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    real = tmp_path / "configs" / "real.yaml"
    real.parent.mkdir()
    real.write_text("model: claude-haiku-5-5\nmax_tokens: 4096\nsystem: Answer yes or no.\nmessages: []\n")
    real.chmod(0o640)
    link = tmp_path / "configs" / "link.yaml"
    link.symlink_to(real.name)
    _run(tmp_path, "--fix", "configs/link.yaml")
    assert link.is_symlink() and "max_tokens: 16\n" in real.read_text()
    assert oct(real.stat().st_mode & 0o777) == oct(0o640)
    assert [p.name for p in real.parent.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_a_file_changed_since_the_lint_is_fixed_as_it_is_now(tmp_path, monkeypatch):
    from advisor.autofix import _write_back, fix_files
    from advisor.config import Settings
    from advisor.engine import Linter

    monkeypatch.chdir(tmp_path)
    target = tmp_path / "c.yaml"
    target.write_text("model: claude-haiku-5-5\nmax_tokens: 4096\nsystem: Answer yes or no.\nmessages: []\n")
    linter = Linter(Settings(root=tmp_path), use_cache=False)
    result = linter.lint_paths(["c.yaml"])
    edited = target.read_text().replace("Answer yes or no.", "Answer yes or no, please.")
    target.write_text(edited)  # an editor saves between the lint and the write
    outcome = fix_files(result, linter, unsafe=False, write=True)
    # the offsets come from the bytes fixed, not the ones linted: no "max_tokens: 16an"
    assert target.read_text() == edited.replace("4096", "16") and outcome.applied == 1
    # a save between the read and the write: the save wins, nothing is written
    assert _write_back(target, b"what was read", b"fixed") == "the file changed while it was being fixed; run again"
    assert target.read_text() == edited.replace("4096", "16")


def test_a_read_only_file_is_reported_not_counted(tmp_path):
    import os
    import shutil
    import subprocess
    import sys

    target = tmp_path / "c.yaml"
    text = "model: claude-haiku-5-5\nmax_tokens: 4096\nsystem: Answer yes or no.\nmessages: []\n"
    target.write_text(text)
    target.chmod(0o444)
    prefix = []
    if os.geteuid() == 0:  # root writes anything: take away the capability that lets it
        if shutil.which("setpriv") is None:
            pytest.skip("root without setpriv")
        caps = "-dac_override,-dac_read_search"
        prefix = ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}"]
    proc = subprocess.run([*prefix, sys.executable, "-m", "advisor", "lint", "--no-cache", "--isolated", "--fix", "c.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert target.read_text() == text
    assert "c.yaml: not fixed: the file is read-only" in proc.stderr
    assert "Fixed" not in proc.stderr and proc.returncode == 1


def test_no_fix_sets_max_tokens_above_the_models_limit(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "c.yaml"
    text = ("model: claude-haiku-4-5\nmax_tokens: 1000\nthinking: {type: enabled, budget_tokens: 64000}\n"
            "messages: [{role: user, content: 'Write the report.'}]\n")
    target.write_text(text)
    result = _run(tmp_path, "--fix", "--unsafe-fixes", "--select", "max-tokens-below-thinking-budget", "c.yaml")
    assert "max-tokens-below-thinking-budget" in result.stdout  # reported, with no fix
    assert target.read_text() == text  # 64000 + room is above Haiku 4.5's 64K output
