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
