"""redundant-instruction: the same instruction given twice in one prompt.

The guide: "avoid unnecessary details or redundant information". Prompts grow by accretion:
a rule added to the system prompt is added again to the user template, a bullet is pasted
twice. Each copy is input the model processes on every call, for nothing.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections import Counter, defaultdict
from typing import Callable, Iterable, Iterator, NamedTuple

from ..analysis import instruction_text
from ..language import blanker, stopwords
from ..model import Document, Finding, PromptText, Severity
from ..parts import LinePattern
from ..patterns import lazy
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
    example=(
        'You are a support assistant for Acme routers.\n'
        'Always answer in English, even when the customer writes in another language.\n'
        'Explain each step of a fix in plain words.\n'
        'Remember: always answer in English, even when the customer writes in another language.'
    ),
    use_instead=(
        'You are a support assistant for Acme routers.\n'
        'Always answer in English, even when the customer writes in another language.\n'
        'Explain each step of a fix in plain words.'
    ),
    options={
        "min-words": Option(4, "Sentences with fewer content words are ignored (headings, labels, \"Be concise.\")."),
        "similarity": Option(0.8, "Similarity (0-1) of the content-word sets from which two sentences count as the same."),
        "max-per-prompt": Option(3, "Findings per prompt at most; the last one says how many more repeats there are."),
    },
    example_file='prompts/support.txt',
)

_SENTENCE = re.compile(r"[ \t\-*•>0-9.)]*([^.!?\n]+[.!?]?)")
# One literal per alternative (not a class first): the regex engine then skips ahead to the
# next of these characters instead of trying the pattern at every one.
_CODE_MARKS = re.compile(r"\(|\)|\{|\}|\[|\]|=|;|<|>|::|->|\$\w")
_MAX_CODE_MARKS = 2  # a "sentence" with more is a line of code or markup, not an instruction
_JINJA_BRANCH = lazy(r"\{%-?\s*(if|elif|else|endif)\b[^%]*%\}")  # templates only: compiled for the first


# Punctuation becomes spaces (one C-level pass per text), so words are a plain str.split().
_words_text = blanker("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~«»“”‘’…–—")


class _Sentence(NamedTuple):  # a tuple: tens of thousands are made per run
    text: PromptText
    start: int
    end: int
    words: frozenset[str]
    key: tuple[str, ...]


_new_sentence = tuple.__new__  # what NamedTuple._make calls, without its Python frame


def _in_slots(text: PromptText, spans: list[tuple[int, int]]) -> set[int]:
    """The sentences (indices into ``spans``: disjoint, in text order) that overlap a slot.
    The sentences overlapping one slot are a run, found by two bisections: a template can
    hold hundreds of slots and sentences, and testing every pair is quadratic."""
    if not text.slots:
        return set()
    starts = [start for start, _ in spans]
    ends = [end for _, end in spans]
    found: set[int] = set()
    for slot in text.slots:  # sentences ending after the slot starts and starting before it ends
        found.update(range(bisect.bisect_right(ends, slot.start), bisect.bisect_left(starts, slot.end)))
    return found


def _code_lines(body: str, spans: list[tuple[int, int]]) -> set[int]:
    """The sentences holding more than ``_MAX_CODE_MARKS`` code marks (lines of code or
    markup, not instructions).

    The marks are found once in the whole text. Every mark a search confined to a sentence
    finds starts at, or one character after, the start of a distinct mark of the whole
    text's search (marks are one or two characters long), so a sentence with at most
    ``_MAX_CODE_MARKS`` of those starting in it or just before it cannot hold more, and is
    not searched again; nor is any sentence of a text that has that few marks in all, like
    most prose."""
    marks = [match.start() for match in _CODE_MARKS.finditer(body)]
    if len(marks) <= _MAX_CODE_MARKS:
        return set()
    return {
        number
        for number, (start, end) in enumerate(spans)
        if bisect.bisect_left(marks, end) - bisect.bisect_left(marks, start - 1) > _MAX_CODE_MARKS
        and len(_CODE_MARKS.findall(body, start, end)) > _MAX_CODE_MARKS
    }


def _sentences(text: PromptText, min_words: int) -> list[_Sentence]:
    """The instruction sentences of a text: data parts (pasted material, example answers,
    earlier model turns) and lines of code are not instructions, so repeating them is not
    this rule's business."""
    function_words = stopwords()
    body = instruction_text(text)
    lowered = body.lower()
    # a character whose lower case is longer: slice per sentence
    words_text = _words_text(lowered) if len(lowered) == len(body) else None
    spans = [match.span(1) for match in _SENTENCE.finditer(body)]
    skipped = _in_slots(text, spans) | _code_lines(body, spans)
    found: list[_Sentence] = []
    for number, (start, end) in enumerate(spans):
        if skipped and number in skipped:
            continue
        chunk = words_text[start:end] if words_text is not None else _words_text(body[start:end].lower())
        words = chunk.split()
        if len(words) < min_words:
            continue
        content = frozenset(words) - function_words
        if len(content) < min_words:
            continue
        found.append(_new_sentence(_Sentence, (text, start, end, content, tuple(words))))
    return found


# Up to this many sentences, comparing each with every earlier one costs less than
# building the index of `_indexed_repeats`; most prompts are that short.
_PAIRWISE_MAX = 24


def _repeats(texts: list[PromptText], min_words: int, threshold: float) -> Iterator[tuple[_Sentence, _Sentence]]:
    """(first, repeat) pairs, each repeat reported once, against its first occurrence: the
    earliest sentence that is not itself a repeat and has the same words or nearly."""
    sentences = [sentence for text in texts for sentence in _sentences(text, min_words)]
    if len(sentences) <= _PAIRWISE_MAX:
        return _pairwise_repeats(sentences, threshold)
    return _indexed_repeats(sentences, threshold)


def _pairwise_repeats(sentences: list[_Sentence], threshold: float) -> Iterator[tuple[_Sentence, _Sentence]]:
    """Each sentence against every earlier first copy, in text order. Two word sets of
    sizes n <= m are at Jaccard >= threshold only if n >= threshold * m (the intersection
    is at most n, the union at least m), so pairs of too different sizes are passed over
    by comparing two numbers, without building their intersection."""
    seen_exact: dict[tuple[str, ...], _Sentence] = {}
    earlier: list[tuple[int, _Sentence]] = []
    for sentence in sentences:
        first = seen_exact.get(sentence.key)
        if first is None:
            words = sentence.words
            size = len(words)
            smallest = threshold * size
            for other_size, other in earlier:  # a plain loop: this runs for every pair of sentences
                if other_size < smallest or threshold * other_size > size:
                    continue
                shared = len(other.words & words)
                if shared >= threshold * (size + other_size - shared):  # `_similar`, inlined
                    first = other
                    break
            else:
                seen_exact[sentence.key] = sentence
                earlier.append((size, sentence))
                continue
        yield first, sentence


def _indexed_repeats(sentences: list[_Sentence], threshold: float) -> Iterator[tuple[_Sentence, _Sentence]]:
    """`_pairwise_repeats` by prefix filtering: two word sets at Jaccard >= threshold share
    at least one of the first |A| - ceil(t*|A|) + 1 words of each, in any fixed order. So
    only the earlier sentences sharing a prefix word are compared, in text order, and the
    first similar one is the one `_pairwise_repeats` finds. Ordering rarest first (by the
    number of sentences holding the word, then by first occurrence) keeps common words out
    of the prefixes, so few sentences are compared at all; the order is one number per
    word, so each prefix is a sort by a dict lookup."""
    rarity = Counter(itertools.chain.from_iterable(sentence.words for sentence in sentences))
    size = len(rarity)
    rank = {word: count * size + number for number, (word, count) in enumerate(rarity.items())}.__getitem__
    singles = frozenset(word for word, count in rarity.items() if count == 1)
    seen_exact: dict[tuple[str, ...], _Sentence] = {}
    index: dict[str, list[int]] = {}
    earlier: list[_Sentence] = []
    for sentence in sentences:
        first = seen_exact.get(sentence.key)
        if first is not None:
            yield first, sentence
            continue
        words = sentence.words
        keep = len(words) - math.ceil(threshold * len(words)) + 1
        if keep >= 1 and len(words & singles) >= keep:
            # Its prefix is all words no other sentence holds (they rank first): nothing
            # earlier shares one, nor will anything later, and no other sentence has its
            # words, so it is nobody's repeat or first copy. Most of a long prompt's are.
            continue
        prefix = sorted(words, key=rank)[:keep]
        if keep == 1:  # a posting list is in text order already
            candidates: Iterable[int] = index.get(prefix[0], ())
        else:
            candidates = sorted(set(itertools.chain.from_iterable(map(index.get, prefix, itertools.repeat(())))))
        for i in candidates:
            if _similar(earlier[i], sentence, threshold):
                yield earlier[i], sentence
                break
        else:
            seen_exact[sentence.key] = sentence
            for word in prefix:
                index.setdefault(word, []).append(len(earlier))
            earlier.append(sentence)


def _similar(a: _Sentence, b: _Sentence, threshold: float) -> bool:
    """Jaccard similarity of the content words at least ``threshold`` (the union's size
    from the intersection's: one set built instead of two)."""
    shared = len(a.words & b.words)
    return shared >= threshold * (len(a.words) + len(b.words) - shared)


def _branches(text: PromptText, source: str) -> Callable[[int], tuple[tuple[int, int], ...]]:
    """For a Jinja template: a function from a text offset to the ``{% if %}`` branches it
    lies in, as (block, branch) pairs. Text in two branches of one block is never sent
    together, so a sentence in the ``else`` branch repeating the ``if`` branch is an
    alternative, not a repetition."""
    marks: list[tuple[int, tuple[tuple[int, int], ...]]] = [(0, ())]
    stack: list[list[int]] = []
    blocks = 0
    for tag in _JINJA_BRANCH().finditer(source):
        word = tag.group(1)
        if word == "if":
            blocks += 1
            stack.append([blocks, 0])
        elif word in ("elif", "else") and stack:
            stack[-1][1] += 1
        elif word == "endif" and stack:
            stack.pop()
        marks.append((tag.end(), tuple((b, i) for b, i in stack)))
    starts = [offset for offset, _ in marks]

    def at(offset: int) -> tuple[tuple[int, int], ...]:
        source_offset = text.source_map.source_range(offset, offset + 1)[0]
        return marks[bisect.bisect_right(starts, source_offset) - 1][1]

    return at


_RULE_LINE_SOURCE = r"^[ \t]*[-=_*#~]{10,}[ \t]*$"
_RULE_LINE = re.compile(_RULE_LINE_SOURCE, re.MULTILINE)
_RULE_LINES = LinePattern(_RULE_LINE_SOURCE)


def _rule_lines(body: str) -> tuple[list[int], list[int]]:
    """(starts, ends) of the text's horizontal rules, found once per text: a search of
    the stretch between each repeat and its first copy reads the same text again for
    every repeat, which on a long prompt with hundreds of them was most of the rule's
    cost."""
    spans = [(start, match.end()) for start, match in _RULE_LINES.finditer(body)]
    return [start for start, _ in spans], [end for _, end in spans]


def _across_rule_lines(body: str, start: int, end: int, rules: tuple[list[int], list[int]]) -> bool:
    """Whether a horizontal rule (a line of ten or more dashes) separates two sentences:
    such files hold a prompt and then examples or earlier versions of it, each of which
    restates its own constraints; a copy in another section is not a repetition.

    As ``_RULE_LINE.search(body, start, end)``, from the text's ``rules``: the first
    rule line starting at or after ``start`` (rule lines are disjoint, so it ends first)
    lies in the stretch if it ends by ``end``; the only other line the search can match
    is the one ``end`` cuts, whose cut start it matches (``$`` at the end of the search)."""
    starts, ends = rules
    first = bisect.bisect_left(starts, start)
    if first < len(starts) and ends[first] <= end:
        return True
    line_start = body.rfind("\n", 0, end) + 1
    return line_start >= start and _RULE_LINE.match(body, line_start, end) is not None


def _alternatives(a: tuple[tuple[int, int], ...], b: tuple[tuple[int, int], ...]) -> bool:
    blocks = dict(a)
    return any(block in blocks and blocks[block] != branch for block, branch in b)


@RULE.checker
def check(document: Document, context: CheckContext) -> Iterator[Finding]:
    min_words = int(context.options["min-words"])
    threshold = float(context.options["similarity"])
    cap = max(1, int(context.options["max-per-prompt"]))
    groups: list[list[PromptText]] = [list(call.prompt_texts) for call in document.calls]
    in_calls = {id(t) for group in groups for t in group}
    groups += [[text] for text in document.texts if id(text) not in in_calls]
    reported: set[tuple[int, int, int]] = set()
    rule_lines: dict[int, tuple[list[int], list[int]]] = {}  # by text, read at its first repeat
    templated = "{%" in document.source
    for group in groups:
        branch_of: dict[int, Callable[[int], tuple[tuple[int, int], ...]]] | None = None  # read at the first repeat
        repeats: dict[tuple[int, int, int], list[_Sentence]] = defaultdict(list)
        firsts: dict[tuple[int, int, int], _Sentence] = {}
        for first, repeat in _repeats(group, min_words, threshold):
            key = (id(repeat.text), repeat.start, repeat.end)
            if key in reported:
                continue
            if branch_of is None:
                branch_of = {id(t): _branches(t, document.source) for t in group if templated and t.path == document.path}
            if id(first.text) in branch_of and id(repeat.text) in branch_of and _alternatives(
                branch_of[id(first.text)](first.start), branch_of[id(repeat.text)](repeat.start)
            ):
                continue
            if first.text is repeat.text:
                body = first.text.text
                if id(first.text) not in rule_lines:
                    rule_lines[id(first.text)] = _rule_lines(body)
                if _across_rule_lines(body, first.end, repeat.start, rule_lines[id(first.text)]):
                    continue
            reported.add(key)
            anchor = (id(first.text), first.start, first.end)
            firsts[anchor] = first
            repeats[anchor].append(repeat)
        own = [(firsts[a], copies) for a, copies in repeats.items() if any(c.text.path == document.path for c in copies)]
        for number, (first, copies) in enumerate(own):
            if number == cap:
                break
            shown = next(c for c in copies if c.text.path == document.path)
            places = [_place(first, shown)] + [_place(c, shown) for c in copies if c is not shown]
            same = "repeats" if all(first.key == c.key for c in copies) else "nearly repeats"
            more = len(own) - cap if number == cap - 1 and len(own) > cap else 0
            message = f"this instruction {same} {places[0]}" + (f" (also at {', '.join(places[1:])})" if places[1:] else "")
            if more:
                message += f"; {more} more repeated instruction{'s' if more > 1 else ''} in this prompt not shown"
            yield context.in_text(
                shown.text,
                shown.start,
                shown.end,
                message,
                "keep one copy (in the system prompt if it applies to every request)",
            )


def _place(sentence: _Sentence, shown: _Sentence) -> str:
    where = sentence.text.span(sentence.start, sentence.end)
    return f"line {where.line}" if sentence.text.path == shown.text.path else f"{sentence.text.path}:{where.line}"
