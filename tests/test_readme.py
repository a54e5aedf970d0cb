"""The README's quick start is a contract: its two commands must stay true."""

import re
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def _quick_start_commands() -> list[str]:
    readme = (PROJECT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.DOTALL)]


def test_ci_runs_the_readme_test_command():
    install_and_run, test_command = _quick_start_commands()
    assert install_and_run == "pip install . && advisor report examples/"
    ci = (PROJECT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci, f"{test_command!r} is not a line of .ci/run"


def test_quick_start_runs_on_the_shipped_examples(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from advisor.cli import cli

    monkeypatch.chdir(PROJECT)
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", "examples/", "--no-cache", "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 1  # the examples have real anti-patterns
    html = out.read_text()
    assert "word-count-limit" in html and "non-streaming-ui-call" in html and "oversized-model" in html
