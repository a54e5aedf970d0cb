"""Rule documentation is generated from the rule definitions; the committed pages must match."""

from pathlib import Path

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
