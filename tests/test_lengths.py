"""Output-length requests: the data-driven cases in fixtures/text/lengths/*.txt, plus
focused tests of number parsing, offsets, slots, suggestions and token estimates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from advisor import ruledata
from advisor.language import expand_phrase, supported_languages
from advisor.lengths import (
    UNITS,
    LengthRequest,
    expected_output_tokens,
    find_length_requests,
    word_limit_suggestion,
)

CASES_DIR = Path(__file__).parent / "fixtures" / "text" / "lengths"
SLOT = re.compile(r"\{\{.*?\}\}")
EXPECT = re.compile(r'(?P<kind>[\w-]+)(?P<checks>(?:\s+(?:min=\d+|max=\d+|exact|dynamic|@"[^"]*"))*)\s*$')


@dataclass(frozen=True)
class Case:
    kind: str  # ruleid | ok | none | a unit
    checks: str
    text: str
    language: str


def _cases() -> list:
    params = []
    for path in sorted(CASES_DIR.glob("*.txt")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            expect, _, text = line.partition(" | ")
            match = EXPECT.match(expect)
            assert match and text, f"{path.name}:{number}: malformed case"
            case = Case(match["kind"], match["checks"], text, path.stem)
            params.append(pytest.param(case, id=f"{path.stem}:{number}"))
    return params


def _find(text: str, language: str | None = None) -> list[LengthRequest]:
    slots = [m.span() for m in SLOT.finditer(text)]
    return find_length_requests(text, slots, language)


def _check(request: LengthRequest, checks: str) -> None:
    for check in checks.split(' @"')[0].split():
        name, _, value = check.partition("=")
        if name == "exact":
            assert request.exact, request
        elif name == "dynamic":
            assert request.dynamic, request
        else:
            assert getattr(request, {"min": "minimum", "max": "maximum"}[name]) == int(value), request
    phrase = re.search(r'@"(.*)"', checks)
    if phrase:
        assert request.phrase == phrase.group(1), request


@pytest.mark.parametrize("case", _cases())
@pytest.mark.parametrize("detect", [True, False], ids=["detected", "given"])
def test_fixture_case(case: Case, detect: bool) -> None:
    requests = _find(case.text, None if detect else case.language)
    words = [r for r in requests if r.unit == "words"]
    if case.kind == "none":
        assert requests == []
        return
    if case.kind == "ruleid":
        assert len(words) == 1, requests
        _check(words[0], case.checks)
        assert words[0].language == case.language
        return
    assert words == [], requests
    if case.kind in UNITS:
        matching = [r for r in requests if r.unit == case.kind]
        assert matching, requests
        _check(matching[0], case.checks)
    else:
        assert case.kind == "ok", f"unknown expectation {case.kind}"


def test_fixtures_cover_every_language_both_ways() -> None:
    counts = {code: {"ruleid": 0, "trap": 0} for code in supported_languages()}
    for param in _cases():
        case = param.values[0]
        counts[case.language]["ruleid" if case.kind == "ruleid" else "trap"] += 1
    for code, count in counts.items():
        assert count["ruleid"] >= 10 and count["trap"] >= 10, (code, count)


# -- offsets and numbers ------------------------------------------------------------------


def test_offsets_point_at_the_phrase() -> None:
    text = "You are a copywriter.\nWrite the blurb in no more than 120 words, please."
    [request] = find_length_requests(text)
    assert text[request.start:request.end] == "in no more than 120 words"
    assert (request.start, request.end) == (text.index("in no more"), text.index(", please"))


@pytest.mark.parametrize(
    "text, low, high",
    [
        ("Write between 1,000 and 1,500 words.", 1000, 1500),
        ("Schreibe 1.000 bis 1.500 Wörter.", 1000, 1500),
        ("Rédige un article de 1 000 mots.", 1000, 1000),
        ("Write 3 500-word essays.", 500, 500),
        ("Write 300 - 500 words.", 300, 500),
        ("Write 300–500 words.", 300, 500),
        ("Write 300 to 500 words.", 300, 500),
        ("Écris de 300 à 500 mots.", 300, 500),
        ("Schreibe 300 bis 500 Wörter.", 300, 500),
        ("Write two hundred words.", 200, 200),
        ("Écris deux cents mots.", 200, 200),
        ("Écris cent cinquante mots.", 150, 150),
        ("Escribe doscientas palabras.", 200, 200),
        ("Escreva vinte e cinco palavras.", 25, 25),
        ("Escribe treinta y cinco palabras.", 35, 35),
        ("Write twenty-five words.", 25, 25),
        ("Write 500 to 300 words.", 300, 500),
        ("Write a 1.5k word essay.", 1500, 1500),
    ],
)
def test_number_parsing(text: str, low: int, high: int) -> None:
    [request] = [r for r in find_length_requests(text) if r.unit == "words"]
    assert (request.minimum, request.maximum) == (low, high)


def test_slot_offsets_are_read_as_a_dynamic_number() -> None:
    text = "Answer in at most {{ limit }} words."
    start = text.index("{{")
    [request] = find_length_requests(text, [(start, text.index("}}") + 2)])
    assert request.dynamic and request.maximum is None and request.unit == "words"
    assert request.phrase == "in at most {{ limit }} words"


def test_without_slots_a_placeholder_is_not_a_number() -> None:
    assert find_length_requests("Answer in at most {{ limit }} words.") == []


def test_slot_objects_are_accepted() -> None:
    from advisor.model import Slot

    text = "Write exactly {{ n }} words."
    slot = Slot(text.index("{{"), text.index("}}") + 2, "n")
    [request] = find_length_requests(text, (slot,))
    assert request.dynamic and request.exact


def test_requests_come_in_text_order_without_overlaps() -> None:
    text = "Be concise. Give a title in 10 words, then answer in 2-3 sentences."
    requests = find_length_requests(text)
    assert [r.unit for r in requests] == ["short", "words", "sentences"]
    assert all(a.end <= b.start for a, b in zip(requests, requests[1:]))


def test_unknown_language_tries_every_language() -> None:
    [request] = find_length_requests("Max 50 Wörter.")
    assert request.language == "de" and request.maximum == 50


# -- suggestions -------------------------------------------------------------------------


def _word_limit(text: str, language: str | None = None) -> LengthRequest:
    [request] = [r for r in _find(text, language) if r.unit == "words"]
    return request


@pytest.mark.parametrize(
    "text, suggestion",
    [
        ("Answer in 50 words.", "in 2–3 sentences"),
        ("Answer in no more than 120 words.", "in 5–6 sentences"),
        ("Write a 300-500 word intro.", "3–4-paragraph"),
        ("Write 1000 words.", "8–9 paragraphs"),
        ("Write at least 300 words.", "at least 3 paragraphs"),
        ("Answer in 20 words.", "in one sentence"),
        ("Describe it in 5 words.", "in a few words"),
        ("Write between 200 and 240 words.", "2 paragraphs"),
        ("Write exactly {{ n }} words.", None),
        ("Résume en 50 mots.", "en 2 à 3 phrases"),
        ("Rédige un article de 300 à 500 mots.", "de 3 à 4 paragraphes"),
        ("Resume en menos de 50 palabras.", "en 2–3 oraciones"),
        ("Antworte in höchstens 50 Wörtern.", "in 2–3 Sätzen"),
        ("Rispondi in 20 parole.", "in una frase"),
        ("Responda em até 50 palavras.", "em 2–3 frases"),
    ],
)
def test_word_limit_suggestion(text: str, suggestion: str | None) -> None:
    request = _word_limit(text)
    result = word_limit_suggestion(request)
    if suggestion is None:
        assert "sentences" in result and "e.g." in result
    else:
        assert result == suggestion


@pytest.mark.parametrize(
    "text, rewritten",
    [
        ("Keep the summary to no more than 120 words.", "Keep the summary to 5–6 sentences."),
        ("Limit your answer to 100 words.", "Limit your answer to 4–5 sentences."),
        ("Reply within 80 words.", "Reply within 3–4 sentences."),
        ("Use no more than 50 words.", "Use no more than 2–3 sentences."),
        ("Summarize this in 120 words or fewer.", "Summarize this in 5–6 sentences."),
        ("Write a 200-word summary.", "Write a 1–2-paragraph summary."),
        ("Limite ta réponse à 100 mots.", "Limite ta réponse à 4–5 phrases."),
        ("Rédige un résumé de 200 mots.", "Rédige un résumé de 1 à 2 paragraphes."),
        ("Résume le ticket en 120 mots maximum.", "Résume le ticket en 5 à 6 phrases."),
        ("Limita tu respuesta a 100 palabras.", "Limita tu respuesta a 4–5 oraciones."),
        ("No uses más de 60 palabras.", "No uses más de 2–3 oraciones."),
        ("Beschränke deine Antwort auf 100 Wörter.", "Beschränke deine Antwort auf 4–5 Sätze."),
        ("Fasse das Ticket in höchstens 120 Wörtern zusammen.", "Fasse das Ticket in 5–6 Sätzen zusammen."),
        ("Verwende maximal 60 Wörter.", "Verwende maximal 2–3 Sätze."),
        ("Schreibe eine Zusammenfassung von 200 Wörtern.", "Schreibe eine Zusammenfassung von 1–2 Absätzen."),
        ("Limita la risposta a 100 parole.", "Limita la risposta a 4–5 frasi."),
        ("Non superare le 60 parole.", "Non superare le 2–3 frasi."),
        ("Limite sua resposta a 100 palavras.", "Limite sua resposta a 4–5 frases."),
        ("Não use mais de 60 palavras.", "Não use mais de 2–3 frases."),
    ],
)
def test_the_rewrite_reads_as_a_sentence_in_each_language(text: str, rewritten: str) -> None:
    """The fix replaces the request's phrase: what is left must be grammatical, keeping
    the phrase's preposition (and its case, in German) or quantifier."""
    request = _word_limit(text)
    assert text[:request.start] + word_limit_suggestion(request) + text[request.end:] == rewritten


def test_dynamic_suggestion_is_in_the_prompt_language() -> None:
    request = _word_limit("Rédige exactement {{ n }} mots.")
    assert "phrases" in word_limit_suggestion(request)


def test_suggestion_refuses_other_units() -> None:
    [request] = find_length_requests("Answer in 2 sentences.")
    with pytest.raises(ValueError):
        word_limit_suggestion(request)


# -- token estimates -----------------------------------------------------------------------


def _estimate(text: str) -> tuple[int, int] | None:
    return expected_output_tokens(_find(text))


def test_nothing_asked_means_no_estimate() -> None:
    assert _estimate("You are a helpful assistant.") is None
    assert _estimate("Write exactly {{ n }} words.") is None


@pytest.mark.parametrize(
    "smaller, larger",
    [
        ("Answer in 50 words.", "Answer in 500 words."),
        ("Answer in one word.", "Answer in one sentence."),
        ("Answer in one sentence.", "Answer in 3 sentences."),
        ("Answer in 3 sentences.", "Answer in 3 paragraphs."),
        ("Answer in one paragraph.", "Write a 5-paragraph essay."),
        ("Be concise.", "Write a detailed report."),
        ("List 3 items.", "List 20 items."),
        ("Answer yes or no.", "Be concise."),
    ],
)
def test_estimates_grow_with_the_request(smaller: str, larger: str) -> None:
    low_a, high_a = _estimate(smaller)
    low_b, high_b = _estimate(larger)
    assert 0 < low_a <= high_a and 0 < low_b <= high_b
    assert low_a <= low_b and high_a < high_b


def test_word_estimates_depend_on_the_language() -> None:
    english = _estimate("Answer in 100 words.")
    german = _estimate("Antworte in 100 Wörtern.")
    assert english[1] == 130 and german[1] == 180


def test_slot_counts_add_nothing() -> None:
    assert _estimate("Write {{ n }} paragraphs, each in 2 sentences.") == _estimate("Answer in 2 sentences.")


def test_counted_requests_override_qualitative_ones() -> None:
    assert _estimate("Be concise: answer in 2 sentences.") == _estimate("Answer in 2 sentences.")


def test_distinct_parts_add_up() -> None:
    title = _estimate("Give a title in 10 words.")
    body = _estimate("Answer in 2 sentences.")
    both = _estimate("Give a title in 10 words, then answer in 2 sentences.")
    assert both == (max(title[0], body[0]), title[1] + body[1])


def test_repeated_requests_count_once() -> None:
    assert _estimate("Answer in 2 sentences. Remember: answer in 2 sentences.") == _estimate("Answer in 2 sentences.")


# -- the data ------------------------------------------------------------------------------


def test_every_language_has_every_section() -> None:
    data = ruledata.load("lengths.yaml")
    reference = data["languages"]["en"]
    for code in supported_languages():
        entry = data["languages"][code]
        assert set(entry) == set(reference), code
        assert set(entry["units"]) == set(reference["units"]), code
        assert code in data["estimates"]["tokens_per_word"]


def test_a_phrase_has_one_meaning_per_list() -> None:
    data = ruledata.load("lengths.yaml")
    for code, entry in data["languages"].items():
        for section in ("units", "prefixes", "suffixes", "phrases"):
            seen: dict[str, str] = {}
            for name, phrases in entry[section].items():
                for phrase in phrases:
                    assert isinstance(phrase, str), (code, section, phrase)
                    for variant in expand_phrase(phrase):
                        assert seen.setdefault(variant, name) == name, (code, section, variant)
        inputs = {v for p in entry["cues"]["input"] for v in expand_phrase(p)}
        outputs = {v for p in entry["cues"]["output"] + entry["cues"]["item_verbs"] for v in expand_phrase(p)}
        assert not inputs & outputs, (code, inputs & outputs)


def test_a_scanner_is_never_skipped_for_a_text_it_would_match():
    """Scanners are compiled, and run for a text whose language is unknown, only for texts
    holding one of their phrases' first words; the cheap test must say yes wherever the
    scanner matches, in every language and for every way a phrase may be written (hyphens
    dropped or spaced, apostrophes curled)."""
    from advisor import lengths
    from advisor.language import expand_phrase, fold_case, supported_languages

    for code in supported_languages():
        scanner = lengths._scanner(code)
        entry = lengths._data()["languages"][code]
        for phrase in lengths._scan_phrases(entry):
            for variant in expand_phrase(phrase):
                for written in {variant, variant.replace("-", ""), variant.replace("-", " "), variant.replace("'", "’")}:
                    text = fold_case(f"Please, {written}: now.")
                    if scanner.search(text):
                        assert lengths._may_scan(code, text, [], several=True), (code, written)
                        lengths._SCANNERS.pop(code)
                        try:
                            assert lengths._may_scan(code, text, [], several=False), (code, written)
                        finally:
                            lengths._SCANNERS[code] = scanner
    # and a text with none of them is not worth compiling a scanner for, nor scanning
    text = fold_case("Classify the ticket as bug or feature.")
    assert not lengths._may_scan("de", text, [], several=True)
    lengths._SCANNERS.pop("de", None)
    assert not lengths._may_scan("de", text, [], several=False)


def test_a_lexicon_compiles_the_patterns_a_text_needs_and_warm_up_all_of_them():
    # a one-file run loads only the compiled patterns its prompt reads with; a process
    # about to fork workers compiles every one (the scanners' start patterns too), so the
    # workers inherit them
    from advisor import lengths, tasks

    text = "Answer in no more than 3 sentences."
    expected = find_length_requests(text, language="en")
    lengths._lexicon.cache_clear()
    try:
        assert find_length_requests(text, language="en") == expected
        lexicon = lengths._lexicon("en")
        sources = lexicon._sources
        compiled = {name for name in sources if name in vars(lexicon)}
        assert "left_re" in compiled and "label_re" not in compiled
        lengths.warm_up(["en"])
        assert lengths._lexicon("en") is lexicon and lengths._scanner("en")._starts is not None
        tasks.warm_up(["en"])
        assert tasks._matcher("en").scanner._starts is not None
        assert {name: vars(lexicon).get(name) for name in sources} == {name: re.compile(source) for name, source in sources.items()}
        assert find_length_requests(text, language="en") == expected
        with pytest.raises(AttributeError):
            lexicon.no_such_re  # noqa: B018
    finally:
        lengths._lexicon.cache_clear()
