"""Task profiles: the cases in fixtures/text/tasks.yaml plus focused tests of the verdict
rules (any complex cue wins; a short answer alone is not a task; long prompts stay unclear)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from advisor import ruledata
from advisor.language import supported_languages
from advisor.lengths import find_length_requests
from advisor.tasks import Cue, TaskProfile, classify_task

CASES_FILE = Path(__file__).parent / "fixtures" / "text" / "tasks.yaml"
CASES = YAML(typ="safe", pure=True).load(CASES_FILE.read_text("utf-8"))


def _params() -> list:
    return [
        pytest.param(verdict, case["prompt"], case.get("labels", []), id=f"{verdict}-{index}")
        for verdict, cases in CASES.items()
        for index, case in enumerate(cases)
    ]


@pytest.mark.parametrize("verdict, prompt, labels", _params())
def test_fixture_case(verdict: str, prompt: str, labels: list[str]) -> None:
    profile = classify_task(prompt)
    assert profile.verdict == verdict, profile
    cues = profile.complex if verdict == "complex" else profile.simple
    assert set(labels) <= {cue.label for cue in cues}, profile


def test_fixture_has_enough_cases() -> None:
    assert len(CASES["simple"]) >= 10 and len(CASES["complex"]) >= 10 and len(CASES["unclear"]) >= 3


def test_cue_offsets_point_at_the_phrase() -> None:
    text = "You triage mail.\nClassify the email. Answer yes or no."
    profile = classify_task(text)
    spans = {cue.label: text[cue.start:cue.end] for cue in profile.simple}
    assert spans["classification"] == "Classify"
    assert spans["one-word answer"] == "Answer yes or no"
    assert all(isinstance(cue, Cue) and cue.kind == "simple" for cue in profile.simple)


def test_any_complex_cue_wins() -> None:
    profile = classify_task("Classify the ticket. Answer with one word. Then write a Python function to fix it.")
    assert profile.verdict == "complex"
    assert profile.simple and profile.complex
    assert profile.summary == "complex work: code generation"


def test_a_short_answer_alone_is_not_a_simple_task() -> None:
    assert classify_task("Answer briefly.").verdict == "unclear"
    assert classify_task("Answer in one word.").summary == "a short answer with no clear task type"


def test_a_summary_is_simple_only_when_short() -> None:
    assert classify_task("Summarize the meeting notes.").verdict == "unclear"
    assert classify_task("Summarize the meeting notes in 3 sentences.").verdict == "simple"
    assert classify_task("Summarize the meeting notes in 600 words.").verdict == "complex"


def test_negated_cues_do_not_count() -> None:
    profile = classify_task("Do not think step by step. Classify the review as positive or negative.")
    assert profile.verdict == "simple"
    assert not profile.complex


def test_a_long_prompt_is_never_simple() -> None:
    rules = " ".join(["Category billing covers invoices, refunds and payment failures."] * 300)
    profile = classify_task(f"Classify the ticket. Reply with one word.\n{rules}")
    assert profile.verdict == "unclear"
    assert "long prompt" in profile.summary


def test_summary_reads_after_for() -> None:
    profile = classify_task("Classify the ticket into one of the following categories. Reply with one word.")
    assert profile == TaskProfile("simple", profile.simple, (), "a classification task with a one-word answer")
    assert classify_task("Extract the dates.").summary == "an entity extraction task"


def test_given_length_requests_are_used() -> None:
    text = "Summarize the notes in 2 sentences."
    assert classify_task(text, length_requests=[]).verdict == "unclear"
    requests = find_length_requests(text)
    assert classify_task(text, length_requests=requests).verdict == "simple"


def test_english_cues_count_in_other_languages() -> None:
    text = "Analyse les données puis écris une fonction Python. Use the tools provided."
    profile = classify_task(text, language="fr")
    assert {"agentic tool use", "multi-step reasoning"} <= {cue.label for cue in profile.complex}


def test_every_cue_group_has_every_language() -> None:
    data = ruledata.load("tasks.yaml")
    for kind in ("simple", "complex"):
        for group in data[kind]:
            pairs = group.get("pairs", {})
            assert set(group["phrases"]) == set(supported_languages()), group["label"]
            for code in supported_languages():
                phrases = group["phrases"][code]
                assert phrases or code in pairs, (group["label"], code)
                assert all(isinstance(p, str) for p in [*phrases, *pairs.get(code, {}).get("verbs", [])])
