"""The reproductions of "safe on a hostile repository" that are about bounded work: files
that crashed the interpreter, expanded to gigabytes, computed for hours or held numbers no
rule can compare. Each is run the way a user meets it (the real command in a real process
where a crash would take the process down) and must end in a clear problem, not a crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from advisor.live.request import ConfigError, load_request, load_vars_file
from advisor.loaders import load_document, yamljson
from advisor.model import Kind
from advisor.sandbox import BoundedSandbox, TemplateBoundsError

from helpers import lint_text


def _strict_json(text: str):
    """JSON as a browser's JSON.parse reads it: Infinity and NaN are errors."""
    def refuse(name):
        raise ValueError(f"not JSON: {name}")
    return json.loads(text, parse_constant=refuse)


def _lint_json(repo, *args):
    proc = subprocess.run(
        [sys.executable, "-m", "advisor", "lint", ".", "--format", "json", "--no-cache", "--isolated", *args],
        cwd=repo, capture_output=True, text=True, timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr[-2000:])
    return proc, _strict_json(proc.stdout)


def _write(repo, files):
    for name, content in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def test_deep_block_nesting_is_a_parse_error_not_a_segfault(tmp_path):
    # ruamel.yaml's C composer recursed once per level and overflowed the C stack (exit 139)
    _write(tmp_path, {
        "configs/dashes.yaml": "model: claude-haiku-5-5\nmessages:\n" + "- " * 30_000 + "x\n",
        "configs/questions.yaml": "model: claude-haiku-5-5\nmessages: []\nmetadata:\n" + "? " * 30_000 + "x\n",
        "named/plain.yaml": "- " * 30_000 + "x\n",
        "configs/legal.yaml": "model: claude-haiku-5-5\nmessages: []\nmetadata:\n"
        + "".join("  " * i + f"k{i}:\n" for i in range(1, 90)) + "  " * 90 + "v\n",
        "prompts/deep.prompty": "---\nname: x\nsample:\n" + "- " * 30_000 + "x\n---\nuser:\nAnswer in 50 words.\n",
        "prompts/good.txt": "Summarize the ticket in no more than 120 words.\n",
    })
    _, data = _lint_json(tmp_path)
    _, named = _lint_json(tmp_path, "named/plain.yaml")  # a file named on the command line is always read
    problems = {f["path"]: f["message"] for f in data["findings"] + named["findings"] if f["rule"] == "parse-error"}
    for name in ("configs/dashes.yaml", "configs/questions.yaml", "prompts/deep.prompty", "named/plain.yaml"):
        assert "nested too deeply" in problems[name], problems
    # a deep but ordinary file is still read
    assert "configs/legal.yaml" in {f["path"] for f in data["files"]} and "configs/legal.yaml" not in problems
    assert any(f["path"] == "prompts/good.txt" and f["rule"] == "word-count-limit" for f in data["findings"])
    # the prompty body is still linted after its front matter was refused
    assert any(f["path"] == "prompts/deep.prompty" and f["rule"] == "word-count-limit" for f in data["findings"])


BOMB = "\n".join(
    ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"{x}: &{x} [{', '.join([f'*{p}'] * 10)}]" for p, x in zip("abcdefgh", "bcdefghi")]
)


def test_an_alias_bomb_in_a_field_is_not_expanded_anywhere(tmp_path):
    _write(tmp_path, {
        "configs/bomb.yaml": BOMB + "\nmodel: claude-haiku-5-5\nmax_tokens: *i\nmetadata: *h\n"
        "messages: [{role: user, content: hi}]\n",
    })
    start = time.monotonic()
    proc, data = _lint_json(tmp_path)
    assert time.monotonic() - start < 60
    assert len(proc.stdout) < 200_000, "a field was expanded into the output"
    [problem] = [f for f in data["findings"] if f["rule"] == "parse-error"]
    assert "alias bomb" in problem["message"]
    [call] = [c for f in data["files"] for c in f.get("calls", [])] or [None]
    assert call is None or len(json.dumps(call)) < 10_000
    # the same with the result cache on: nothing huge is written to it
    proc = subprocess.run([sys.executable, "-m", "advisor", "lint", ".", "--isolated", "--fail-on", "never"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    cached = sum(p.stat().st_size for p in tmp_path.rglob("*") if ".advisor_cache" in p.parts and p.is_file())
    assert cached < 1_000_000


def test_one_alias_bomb_problem_per_file():
    document = yamljson.load("c.yaml", BOMB + "\nmodel: m\nmax_tokens: 5\nmessages: *i\n")
    assert [p.message for p in document.problems if "alias bomb" in p.message] != []
    assert len([p for p in document.problems if "alias bomb" in p.message]) == 1


@pytest.mark.parametrize("text, field", [
    ("max_tokens: 1e400", "max_tokens"),
    ("max_tokens: -5", "max_tokens"),
    ("max_tokens: [1, 2]", "max_tokens"),
    ("max_tokens: 1" + "0" * 400, "max_tokens"),
    ("temperature: 1e999", "temperature"),
    ("top_k: 2.5", "top_k"),
    ("stream: maybe", "stream"),
    ("thinking: {type: enabled, budget_tokens: 1e400}", "thinking.budget_tokens"),
])
def test_out_of_range_numbers_are_problems_and_no_rule_judges_them(text, field):
    source = f"model: claude-haiku-5-5\n{text}\nmessages: [{{role: user, content: 'Answer yes or no.'}}]\n"
    if not text.startswith("max_tokens"):
        source = source.replace("model: claude-haiku-5-5\n", "model: claude-haiku-5-5\nmax_tokens: 5\n")
    findings = lint_text("configs/c.yaml", source, select=["ALL"])
    [problem] = [f for f in findings if f.rule == "parse-error"]
    assert f"`{field}` is " in problem.message and problem.span.line in (2, 3)
    assert not [f for f in findings if f.rule.startswith("max-tokens") or f.rule == "high-temperature"]


def test_a_huge_python_literal_does_not_overflow_a_rule():
    source = (
        "import anthropic\nclient = anthropic.Anthropic()\n"
        "client.messages.create(model='claude-haiku-5-5', max_tokens=10**400, temperature=1e400,\n"
        "    messages=[{'role': 'user', 'content': 'Answer yes or no.'}])\n"
        "client.messages.create(model='claude-haiku-5-5', max_tokens=" + "9" * 500 + ",\n"
        "    messages=[{'role': 'user', 'content': 'Answer yes or no.'}])\n"
    )
    findings = lint_text("app/huge.py", source, select=["ALL"], dedent=False)
    assert all("Traceback" not in f.message and "internal" not in f.message for f in findings)
    # 1e400 is a float literal (infinity); 10**400 is an expression, so not a literal at all
    assert [f.span.line for f in findings if f.rule == "parse-error"] == [3, 5]


def test_a_large_but_plain_budget_is_left_to_the_rules():
    document = load_document(Kind.CONFIG, "c.yaml", "model: claude-haiku-5-5\nmax_tokens: 999999999\nmessages: []\n")
    assert document.problems == [] and document.calls[0].max_tokens.value == 999999999


def test_duplicate_keys_take_the_last_value_as_the_api_does():
    source = ('{"model": "claude-haiku-5-5", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}],\n'
              ' "model": "claude-opus-5-5", "max_tokens": 100000}\n')
    document = load_document(Kind.CONFIG, "c.json", source)
    [call] = document.calls
    assert call.model.value == "claude-opus-5-5" and call.max_tokens.value == 100000
    messages = [p.message for p in document.problems]
    assert any("`model` is set twice" in m for m in messages), messages
    assert any("`max_tokens` is set twice" in m for m in messages), messages


# -- templates ---------------------------------------------------------------------------

@pytest.mark.parametrize("template", [
    "{{ 'x' * 300000000 }}",
    "{{ [1] * 300000000 }}",
    "{{ 300000000 * 'x' }}",
    "{{ 9 ** (9 ** 9) }}",
    "{{ '%999999999s' % 'a' }}",
    "{{ '{:>999999999}'.format('a') }}",
    "{{ 'a' | center(1000000000) }}",
    "{{ 'a'.ljust(1000000000) }}",
    "{{ ('x' * 999999) ~ ('x' * 999999) + ('x' * 999999) }}",
    "{{ 'ab' | replace('a', 'x' * 999999) | replace('x', 'yy' * 9999) }}",
    "{{ 1 / 0 }}",
    "{% for a in range(99999) %}{% for b in range(99999) %}x{% endfor %}{% endfor %}",
])
def test_the_sandbox_bounds_size_and_time(template):
    sandbox = BoundedSandbox(max_seconds=2)
    start = time.monotonic()
    with pytest.raises(TemplateBoundsError):
        sandbox.render(template, {"x": "a"})
    assert time.monotonic() - start < 30  # unbounded, each case takes minutes or gigabytes


def test_the_sandbox_still_renders_ordinary_templates():
    sandbox = BoundedSandbox()
    rendered = sandbox.render("{% for n in names %}{{ n | upper }}{{ ', ' if not loop.last }}{% endfor %}: {{ '%5s' % x }}{{ 2 ** 10 }}",
                              {"names": ["a", "b"], "x": "y"})
    assert rendered == "A, B:     y1024"


def test_lint_never_evaluates_template_arithmetic(tmp_path):
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "t.j2").write_text("Hi {{ name }} {{ 'x' * 300000000 }} {{ name | center(999999999) }}\n")
    (tmp_path / ".advisor.toml").write_text('[variables]\nname = "Ada"\n')
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "advisor", "lint", ".", "--no-cache", "--format", "json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr
    assert time.monotonic() - start < 60
    assert "prompts/t.j2" in {f["path"] for f in _strict_json(proc.stdout)["files"]}


CONFIG = "model: claude-haiku-5-5\nmax_tokens: 10\nmessages:\n  - role: user\n    content: \"{}\"\n"


@pytest.mark.parametrize("expression, says", [
    ("{{ 'x' * 400000000 }}", "more than"),
    ("{{ 1 / 0 }}", "failed"),
    ("{{ 'a' - 1 }}", "template error"),
])
def test_ab_configs_with_abusive_templates_are_config_errors(tmp_path, expression, says):
    path = tmp_path / "c.yaml"
    path.write_text(CONFIG.format(expression))
    with pytest.raises(ConfigError) as raised:
        load_request(path)
    assert "template error" in str(raised.value) and says in str(raised.value) and str(path) in str(raised.value)


def test_an_alias_bomb_vars_file_is_refused(tmp_path):
    path = tmp_path / "vars.yaml"
    path.write_text(BOMB + "\nname: *i\n")
    with pytest.raises(ConfigError, match="alias bomb"):
        load_vars_file(path)
    path.write_text("a: &a [*a]\n")
    with pytest.raises(ConfigError):
        load_vars_file(path)


def test_findings_are_capped_per_rule_and_file_and_the_rest_counted(tmp_path):
    # a megabyte of one instruction: 48,000 findings took 15 s and 33 MB of JSON
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "many.txt").write_text("Answer in 300 words.\n" * 48_000)
    (tmp_path / "prompts" / "good.txt").write_text("Summarize the ticket in no more than 120 words.\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "home")}
    for _ in range(2):  # computed, then served from the cache: the same cap and count
        proc = subprocess.run([sys.executable, "-m", "advisor", "lint", ".", "--isolated", "--format", "json"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
        data = _strict_json(proc.stdout)
        many = [f for f in data["findings"] if f["path"] == "prompts/many.txt" and f["rule"] == "word-count-limit"]
        assert len(many) == 100 and [f["line"] for f in many] == list(range(1, 101))
        [note] = [n for n in data["notes"] if n["path"] == "prompts/many.txt"]
        assert note["reason"].startswith("at least ") and "more word-count-limit findings not shown" in note["reason"]
        assert any(f["path"] == "prompts/good.txt" for f in data["findings"])
        assert len(proc.stdout) < 1_000_000


def test_a_file_over_its_time_budget_says_which_rules_did_not_run(tmp_path):
    from pathlib import Path as _Path

    from advisor.config import Settings
    from advisor.engine import Linter

    linter = Linter(Settings(root=_Path(tmp_path)), use_cache=False)
    linter.file_budget_s = 0.0  # every file is over budget once the first rule has run
    report = linter.lint_source("prompts/p.txt", Kind.PROMPT, "Answer in 50 words.\n")
    [over] = [f for f in report.findings if f.rule == "parse-error"]
    assert "took more than 0 s; not run: " in over.message
    first = linter.contexts[0].rule.name
    assert first not in over.message.split("not run: ")[1].split(", ")
