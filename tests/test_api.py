"""The Python API gives what the command line gives, and raises instead of exiting."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import advisor
from advisor.cli import cli
from advisor.config import ConfigError

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_lint_returns_what_the_command_line_reports(monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    result = advisor.lint(["."], use_cache=False, today="2026-12-01")
    printed = json.loads(CliRunner().invoke(cli, ["lint", "--no-cache", "--format", "json", "--today", "2026-12-01", "."]).stdout)
    assert result.findings, "the example repository has findings"
    # in a notebook, JSON counts lines within the cell, which the API's cell_of gives
    assert [(f.path, f.rule, result.cell_of(f).line if result.cell_of(f) else f.span.line, getattr(result.cell_of(f), "cell", None))
            for f in result.findings] == [
        (f["path"], f["rule"], f["line"], f.get("cell")) for f in printed["findings"]
    ]
    assert any(f.get("cell") for f in printed["findings"]), "the example notebook's findings name their cell"
    assert sorted(r.path for r in result.files) == sorted(f["path"] for f in printed["files"])
    assert len(result.calls) == len(printed["calls"]) and result.errors == []


def test_selection_and_configuration_problems_raise(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "a.txt").write_text("Summarize in no more than 120 words.\n")
    only = advisor.lint(["prompts"], select=["word-count-limit"], use_cache=False)
    assert {f.rule for f in only.findings} == {"word-count-limit"}
    assert advisor.lint(["prompts"], ignore=["word-count-limit"], use_cache=False).findings == []
    with pytest.raises(ConfigError, match="did you mean `word-count-limit`"):
        advisor.lint(["prompts"], select=["word-count-limt"])
    with pytest.raises(ConfigError, match="not the string"):
        advisor.lint(["prompts"], select="word-count-limit")
    with pytest.raises(ConfigError, match="no such file or directory: nowhere"):
        advisor.lint(["nowhere"])
    (tmp_path / ".advisor.toml").write_text("colour = 1\n")
    with pytest.raises(ConfigError, match=r"\.advisor\.toml: unknown key `colour`"):
        advisor.lint(["prompts"])
    assert advisor.lint(["prompts"], isolated=True, use_cache=False).findings


def test_importing_advisor_stays_cheap():
    """`import advisor` must not import the engine (a pre-commit hook or editor imports the
    package for its version); `advisor.lint` loads it on first use."""
    code = "import sys, advisor; print('advisor.engine' in sys.modules); advisor.lint; print('advisor.engine' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
    assert out.split() == ["False", "True"]


def test_the_command_spaces_out_garbage_collection_and_the_api_leaves_it_alone(tmp_path):
    """`advisor lint` keeps every report alive to the end, so the command raises the
    collector's thresholds for its own process; a host calling `advisor.lint` keeps its own."""
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "a.txt").write_text("Summarise the ticket in 80 words.\n")
    probe = (
        "import gc, sys, advisor\n"
        "gc.set_threshold(700, 10, 10)\n"
        "advisor.lint([sys.argv[1]], isolated=True, today='2026-06-01')\n"
        "print(gc.get_threshold())\n"
        "from advisor import cli\n"
        "sys.argv = ['advisor', 'lint', '--isolated', '--no-cache', '--today', '2026-06-01', sys.argv[1]]\n"
        "try:\n"
        "    cli.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(gc.get_threshold())\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, check=True)
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "(700, 10, 10)"
    from advisor.entry import COLLECTOR_THRESHOLDS

    assert lines[-1] == str(COLLECTOR_THRESHOLDS)
    assert "word-count-limit" in done.stdout


def test_the_command_raises_the_thresholds_before_it_imports_what_it_runs():
    """The imports of a run (click, the rules, the loaders) are a good share of a one-file
    pre-commit run, and under the default thresholds they set off collections: the entry
    point raises the thresholds first."""
    probe = (
        "import gc, sys\n"
        "seen = []\n"
        "class Watch:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name in ('click', 'advisor.cli') and not any(n == name for n, _ in seen):\n"
        "            seen.append((name, gc.get_threshold()))\n"
        "        return None\n"
        "sys.meta_path.insert(0, Watch())\n"
        "from advisor import entry\n"
        "print('click' in sys.modules)\n"
        "sys.argv = ['advisor', '--version']\n"
        "try:\n"
        "    entry.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(seen)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    lines = done.stdout.strip().splitlines()
    from advisor.entry import COLLECTOR_THRESHOLDS

    assert lines[0] == "False"
    assert lines[-1] == str([("advisor.cli", COLLECTOR_THRESHOLDS), ("click", COLLECTOR_THRESHOLDS)])
