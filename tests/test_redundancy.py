"""The indexed search for near-duplicate instructions finds exactly what comparing every
pair of sentences finds (prefix filtering must never lose a pair)."""

import random

from advisor.checks import redundancy
from advisor.model import LineIndex, TextBuilder

WORDS = [f"w{i}" for i in range(14)]


def _text(sentences: list[str]):
    source = "\n".join(sentences)
    builder = TextBuilder(LineIndex(source))
    builder.exact(source, 0)
    return builder.build(path="p.txt", role="prompt")


def _brute_force(text, min_words, threshold):
    found, earlier, exact = [], [], {}
    for sentence in redundancy._sentences(text, min_words):
        first = exact.get(sentence.key) or next((e for e in earlier if redundancy._similar(e, sentence, threshold)), None)
        if first is not None:
            found.append((first.start, sentence.start))
            continue
        exact[sentence.key] = sentence
        earlier.append(sentence)
    return found


def test_index_matches_all_pairs_comparison():
    rng = random.Random(5)
    for _ in range(300):
        sentences = [" ".join(rng.sample(WORDS, rng.randint(4, 9))) + "." for _ in range(rng.randint(2, 60))]
        text = _text(sentences)
        threshold = rng.choice([0.5, 0.7, 0.8, 0.9])
        expected = _brute_force(text, 4, threshold)
        found = [(a.start, b.start) for a, b in redundancy._repeats([text], 4, threshold)]
        indexed = [(a.start, b.start) for a, b in redundancy._indexed_repeats(redundancy._sentences(text, 4), threshold)]
        pairwise = [(a.start, b.start) for a, b in redundancy._pairwise_repeats(redundancy._sentences(text, 4), threshold)]
        assert found == expected
        assert indexed == expected
        assert pairwise == expected  # the size filter loses no pair, at any length


def test_sentences_in_slots_and_lines_of_code_are_skipped_as_one_by_one_tests_would():
    """The slot and code-mark tests run per slot and per text; they must skip exactly the
    sentences a test of each sentence on its own skips."""
    import re

    rng = random.Random(7)
    pieces = ["alpha beta gamma delta.", "x = f(a); y = g[b] <c>", "call ::run -> $out now", "{{ slot }}", "",
              "epsilon zeta eta theta iota.", "a -> b", "plain words here again\n", "(one) two"]
    marks = re.compile(r"[(){}\[\]=;<>]|::|->|\$\w")  # the rule's pattern as first written
    for _ in range(300):
        builder = TextBuilder(LineIndex(""))
        for piece in rng.choices(pieces, k=rng.randint(1, 12)):
            if piece in ("{{ slot }}", ""):  # a slot, or one that renders as nothing
                builder.slot(piece, builder.length, builder.length + len(piece), "slot")
            else:
                builder.exact(piece + rng.choice([" ", "\n", ". "]), builder.length)
        text = builder.build(path="p.txt", role="prompt")
        spans = [m.span(1) for m in redundancy._SENTENCE.finditer(text.text)]
        in_slot = {i for i, (s, e) in enumerate(spans) if text.in_slot(s, e)}
        code = {i for i, (s, e) in enumerate(spans) if len(marks.findall(text.text, s, e)) > redundancy._MAX_CODE_MARKS}
        assert redundancy._in_slots(text, spans) == in_slot
        assert redundancy._code_lines(text.text, spans) == code


def test_rule_lines_found_once_answer_as_a_search_of_each_stretch():
    """Whether a horizontal rule lies between two sentences is read from the text's rule
    lines, found once; it must agree with a search of the stretch between them, including
    a rule line the stretch's end cuts ("---------- Repeat ..." ends where the sentence
    starts)."""
    rng = random.Random(3)
    pieces = ["----------", "==========  ", "-----", "## ---------- x", "---------- Always answer.", "   ~~~~~~~~~~~~",
              "plain words", "", "a.", "__________\t"]
    for _ in range(400):
        body = "\n".join(rng.choices(pieces, k=rng.randint(1, 10)))
        rules = redundancy._rule_lines(body)
        for _ in range(10):
            start = rng.randint(0, len(body))
            end = rng.randint(start, len(body))
            expected = redundancy._RULE_LINE.search(body, start, end) is not None
            assert redundancy._across_rule_lines(body, start, end, rules) == expected, (body, start, end)


def test_sentences_holding_words_no_other_holds_are_passed_over_without_losing_a_repeat():
    """A long prompt's sentences mostly hold words found nowhere else in it; the index
    passes over those. Texts mixing such sentences with near repeats find what comparing
    every pair finds."""
    rng = random.Random(9)
    for _ in range(200):
        sentences = []
        for number in range(rng.randint(25, 70)):
            shared = rng.sample(WORDS, rng.randint(2, 8))
            own = [f"u{number}x{k}" for k in range(rng.randint(0, 4))]
            sentences.append(" ".join(shared + own) + ".")
        text = _text(sentences)
        threshold = rng.choice([0.5, 0.6, 0.8, 1.0])
        indexed = [(a.start, b.start) for a, b in redundancy._indexed_repeats(redundancy._sentences(text, 4), threshold)]
        assert indexed == _brute_force(text, 4, threshold)
