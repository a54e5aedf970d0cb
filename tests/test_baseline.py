"""Baselines: `advisor lint --write-baseline` records today's findings, `--baseline` (or
`baseline` in config) reports only new ones, in every format, the API and the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import advisor
from advisor.cli import cli
from advisor.config import ConfigError

TODAY = "2026-12-01"
KEY = "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdefghijkl"


def _lint(*args: str):
    return CliRunner().invoke(cli, ["lint", "--no-cache", "--today", TODAY, *args], catch_exceptions=False)


def _write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "prompts/a.txt", "Summarize the text in under 50 words.\n")
    _write(tmp_path, "prompts/b.txt", "Intro.\nWrite a reply in under 40 words.\nList the points in under 30 words.\n")
    return tmp_path


def _findings(result) -> list[tuple[str, int, str]]:
    return [(f["path"], f["line"], f["rule"]) for f in json.loads(result.stdout)["findings"]]


def test_a_baseline_hides_known_findings_until_a_new_one_appears(project):
    written = _lint("--write-baseline", "advisor-baseline.json", "prompts")
    assert written.exit_code == 0 and written.stdout == ""
    assert "wrote 3 findings of 2 files to advisor-baseline.json" in written.stderr
    clean = _lint("--baseline", "advisor-baseline.json", "prompts")
    assert clean.exit_code == 0, clean.output
    assert "No findings" in clean.stdout
    assert "3 known findings in the baseline (advisor-baseline.json) not reported." in clean.stderr
    # lines added above the known findings, and a new finding below them
    _write(project, "prompts/b.txt", "Context first.\nMore context.\nIntro.\nWrite a reply in under 40 words.\n"
                                     "List the points in under 30 words.\nDescribe the issue in under 70 words.\n")
    new = _lint("--baseline", "advisor-baseline.json", "--format", "json", "prompts")
    assert new.exit_code == 1
    assert _findings(new) == [("prompts/b.txt", 6, "word-count-limit")]
    assert "3 known findings" in new.stderr


def test_identical_findings_are_counted_one_by_one(project):
    _lint("--write-baseline", "advisor-baseline.json", "prompts/a.txt")
    _write(project, "prompts/a.txt", "Summarize the text in under 50 words.\nThen summarize it again in under 50 words.\n")
    result = _lint("--baseline", "advisor-baseline.json", "--format", "json", "prompts/a.txt")
    assert _findings(result) == [("prompts/a.txt", 2, "word-count-limit")]  # the second occurrence is new


def test_fixed_findings_are_counted_only_in_the_files_linted(project):
    _lint("--write-baseline", "advisor-baseline.json", "prompts")
    _write(project, "prompts/b.txt", "Intro.\nWrite a reply in two sentences.\nList the points in under 30 words.\n")
    whole = _lint("--baseline", "advisor-baseline.json", "prompts")
    assert whole.exit_code == 0
    assert "2 known findings in the baseline (advisor-baseline.json) not reported; 1 fixed since it was written." in whole.stderr
    # pre-commit names only the staged file: the other file's entries are neither shown nor fixed
    one = _lint("--baseline", "advisor-baseline.json", "--format", "json", "prompts/a.txt")
    assert json.loads(one.stdout)["baseline"] == {
        "file": "advisor-baseline.json", "known": 1, "fixed": 0, "known_findings": json.loads(one.stdout)["baseline"]["known_findings"]}
    assert [f["path"] for f in json.loads(one.stdout)["baseline"]["known_findings"]] == ["prompts/a.txt"]


def test_the_file_is_stable_sorted_relative_and_never_holds_a_key(project, monkeypatch):
    _write(project, "app/client.py", f'import anthropic\nclient = anthropic.Anthropic(api_key="{KEY}")\n')
    _lint("--write-baseline", "advisor-baseline.json", "prompts", "app")
    first = (project / "advisor-baseline.json").read_text()
    assert KEY not in first and KEY[:20] not in first
    data = json.loads(first)
    assert data["version"] == 1
    entries = data["findings"]
    assert entries == sorted(entries, key=lambda e: (e["path"], e["rule"], e["text"], e["occurrence"]))
    assert {"path": "app/client.py", "rule": "hardcoded-api-key", "text": "sk-ant-…[redacted]", "occurrence": 0} in entries
    assert {"path": "prompts/a.txt", "rule": "word-count-limit", "text": "in under 50 words", "occurrence": 0} in entries
    assert all(set(entry) == {"path", "rule", "text", "occurrence"} for entry in entries)  # no line numbers
    # the same baseline from another working directory: paths are relative to the baseline file
    monkeypatch.chdir(project / "prompts")
    again = _lint("--write-baseline", "../advisor-baseline.json", ".", "../app")
    assert again.exit_code == 0
    assert (project / "advisor-baseline.json").read_text() == first  # byte for byte: clean diffs
    assert first.count("\n") == len(entries) + 5  # one entry per line


def test_writing_for_some_files_keeps_the_other_files_entries(project):
    _lint("--write-baseline", "advisor-baseline.json", "prompts")
    _write(project, "prompts/a.txt", "Summarize the text in two sentences.\n")
    _lint("--write-baseline", "advisor-baseline.json", "prompts/a.txt")
    paths = [entry["path"] for entry in json.loads((project / "advisor-baseline.json").read_text())["findings"]]
    assert paths == ["prompts/b.txt", "prompts/b.txt"]
    (project / "prompts" / "b.txt").unlink()
    _lint("--write-baseline", "advisor-baseline.json", "prompts")
    assert json.loads((project / "advisor-baseline.json").read_text())["findings"] == []  # a deleted file's entries go


def test_the_configuration_key_names_the_baseline_relative_to_the_config(project):
    _lint("--write-baseline", "advisor-baseline.json", "prompts")
    _write(project, ".advisor.toml", 'baseline = "advisor-baseline.json"\n')
    _write(project, "prompts/c.txt", "Reply in under 60 words.\n")
    result = _lint("--format", "json", "prompts")
    assert _findings(result) == [("prompts/c.txt", 1, "word-count-limit")]
    assert json.loads(result.stdout)["baseline"]["known"] == 3
    from advisor.config_keys import keys_as_dicts

    assert "baseline" in [key["name"] for key in keys_as_dicts()]


def test_every_output_format_reports_the_new_findings_and_the_counts(project):
    _lint("--write-baseline", "advisor-baseline.json", "prompts")
    _write(project, "prompts/c.txt", "Reply in under 60 words.\n")
    sarif = json.loads(_lint("--baseline", "advisor-baseline.json", "--format", "sarif", "prompts").stdout)
    [run] = sarif["runs"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]] == ["prompts/c.txt"]
    assert run["results"][0]["baselineState"] == "new"
    assert run["properties"]["baseline"] == {"file": "advisor-baseline.json", "known": 3, "fixed": 0}
    github = _lint("--baseline", "advisor-baseline.json", "--format", "github", "prompts").stdout.splitlines()
    assert len(github) == 2 and github[0].startswith("::warning file=prompts/c.txt,")
    assert github[1] == "::notice title=advisor baseline::3 known findings in the baseline (advisor-baseline.json) not reported."
    text = _lint("--baseline", "advisor-baseline.json", "prompts")
    assert "prompts/c.txt:1:7" in text.stdout and "prompts/a.txt" not in text.stdout
    assert "advisor: baseline: 3 known findings" in text.stderr
    quiet = _lint("--baseline", "advisor-baseline.json", "--quiet", "prompts")
    assert "baseline" not in quiet.stderr


def test_standard_input_is_compared_as_the_file_it_stands_for(project):
    _lint("--write-baseline", "advisor-baseline.json", "prompts")
    text = "New first line.\nSummarize the text in under 50 words.\nDescribe the issue in under 70 words.\n"
    result = CliRunner().invoke(cli, ["lint", "--today", TODAY, "--format", "json", "--baseline", "advisor-baseline.json",
                                      "-", "--stdin-filename", "prompts/a.txt"], input=text)
    assert _findings(result) == [("prompts/a.txt", 3, "word-count-limit")]
    assert json.loads(result.stdout)["baseline"]["known"] == 1


def test_a_missing_or_broken_baseline_is_a_clear_error(project):
    for content, message in [
        (None, "baseline nothere.json: no such file (write one with `advisor lint --write-baseline nothere.json`)"),
        ("{not json", "baseline nothere.json: not a baseline file (invalid JSON"),
        ('{"version": 9, "findings": []}', "not a baseline file (expected"),
        ('{"version": 1, "findings": [{"path": "a"}]}', "entry 1 is missing 'rule'"),
        ('{"version": 1, "findings": [{"path": "a", "rule": "r", "text": 3}]}', "entry 1 has a value of the wrong type"),
    ]:
        if content is not None:
            (project / "nothere.json").write_text(content)
        result = _lint("--baseline", "nothere.json", "prompts")
        assert result.exit_code == 2, result.output
        assert message in result.stderr
        assert "Traceback" not in result.output
    with pytest.raises(ConfigError, match="entry 1 has a value of the wrong type"):
        advisor.lint(["prompts"], baseline="nothere.json", use_cache=False)


def test_the_python_api_takes_a_baseline(project):
    _lint("--write-baseline", "advisor-baseline.json", "prompts")
    _write(project, "prompts/c.txt", "Reply in under 60 words.\n")
    result = advisor.lint(["prompts"], baseline="advisor-baseline.json", use_cache=False, today=TODAY)
    assert [(f.path, f.rule) for f in result.findings] == [("prompts/c.txt", "word-count-limit")]
    assert result.baseline is not None
    assert (len(result.baseline.known), result.baseline.fixed) == (3, 0)
    assert advisor.lint(["prompts"], use_cache=False, today=TODAY).baseline is None


def test_the_report_shows_known_findings_apart(project):
    _lint("--write-baseline", "advisor-baseline.json", "prompts")
    _write(project, "prompts/c.txt", "Reply in under 60 words.\n")
    _write(project, "prompts/a.txt", "Summarize the text in two sentences.\n")  # one known finding fixed
    result = CliRunner().invoke(cli, ["report", "--no-cache", "--today", TODAY, "--baseline", "advisor-baseline.json",
                                      "-o", "out.html", "prompts"], catch_exceptions=False)
    assert result.exit_code == 1
    html = (project / "out.html").read_text()
    section = html[html.index('<section id="baseline"'):]
    section = section[:section.index("</section>")]
    assert "2 known findings from <code>advisor-baseline.json</code>, not counted above; 1 finding of the baseline fixed" in section
    assert "<details>" in section and "prompts/b.txt:2:" in section and "prompts/b.txt:3:" in section
    findings = html[html.index('id="findings"'):html.index('<section id="baseline"')]
    assert "prompts/c.txt" in findings and "prompts/b.txt" not in findings
