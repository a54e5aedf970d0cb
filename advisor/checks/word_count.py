"""word-count-limit: the prompt asks for a number of words.

From the guide: "asking for an exact word count or a word count limit is not as effective as
asking for paragraph or sentence count limits" -- models see tokens, not words, so a word
budget is followed loosely and answers overshoot.
"""

from __future__ import annotations

from typing import Iterator

from ..analysis import text_requests
from ..fixes import edit_text_span, single_edit_fix
from ..lengths import word_limit_suggestion
from ..model import Document, Finding, Severity
from ..registry import CheckContext, FixSafety, Option, Rule

RULE = Rule(
    code="O001",
    name="word-count-limit",
    severity=Severity.WARNING,
    guide="2. Optimize prompt and output length: ask for shorter responses",
    summary="The prompt limits the answer by a number of words.",
    why=(
        "Claude reads and writes tokens, not words, so it cannot count words as it writes: an "
        "exact word count or a word ceiling is followed only loosely and answers often run "
        "long, and every extra output token is generation time. Anthropic's latency guide "
        "recommends sentence or paragraph counts, which the model follows far more reliably."
    ),
    example='Summarize the ticket in no more than 120 words.',
    use_instead='Summarize the ticket in 5-6 sentences.',
    fix=FixSafety.UNSAFE,
    fix_note="Rewrites the word limit as a sentence or paragraph limit of similar length, in the prompt's language; the wording of the prompt changes.",
    options={
        "min-words": Option(
            11,
            "Word caps below this (\"a title of at most 3 words\", \"a slogan under 10 words\") are left alone: such an answer is "
            "a sentence or less, so a sentence limit would not make it shorter.",
        ),
    },
    example_file='prompts/summary.txt',
)


@RULE.checker
def check(document: Document, context: CheckContext) -> Iterator[Finding]:
    smallest = int(context.options["min-words"])
    for text in document.all_texts():
        for request in text_requests(text):
            if request.unit != "words":
                continue
            if request.maximum is not None and request.maximum < smallest:
                continue
            rewrite = word_limit_suggestion(request)
            fix = None
            if request.dynamic:
                suggestion = rewrite
            else:
                suggestion = f"ask for \"{rewrite}\" instead (a sentence or paragraph count)"
                if text.path == document.path:
                    edit = edit_text_span(text, document.source, request.start, request.end, rewrite)
                    fix = single_edit_fix(f"ask for \"{rewrite}\"", "unsafe", edit)
            yield context.in_text(
                text,
                request.start,
                request.end,
                f"word-count limit \"{request.phrase}\": models count tokens, not words, so it is followed loosely",
                suggestion,
                fix=fix,
            )
