"""Is a prompt a short, simple task? The question behind the model-choice rule.

The "Reducing latency" guide's first lever is choosing the fastest model that does the
job -- Haiku for short, simple tasks. Telling simple from complex work by reading the
prompt is guesswork, so this module is deliberately lopsided: a prompt is "simple" only
when it shows a simple-task cue (classification, extraction, yes/no, a short summary...)
and no complex-task cue at all (step-by-step reasoning, long-form writing, code, legal or
medical analysis, a long answer...). Recommending a smaller model for real work costs the
user quality; missing a case only costs some latency.

Cue phrases per language live in ``rules/tasks.yaml``; the lengths the prompt asks for
(:mod:`advisor.lengths`) add "short answer" / "long output" cues.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from . import derived, ruledata
from .derived import compile_pattern
from .language import (
    PhraseScanner,
    detect_language,
    expand_phrase,
    fold_case,
    make_phrase_pattern,
    negation_pattern,
    phrase_key,
    scanner_parts,
    spaced,
    supported_languages,
)
from .lengths import LengthRequest, find_length_requests

_PHRASE_END = re.compile(r"[.!?;:,\n]")


@dataclass(frozen=True)
class Cue:
    """A stretch of the prompt that hints at the kind of task."""

    start: int
    end: int
    kind: str  # "simple" or "complex"
    label: str  # e.g. "classification", "one-word answer", "multi-step reasoning"


@dataclass(frozen=True)
class TaskProfile:
    """What :func:`classify_task` concluded, with the evidence for it."""

    verdict: str  # "simple" | "complex" | "unclear"
    simple: tuple[Cue, ...]
    complex: tuple[Cue, ...]
    summary: str  # a noun phrase for messages: "a classification task with a one-word answer"


@dataclass(frozen=True, eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class _Matcher:
    """The cues of one language: phrases and pair verbs in one regex (one pass over the
    text, tried only where a phrase may start), the objects that may follow a verb, and
    what each match means."""

    scanner: PhraseScanner
    cues: dict[str, tuple[str, str]]  # phrase_key of a phrase variant -> (kind, label)
    verbs: frozenset[str]  # phrase_key of every pair verb
    object_re: re.Pattern[str]  # matched right after a verb: a short gap, then an object
    pairs: dict[str, list[tuple[str, str, frozenset[str]]]]  # object key -> (kind, label, verb keys)
    negation: re.Pattern[str]


@functools.cache
def _data() -> dict[str, Any]:
    return ruledata.load("tasks.yaml")


def _keys(phrases: Sequence[str]) -> list[str]:
    return [phrase_key(variant) for phrase in phrases for variant in expand_phrase(phrase)]


@functools.cache
def _matcher(language: str) -> _Matcher:
    stored = _derived(language)
    return _Matcher(
        scanner=PhraseScanner.from_parts(stored["scanner"], compile_pattern),
        cues=stored["cues"],
        verbs=stored["verbs"],
        object_re=compile_pattern(stored["object"]),
        pairs=stored["pairs"],
        negation=compile_pattern(stored["negation"]),
    )


def _derived(language: str) -> dict[str, Any]:
    """A language's cues as plain data: the scanner's parts (`language.scanner_parts`),
    the lookup tables and the patterns' sources. Kept between runs (`derived.made`), keyed
    by the digests of the rule files it comes from: expanding every cue phrase is a few
    milliseconds of a one-file run. One file per language, as `advisor.lengths` does."""
    key = (language, ruledata.digest("tasks.yaml"), ruledata.digest("languages.yaml"))
    return derived.made(f"tasks_{language}", key, lambda: _derive(language), dict)


def _derive(language: str) -> dict[str, Any]:
    cues: dict[str, tuple[str, str]] = {}
    pairs: dict[str, list[tuple[str, str, frozenset[str]]]] = {}
    phrases: list[str] = []
    verbs: list[str] = []
    objects: list[str] = []
    for kind in ("simple", "complex"):  # complex last: a phrase listed twice reads as complex
        for entry in _data()[kind]:
            label = entry["label"]
            phrases.extend(entry["phrases"].get(language, []))
            cues.update((key, (kind, label)) for key in _keys(entry["phrases"].get(language, [])))
            pair = entry.get("pairs", {}).get(language)
            if pair:
                verbs.extend(pair["verbs"])
                objects.extend(pair["objects"])
                for key in _keys(pair["objects"]):
                    pairs.setdefault(key, []).append((kind, label, frozenset(_keys(pair["verbs"]))))
    gap = int(_data()["thresholds"]["pair_gap_words"])
    return {
        "scanner": scanner_parts([*phrases, *verbs]),
        "cues": cues,
        "verbs": frozenset(_keys(verbs)),
        "object": rf"(?:\s+[^\s.;:!?]+){{0,{gap}}}?\s+(?P<object>{make_phrase_pattern(objects)})",
        "pairs": pairs,
        "negation": negation_pattern(language),
    }


@functools.cache
def _short_labels() -> frozenset[str]:
    return frozenset(entry["label"] for entry in _data()["simple"] if entry.get("needs_short_answer"))


def warm_up(languages: Sequence[str] = ("en",)) -> None:
    """Compile the cue patterns of ``languages`` now (see :func:`advisor.lengths.warm_up`)."""
    for code in languages:
        _matcher(code).scanner.compile_all()


def label_answer_cue() -> Cue:
    """The cue of an answer known to be one label (few-shot answers that are single labels)."""
    return Cue(0, 0, "simple", _data()["shape_labels"]["one-word"])


def classify_task(
    text: str,
    language: str | None = None,
    length_requests: Sequence[LengthRequest] | None = None,
    extra_cues: Sequence[Cue] = (),
) -> TaskProfile:
    """Profile the task a prompt sets: simple, complex or unclear, with the cues found.

    ``length_requests`` saves a second scan when the caller already has them
    (:func:`advisor.lengths.find_length_requests`); ``extra_cues`` is evidence found
    outside the wording, such as few-shot answers that are single labels.
    """
    requests = find_length_requests(text, language=language) if length_requests is None else length_requests
    cues = sorted({*_phrase_cues(fold_case(text), _languages(text, language)), *_shape_cues(requests), *extra_cues},
                  key=lambda cue: (cue.start, cue.end, cue.label))
    simple = tuple(cue for cue in cues if cue.kind == "simple")
    complex_ = tuple(cue for cue in cues if cue.kind == "complex")
    verdict, summary = _verdict(text, simple, complex_)
    return TaskProfile(verdict, simple, complex_, summary)


def _languages(text: str, language: str | None) -> tuple[str, ...]:
    """The prompt's language plus English (technical English turns up in every language);
    every language when it cannot be told."""
    code = language if language in supported_languages() else detect_language(text)
    if code is None:
        return supported_languages()
    return (code,) if code == "en" else (code, "en")


def _phrase_cues(text: str, languages: Sequence[str]) -> Iterator[Cue]:
    """Cues from phrases and verb...object pairs; ``text`` is already case-folded."""
    spaced_text = spaced(text) if languages else ""  # for every language's scanner
    for language in languages:
        matcher = _matcher(language)
        for match in matcher.scanner.finditer(text, 0, spaced_text):
            if _negated(text, match.start(), matcher.negation):
                continue  # "do not translate", "no step-by-step reasoning"
            key = phrase_key(match.group())
            if key in matcher.cues:
                yield Cue(match.start(), match.end(), *matcher.cues[key])
            if key in matcher.verbs:
                yield from _pair_cue(text, match, key, matcher)


def _pair_cue(text: str, verb: re.Match[str], verb_key: str, matcher: _Matcher) -> Iterator[Cue]:
    """The cue a verb makes with the object after it ("write ... essay"), if they belong
    to the same pair."""
    found = matcher.object_re.match(text, verb.end())
    if found is None:
        return
    for kind, label, verbs in matcher.pairs.get(phrase_key(found.group("object")), ()):
        if verb_key in verbs:
            yield Cue(verb.start(), found.end(), kind, label)
            return


def _negated(text: str, start: int, negation: re.Pattern[str]) -> bool:
    """A negation shortly before, in the same clause: "do not translate", "no code"."""
    lo = max(0, start - int(_data()["thresholds"]["negation_chars"]))
    cuts = [m.end() for m in _PHRASE_END.finditer(text, lo, start)]
    return negation.search(text, cuts[-1] if cuts else lo, start) is not None


def _shape_cues(requests: Sequence[LengthRequest]) -> Iterator[Cue]:
    """Cues from the length asked for: a long answer is complex work, a short one a hint
    (never enough on its own) that the task is simple."""
    labels = _data()["shape_labels"]
    for request in requests:
        if request.unit == "long" or _reaches(request, "long_output"):
            yield Cue(request.start, request.end, "complex", labels["long"])
        elif request.unit == "one-word":
            yield Cue(request.start, request.end, "simple", labels["one-word"])
        elif request.unit == "short" or _within(request, "short_output"):
            yield Cue(request.start, request.end, "simple", labels["short"])


def _reaches(request: LengthRequest, table: str) -> bool:
    threshold = _data()["thresholds"][table].get(request.unit)
    sizes = [n for n in (request.minimum, request.maximum) if n is not None]
    return threshold is not None and bool(sizes) and max(sizes) >= threshold


def _within(request: LengthRequest, table: str) -> bool:
    threshold = _data()["thresholds"][table].get(request.unit)
    return threshold is not None and request.maximum is not None and request.maximum <= threshold


def _verdict(text: str, simple: Sequence[Cue], complex_: Sequence[Cue]) -> tuple[str, str]:
    """(verdict, summary). Any complex cue wins; "simple" needs a task cue -- a short answer
    alone says nothing about the work -- and a prompt short enough to hold no hidden
    judgement calls."""
    if complex_:
        return "complex", "complex work: " + ", ".join(_unique(cue.label for cue in complex_)[:3])
    labels = _data()["shape_labels"]
    shapes = {cue.label for cue in simple if cue.label in (labels["one-word"], labels["short"])}
    tasks = _unique(cue.label for cue in simple if cue.label not in shapes)
    counted = [label for label in tasks if shapes or label not in _short_labels()]
    if not counted:
        if tasks:  # "summarize the article": a summary of any length
            return "unclear", f"{_with_article(tasks[0])} of unspecified length"
        return "unclear", ("a short answer with no clear task type" if shapes else "no clear task type")
    words = len(text.split())
    if words > int(_data()["thresholds"]["max_simple_words"]):
        return "unclear", f"a simple-looking task in a long prompt ({words} words)"
    shape = labels["one-word"] if labels["one-word"] in shapes else labels["short"] if shapes else None
    summary = _with_article(" and ".join(counted[:2]) + " task")
    return "simple", summary + (f" with {_with_article(shape)}" if shape else "")


def _unique(labels: Iterator[str]) -> list[str]:
    return list(dict.fromkeys(labels))


def _with_article(phrase: str) -> str:
    vowel_sound = phrase[0] in "aeiou" and not phrase.startswith("one")
    return ("an " if vowel_sound else "a ") + phrase
