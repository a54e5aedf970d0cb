"""Rule documentation is generated from the rule definitions; the committed pages must match."""

from pathlib import Path

import pytest

from advisor import checks
from advisor.checks import ALL_RULES
from advisor.docs import generated_pages, render_rule_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"


def test_committed_rule_pages_match_the_definitions():
    pages = generated_pages(list(ALL_RULES))
    stale = [name for name, text in pages.items() if not (DOCS / name).is_file() or (DOCS / name).read_text() != text]
    extra = [p.name for p in DOCS.glob("*.md") if p.name not in pages]
    assert not stale and not extra, (
        f"docs/rules is out of date (stale: {stale}, not a rule: {extra}); "
        "regenerate with `python -m advisor.docs docs/rules`"
    )


def test_every_rule_documents_the_fixed_headings():
    for rule in ALL_RULES:
        page = render_rule_markdown(rule)
        for heading in ("## What it does", "## Why is this slow?", "## Example", "## Use instead", "## Fix safety"):
            assert heading in page, (rule.name, heading)
        assert rule.why and rule.example and rule.use_instead and rule.guide, rule.name


def test_rule_names_and_codes_are_unique_and_kebab_case():
    import re

    names = [r.name for r in ALL_RULES]
    codes = [r.code for r in ALL_RULES]
    assert len(set(names)) == len(names) and len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", n) for n in names)
    assert all(re.fullmatch(r"[A-Z]\d{3}", c) for c in codes)


def test_design_rule_names_all_exist():
    fixed = """word-count-limit missing-max-tokens max-tokens-oversized max-tokens-truncation-risk
    non-streaming-ui-call buffered-stream oversized-model outdated-model excessive-effort
    prompt-too-long redundant-instruction missing-prompt-cache high-temperature
    unsupported-sampling-parameter deprecated-model unknown-model hardcoded-api-key parse-error""".split()
    assert set(fixed) <= {r.name for r in ALL_RULES}


def _lint_example(tmp_path, rule, text):
    import datetime

    from advisor.config import Settings
    from advisor.engine import Linter, select_rules

    for path, (piece, times) in rule.example_files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(piece * times)
    target = tmp_path / rule.example_file
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text + "\n")
    settings = Settings(root=tmp_path, today=datetime.date(2026, 12, 2))
    linter = Linter(settings, rules=select_rules(settings, select=["ALL"]), use_cache=False)
    result = linter.lint_paths([target])
    return [f for f in result.findings if f.rule == rule.name]


@pytest.mark.parametrize("rule", checks.ALL_RULES, ids=lambda r: r.name)
def test_each_documented_example_triggers_its_rule_and_the_fix_does_not(rule, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _lint_example(tmp_path, rule, rule.example), f"{rule.name}: its example does not trigger it"
    assert not _lint_example(tmp_path, rule, rule.use_instead), f"{rule.name}: its 'use instead' still triggers it"


def test_a_rule_marked_calls_only_finds_nothing_in_a_file_without_calls(tmp_path):
    """`Rule.calls_only` lets the engine skip a rule for files without calls: every rule
    marked so must find nothing in every rule's example and fixed file once its calls are
    gone (prompt files, templates, configs and code alike)."""
    import datetime

    from advisor.config import Settings
    from advisor.engine import Linter
    from advisor.sources import kind_for

    linter = Linter(Settings(root=tmp_path, today=datetime.date(2026, 6, 1)), use_cache=False)
    marked = [context for context in linter.contexts if context.rule.calls_only]
    assert {context.rule.name for context in marked} >= {"missing-max-tokens", "non-streaming-ui-call", "deprecated-model"}
    assert not any(rule.calls_only for rule in ALL_RULES if rule.name in ("word-count-limit", "redundant-instruction",
                                                                          "prompt-too-long", "hardcoded-api-key"))
    documents = 0
    for rule in ALL_RULES:
        for text in (rule.example, rule.use_instead):
            kind = kind_for(rule.example_file)
            document = linter.finish(rule.example_file, kind, text).document
            had_calls = bool(document.calls)
            document.calls = []
            documents += had_calls
            for context in marked:
                assert list(context.rule.check(document, context)) == [], (context.rule.name, rule.name)
    assert documents >= 10  # most examples had calls before they were taken away


def test_a_file_without_calls_gets_the_findings_of_every_rule(tmp_path):
    """Skipping the calls-only rules for a file without calls changes no finding."""
    import datetime

    from advisor.config import Settings
    from advisor.engine import Linter
    from advisor.sources import kind_for

    linter = Linter(Settings(root=tmp_path, today=datetime.date(2026, 6, 1)), use_cache=False)
    assert len(linter._document_contexts) < len(linter.contexts)
    every = Linter(Settings(root=tmp_path, today=datetime.date(2026, 6, 1)), use_cache=False)
    every._document_contexts = every.contexts
    checked = 0
    for rule in ALL_RULES:
        kind = kind_for(rule.example_file)
        skipping = linter.lint_source(rule.example_file, kind, rule.example)
        asking_all = every.lint_source(rule.example_file, kind, rule.example)
        assert skipping.to_dict() == asking_all.to_dict(), rule.name
        checked += not skipping.calls
    assert checked >= 3  # prompt-file examples: the skip applied
