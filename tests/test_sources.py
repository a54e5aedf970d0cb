"""The source table is what discovery, loading, suppressions, fixes and the pre-commit hook
read: these tests check that each of them really follows it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from advisor.config import Settings
from advisor.discovery import Discovery
from advisor.model import Kind
from advisor.sources import SOURCES, Comments, kind_for, source_for, source_of

from helpers import lint_text

ROOT = Path(__file__).resolve().parent.parent
ALL_SUFFIXES = sorted({suffix for source in SOURCES for suffix in source.suffixes})
# where a file may sit: top level, inside a prompts folder, under a name saying "prompt",
# deep in an unrelated folder, and in a folder that only contains the word
PLACES = ("notes{}", "prompts/notes{}", "src/PROMPTS/sub/notes{}", "docs/notes{}", "lib/my_prompt{}",
          "app/system_prompt_v2{}", "prompt_library/x{}")


# files known by name rather than by extension (.env files), and near misses
NAMED = (".env", "app/.env.local", ".env.example", "deploy/prod.env", ".envrc", "env", "app/.environment")


def _sample_paths() -> list[str]:
    return sorted([place.format(suffix) for suffix in ALL_SUFFIXES + [".cfg", ".html"] for place in PLACES] + list(NAMED))


def _walked(root: Path) -> set[str]:
    discovery = Discovery(Settings(root=root, respect_gitignore=False), cwd=root)
    return {candidate.display for candidate in discovery.candidates([root])}


def test_pre_commit_files_pattern_matches_the_default_includes(make_repo):
    """pre-commit hands the hook only the files its `files:` regex matches: it must pass
    exactly the files a walk of the same repository would lint, or staged prompts go
    unchecked (or unreadable files are passed by name and linted against the user's wish)."""
    hooks = YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    pattern = re.compile(hooks[0]["files"])
    paths = _sample_paths()
    root = make_repo({path: "x" for path in paths})
    walked = _walked(root)
    assert walked, "the walk found nothing: the sample repository is broken"
    by_hook = {path for path in paths if pattern.search(path)}
    assert by_hook == walked, (sorted(by_hook - walked), sorted(walked - by_hook))


def test_every_suffix_has_one_row_and_a_kind():
    seen: dict[str, str] = {}
    for source in SOURCES:
        for suffix in source.suffixes:
            assert suffix not in seen, f"{suffix} claimed by {seen[suffix]} and {source.name}"
            seen[suffix] = source.name
            assert suffix == suffix.lower() and suffix.startswith(".")
            assert kind_for(f"x/a{suffix}") is source.kind
            assert kind_for(f"x/A{suffix.upper()}") is source.kind
    assert kind_for("notes.cfg") is None and source_for("Makefile") is None


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_each_row_loads_its_own_kind_and_sniffs_without_crashing(source):
    path = f"sample{source.suffixes[0]}"
    document = source.load(path, "", variables={})
    assert document.kind is source.kind
    assert isinstance(source.relevant("", path), bool)


def test_a_linked_prompt_with_a_foreign_name_is_prompt_text():
    assert source_of("prompts/system.cfg", Kind.PROMPT).name == "prompt"
    assert source_of("prompts/system.md", Kind.PROMPT).name == "markdown-prompt"
    assert source_of("t/x.prompty", Kind.TEMPLATE).name == "prompty"
    # a .yaml file read as a template (say, named by a Jinja loader) is a template
    assert source_of("t/x.yaml", Kind.TEMPLATE).kind is Kind.TEMPLATE


LONG_BUDGET = "model: claude-sonnet-4-5\nmax_tokens: 64000\nmessages:\n  - role: user\n    content: Reply in one sentence.\n"


@pytest.mark.parametrize("source", [s for s in SOURCES if s.kind is Kind.CONFIG], ids=lambda s: s.name)
def test_suppression_comments_follow_the_row(source):
    """A request config with an oversized budget, with a `#` comment asking to ignore it:
    honoured where the row says comments are `#` comments (YAML), not where the text has
    no comments at all (JSON, in which the only place for a `#` is a string value)."""
    path = f"req{source.suffixes[0]}"
    if source.comments is Comments.HASH:
        text = "# advisor: ignore-file\n" + LONG_BUDGET
    else:
        text = ('{"model": "claude-sonnet-4-5", "max_tokens": 64000, "messages": [{"role": "user", '
                '"content": "Reply in one sentence. # advisor: ignore-file"}]}')
    findings = [f.rule for f in lint_text(path, text, dedent=False)]
    if source.comments is Comments.NONE:
        assert "max-tokens-oversized" in findings
    else:
        assert "max-tokens-oversized" not in findings
    assert "max-tokens-oversized" in [f.rule for f in lint_text(path.replace(source.suffixes[0], ".yaml"), LONG_BUDGET, dedent=False)]
