"""Fixtures for the report tests (the builders live in report_builders.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from report_builders import REPO_FILES, make_ab_summary

from advisor.cli import cli


@pytest.fixture
def sample_repo(make_repo) -> Path:
    return make_repo(dict(REPO_FILES))


@pytest.fixture
def run_cli(monkeypatch):
    """``run_cli(cwd, *args)``: the real CLI, in-process, in ``cwd``."""

    def invoke(cwd: Path, *args: Any):
        monkeypatch.chdir(cwd)
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture
def ab_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An `advisor ab --out` run directory holding summary.json (outside the repository
    the tests lint)."""
    directory = tmp_path_factory.mktemp("ab") / "ab-run"
    directory.mkdir()
    (directory / "summary.json").write_text(json.dumps(make_ab_summary(), indent=2), encoding="utf-8")
    return directory
