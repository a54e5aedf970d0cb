
from advisor.loaders import load_document, prompty, yamljson
from advisor.model import Kind, Role

from helpers import lint_text

PROMPTY = """\
---
name: Ticket triage
model:
  api: chat
  configuration:
    type: azure_openai
    azure_deployment: claude-opus-5-5
  parameters:
    max_tokens: 4096
    temperature: 0.2
sample:
  ticket: My invoice is wrong
---
system:
Classify the ticket as billing, outage or bug. Reply with the category name only.

user:
{{ticket}}
"""


def test_prompty_front_matter_and_roles():
    doc = prompty.load("triage.prompty", PROMPTY)
    (call,) = doc.calls
    assert call.model.value == "claude-opus-5-5" and call.model.span.line == 7
    assert call.max_tokens.value == 4096 and call.max_tokens.span.line == 9
    assert call.temperature.value == 0.2
    assert [t.role for t in call.system] == [Role.SYSTEM] and [t.role for t in call.messages] == [Role.USER]
    system = call.system[0]
    i = system.text.index("Reply")
    assert system.span(i, i + 5).line == 15 and system.span(i, i + 5).column == 48


def test_prompty_is_linted_with_call_rules():
    rules = {f.rule: f for f in lint_text("triage.prompty", PROMPTY, dedent=False)}
    assert rules["oversized-model"].span.line == 7
    assert rules["max-tokens-oversized"].span.line == 9


def test_prompty_without_front_matter_is_reported_and_still_read():
    doc = load_document(Kind.TEMPLATE, "x.prompty", "Answer in 50 words.")
    assert "no front matter" in doc.problems[0].message
    assert doc.texts[0].text == "Answer in 50 words."


PROMPTFOO = """\
description: ticket triage
prompts:
  - "Classify this ticket as billing or bug. Reply with one word: {{ticket}}"
  - file://prompts/triage.txt
  - file://prompts/*.txt
providers:
  - id: anthropic:messages:claude-opus-5-5
    config:
      max_tokens: 4096
  - anthropic:messages:claude-haiku-5-5
  - openai:gpt-4o
tests:
  - vars: {ticket: refund}
"""


def test_promptfoo_providers_times_prompts():
    doc = yamljson.load("promptfooconfig.yaml", PROMPTFOO)
    assert [c.model.value for c in doc.calls] == ["claude-opus-5-5", "claude-haiku-5-5"]
    opus, haiku = doc.calls
    assert opus.max_tokens.value == 4096 and opus.model.span.line == 7
    assert haiku.max_tokens.is_dynamic  # promptfoo's default, not missing
    assert [t.text[:8] for t in opus.messages] == ["Classify"]
    assert [link.name for link in opus.links] == ["prompts/triage.txt"] and opus.links[0].relative_to_file
    assert yamljson.looks_like_request_config(PROMPTFOO)


def test_promptfoo_file_prompts_are_judged_with_the_call(make_repo, monkeypatch):
    root = make_repo({
        "evals/promptfooconfig.yaml": PROMPTFOO.replace('  - "Classify this ticket as billing or bug. Reply with one word: {{ticket}}"\n', ""),
        "evals/prompts/triage.txt": "Is this ticket urgent? Answer yes or no.\n{{ticket}}\n",
    })
    monkeypatch.chdir(root)
    from pathlib import Path

    from advisor.config import Settings
    from advisor.engine import Linter

    result = Linter(Settings(root=root), use_cache=False).lint_paths([Path(".")])
    oversized = [f for f in result.findings if f.rule == "oversized-model"]
    assert [(f.path, f.span.line) for f in oversized] == [("evals/promptfooconfig.yaml", 6)]
    calls = [c for c in result.calls if c["path"] == "evals/promptfooconfig.yaml"]
    assert calls[0]["linked_files"] == ["evals/prompts/triage.txt"]
