"""What a prompt asks for, worked out once per text and once per call.

Several rules need the same readings of the same prompt (the length it asks for, the kind
of task, the expected answer size); each reading is computed on first use and kept on the
text or call object, so a file costs one scan per text whatever the number of rules.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace

from . import lengths, ruledata, tasks, tokens
from .language import detect_language
from .lengths import LengthRequest, expected_output_tokens, find_length_requests
from .model import PromptCall, PromptText
from .tasks import TaskProfile, classify_task

_JOIN = "\n\n"


def warm_up() -> None:
    """Load the tokenizer and compile the phrase patterns every prompt needs, once, in a
    process about to fork workers: they inherit all of it instead of each rebuilding it."""
    tokens.raw_count("warm up")
    detect_language("warm up the language detector")
    lengths.warm_up()
    tasks.warm_up()


def text_language(text: PromptText) -> str | None:
    """The language of a prompt text, detected once."""
    if "language" not in text.memo:
        text.memo["language"] = text.language or detect_language(text.text)
    return text.memo["language"]


def text_requests(text: PromptText) -> list[LengthRequest]:
    """The output-length requests in one prompt text (offsets into ``text.text``)."""
    if "requests" not in text.memo:
        text.memo["requests"] = find_length_requests(text.text, text.slots, language=text_language(text))
    return text.memo["requests"]


def call_language(call: PromptCall) -> str | None:
    """The language of the call's longest text: instructions set the language of a prompt."""
    texts = sorted(call.prompt_texts, key=lambda t: len(t.text), reverse=True)
    return text_language(texts[0]) if texts else None


def call_text(call: PromptCall) -> str:
    """Every known part of the call's prompt, linked files included, as one text."""
    if "text" not in call.memo:
        call.memo["text"] = _JOIN.join(t.text for t in call.prompt_texts)
    return call.memo["text"]


def call_requests(call: PromptCall) -> list[LengthRequest]:
    """The length requests of all the call's texts, with offsets into :func:`call_text`."""
    if "requests" not in call.memo:
        shifted, offset = [], 0
        for text in call.prompt_texts:
            shifted.extend(replace(r, start=r.start + offset, end=r.end + offset) for r in text_requests(text))
            offset += len(text.text) + len(_JOIN)
        call.memo["requests"] = shifted
    return call.memo["requests"]


def call_profile(call: PromptCall) -> TaskProfile:
    """Simple, complex or unclear: the task the call's prompt sets."""
    if "profile" not in call.memo:
        call.memo["profile"] = classify_task(
            call_text(call), language=call_language(call), length_requests=call_requests(call)
        )
    return call.memo["profile"]


def call_expected_output(call: PromptCall) -> tuple[int, int] | None:
    """The answer size (low, high tokens) the prompt asks for, if it says."""
    if "expected" not in call.memo:
        call.memo["expected"] = expected_output_tokens(call_requests(call))
    return call.memo["expected"]


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
