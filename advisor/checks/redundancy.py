"""redundant-instruction: the same instruction given twice in one prompt.

The guide: "avoid unnecessary details or redundant information". Prompts grow by accretion:
a rule added to the system prompt is added again to the user template, a bullet is pasted
twice. Each copy is input the model processes on every call, for nothing.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from typing import Iterator, NamedTuple

from ..language import stopwords
from ..model import Document, Finding, PromptText, Severity
from ..registry import CheckContext, Option, Rule
from .prompt_size import GUIDE_PROMPT

RULE = Rule(
    code="P002",
    name="redundant-instruction",
    severity=Severity.INFO,
    guide=GUIDE_PROMPT,
    summary="The same (or nearly the same) instruction appears twice in one prompt.",
    why=(
        "Repeating an instruction does not make the model follow it better than stating it "
        "once clearly, but every copy is processed on every request: more input tokens, a "
        "later first token, a higher bill. Repetition across the system prompt and the user "
        "template of one call is the most common case."
    ),
    example="System: Always answer in English.\nUser template: ... Always answer in English.",
    use_instead="State the rule once, in the system prompt.",
    options={
        "min-words": Option(4, "Sentences with fewer content words are ignored (headings, labels, \"Be concise.\")."),
        "similarity": Option(0.8, "Similarity (0-1) of the content-word sets from which two sentences count as the same."),
    },
)

_SENTENCE = re.compile(r"[ \t\-*•>0-9.)]*([^.!?\n]+[.!?]?)")


# Punctuation becomes spaces (one C-level pass per text), so words are a plain str.split().
_PUNCTUATION = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~«»“”‘’…–—"})


class _Sentence(NamedTuple):  # a tuple: tens of thousands are made per run
    text: PromptText
    start: int
    end: int
    words: frozenset[str]
    key: tuple[str, ...]


def _sentences(text: PromptText, min_words: int) -> Iterator[_Sentence]:
    function_words = stopwords()
    words_text = text.text.lower().translate(_PUNCTUATION)
    if len(words_text) != len(text.text):  # a character whose lower case is longer: slice per sentence
        words_text = None
    for match in _SENTENCE.finditer(text.text):
        start, end = match.span(1)
        if text.slots and text.in_slot(start, end):
            continue
        chunk = words_text[start:end] if words_text is not None else text.text[start:end].lower().translate(_PUNCTUATION)
        words = chunk.split()
        if len(words) < min_words:
            continue
        content = frozenset(words) - function_words
        if len(content) < min_words:
            continue
        yield _Sentence(text, start, end, content, tuple(words))


def _similar(a: _Sentence, b: _Sentence, threshold: float) -> bool:
    return len(a.words & b.words) >= threshold * len(a.words | b.words)


def _prefix(words: frozenset[str], threshold: float, rarity: Counter[str]) -> list[str]:
    """The words two sets at Jaccard >= threshold must share at least one of: the first
    |A| - ceil(t*|A|) + 1 in a fixed order ("prefix filtering"). Ordering rarest first
    keeps common words out of the prefixes, so few sentences are compared at all."""
    keep = len(words) - math.ceil(threshold * len(words)) + 1
    return sorted(words, key=lambda word: (rarity[word], word))[:keep]


def _repeats(texts: list[PromptText], min_words: int, threshold: float) -> Iterator[tuple[_Sentence, _Sentence]]:
    """(first, repeat) pairs, each repeat reported once, against its first occurrence."""
    sentences = [sentence for text in texts for sentence in _sentences(text, min_words)]
    rarity = Counter(word for sentence in sentences for word in sentence.words)
    seen_exact: dict[str, _Sentence] = {}
    index: dict[str, list[int]] = defaultdict(list)
    earlier: list[_Sentence] = []
    for sentence in sentences:
        first = seen_exact.get(sentence.key)
        prefix = _prefix(sentence.words, threshold, rarity) if first is None else ()
        if first is None:
            candidates = sorted({i for word in prefix for i in index.get(word, ())})
            first = next((earlier[i] for i in candidates if _similar(earlier[i], sentence, threshold)), None)
        if first is not None:
            yield first, sentence
            continue
        seen_exact[sentence.key] = sentence
        for word in prefix:
            index[word].append(len(earlier))
        earlier.append(sentence)


@RULE.checker
def check(document: Document, context: CheckContext) -> Iterator[Finding]:
    min_words = int(context.options["min-words"])
    threshold = float(context.options["similarity"])
    groups: list[list[PromptText]] = [list(call.prompt_texts) for call in document.calls]
    in_calls = {id(t) for group in groups for t in group}
    groups += [[text] for text in document.texts if id(text) not in in_calls]
    reported: set[tuple[int, int, int]] = set()
    for group in groups:
        for first, repeat in _repeats(group, min_words, threshold):
            key = (id(repeat.text), repeat.start, repeat.end)
            if key in reported or repeat.text.path != document.path:
                continue
            reported.add(key)
            where = first.text.span(first.start, first.end)
            place = f"line {where.line}" if first.text.path == repeat.text.path else f"{first.text.path}:{where.line}"
            same = "repeats" if first.key == repeat.key else "nearly repeats"
            yield context.in_text(
                repeat.text,
                repeat.start,
                repeat.end,
                f"this instruction {same} {place}",
                "keep one copy (in the system prompt if it applies to every request)",
            )
