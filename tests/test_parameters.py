"""One parameter table: a value means the same thing in every source that can write it."""

import pytest

from advisor.parameters import PARAMETERS

from helpers import lint_text

_YAML = """model: claude-opus-4-1
max_tokens: {budget}
messages:
  - role: user
    content: Classify the ticket as billing, outage or bug. Reply with the category name only.
"""
_JSON = """{{"model": "claude-opus-4-1", "max_tokens": {budget},
 "messages": [{{"role": "user",
   "content": "Classify the ticket as billing, outage or bug. Reply with the category name only."}}]}}
"""
_PYTHON = '''import anthropic

client = anthropic.Anthropic()


def classify(ticket):
    return client.messages.create(
        model="claude-opus-4-1",
        max_tokens={budget},
        system="Classify the ticket as billing, outage or bug. Reply with the category name only.",
        messages=[{{"role": "user", "content": ticket}}],
    )
'''


def _budget_rules(path, template, budget):
    findings = lint_text(path, template.format(budget=budget), dedent=False)
    return sorted(f.rule for f in findings if "max-tokens" in f.rule)


@pytest.mark.parametrize("path, template", [("req.yaml", _YAML), ("req.json", _JSON), ("app.py", _PYTHON)])
def test_a_number_written_as_a_string_is_that_budget_in_every_source(path, template):
    as_number = _budget_rules(path, template, "8192")
    assert "max-tokens-oversized" in as_number
    assert _budget_rules(path, template, '"8192"') == as_number
    # a string that is no number is not a budget: nothing to size, nothing missing either
    assert _budget_rules(path, template, '"lots"') == []


def test_coercion_keeps_types_apart():
    assert PARAMETERS["max_tokens"].coerce(" 300 ") == (True, 300)
    assert PARAMETERS["max_tokens"].coerce("3.5") == (False, "3.5")
    assert PARAMETERS["max_tokens"].coerce(True) == (False, True)
    assert PARAMETERS["temperature"].coerce("0.2") == (True, 0.2)
    assert PARAMETERS["temperature"].coerce(1) == (True, 1)
    assert PARAMETERS["stream"].coerce("true") == (False, "true")
    assert PARAMETERS["model"].coerce(3) == (False, 3)


def test_ab_sends_the_budget_lint_judged(tmp_path):
    """`advisor ab` reads the same string-written budget as the number lint judged, and
    sends it as a number (the API rejects a string); a value that is no number is refused."""
    from advisor.live.request import ConfigError, load_request

    config = tmp_path / "req.yaml"
    config.write_text(_YAML.format(budget='"300"'), encoding="utf-8")
    body = load_request(config)
    assert body["max_tokens"] == 300 and type(body["max_tokens"]) is int
    config.write_text(_YAML.format(budget='"lots"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="max_tokens"):
        load_request(config)


@pytest.mark.parametrize("text, is_body", [
    ("model: claude-haiku-4-5\nmax_tokens: 50\nsystem: Reply in one sentence.\n", True),
    ("cases:\n  - request:\n      model: claude-haiku-4-5\n      max_tokens: 50\n"
     "      messages: [{role: user, content: Reply in one sentence.}]\n", True),
    ("model: claude-haiku-4-5\nmax_tokens: 50\nprompt: Reply in one sentence.\n", False),
])
def test_lint_and_ab_agree_on_what_is_a_request_body(tmp_path, text, is_body):
    from advisor.config import Settings
    from advisor.engine import Linter
    from advisor.live.request import ConfigError, load_request
    from advisor.model import Kind

    config = tmp_path / "req.yaml"
    config.write_text(text, encoding="utf-8")
    report = Linter(Settings(root=tmp_path), use_cache=False).lint_source(str(config), Kind.CONFIG, text)
    assert bool(report.calls) is is_body
    if is_body and "messages" in text:
        assert load_request(config)["model"] == "claude-haiku-4-5"
    elif is_body:  # found as the body, then refused for what the API requires of it
        with pytest.raises(ConfigError, match="'messages' must be a non-empty list"):
            load_request(config)
    else:
        with pytest.raises(ConfigError, match="exactly one request body"):
            load_request(config)
