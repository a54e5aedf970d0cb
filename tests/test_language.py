"""Language detection and the phrase notation shared by every phrase list in rules/."""

from __future__ import annotations

import re

import pytest

from advisor import ruledata
from advisor.language import (
    blanker,
    detect_language,
    expand_phrase,
    fold_case,
    language_name,
    may_hold_phrase,
    negation_pattern,
    phrase_key,
    phrase_pattern,
    phrase_table,
    phrase_words,
    supported_languages,
)

SAMPLES = {
    "en": [
        "Summarize the following text in two sentences for a busy reader.",
        "You are a support agent. Answer the customer's question and be polite.",
    ],
    "fr": [
        "Résume le texte suivant en deux phrases pour un lecteur pressé.",
        "Tu es un agent de support. Réponds à la question du client avec politesse.",
    ],
    "es": [
        "Resume el siguiente texto en dos frases para un lector con prisa.",
        "Eres un agente de soporte. Responde a la pregunta del cliente con cortesía.",
    ],
    "de": [
        "Fasse den folgenden Text in zwei Sätzen für einen eiligen Leser zusammen.",
        "Du bist ein Support-Mitarbeiter. Beantworte die Frage des Kunden und sei höflich.",
    ],
    "it": [
        "Riassumi il testo seguente in due frasi per un lettore che ha fretta.",
        "Sei un agente di supporto. Rispondi alla domanda del cliente con gentilezza.",
    ],
    "pt": [
        "Resuma o texto a seguir em duas frases para um leitor com pressa.",
        "Você é um agente de suporte. Responda à pergunta do cliente com educação.",
    ],
}


def test_six_languages_are_supported() -> None:
    assert set(supported_languages()) >= {"en", "fr", "es", "de", "it", "pt"}
    assert language_name("de") == "German"


@pytest.mark.parametrize("code, text", [(code, text) for code, texts in SAMPLES.items() for text in texts])
def test_detects_each_language(code: str, text: str) -> None:
    assert detect_language(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Hello",
        "Classify the ticket.",  # too few stopwords to be sure
        "{{ user_input }}",
        "SELECT id FROM users WHERE id = 42;",
        "12345 67890",
    ],
)
def test_too_short_or_unclear_is_none(text: str) -> None:
    assert detect_language(text) is None


def test_mixed_text_is_unclear() -> None:
    assert detect_language("Une pomme et une poire. The apple and the pear.") is None


def test_long_text_detection_reads_the_start() -> None:
    assert detect_language(SAMPLES["de"][1] * 2000) == "de"


# -- phrase notation -----------------------------------------------------------------------


def test_expand_phrase_options_and_choices() -> None:
    assert sorted(expand_phrase("answer [only] (with|using) yes")) == [
        "answer only using yes",
        "answer only with yes",
        "answer using yes",
        "answer with yes",
    ]
    assert sorted(expand_phrase("give [me|us]")) == ["give", "give me", "give us"]
    assert expand_phrase("Wörter") == ["wörter"]


def _matches(phrases: list[str], text: str) -> list[str]:
    folded = fold_case(text)
    return [text[m.start():m.end()] for m in re.finditer(phrase_pattern(phrases), folded)]


def test_phrases_match_whole_words_ignoring_case_and_spacing() -> None:
    assert _matches(["word"], "Word, words, password, keyword, word.") == ["Word", "word"]
    assert _matches(["no more than"], "No  more\nthan 5") == ["No  more\nthan"]


def test_longest_phrase_wins() -> None:
    assert _matches(["max", "max.", "maximum"], "max. maximum max") == ["max.", "maximum", "max"]


def test_hyphen_and_apostrophe_variants() -> None:
    assert _matches(["in-depth"], "in-depth, in depth, indepth") == ["in-depth", "in depth", "indepth"]
    assert _matches(["don't"], "don't don’t") == ["don't", "don’t"]


def test_symbols_need_no_word_boundary() -> None:
    assert _matches(["≤", "<="], "x≤5 and y<=3") == ["≤", "<="]


def test_fold_case_keeps_offsets() -> None:
    text = "İstanbul WORDS"
    assert len(fold_case(text)) == len(text)
    assert fold_case(text).endswith("words")


def test_phrase_key_folds_like_the_notation() -> None:
    assert phrase_key("In-Depth") == phrase_key("in  depth") == phrase_key("indepth")
    assert phrase_key("Don’t") == phrase_key("don't")
    table = phrase_table({"short": ["be (brief|concise)"], "long": ["in-depth"]})
    assert table[phrase_key("Be  Concise")] == "short"
    assert table[phrase_key("in depth")] == "long"


def test_empty_list_never_matches() -> None:
    assert re.search(phrase_pattern([]), "anything") is None


def test_negations_per_language() -> None:
    assert re.search(negation_pattern("en"), fold_case("Do not be brief"))
    assert re.search(negation_pattern("de"), fold_case("Sei nicht kurz"))
    assert re.search(negation_pattern("fr"), fold_case("Ne sois pas bref"))
    assert not re.search(negation_pattern("en"), fold_case("Be brief, note it"))


def _list_items(node: object) -> list[object]:
    """Every item of every list in a parsed YAML document (phrase lists are lists)."""
    if isinstance(node, dict):
        return [item for value in node.values() for item in _list_items(value)]
    if isinstance(node, list):
        return [leaf for item in node for leaf in (_list_items(item) if isinstance(item, (dict, list)) else [item])]
    return []


@pytest.mark.parametrize("name", ["languages.yaml", "lengths.yaml", "tasks.yaml"])
def test_phrase_lists_hold_only_text(name: str) -> None:
    """An unquoted `no`, `on` or `~` in a phrase list must not turn into a boolean or null."""
    items = _list_items(ruledata.load(name))
    assert items and not [item for item in items if item is None or isinstance(item, bool)]


def test_phrase_words_never_rule_out_a_text_the_pattern_matches() -> None:
    """may_hold_phrase may only say no where the phrase pattern cannot match: every way a
    variant may be written (hyphens dropped or spaced, apostrophes curled, case changed,
    spaces widened) keeps all its words."""
    from advisor import parts

    phrases = [*parts._data()["boilerplate"], "in-depth", "don't (stop|halt) [now]", "e.g.", "up-to-date summary"]
    pattern = re.compile(phrase_pattern(phrases))
    words = phrase_words(phrases)
    assert words is not None
    for phrase in phrases:
        for variant in expand_phrase(phrase):
            for written in {variant, variant.replace("-", ""), variant.replace("-", " "), variant.replace("'", "’"),
                            variant.upper(), variant.replace(" ", " \n ")}:
                text = fold_case(f"Note: {written} (see above).")
                assert pattern.search(text), written
                assert may_hold_phrase(text, words), written
    text = fold_case("Terms apply to the service; rights are not reserved.")
    assert not pattern.search(text) and not may_hold_phrase(text, phrase_words(parts._data()["boilerplate"]))
    assert phrase_words(["...", "word"]) is None  # a variant without words: no cheap test
    assert may_hold_phrase("anything", None)


def test_blanker_turns_the_characters_into_spaces_on_any_text() -> None:
    blank = blanker("!?-«»")
    for text in ["Stop! Now - ok?", "«Arrêtez!» — dit-il?", "", "plain", "naïve-text!"]:
        assert blank(text) == "".join(" " if c in "!?-«»" else c for c in text)


def _scanner_cases(phrases: list[str], rng) -> list[str]:
    """Texts holding the phrases written every way the notation allows, glued with word
    characters, punctuation, non-ASCII letters and spaces, template slots."""
    written = []
    for phrase in phrases:
        for variant in expand_phrase(phrase)[:6]:
            written += [variant, variant.replace("-", ""), variant.replace("-", " \t"), variant.replace("'", "’"),
                        variant.upper(), variant.replace(" ", "\n  "), variant + "s", "x" + variant]
    glue = [" ", "  ", "\n", "-", ".", "(", ")", "é", "日本", "\u00a0", "—", "’", "'", "_", "x", "1", "\ue000", "---- ", "?"]
    return [fold_case("".join(rng.choice(written) if rng.random() < 0.4 else rng.choice(glue) for _ in range(rng.randint(1, 30))))
            for _ in range(150)]


def test_phrase_scanner_finds_exactly_what_its_pattern_finds() -> None:
    """The scanner tries the phrase pattern only where its rough shape in the spaced copy
    matches; that must never lose a match, nor change which overlapping one is found, for
    any phrase list of the rule pack, from any starting offset."""
    import random

    from advisor import lengths, tasks
    from advisor.language import PhraseScanner

    rng = random.Random(11)
    lists = [lengths._scan_phrases(lengths._data()["languages"][code]) for code in supported_languages()]
    lists += [[p for entry in tasks._data()[kind] for p in entry["phrases"].get(code, [])]
              for kind in ("simple", "complex") for code in ("en", "de", "fr")]
    lists += [["in-depth", "don't (stop|halt) [now]", "up-to-date summary", "größe", "a - b", "ça va"],
              ["<thinking>", "e.g.", "...", "tl;dr", "« voici »", "step", "(optional) notes"],
              ["[~] about (ten|10) words", "(-|minus) five", "few lines"],  # a symbol only in an opening group
              ["[a] short answer", "(one|single) word", "  [the] gist"]]
    for number, phrases in enumerate(lists):
        scanner = PhraseScanner(phrases)
        scanner.compile_all()  # else the first texts are read by the pattern alone
        if number < len(supported_languages()):  # the length scanners' phrases all start with a word
            assert scanner._starts is not None
        for text in _scanner_cases(phrases, rng):
            for pos in {0, 1, rng.randint(0, len(text)), len(text)}:
                expected = [m.span() for m in scanner.pattern.finditer(text, pos)]
                assert [m.span() for m in scanner.finditer(text, pos)] == expected, (phrases[:3], text, pos)
                first = scanner.search(text, pos)
                assert (first.span() if first else None) == (expected[0] if expected else None)


def test_phrase_scanner_without_a_word_start_uses_the_pattern_alone() -> None:
    from advisor.language import PhraseScanner

    scanner = PhraseScanner(["-ish", "word"])  # "-ish" may match "ish" anywhere, even inside a word
    scanner.compile_all()
    assert scanner._starts is None
    assert [m.group() for m in scanner.finditer("a-ish bish word")] == ["-ish", "ish", "word"]
    assert PhraseScanner([]).search("anything") is None


def test_a_scanner_compiles_its_start_pattern_only_past_the_first_characters_it_reads() -> None:
    """A one-file run reads a short prompt by the phrase pattern alone (loading the start
    pattern would cost more than it saves); a longer read switches, with the same matches."""
    from advisor import language
    from advisor.language import PLAIN_SCAN_CHARS, PhraseScanner

    scanner = PhraseScanner(["answer briefly", "in (one|a single) word", "tl;dr"])
    text = "please answer briefly, in a single word. tl;dr: ok. " * 10
    expected = [m.span() for m in scanner.pattern.finditer(text)]
    read = 0
    while read + len(text) <= PLAIN_SCAN_CHARS:
        assert [m.span() for m in scanner.finditer(text)] == expected
        assert scanner._starts is None
        read += len(text)
    assert [m.span() for m in scanner.finditer(text, 0, language.spaced(text))] == expected
    assert scanner._starts is not None
    assert [m.span() for m in scanner.finditer(text)] == expected


def test_spaced_keeps_ascii_word_characters_and_offsets() -> None:
    from advisor.language import spaced

    for text in ["Hello, world!", "naïve—text_1 (ok)", "", "日本語 and\tmore\n", "\ue000{{ slot }}", "\ud800 lone"]:
        copy = spaced(text)
        assert len(copy) == len(text)
        assert copy == "".join(c if c.isascii() and (c.isalnum() or c == "_") else " " for c in text)


def test_a_long_run_of_spaces_is_one_quantifier_in_the_start_pattern() -> None:
    """ "a - b" is a space, an optional hyphen or spaces, a space: one run of two or more
    in the spaced copy, never three quantifiers in a row (which a line of dashes would
    make the engine try every way)."""
    from advisor.language import _starts_source

    source = _starts_source(("a - b", "in-depth"))
    assert "a {2,}b" in source and "in {0,}depth" in source
    assert not re.search(r"(?: (?:\{\d+,\})?){2}", source.replace(" (?=", ""))


def test_the_spelt_out_punctuation_is_the_standard_librarys() -> None:
    import string

    from advisor import language

    assert language._ASCII_PUNCTUATION == string.punctuation
