"""Data-driven rule tests: every case in tests/fixtures/rules/<rule>.yaml.

Each case is a small file (any kind advisor reads) and the findings of that one rule it
must produce: ``expect`` lists the 1-based line (and optionally column, end column and a
message fragment) of each finding, in order; ``expect: []`` marks a negative case (a trap
the rule must not fall into). The case's name says what it covers. An optional
``settings`` mapping sets Settings fields for the case (``rule_options``, ``models``,
``variables``), e.g. a small token budget instead of a huge fixture; ``select`` replaces
the default selection of just the rule under test. ``files`` maps other files of the
project (prompt files the case's calls read) to their text: the case is then linted in a
scratch project holding them, so its links resolve.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from advisor import checks
from advisor.config import Settings

from helpers import lint_text

CASES_DIR = Path(__file__).parent / "fixtures" / "rules"


def _cases():
    yaml = YAML(typ="safe", pure=True)
    for case_file in sorted(CASES_DIR.glob("*.yaml")):
        rule = case_file.stem
        for case in yaml.load(case_file.read_text(encoding="utf-8")):
            yield pytest.param(rule, case, id=f"{rule}: {case['name']}")


def test_every_rule_has_cases():
    covered = {path.stem for path in CASES_DIR.glob("*.yaml")}
    missing = [rule.name for rule in checks.ALL_RULES if rule.name not in covered]
    assert not missing, f"rules without fixture cases: {missing}"


@pytest.mark.parametrize("rule,case", list(_cases()))
def test_rule_case(rule, case, tmp_path, monkeypatch):
    assert checks.get_rule(rule) is not None, f"{rule}.yaml names no rule"
    absolute = None
    if "files" in case:
        for name, text in case["files"].items():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / name).write_text(text, encoding="utf-8")
        absolute = tmp_path / case["file"]
        monkeypatch.chdir(tmp_path)
    settings = Settings(root=Path.cwd(), **case.get("settings", {}))
    select = case.get("select", [rule])
    findings = [f for f in lint_text(case["file"], case["source"], select=select, settings=settings, absolute=absolute)
                if f.rule == rule]
    expected = case.get("expect") or []
    got = [(f.span.line, f.span.column, f.span.end_column, f.message) for f in findings]
    assert len(findings) == len(expected), f"expected {len(expected)} finding(s), got {got}"
    for finding, want in zip(findings, expected):
        if isinstance(want, int):
            want = {"line": want}
        assert finding.span.line == want["line"], got
        if "column" in want:
            assert finding.span.column == want["column"], got
        if "end_column" in want:
            assert finding.span.end_column == want["end_column"], got
        if "message" in want:
            assert want["message"] in finding.message, finding.message
        if "suggestion" in want:
            assert want["suggestion"] in (finding.suggestion or ""), finding.suggestion
        assert finding.suggestion, "every finding carries a concrete suggestion"
