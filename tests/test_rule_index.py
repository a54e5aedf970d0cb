"""The rule index (names, codes, options) stands in for the rules where a run needs only
those, so a cache-hit run never imports a rule; what it says is what the rules say."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from advisor import checks, derived, rule_index
from advisor.config import Settings
from advisor.selection import enabled_rule_names, select_rules


@pytest.fixture
def store(derived_store):
    return derived_store


def _truth() -> list[tuple[str, str, dict]]:
    return [(rule.name, rule.code, dict(rule.default_options())) for rule in checks.ALL_RULES]


def test_the_index_says_what_the_rules_say_stored_or_derived(store):
    derived_now = [tuple(entry) for entry in rule_index.entries()]
    [stored] = store.glob("rules-*.marshal")
    rule_index.entries.cache_clear()  # a new process: the index comes from the file
    assert [tuple(entry) for entry in rule_index.entries()] == derived_now == _truth()
    assert rule_index.known_selectors() == checks.known_selectors()
    assert rule_index.declared_options() == checks.declared_options()
    assert stored.stat().st_size > 0


@pytest.mark.parametrize("damage", ["empty", "truncated", "wrong shape"])
def test_a_damaged_or_foreign_index_is_derived_again(store, damage):
    rule_index.entries()
    [stored] = store.glob("rules-*.marshal")
    if damage == "empty":
        stored.write_bytes(b"")
    elif damage == "truncated":
        stored.write_bytes(stored.read_bytes()[:-7])
    else:  # well-formed, digest and all, but not an index
        derived.write(stored.name, [("word-count-limit", 7, {})])
    rule_index.entries.cache_clear()
    assert [tuple(entry) for entry in rule_index.entries()] == _truth()


@pytest.mark.parametrize(
    ("select", "extend", "ignore"),
    [((), (), ()), (("O",), (), ("O002",)), (("ALL",), (), ("word-count-limit", "M")), (("E",), ("S001",), ())],
)
def test_selection_by_names_matches_selection_by_rules(select, extend, ignore, tmp_path):
    settings = Settings(root=tmp_path)
    by_rules = [rule.name for rule in checks.ALL_RULES
                if any(checks.matches(s, rule) for s in (*(select or settings.select), *extend))
                and not any(checks.matches(s, rule) for s in ignore)]
    names = enabled_rule_names(settings, select=select, extend_select=extend, ignore=ignore)
    assert names == by_rules
    assert [rule.name for rule in select_rules(settings, select=select, extend_select=extend, ignore=ignore)] == by_rules


def test_a_cache_hit_run_never_imports_a_rule(tmp_path):
    """The pre-commit case: one file whose result is cached. Its findings come from the
    cache, so the rules (and the analysis they import) are never loaded; a changed file
    loads them."""
    repo = tmp_path / "repo"
    (repo / "prompts").mkdir(parents=True)
    prompt = repo / "prompts" / "summary.txt"
    prompt.write_text("Summarise the ticket in 80 words.\n")
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['advisor', 'lint', '--today', '2026-06-01', '--format', 'json', 'prompts/summary.txt']\n"
        "try:\n"
        "    runpy.run_module('advisor', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('advisor.checks', 'advisor.analysis', 'advisor.catalog', 'tiktoken')))\n"
        "print('LOADED=' + ','.join(loaded), file=sys.stderr)\n"
    )

    def run() -> tuple[list[str], list[str]]:
        done = subprocess.run([sys.executable, "-c", probe], cwd=repo, capture_output=True, text=True,
                              env={**os.environ}, check=False)
        loaded = next(line for line in done.stderr.splitlines() if line.startswith("LOADED="))[len("LOADED="):]
        findings = [f["rule"] for f in json.loads(done.stdout)["findings"]]
        return [m for m in loaded.split(",") if m], findings

    first_loaded, first = run()  # nothing cached yet: the rules run
    assert "advisor.checks" in first_loaded and first == ["word-count-limit"]
    os.utime(prompt, ns=(prompt.stat().st_atime_ns, prompt.stat().st_mtime_ns - 10_000_000_000))  # old enough to trust
    run()  # caches it again with a stat it can trust
    hit_loaded, hit = run()
    assert hit == first
    assert hit_loaded == [], hit_loaded
    prompt.write_text("Summarise the ticket in 60 words.\n")
    changed_loaded, changed = run()
    assert "advisor.checks" in changed_loaded and changed == ["word-count-limit"]
    assert Path(repo / ".advisor_cache").is_dir()


def test_a_yaml_file_checked_from_scratch_loads_no_other_source_kind(tmp_path):
    """The pre-commit case on a changed request config: the rules run, but what only other
    kinds of file need (the Python, TypeScript and notebook loaders, Jinja, the sibling-module
    index, linked prompt files, the SDK pin, the HTML report, live calls) is never imported."""
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "ticket.yaml").write_text(
        "model: claude-opus-5-5\nmax_tokens: 4096\n"
        "system: Classify the ticket as billing, shipping or other. Answer with the label only.\n"
        "messages:\n  - role: user\n    content: \"{{ ticket }}\"\n"
    )
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['advisor', 'lint', '--no-cache', '--today', '2026-06-01', '--format', 'json', 'configs/ticket.yaml']\n"
        "try:\n"
        "    runpy.run_module('advisor', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('LOADED=' + ','.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=False)
    loaded = next(line for line in done.stderr.splitlines() if line.startswith("LOADED="))[len("LOADED="):].split(",")
    assert "max-tokens-oversized" in [f["rule"] for f in json.loads(done.stdout)["findings"]]
    assert "advisor.checks" in loaded and "advisor.loaders.yamljson" in loaded
    never = ("advisor.loaders.python", "advisor.loaders.typescript", "advisor.loaders.notebook", "advisor.loaders.jinja",
             "jinja2", "advisor.modules", "advisor.imported", "advisor.callers", "advisor.links", "advisor.sdk_pin",
             "advisor.report", "advisor.live")
    assert [m for m in loaded if m.startswith(never)] == []


_COMPILED_PROBE = (
    "import sys, runpy\n"
    "sys.argv = ['advisor', 'lint', '--force-exclude', '--quiet', '--today', '2026-06-01', sys.argv[1]]\n"
    "try:\n"
    "    runpy.run_module('advisor', run_name='__main__')\n"
    "except SystemExit:\n"
    "    pass\n"
    "from advisor.parts import LinePattern\n"
    "def compiled(value):\n"
    "    if isinstance(value, LinePattern):\n"
    "        return 'first_line' in vars(value) or 'other_lines' in vars(value)\n"
    "    return getattr(value, '__qualname__', '') == 'lazy.<locals>.<lambda>' and value.cache_info().currsize > 0\n"
    "compiled = sorted(f'{name}.{attribute}' for name, module in list(sys.modules.items()) if name.startswith('advisor')\n"
    "                  for attribute, value in vars(module).items() if compiled(value))\n"
    "print('COMPILED=' + ','.join(compiled), file=sys.stderr)\n"
)


def _patterns_compiled(cwd: Path, path: str) -> list[str]:
    """The patterns compiled on first use (`advisor.patterns.lazy`, `advisor.parts.LinePattern`)
    that a pre-commit run of ``path`` compiled, in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", _COMPILED_PROBE, path], cwd=cwd, capture_output=True, text=True, check=False)
    line = next(line for line in done.stderr.splitlines() if line.startswith("COMPILED="))
    return [name for name in line[len("COMPILED="):].split(",") if name]


def test_a_clean_yaml_file_checked_from_scratch_compiles_no_pattern_of_a_rare_path(tmp_path):
    """The pre-commit case on a changed, clean request config: the patterns for what it does
    not hold (an API key, a Bedrock or Vertex model id, a number written as a string, a
    suppression comment, a Jinja branch, a fenced block, a finding to print) are never
    compiled; a file that holds them compiles theirs."""
    (tmp_path / "configs").mkdir()
    messages = "messages:\n  - role: user\n    content: \"{{ ticket }}\"\n"
    (tmp_path / "configs" / "ticket.yaml").write_text(
        "model: claude-haiku-5-5\nmax_tokens: 16\nsystem: Classify the ticket as billing, shipping or other.\n" + messages)
    assert _patterns_compiled(tmp_path, "configs/ticket.yaml") == []
    (tmp_path / "configs" / "odd.yaml").write_text(
        "model: eu.anthropic.claude-haiku-4-5-20990101-v1:0\nmax_tokens: \"16\"\ntemperature: \"0.5\"\n"
        f"system: |\n  Classify the ticket. Key: sk-ant-api03-{'x' * 42}\n  ```\n  billing\n  ```\n" + messages)
    compiled = _patterns_compiled(tmp_path, "configs/odd.yaml")
    assert {"advisor.secrets._KEYISH", "advisor.secrets.ANTHROPIC_KEY", "advisor.model_ids._BEDROCK",
            "advisor.parameters._NUMBER", "advisor.output.printable._UNPRINTABLE", "advisor.parts._FENCE"} <= set(compiled), compiled
