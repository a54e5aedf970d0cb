"""What a prompt asks for, worked out once per text and once per call.

Several rules need the same readings of the same prompt (the length it asks for, the kind
of task, the expected answer size); each reading is computed on first use and kept on the
text or call object, so a file costs one scan per text whatever the number of rules.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace

from . import lengths, parts, ruledata, tasks, tokens
from .language import detect_language
from .lengths import LengthRequest, expected_output_tokens, find_length_requests
from .model import PromptCall, PromptText
from .patterns import lazy
from .tasks import TaskProfile, classify_task

_JOIN = "\n\n"


def warm_up() -> None:
    """Load the tokenizer and compile the phrase patterns every prompt needs, once, in a
    process about to fork workers: they inherit all of it instead of each rebuilding it."""
    tokens.raw_count("warm up")
    detect_language("warm up the language detector")
    lengths.warm_up()
    tasks.warm_up()
    parts.warm_up()


def text_language(text: PromptText) -> str | None:
    """The language of a prompt text, detected once."""
    if "language" not in text.memo:
        text.memo["language"] = detect_language(text.text)
    return text.memo["language"]


def text_parts(text: PromptText) -> tuple[parts.Part, ...]:
    """The text split into instruction and data parts, once (see :mod:`advisor.parts`)."""
    if "parts" not in text.memo:
        text.memo["parts"] = parts.split(text)
    return text.memo["parts"]


def instruction_text(text: PromptText) -> str:
    """The text with its data parts blanked out (same length, so offsets still hold)."""
    if "instructions" not in text.memo:
        pieces = text_parts(text)
        if all(p.kind == parts.INSTRUCTION for p in pieces):
            text.memo["instructions"] = text.text
        else:
            text.memo["instructions"] = "".join(
                text.text[p.start:p.end] if p.kind == parts.INSTRUCTION else _blank(text.text[p.start:p.end]) for p in pieces
            )
    return text.memo["instructions"]


def _blank(chunk: str) -> str:
    """Spaces for every character but line breaks, which keep sentences apart (line by
    line: a pasted article is many thousand characters)."""
    return "\n".join(" " * len(line) for line in chunk.split("\n"))


def all_text_requests(text: PromptText) -> list[LengthRequest]:
    """Every output-length request the wording holds, data parts included (for
    ``advisor tokens --explain``, which shows what the split set aside)."""
    if "all_requests" not in text.memo:
        text.memo["all_requests"] = find_length_requests(text.text, text.slots, language=text_language(text))
    return text.memo["all_requests"]


def text_requests(text: PromptText) -> list[LengthRequest]:
    """The output-length requests in the instruction parts of one prompt text (offsets
    into ``text.text``): a length inside a pasted article or an example answer asks for
    nothing."""
    if "requests" not in text.memo:
        pieces = text_parts(text)
        requests = all_text_requests(text)
        text.memo["requests"] = [r for r in requests if parts.data_part_at(pieces, r.start, r.end) is None]
    return text.memo["requests"]


def call_language(call: PromptCall) -> str | None:
    """The language of the call's longest text: instructions set the language of a prompt."""
    texts = sorted(call.prompt_texts, key=lambda t: len(t.text), reverse=True)
    return text_language(texts[0]) if texts else None


def call_text(call: PromptCall) -> str:
    """The instructions of every known part of the call's prompt, linked files included,
    as one text (data parts blanked, so offsets match :func:`call_requests`): the task a
    prompt sets is read from what it asks, not from the article it pastes."""
    if "text" not in call.memo:
        call.memo["text"] = _JOIN.join(instruction_text(t) for t in call.prompt_texts)
    return call.memo["text"]


def call_requests(call: PromptCall) -> list[LengthRequest]:
    """The length requests of all the call's texts, with offsets into :func:`call_text`."""
    if "requests" not in call.memo:
        shifted: list[LengthRequest] = []
        offset = 0
        for text in call.prompt_texts:
            shifted.extend(replace(r, start=r.start + offset, end=r.end + offset) for r in text_requests(text))
            offset += len(text.text) + len(_JOIN)
        call.memo["requests"] = shifted
    return call.memo["requests"]


def call_profile(call: PromptCall) -> TaskProfile:
    """Simple, complex or unclear: the task the call's prompt sets."""
    if "profile" not in call.memo:
        extra = [tasks.label_answer_cue()] if few_shot_labels(call) else []
        call.memo["profile"] = classify_task(
            call_text(call), language=call_language(call), length_requests=call_requests(call), extra_cues=extra
        )
    return call.memo["profile"]


_LABEL_WORDS = 3


def few_shot_labels(call: PromptCall) -> bool:
    """Whether the call's example answers (earlier assistant turns) are all single labels
    ("positive", "yes", "billing"): the answer it asks for is then a label too."""
    answers = [t for t in call.messages if t.earlier_turn]
    return bool(answers) and not any(t.slots for t in answers) and all(
        0 < len(t.text.split()) <= _LABEL_WORDS for t in answers
    )


def call_expected_output(call: PromptCall) -> tuple[int, int] | None:
    """The answer size (low, high tokens) the prompt asks for, if it says."""
    if "expected" not in call.memo:
        requests = call_requests(call)
        expected = None if _sizes_fields_of_a_larger_answer(call_text(call), requests) else expected_output_tokens(requests)
        if expected is None and few_shot_labels(call):
            longest = max(tokens.raw_count(t.text) for t in call.messages if t.earlier_turn)
            expected = (1, 2 * longest + 5)
        call.memo["expected"] = expected
    return call.memo["expected"]


_FIELD_LINE = lazy(r"^[ \t]*(?:\d+[.)]|[-*•])[ \t]+[^\n:()]{1,50}[:(]", re.MULTILINE)
_MIN_FIELDS = 3


def _sizes_fields_of_a_larger_answer(text: str, requests: list[LengthRequest]) -> bool:
    """Whether the lengths the prompt states size fields of a structured answer ("4.
    Abstract (2-3 sentences)" in a list of ten fields): the whole answer's size is then
    not stated anywhere, and no budget can be judged against one field. A prompt that
    states no length is not searched for fields (the pattern is compiled for the first
    one that does)."""
    if not requests:
        return False
    fields = [m for m in _FIELD_LINE().finditer(text)]
    if len(fields) < _MIN_FIELDS:
        return False
    field_lines = {text.count("\n", 0, m.start()) for m in fields}
    return any(text.count("\n", 0, r.start) in field_lines for r in requests)


_PER_ITEM_WINDOW = 60  # characters around a length request searched for "each", "per"...


@functools.cache
def _distributive() -> re.Pattern[str]:
    words = sorted({w for ws in ruledata.load("lengths.yaml")["distributive"].values() for w in ws}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", re.IGNORECASE)


def call_asks_per_item(call: PromptCall) -> bool:
    """Whether a length request applies per item ("a paragraph for each group"): the answer
    size then grows with the data, and the stated length is a floor, not a total."""
    if "per_item" not in call.memo:
        text = call_text(call)
        pattern = _distributive()
        call.memo["per_item"] = any(
            pattern.search(text, max(0, r.start - _PER_ITEM_WINDOW), r.end + _PER_ITEM_WINDOW)
            for r in call_requests(call)
        )
    return call.memo["per_item"]


def thinking_budget(call: PromptCall) -> int | None:
    """``thinking.budget_tokens`` when the call turns extended thinking on with a literal
    budget; thinking tokens are generated before the answer and count against max_tokens."""
    field = call.extra.get("thinking")
    value = field.get() if field is not None else None
    if not isinstance(value, dict) or value.get("type") != "enabled":
        return None
    budget = value.get("budget_tokens")
    return budget if isinstance(budget, int) and not isinstance(budget, bool) and budget >= 0 else None


_RAISED_EFFORTS = ("high", "xhigh", "max")


def thinks(call: PromptCall) -> bool:
    """Whether the call lets the model think before answering: extended thinking on (any
    budget, adaptive, or computed at run time) or a raised effort. A budget sized to the
    stated answer alone then cuts the thinking short, so it is never a safe fix."""
    field = call.extra.get("thinking")
    if field is not None and not field.is_absent:
        value = field.get()
        if not isinstance(value, dict) or value.get("type") not in ("disabled", None):
            return True
    return call.effort.get() in _RAISED_EFFORTS or call.effort.is_dynamic
