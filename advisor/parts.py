"""Instructions versus data: which parts of a prompt text the developer wrote as requests.

A prompt mixes what the developer asks ("Summarize the article in 3 sentences.") with
material the model works on or imitates: a pasted article or transcript, an example answer,
a JSON schema whose fields say "Brief summary of ...", earlier turns of a replayed
conversation. A length, a task word or a repeated line in that material is not a request,
and the rules that judge what is asked were wrong most often exactly there. So each text is
split once into parts, each with a reason a user can read (``advisor tokens --explain``
shows them), and those rules read only the instruction parts.

The split is deliberately conservative: only material that is marked as such (a data tag,
an introducing line, a code fence, a JSON block, a model turn) becomes data; everything
else stays an instruction, so a rule can only lose findings on text the prompt itself
presents as material.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Sequence

from . import ruledata
from .derived import compile_pattern
from .language import PhraseScanner, fold_case, may_hold_phrase, phrase_pattern, phrase_words
from .model import PromptText, Role, Slot

INSTRUCTION = "instruction"
DATA = "data"


@dataclass(frozen=True, slots=True)
class Part:
    """A run of a prompt text, by text offsets, with what it is and why."""

    start: int
    end: int
    kind: str  # INSTRUCTION or DATA
    reason: str


@functools.cache
def _data() -> dict:
    return ruledata.load("parts.yaml")


class LinePattern:
    """A MULTILINE pattern that matches only at line starts (it opens with ``^``), run so
    that the regex engine tries it only there.

    Opening with ``^``, a pattern gives the engine nothing to skip ahead with, so it is
    tried at every character of the text. The same pattern after a literal line break is
    tried only after line breaks, which the engine finds by scanning for that character;
    the first line is matched on its own. No match of these patterns ends just after a
    line break, so none swallows the break the next one starts from, and the matches
    are those ``finditer`` finds.

    Both patterns are compiled on first use: most are declared at import, and many serve
    texts a run seldom meets (a fenced block, a JSON example)."""

    def __init__(self, source: str, flags: int = 0, compile: Callable[[str, int], re.Pattern[str]] = re.compile) -> None:
        self._source, self._flags, self._compile = source, flags | re.MULTILINE, compile

    @functools.cached_property
    def first_line(self) -> re.Pattern[str]:
        return self._compile(self._source, self._flags)

    @functools.cached_property
    def other_lines(self) -> re.Pattern[str]:
        return self._compile("\n(?:" + self._source + ")", self._flags)

    def finditer(self, text: str) -> Iterator[tuple[int, re.Match[str]]]:
        """(where the match starts, the match): after the first line, the match itself
        starts at the line break before it."""
        position = 0
        first = self.first_line.match(text)
        if first is not None:
            yield 0, first
            position = first.end()
        for match in self.other_lines.finditer(text, position):
            yield match.start() + 1, match


@functools.cache
def _introducer() -> LinePattern:
    """A line that announces material: list marker or heading, an introducer phrase, a
    short rest, a colon, then (group ``rest``) whatever follows on the same line."""
    phrases = [p for group in _data()["introducers"].values() for p in group]
    return LinePattern(
        r"^[ \t]*(?:[#>*\-•]+[ \t]*|\d+[.)][ \t]*)?(?:\*\*)?" + phrase_pattern(phrases) + r"[^\n:]{0,60}:(?:\*\*)?[ \t]*(?P<rest>[^\n]*)$",
        compile=compile_pattern,
    )


@functools.cache
def _boilerplate() -> PhraseScanner:
    return PhraseScanner(_data()["boilerplate"], compile_pattern)


@functools.cache
def _boilerplate_words() -> tuple[tuple[str, ...], ...] | None:
    return phrase_words(_data()["boilerplate"])


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def _boilerplate_blocks(text: str, folded: str) -> Iterable[tuple[int, int, str]]:
    """Paragraphs of pasted legal or policy text (a licence, terms of service). Few
    prompts hold one, and a text lacking the phrases' words is not scanned for them."""
    if not may_hold_phrase(folded, _boilerplate_words()):
        return
    for match in _boilerplate().finditer(folded):
        before = [m.end() for m in _PARAGRAPH_BREAK.finditer(text, 0, match.start())]
        after = _PARAGRAPH_BREAK.search(text, match.end())
        yield (before[-1] if before else 0), (after.start() if after else len(text)), "legal or policy text pasted as context"


_TAG = re.compile(r"<([A-Za-z][\w\-]{0,40})(?:\s[^<>\n]{0,200})?>")
# The lines between the fences are skipped a line at a time (a character at a time, ".*?^",
# tried the closing fence at every character of a long code block).
_FENCE = LinePattern(r"^[ \t]*(```|~~~)[^\n]*\n(?:[^\n]*\n)*?[ \t]*\1[ \t]*$")
_JSON_FIELD = LinePattern(r'^[ \t]*[-*]?[ \t]*"[^"\n]{1,80}"[ \t]*:')
_JSON_LINE = LinePattern(r'^[ \t]*[\[{][^\n]*"[^"\n]{1,80}"[ \t]*:[^\n]*$')
_BRACE = re.compile(r"[{}]")
_BLOCK_END = re.compile(r"\n[ \t]*\n|\n[ \t]*#|\n[ \t]*<")


def warm_up() -> None:
    """Compile the introducer pattern before workers fork (see :func:`advisor.analysis.warm_up`)."""
    _introducer()
    _boilerplate()


def _tag_kind(name: str) -> str | None:
    """DATA for a tag that wraps material, INSTRUCTION for one that wraps rules, None when
    the name says neither (left as instructions)."""
    lowered = name.lower()
    words = _data()["tags"]
    if any(word in lowered for word in words["instruction_words"]):
        return INSTRUCTION
    if any(word in lowered for word in words["data_words"]):
        return DATA
    return None


def _tagged_blocks(text: str) -> Iterable[tuple[int, int, str]]:
    for match in _TAG.finditer(text):
        name = match.group(1)
        if _tag_kind(name) != DATA:
            continue
        close = text.find(f"</{name}>", match.end())
        if close < 0:
            continue
        yield match.end(), close, f"inside <{name}>: material the prompt works on"


def _fenced_blocks(text: str) -> Iterable[tuple[int, int, str]]:
    if "```" not in text and "~~~" not in text:  # a substring search is far cheaper than the scan
        return
    for start, match in _FENCE.finditer(text):
        yield start, match.end(), "a fenced block: code or an example, not an instruction"


def _introduced_blocks(text: str, folded: str, slots: Sequence[Slot]) -> Iterable[tuple[int, int, str]]:
    if ":" not in text:  # every introducer ends in a colon
        return
    for line_start, match in _introducer().finditer(folded):
        label = text[line_start:match.start("rest")].strip().rstrip(":*").strip(" #>*-•")
        if match.group("rest").strip():
            start, end = match.start("rest"), match.end("rest")
            slot = next((s for s in slots if s.start == start), None)
            if slot is not None:  # "Question: {{ q }}. Please ...": the material is the slot
                end = slot.end
            yield start, end, f"after \"{label}:\": material, not an instruction"
            continue
        begin = match.end() + 1
        if begin >= len(text):
            continue
        yield begin, _block_end(text, begin), f"introduced by \"{label}:\": material, not an instruction"


_DATA_LEADS = tuple("{[\"'|0123456789")


def _block_end(text: str, begin: int) -> int:
    """Where introduced material ends: the next heading or tag, or a blank line after which
    the text no longer looks like more of the same material (rows of a table or a JSON
    list separated by blank lines go on)."""
    first = text[begin:text.find("\n", begin) if "\n" in text[begin:] else len(text)].lstrip()
    position = begin
    while True:
        stop = _BLOCK_END.search(text, position)
        if stop is None:
            return len(text)
        following = text[stop.end():].lstrip(" \t\n")
        if stop.group().rstrip().endswith(("#", "<")) or not following:
            return stop.start()
        if following.startswith(_DATA_LEADS) or (first[:2] and following.startswith(first[:2])):
            position = stop.end()
            continue
        return stop.start()


def _json_blocks(text: str) -> Iterable[tuple[int, int, str]]:
    """Lines of a JSON example or schema (``"summary": "Brief summary of ..."``): each
    describes one field of a larger answer, not the answer's size."""
    if '"' in text and ":" in text:  # both patterns need a quoted key and a colon
        yield from _json_lines(text)
    if "{" in text:
        yield from _json_objects(text)


def _json_lines(text: str) -> Iterable[tuple[int, int, str]]:
    for start, match in _JSON_FIELD.finditer(text):
        end = text.find("\n", match.end())
        yield start, len(text) if end < 0 else end, "a field of a JSON example or schema"
    for start, match in _JSON_LINE.finditer(text):
        yield start, match.end(), "a JSON object of an example"


def _json_objects(text: str) -> Iterable[tuple[int, int, str]]:
    """Brace blocks that start a line and span several."""
    depth, start = 0, None
    for brace in _BRACE.finditer(text):
        index = brace.start()
        if brace.group() == "{":
            if depth == 0:
                line_start = text.rfind("\n", 0, index) + 1
                start = index if not text[line_start:index].strip() else None
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0 and start is not None and "\n" in text[start:index]:
                yield start, index + 1, "a JSON example or schema"


def _merged(ranges: Sequence[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    merged: list[tuple[int, int, str]] = []
    for start, end, reason in sorted(ranges):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, reason))
    return merged


def split(text: PromptText) -> tuple[Part, ...]:
    """The text's parts, covering it from start to end, in order."""
    whole = len(text.text)
    if text.role == Role.ASSISTANT and text.earlier_turn:
        return (Part(0, whole, DATA, "an earlier assistant turn: model output, not an instruction"),)
    body = text.text
    folded = fold_case(body)
    ranges = [*_tagged_blocks(body), *_fenced_blocks(body), *_introduced_blocks(body, folded, text.slots), *_json_blocks(body), *_boilerplate_blocks(body, folded)]
    parts: list[Part] = []
    cursor = 0
    for start, end, reason in _merged(ranges):
        if start > cursor:
            parts.append(Part(cursor, start, INSTRUCTION, "written as an instruction"))
        parts.append(Part(start, end, DATA, reason))
        cursor = end
    if cursor < whole or not parts:
        parts.append(Part(cursor, whole, INSTRUCTION, "written as an instruction"))
    return tuple(parts)


def data_part_at(parts: Sequence[Part], start: int, end: int) -> Part | None:
    """The data part a range lies in (it starts inside one), or None for instructions."""
    for part in parts:
        if part.start <= start < part.end or (start == end == part.end):
            return part if part.kind == DATA else None
    return None


def instruction_ranges(parts: Sequence[Part]) -> list[tuple[int, int]]:
    return [(p.start, p.end) for p in parts if p.kind == INSTRUCTION]
