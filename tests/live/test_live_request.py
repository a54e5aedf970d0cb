"""Request configs for `advisor ab`: safe parsing, template variables, advisor metadata."""

from __future__ import annotations

import textwrap

import pytest

from advisor.live.request import (
    ConfigError,
    NoFixAvailable,
    apply_rule_fix,
    load_request,
    load_vars_file,
    parse_var_options,
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


CONFIG = """
    model: claude-haiku-5-5
    max_tokens: 200
    stream: true
    x-advisor:
      runs-in: ui
      vars: {city: Paris, country: France}
    system: Answer in one sentence.
    messages:
      - role: user
        content: "What is the capital of {{ country }}? Hint: {{ city }}."
"""


def test_yaml_body_with_default_vars_and_metadata_stripped(tmp_path):
    body = load_request(write(tmp_path, "c.yaml", CONFIG))
    assert body == {
        "model": "claude-haiku-5-5",
        "max_tokens": 200,
        "stream": True,
        "system": "Answer in one sentence.",
        "messages": [{"role": "user", "content": "What is the capital of France? Hint: Paris."}],
    }


def test_vars_override_defaults(tmp_path):
    variables = load_vars_file(write(tmp_path, "vars.yaml", "country: Spain\ncity: Madrid\n"))
    variables.update(parse_var_options(["city=Sevilla"]))
    body = load_request(write(tmp_path, "c.yaml", CONFIG), variables)
    assert body["messages"][0]["content"] == "What is the capital of Spain? Hint: Sevilla."


def test_json_config_and_nested_request_key(tmp_path):
    path = write(tmp_path, "c.json", '{"request": {"model": "claude-haiku-5-5", "max_tokens": 5, '
                                     '"messages": [{"role": "user", "content": "hi"}]}}')
    assert load_request(path)["model"] == "claude-haiku-5-5"


def test_undefined_variable_is_an_error_not_an_empty_prompt(tmp_path):
    path = write(tmp_path, "c.yaml", "model: m\nmax_tokens: 5\nmessages: [{role: user, content: '{{ missing }}'}]\n")
    with pytest.raises(ConfigError, match="missing"):
        load_request(path)


def test_python_tags_are_never_constructed(tmp_path):
    path = write(tmp_path, "c.yaml", "model: !!python/object/apply:os.system ['touch pwned']\nmax_tokens: 5\n"
                                     "messages: [{role: user, content: hi}]\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_request(path)
    assert not (tmp_path / "pwned").exists()


def test_templates_run_in_a_sandbox(tmp_path):
    path = write(tmp_path, "c.yaml", "model: m\nmax_tokens: 5\n"
                                     "messages: [{role: user, content: '{{ cycler.__init__.__globals__ }}'}]\n")
    with pytest.raises(ConfigError, match="template error"):
        load_request(path)


def test_alias_bomb_is_refused(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 10)}]" for i in range(1, 7)]
    lines += ["request: {model: m, max_tokens: 5, messages: [{role: user, content: *a6}]}"]
    path = write(tmp_path, "c.yaml", "\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match="alias bomb"):
        load_request(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model: m\nmessages: [{role: user, content: hi}]\n", "max_tokens"),
        ("model: m\nmax_tokens: 5\nsystem: s\n", "messages"),
        ("just text\n", "exactly one request body"),
        ("- {model: a, max_tokens: 5, messages: []}\n- {model: b, max_tokens: 5, messages: []}\n", "found 2"),
    ],
)
def test_unusable_configs_are_errors_that_name_the_problem(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_request(write(tmp_path, "c.yaml", text))


def test_var_options_need_a_name():
    assert parse_var_options(["a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}
    with pytest.raises(ConfigError):
        parse_var_options(["novalue"])


CLASSIFIER = """\
# routes tickets
model: claude-opus-5-5
max_tokens: 4096
system: Classify the ticket as billing, outage or bug. Reply with the category name only.
messages:
  - role: user
    content: "{{ ticket }}"
"""


def test_apply_builds_the_after_body_from_the_rules_fix(tmp_path):
    path = write(tmp_path, "c.yaml", CLASSIFIER)
    after = apply_rule_fix(path, "oversized-model", {"ticket": "refund please"})
    assert after["model"] == "claude-haiku-5-5" and after["max_tokens"] == 4096
    assert after["messages"] == [{"role": "user", "content": "refund please"}]
    budget = apply_rule_fix(path, "max-tokens-oversized", {"ticket": "x"})
    assert budget["model"] == "claude-opus-5-5" and budget["max_tokens"] == 16
    assert path.read_text() == CLASSIFIER  # the config itself is never changed


def test_apply_says_when_the_rule_finds_nothing_to_fix(tmp_path):
    path = write(tmp_path, "c.yaml", CLASSIFIER.replace("claude-opus-5-5", "claude-haiku-5-5"))
    with pytest.raises(NoFixAvailable, match="finds nothing to fix"):
        apply_rule_fix(path, "oversized-model", {"ticket": "x"})
    with pytest.raises(ConfigError, match="no such rule"):
        apply_rule_fix(path, "oversized-models", {"ticket": "x"})
