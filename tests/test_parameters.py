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
