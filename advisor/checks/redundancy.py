"""redundant-instruction: the same instruction given twice in one prompt.

The guide: "avoid unnecessary details or redundant information". Prompts grow by accretion:
a rule added to the system prompt is added again to the user template, a bullet is pasted
twice. Each copy is input the model processes on every call, for nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from ..language import is_stopword
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

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
_WORD = re.compile(r"[^\W_]+")
_MAX_SENTENCES = 400  # beyond this, only exact repeats are looked for (keeps big prompts linear)


@dataclass(frozen=True)
class _Sentence:
    text: PromptText
    start: int
    end: int
    words: frozenset[str]
    key: str


def _sentences(text: PromptText, min_words: int) -> Iterator[_Sentence]:
    for match in _SENTENCE.finditer(text.text):
        raw = match.group()
        start = match.start() + (len(raw) - len(raw.lstrip(" \t-*•>0123456789.)")))
        end = match.end()
        if start >= end or text.in_slot(start, end):
            continue
        words = [w.lower() for w in _WORD.findall(text.text[start:end])]
        content = frozenset(w for w in words if not is_stopword(w))
        if len(content) < min_words:
            continue
        yield _Sentence(text, start, end, content, " ".join(words))


def _similar(a: _Sentence, b: _Sentence, threshold: float) -> bool:
    small, large = sorted((len(a.words), len(b.words)))
    if small < threshold * large:
        return False
    return len(a.words & b.words) / len(a.words | b.words) >= threshold


def _repeats(texts: list[PromptText], min_words: int, threshold: float) -> Iterator[tuple[_Sentence, _Sentence]]:
    """(first, repeat) pairs, each repeat reported once, against its first occurrence."""
    seen_exact: dict[str, _Sentence] = {}
    earlier: list[_Sentence] = []
    for text in texts:
        for sentence in _sentences(text, min_words):
            first = seen_exact.get(sentence.key)
            if first is None and len(earlier) < _MAX_SENTENCES:
                first = next((e for e in earlier if _similar(e, sentence, threshold)), None)
            if first is not None:
                yield first, sentence
                continue
            seen_exact[sentence.key] = sentence
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
