"""Shared fixtures: a scratch-repo builder."""

from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

_HOME_CACHE: str | None = None


def pytest_configure(config):
    """advisor keeps a machine key, the rule pack's JSON copy and derived start-up data in
    the user's cache folder: point it at a scratch folder for the whole run (subprocesses
    inherit it), so the suite never writes into the real home and never depends on what an
    earlier run left there."""
    global _HOME_CACHE
    _HOME_CACHE = tempfile.mkdtemp(prefix="advisor-test-cache-")
    os.environ["XDG_CACHE_HOME"] = _HOME_CACHE
    os.environ.pop("ADVISOR_RULES_CACHE", None)


def pytest_unconfigure(config):
    if _HOME_CACHE is not None:
        shutil.rmtree(_HOME_CACHE, ignore_errors=True)


@pytest.fixture
def make_repo(tmp_path):
    """Write {relative path: text} into a scratch directory and return it."""

    def make(files: dict[str, str | bytes]) -> Path:
        for name, content in files.items():
            target = tmp_path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(textwrap.dedent(content), encoding="utf-8")
        return tmp_path

    return make


def _forget_stored_data() -> None:
    """Drop what this process read from the derived-data folder (`advisor.derived`), so the
    next read comes from the folder, as in a new process."""
    from advisor import derived, rule_index

    derived._stored_patterns.cache_clear()
    derived._stored_made.cache_clear()
    rule_index.entries.cache_clear()


@pytest.fixture
def derived_store(tmp_path, monkeypatch):
    """Derived data (compiled patterns, made texts, the rule index) kept in a scratch folder
    for one test, read afresh at its start and end."""
    from advisor import derived

    monkeypatch.setenv(derived.CACHE_ENV, str(tmp_path))
    _forget_stored_data()
    yield tmp_path
    _forget_stored_data()
