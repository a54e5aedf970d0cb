"""What length of answer a prompt asks for: "in 50 words", "in 2-3 sentences", "briefly".

Three rules read this: ``word-count-limit`` (the "Reducing latency" guide says a word count
is a weaker length control than a sentence or paragraph count), and the max_tokens and
model-choice rules, which need to know how long the answer will be.

Only requests about the *answer* count. Prompts are full of numbers followed by "words"
that are not length requests -- "here is a 500-word essay", "list 5 keywords", "count the
words", "in other words" -- so every match is judged in context:

* a bound word ("under", "at most", "höchstens", "no máximo") or "in N words" makes a
  request, unless a verb states a fact about existing text ("the message *is* at most 500
  words");
* a count without one ("a 300-word intro", "un texte de 500 mots", "about 150 words") is
  judged by the nearest cue before it in the same clause: "write", "as a" (output) versus
  "here is", "summarize the", "voici" (input) -- and by an input cue right after it ("the
  essay below");
* "give 3 words" and "3 words that describe" are lists, "count the words" is a counting
  task, and a count of one word is a one-word answer.

All phrase lists, number words and factors live in ``rules/lengths.yaml``; this module holds
the matching logic. Regexes are compiled once per language and reused. One scan of the text
finds unit nouns, labels and qualitative phrases together; the (few) nouns preceded by a
number are then read leftwards, which keeps a 10 KB prompt well under a millisecond or two.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Sequence

from . import derived, ruledata
from .derived import compile_pattern
from .language import (
    PhraseScanner,
    detect_language,
    expand_phrase,
    first_word,
    fold_case,
    make_phrase_pattern,
    negation_pattern,
    phrase_key,
    phrase_table,
    scanner_parts,
    spaced,
    supported_languages,
)

if TYPE_CHECKING:
    from .model import Slot

COUNTED_UNITS = ("words", "sentences", "paragraphs", "items", "lines", "characters", "pages", "tokens")
UNITS = (*COUNTED_UNITS, "one-word", "short", "long")

_SLOT = "\ue000"  # stands in for every character of a template slot: reads as "a number"
_CLAUSE_END = re.compile(r"[.!?;\n]")
_PHRASE_END = re.compile(r"[.!?;:,\n]")
_CANDIDATE = re.compile(rf"(?<![\w{_SLOT}])[\w{_SLOT}]|[^\w\s]")  # where a prefix or number may start
# Bound words that make a request whatever the words around say. "around 500 words" is not
# among them: it describes input as often as it asks for output ("the article, about 500
# words, ...").
_STRONG_KINDS = frozenset({"max", "min", "exact", "within", "between", "to"})
_BOUND_KINDS = ("exact", "max", "min", "approx", "within", "to")
_SUFFIX_BOUNDS = ("max", "min", "approx")
_FLIP = {"max": "min", "min": "max"}


@dataclass(frozen=True)
class LengthRequest:
    """One request about the length of the answer, located in the prompt text."""

    start: int  # offsets of the matched phrase in the text
    end: int
    unit: str  # one of UNITS
    minimum: int | None
    maximum: int | None
    exact: bool
    language: str
    dynamic: bool  # the number is a template slot ("exactly {{ n }} words")
    phrase: str


# ---------------------------------------------------------------------------------------
# Compiled per-language lexicon
# ---------------------------------------------------------------------------------------


def _number_source(numbers: Mapping[str, int], joiners: list[str]) -> str:
    """A number: a template slot, digits ("1,000", "2k") or number words.

    Number words follow a small grammar so that "one hundred and fifty" and "vinte e cinco"
    are single numbers while "two and three" stays a range: a joiner ("and", "y", "e") may
    only follow a hundred/thousand or join tens to units. The grammar is unambiguous (a
    word before "hundred" is never itself a hundred), so a failing match cannot backtrack
    through exponentially many parses.
    """

    def words(keep) -> str:
        return make_phrase_pattern([word for word, value in numbers.items() if keep(value)])

    atom = make_phrase_pattern(numbers)
    small, tens = words(lambda v: 1 <= v <= 9), words(lambda v: 20 <= v <= 90 and v % 10 == 0)
    mult, below_mult = words(lambda v: v >= 100 and v % 100 == 0), words(lambda v: v < 100)
    sep = rf"(?:\s+{make_phrase_pattern(joiners)}\s+|[\s-]+)"
    hundreds = rf"(?:{below_mult}[\s-]+)?{mult}"
    spelled = rf"(?:{hundreds}{sep})*(?:{tens}{sep}(?={small}))?(?:{hundreds}|{atom})"
    digits = (
        r"(?<![\w.,])(?:\d{1,3}(?:[,.\u00a0\u202f\u2009]\d{3})+(?!\d)"
        r"|\d{1,3}(?: \d{3})+(?![\d-])"  # "1 000 mots", but "3 500-word essays" is 3 essays
        r"|\d+(?:[.,]\d+)?\s?k(?!\w)|\d+(?!\d))"
    )
    return rf"(?:{_SLOT}+|{digits}|{spelled})"


class _Lexicon:
    """Everything needed to read length requests in one language.

    The tables and the patterns' sources come from `_derived`; each pattern is compiled
    when first used (`__getattr__`): a text reads with a few of them, and a one-file run
    need not load the others' compiled code. `compile_all` compiles the rest (before
    workers fork, so they inherit them)."""

    language: str
    units: dict[str, str]
    numbers: dict[str, int]
    prefix_kinds: dict[str, str]
    suffix_kinds: dict[str, str]
    labels: dict[str, tuple[str, str]]
    scan_kinds: dict[str, tuple[str, str]]  # what a scan match is: ("unit"|"label"|"phrase", name)
    cue_kinds: dict[str, str]
    contracted: frozenset[str]
    number_ends: frozenset[str]  # lookup forms of number words a number can end with
    adjectives: frozenset[str]
    scanner: PhraseScanner  # units, labels and qualitative phrases in one pass over the text
    unit_re: re.Pattern[str]
    left_re: re.Pattern[str]
    atom_re: re.Pattern[str]
    prefix_re: re.Pattern[str]
    suffix_re: re.Pattern[str]
    label_re: re.Pattern[str]
    cue_re: re.Pattern[str]
    determiner_re: re.Pattern[str]
    item_verb_re: re.Pattern[str]
    describing_re: re.Pattern[str]
    input_after_re: re.Pattern[str]
    counting_re: re.Pattern[str]
    state_re: re.Pattern[str]
    reduce_re: re.Pattern[str]
    negation_re: re.Pattern[str]

    def __init__(self, language: str, scanner: PhraseScanner, tables: Mapping[str, Any],
                 sources: Mapping[str, str]) -> None:
        self.language = language
        self.scanner = scanner
        vars(self).update(tables)
        self._sources = sources

    def __getattr__(self, name: str) -> re.Pattern[str]:
        """A pattern not compiled yet (only called for a name the instance lacks)."""
        source = self._sources.get(name) if name != "_sources" else None
        if source is None:
            raise AttributeError(name)
        pattern = compile_pattern(source)
        setattr(self, name, pattern)
        return pattern

    def compile_all(self) -> None:
        for name in self._sources:
            getattr(self, name)


@functools.cache
def _data() -> dict[str, Any]:
    return ruledata.load("lengths.yaml")


def _context(name: str) -> int:
    return int(_data()["context"][name])


def _scan_phrases(entry: dict[str, Any]) -> list[str]:
    """Every phrase a request can hang on: unit nouns, qualitative phrases, labels."""
    unit_nouns = [p for nouns in entry["units"].values() for p in nouns]
    qualitative = [p for phrases in entry["phrases"].values() for p in phrases]
    labels = [p for groups in entry["labels"].values() for phrases in groups.values() for p in phrases]
    return [*unit_nouns, *qualitative, *labels]


_SCANNERS: dict[str, PhraseScanner] = {}


def _scanner(language: str) -> PhraseScanner:
    """The one pattern a text must match before the (costly) full lexicon is compiled:
    most prompts mention no length at all, and most languages never occur in a repo."""
    scanner = _SCANNERS.get(language)
    if scanner is None:
        scanner = _SCANNERS[language] = PhraseScanner.from_parts(_derived(language)["scanner"], compile_pattern)
    return scanner


@functools.cache
def _scan_words(language: str) -> tuple[frozenset[str], tuple[str, ...]] | None:
    """The first words of the scanner's phrases (`language.first_word`): (words a text
    must hold as they are, words a text word may start with), or None when a phrase
    starts with a symbol (no cheap test). Kept between runs (`derived.made_text`, as
    JSON): expanding every phrase is a few milliseconds of a one-file run."""
    phrases = tuple(_scan_phrases(_data()["languages"][language]))
    found = json.loads(derived.made_text("scanwords", phrases, lambda: json.dumps(_first_words(phrases))))
    return None if found is None else (frozenset(found[0]), tuple(found[1]))


def _first_words(phrases: tuple[str, ...]) -> list[list[str]] | None:
    exact: set[str] = set()
    starts: set[str] = set()
    for phrase in phrases:
        for variant in expand_phrase(phrase):
            word, open_ended = first_word(variant)
            if not word:
                return None
            (starts if open_ended else exact).add(word)
    return [sorted(exact), sorted(starts)]


_WORD = re.compile(r"\w+")


def _may_scan(language: str, text: str, words: list[set[str]], several: bool, spaced_text: str | None = None) -> bool:
    """Whether the language's scanner may match ``text``: whether the text holds one of
    its phrases' first words. A scanner not compiled yet is compiled only for such a
    text: a text whose language is unknown is tried in every language, and compiling six
    scanners is most of what linting one short file costs. Among ``several`` languages
    the test also spares compiled scanners their pass over the text: the text's words are
    read once (``words`` memoises them across languages), where each scanner would read
    all of it again; for one language the scanner's own search is the cheaper test. The
    words of an ASCII text are its `spaced` copy's, split in C (``spaced_text``, when the
    caller has it)."""
    if language in _SCANNERS and not several:
        return True
    found = _scan_words(language)
    if found is None:
        return True
    if not words:
        words.append(set((spaced_text or spaced(text)).split() if text.isascii() else _WORD.findall(text)))
    exact, starts = found
    if not exact.isdisjoint(words[0]):
        return True
    present = tuple(start for start in starts if start in text)  # a substring search first: most are absent
    return bool(present) and any(map(str.startswith, words[0], itertools.repeat(present)))


@functools.cache
def _lexicon(language: str) -> _Lexicon:
    stored = _derived(language)
    return _Lexicon(language, _scanner(language), stored["tables"], stored["patterns"])


@functools.cache
def _derived(language: str) -> dict[str, Any]:
    """What a language's requests are read with, as plain data: the scanner's parts
    (`language.scanner_parts`), the lexicon's lookup tables and its patterns' sources.
    Kept between runs (`derived.made`), keyed by the digests of the rule files it comes
    from: building it expands a few thousand phrase variants, a few milliseconds of a
    one-file run, which reads it back in a fraction of one. One file per language: a run
    reads only the languages its texts may be in."""
    key = (language, ruledata.digest("lengths.yaml"), ruledata.digest("languages.yaml"))
    return derived.made(f"lengths_{language}", key, lambda: _derive(language), dict)


def _derive(language: str) -> dict[str, Any]:
    entry = _data()["languages"][language]
    cues = entry["cues"]
    unit_nouns = [p for nouns in entry["units"].values() for p in nouns]
    units = make_phrase_pattern(unit_nouns)
    prefix = make_phrase_pattern([p for phrases in entry["prefixes"].values() for p in phrases])
    number = _number_source(entry["numbers"], entry["number_joiners"])
    connector = make_phrase_pattern(entry["range_connectors"])
    number_range = rf"(?P<n1>{number})(?:(?:\s*[-–—]\s*|\s+{connector}\s+)(?P<n2>{number}))?"
    adjective = make_phrase_pattern(entry["adjectives"])
    left = (
        rf"(?P<prefix>(?:{prefix}\s*){{0,3}})(?P<num>{number_range})"
        rf"(?:(?:\s+|\s*-\s*)(?P<adj>{adjective}))?(?P<sep>\s*-\s*|\s+)\Z"
    )
    label_phrases = [p for groups in entry["labels"].values() for phrases in groups.values() for p in phrases]
    label = (
        rf"(?P<label>{make_phrase_pattern(label_phrases)})\s*(?:{make_phrase_pattern(entry['label_links'])}\s*)?"
        rf"(?P<prefix>(?:{prefix}\s*){{0,2}})(?P<num>{number_range})(?:\s*(?P<unit>{units}))?"
    )
    tables = {
        "units": phrase_table(entry["units"]),
        "numbers": {phrase_key(w): int(v) for w, v in entry["numbers"].items()},
        "prefix_kinds": phrase_table(entry["prefixes"]),
        "suffix_kinds": phrase_table(entry["suffixes"]),
        "labels": {
            phrase_key(variant): (unit, bound)
            for unit, groups in entry["labels"].items()
            for bound, phrases in groups.items()
            for p in phrases
            for variant in expand_phrase(p)
        },
        "scan_kinds": {
            **{key: ("unit", unit) for key, unit in phrase_table(entry["units"]).items()},
            **{key: ("phrase", kind) for key, kind in phrase_table(entry["phrases"]).items()},
            **{phrase_key(v): ("label", "") for p in label_phrases for v in expand_phrase(p)},
        },
        "cue_kinds": phrase_table({"input": cues["input"], "output": [*cues["output"], *cues["item_verbs"]]}),
        "contracted": frozenset(phrase_key(w) for w in entry["contracted_within"]),
        "number_ends": frozenset(
            phrase_key(part) for word in entry["numbers"] for part in (word, word.split()[-1], word.split("-")[-1])
        ),
        "adjectives": frozenset(phrase_key(a) for a in entry["adjectives"]),
    }
    patterns = {
        "unit_re": units,
        "left_re": left,
        "atom_re": make_phrase_pattern(entry["numbers"]),
        "prefix_re": prefix,
        "suffix_re": rf"\s*(?:{make_phrase_pattern([p for ps in entry['suffixes'].values() for p in ps])})",
        "label_re": label,
        "cue_re": make_phrase_pattern([*cues["input"], *cues["output"], *cues["item_verbs"]]),
        "determiner_re": rf"{make_phrase_pattern(entry['determiners'])}\s*\Z",
        "item_verb_re": rf"{make_phrase_pattern(cues['item_verbs'])}\s+(?:{make_phrase_pattern(entry['determiners'])}\s+)?\Z",
        "describing_re": rf"[\s,]*{make_phrase_pattern(cues['describing'])}",
        "input_after_re": (
            rf"(?:[\s,-]+[^\W\d_]+){{0,{_context('right_cue_words')}}}?[\s,]+{make_phrase_pattern(cues['input_after'])}"
        ),
        "counting_re": make_phrase_pattern(cues["counting"]),
        "state_re": rf"{make_phrase_pattern(cues['states'])}\s+\Z",
        "reduce_re": make_phrase_pattern(entry["reduce_verbs"]),
        "negation_re": negation_pattern(language),
    }
    return {"scanner": scanner_parts(_scan_phrases(entry)), "tables": tables, "patterns": patterns}


# ---------------------------------------------------------------------------------------
# Finding requests
# ---------------------------------------------------------------------------------------


def find_length_requests(
    text: str, slots: Sequence[tuple[int, int] | Slot] = (), language: str | None = None
) -> list[LengthRequest]:
    """Every request about the length of the answer in ``text``, in text order.

    ``slots`` are the (start, end) offsets of template placeholders (``{{ n }}``); a slot
    where a number belongs is read as a number whose value is unknown (``dynamic``).
    ``PromptText.slots`` can be passed as is. ``language`` defaults to the detected one;
    when it cannot be told, every supported language is tried.
    """
    masked = fold_case(_mask(text, slots))
    spaced_text = spaced(masked)  # for every scanner's search (`PhraseScanner`)
    found: list[LengthRequest] = []
    judged: set[int] = set()
    for lexicon, first in _lexicons_for(masked, language, spaced_text):
        for request in _requests(text, masked, lexicon, judged, first, spaced_text):
            found.append(request)
            if len(found) >= MAX_REQUESTS_PER_TEXT:
                break
    return _without_overlaps(found)


# A real prompt asks for a length a few times; past this many the text is generated or
# hostile (a megabyte of "in 300 words"), and reading the rest only costs time: the
# findings per rule are capped in any case (engine.MAX_FINDINGS_PER_RULE).
MAX_REQUESTS_PER_TEXT = 1_000


def _requests(text: str, masked: str, lexicon: _Lexicon, judged: set[int], first: int = 0,
              spaced_text: str | None = None) -> Iterator[LengthRequest]:
    """One pass over the text finds every unit noun, label and qualitative phrase; each is
    then read in its context. The pass starts at ``first``, where the scanner's search
    found the first of them (`_lexicons_for`): the text before it holds none.

    ``judged`` holds the unit nouns (by offset) an earlier language already decided: when
    the language is unknown, a noun shared by several languages ("page", "frase") is decided
    by the first language whose words around it settle the question, so that a second
    language lacking those words cannot overturn the verdict.
    """
    for match in lexicon.scanner.finditer(masked, first, spaced_text):
        start, end = match.span()
        category, name = lexicon.scan_kinds[phrase_key(match.group())]
        if category == "phrase":
            request = _phrase_request(text, masked, start, end, name, lexicon)
        elif category == "unit":
            request = _numeric_request(text, masked, start, end, name, lexicon, judged)
        else:  # "word limit: 200"; else the label's first word may be a unit ("a 200 word limit")
            request = _label_request(text, masked, start, lexicon) or _unit_at(text, masked, start, lexicon, judged)
        if request is not None:
            yield request


def _mask(text: str, slots: Sequence[Any]) -> str:
    """The text with every slot's characters replaced by ``_SLOT`` (offsets unchanged)."""
    if not slots:
        return text
    pieces, last = [], 0
    for start, end in sorted((s.start, s.end) if hasattr(s, "start") else tuple(s) for s in slots):
        start = max(start, last)
        pieces.append(text[last:start])
        pieces.append(_SLOT * max(0, end - start))
        last = max(last, end)
    pieces.append(text[last:])
    return "".join(pieces)


def warm_up(languages: Sequence[str] = ("en",)) -> None:
    """Compile the scanners and full lexicons of ``languages`` now (a process about to fork
    workers does this once, so they inherit the compiled patterns). Other languages' are
    compiled when a run meets a text that may be in them."""
    for code in languages:
        _scanner(code).compile_all()
        _lexicon(code).compile_all()


def _lexicons_for(text: str, language: str | None, spaced_text: str | None = None) -> list[tuple[_Lexicon, int]]:
    """The lexicons whose scanner matches the text, each with where its first match
    starts: the scan for requests resumes there rather than reading the text twice."""
    code = language if language in supported_languages() else detect_language(text)
    codes = [code] if code else supported_languages()
    words: list[set[str]] = []
    found = []
    for c in codes:
        may_scan = _may_scan(c, text, words, len(codes) > 1, spaced_text)
        first = _scanner(c).search(text, 0, spaced_text) if may_scan else None
        if first is not None:
            found.append((_lexicon(c), first.start()))
    return found


def _without_overlaps(found: list[LengthRequest]) -> list[LengthRequest]:
    """Keep the earliest, longest reading of each stretch of text (found order breaks ties,
    so languages keep pack order)."""
    if len(found) < 2:  # most texts
        return found
    ordered = sorted(enumerate(found), key=lambda item: (item[1].start, item[1].start - item[1].end, item[0]))
    kept: list[LengthRequest] = []
    for _, request in ordered:
        if not kept or request.start >= kept[-1].end:
            kept.append(request)
    return kept


def _clause_start(text: str, pos: int, limit: int) -> int:
    """Start of the clause holding ``pos``, looking back at most ``limit`` characters."""
    lo = max(0, pos - limit)
    ends = [m.end() for m in _CLAUSE_END.finditer(text, lo, pos)]
    return ends[-1] if ends else lo


def _clause_end(text: str, pos: int, limit: int) -> int:
    match = _CLAUSE_END.search(text, pos, min(len(text), pos + limit))
    return match.start() if match else min(len(text), pos + limit)


def _request(text: str, start: int, end: int, unit: str, lexicon: _Lexicon, *, minimum: int | None = None,
             maximum: int | None = None, exact: bool = False, dynamic: bool = False) -> LengthRequest:
    return LengthRequest(start, end, unit, minimum, maximum, exact, lexicon.language, dynamic, text[start:end])


# -- numbers ----------------------------------------------------------------------------


def _value(text: str | None, lexicon: _Lexicon) -> int | None:
    """The value of a matched number; None for a slot or nothing."""
    if not text or _SLOT in text:
        return None
    if text[0].isdigit():
        if text[-1] == "k":
            return round(float(text[:-1].strip().replace(",", ".")) * 1000)
        return int(re.sub(r"\D", "", text))
    return _spelled_value([lexicon.numbers[phrase_key(m.group())] for m in lexicon.atom_re.finditer(text)])


def _ordered(low: int | None, high: int | None, match: re.Match[str]) -> tuple[int | None, int | None]:
    """(low, high) of a number or range; a single number is both ends."""
    if match.group("n2") is None:
        return low, low
    if low is not None and high is not None and high < low:
        return high, low
    return low, high


def _spelled_value(values: list[int]) -> int:
    """Combine number words: "two hundred fifty" -> 250, "mille deux cents" -> 1200."""
    total = current = 0
    for value in values:
        if value == 1000:
            total += max(current, 1) * 1000
            current = 0
        elif value == 100:
            current = max(current, 1) * 100
        else:
            current += value
    return total + current


# -- numeric requests ("under 50 words") ---------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class _Hit:
    """A number + unit noun match before it is judged."""

    start: int  # start of the prefix (or of the number)
    number_start: int
    unit_end: int
    end: int  # after the suffix, if any
    unit: str
    low: int | None
    high: int | None
    is_range: bool
    dynamic: bool
    kinds: tuple[str, ...]  # prefix kinds in text order: max, min, approx, exact, within, between, of, to
    suffix: str | None  # suffix kind: max, min, approx, target
    compound: bool  # "a 300-word intro", "a 5-paragraph essay"

    @property
    def strong(self) -> bool:
        """A bound word or "in N ..." makes a request whatever the surrounding words say."""
        return any(kind in _STRONG_KINDS for kind in self.kinds) or self.suffix in ("max", "min")

    @property
    def bare(self) -> bool:
        return not self.kinds and not self.suffix and not self.compound


def _numeric_request(text: str, masked: str, start: int, end: int, unit: str, lexicon: _Lexicon,
                     judged: set[int]) -> LengthRequest | None:
    if start in judged:
        return None
    hit = _parse_hit(masked, start, end, unit, lexicon)
    if hit is None:
        return None
    request, decided = _judge(text, masked, hit, lexicon)
    if decided:
        judged.add(start)
    return request


def _unit_at(text: str, masked: str, start: int, lexicon: _Lexicon, judged: set[int]) -> LengthRequest | None:
    match = lexicon.unit_re.match(masked, start)
    if match is None:
        return None
    unit = lexicon.units[phrase_key(match.group())]
    return _numeric_request(text, masked, start, match.end(), unit, lexicon, judged)


def _parse_hit(masked: str, unit_start: int, unit_end: int, unit: str, lexicon: _Lexicon) -> _Hit | None:
    if not _number_before(masked, unit_start, lexicon):
        return None  # most unit nouns ("examples", "line") come without a count: skip them fast
    left = _match_ending_at(lexicon.left_re, masked, max(0, unit_start - _context("prefix_chars")), unit_start)
    if left is None:
        return None
    low, high = _ordered(_value(left.group("n1"), lexicon), _value(left.group("n2"), lexicon), left)
    suffix = lexicon.suffix_re.match(masked, unit_end)
    kinds = _prefix_kinds(masked, left, lexicon)
    if "between" in kinds and left.group("n2") is None:
        return None  # "choose between two options": a choice among the input's options, not a range
    dynamic = _SLOT in left.group("num")
    return _Hit(
        start=left.start(),
        number_start=left.start("num"),
        unit_end=unit_end,
        end=suffix.end() if suffix else unit_end,
        unit=unit,
        low=low,
        high=high,
        is_range=left.group("n2") is not None,
        dynamic=dynamic,
        kinds=kinds,
        suffix=lexicon.suffix_kinds[phrase_key(suffix.group())] if suffix else None,
        compound=_is_compound(masked, left, unit_end, low, dynamic, kinds, lexicon),
    )


def _number_before(masked: str, pos: int, lexicon: _Lexicon) -> bool:
    """Whether the word before ``pos`` (or before an adjective there) can end a number."""
    words = masked[max(0, pos - 40):pos].replace("-", " ").split()
    if words and phrase_key(words[-1]) in lexicon.adjectives:
        words.pop()
    if not words:
        return False
    last = words[-1]
    if last[-1].isdigit() or _SLOT in last or (last[-1] == "k" and last[-2:-1].isdigit()):
        return True
    return phrase_key(last.strip("([{\"'«„“")) in lexicon.number_ends


def _match_ending_at(pattern: re.Pattern[str], text: str, lo: int, hi: int) -> re.Match[str] | None:
    """Leftmost match of a ``\\Z``-anchored pattern that ends at ``hi``.

    Same result as ``pattern.search(text, lo, hi)`` but tried only where a phrase or number
    can start (word starts and symbols), which is several times faster: this runs at every
    unit noun of every prompt.
    """
    for candidate in _CANDIDATE.finditer(text, lo, hi):
        match = pattern.match(text, candidate.start(), hi)
        if match:
            return match
    return None


def _kinds_in(prefix: str, lexicon: _Lexicon) -> list[str]:
    """The kinds of the bound words in a matched prefix, in text order."""
    return [lexicon.prefix_kinds[phrase_key(m.group())] for m in lexicon.prefix_re.finditer(prefix)]


def _prefix_kinds(masked: str, left: re.Match[str], lexicon: _Lexicon) -> tuple[str, ...]:
    kinds = _kinds_in(left.group("prefix"), lexicon)
    if phrase_key(left.group("n1")) in lexicon.contracted:
        kinds.append("within")  # Portuguese "numa frase" = "em uma frase"
    if "to" in kinds and not _reduced(masked, left.start(), lexicon):
        kinds.remove("to")  # "to" bounds a length only after "limit", "keep", "shorten"...
    return tuple(kinds)


def _reduced(masked: str, pos: int, lexicon: _Lexicon) -> bool:
    lo = _clause_start(masked, pos, _context("clause_chars"))
    return lexicon.reduce_re.search(masked, lo, pos) is not None


def _is_compound(masked: str, left: re.Match[str], unit_end: int, low: int | None, dynamic: bool,
                 kinds: tuple[str, ...], lexicon: _Lexicon) -> bool:
    """Whether the count is an adjective of a noun ("a 300-word intro", "100-Wörter-Text").

    A hyphen says so; so does a determiner before a count above one ("a 300 word intro",
    "the 5 paragraph essay"), since the article agrees with the noun, not with the count.
    """
    if "-" in left.group("sep") or masked.startswith("-", unit_end):
        return True
    if kinds or not (dynamic or left.group("n2") or (low or 0) > 1):
        return False
    start = left.start("num")
    return lexicon.determiner_re.search(masked, max(0, start - 20), start) is not None


def _judge(text: str, masked: str, hit: _Hit, lexicon: _Lexicon) -> tuple[LengthRequest | None, bool]:
    """The request a hit makes (None when it describes the input or something else), and
    whether the text decided it (False: rejected only for lack of evidence)."""
    if lexicon.state_re.search(masked, max(0, hit.start - 30), hit.start):
        return None, True  # "the user's message is at most 500 words": a fact about existing text
    if _parenthesised(masked, hit) and not _labels_a_field(masked, hit) and _nearest_cue(masked, hit.start, lexicon) == "input":
        return None, True  # "classify the articles (< 100 words) by topic": sizes the input
    if not hit.strong:
        output = _asks_for_output(masked, hit, lexicon)
        if not output:
            return None, output is not None
    unit = _reading(masked, hit, lexicon)
    if unit is None:
        return None, True
    minimum, maximum, exact = _bounds(masked, hit, lexicon)
    if unit == "one-word":
        minimum, maximum = None, 1
    request = _request(text, hit.start, hit.end, unit, lexicon, minimum=minimum, maximum=maximum, exact=exact,
                       dynamic=hit.dynamic)
    return request, True


def _asks_for_output(masked: str, hit: _Hit, lexicon: _Lexicon) -> bool | None:
    """For a count without a bound word: is it about the answer (True) or the input (False)?
    None when nothing says (a bare "500 words" with no cue around)."""
    if lexicon.input_after_re.match(masked, hit.end):
        return False  # "the 500-word essay below"
    cue = _nearest_cue(masked, hit.start, lexicon)
    if cue is not None:
        return cue == "output"
    if hit.bare and (_standalone(masked, hit) or _labels_a_field(masked, hit)):
        return True  # "In one paragraph. 100 words.", "- 100-150 words", "Email body (150-200 words)"
    return None if hit.bare else True  # "a 300-word intro" reads as a request


_FRAGMENT_LEAD = " \t-*•–—>"
_LABEL_WORDS = 4  # "Email body", "Section 2 summary": a label names a field in a few words


def _standalone(masked: str, hit: _Hit) -> bool:
    """A count that is a clause of its own: a fragment after a sentence ("100 words.") or a
    list item ("- 100-150 words"); nothing around it can be about anything but the answer."""
    lo = _clause_start(masked, hit.start, _context("clause_chars"))
    hi = _clause_end(masked, hit.end, _context("clause_chars"))
    return not masked[lo:hit.start].strip(_FRAGMENT_LEAD) and not masked[hit.end:hi].strip(" \t")


def _parenthesised(masked: str, hit: _Hit) -> bool:
    return masked[:hit.start].rstrip(" \t~<≤").endswith("(") and masked[hit.end:].lstrip(" \t").startswith(")")


def _labels_a_field(masked: str, hit: _Hit) -> bool:
    """A parenthesised count after a short label that ends its line: "Email body (150-200
    words)" sizes that part of the answer."""
    if not _parenthesised(masked, hit):
        return False
    line_start = masked.rfind("\n", 0, hit.start) + 1
    label = masked[line_start:masked.rfind("(", line_start, hit.start)].strip(_FRAGMENT_LEAD + ":")
    close = masked.find(")", hit.end)
    line_end = masked.find("\n", close)
    rest = masked[close + 1:line_end if line_end >= 0 else len(masked)].strip(" \t:")
    return 0 < len(label.split()) <= _LABEL_WORDS and not rest


def _nearest_cue(masked: str, pos: int, lexicon: _Lexicon) -> str | None:
    """"input" or "output", from the last cue in the clause before ``pos``."""
    lo = _clause_start(masked, pos, _context("clause_chars"))
    last = deque(lexicon.cue_re.finditer(masked, lo, pos), maxlen=1)  # keeps only the last cue
    return lexicon.cue_kinds[phrase_key(last[0].group())] if last else None


def _reading(masked: str, hit: _Hit, lexicon: _Lexicon) -> str | None:
    """The unit the hit asks for: word counts may really be word lists or one-word answers;
    None for a counting task ("count the words")."""
    if hit.unit != "words":
        return hit.unit
    if hit.low == 1 and not hit.is_range:
        return "one-word"
    if not hit.strong and _is_word_list(masked, hit, lexicon):
        return "items"
    sentence_lo = _clause_start(masked, hit.start, _context("clause_chars"))
    sentence_hi = _clause_end(masked, hit.end, _context("clause_chars"))
    if lexicon.counting_re.search(masked, sentence_lo, sentence_hi):
        return None
    return "words"


def _is_word_list(masked: str, hit: _Hit, lexicon: _Lexicon) -> bool:
    """ "give 3 words", "3 words that describe": a list of words, not a length."""
    if lexicon.item_verb_re.search(masked, max(0, hit.number_start - 40), hit.number_start):
        return True
    small = hit.high is not None and hit.high <= _context("max_item_words")
    return small and lexicon.describing_re.match(masked, hit.unit_end) is not None


def _bounds(masked: str, hit: _Hit, lexicon: _Lexicon) -> tuple[int | None, int | None, bool]:
    """(minimum, maximum, exact) from the number(s) and the bound words around them."""
    bound = _bound_kind(hit)
    if bound in _FLIP and hit.suffix != bound and _negated(masked, hit.start, lexicon):
        bound = _FLIP[bound]  # "do not use more than 100 words"
    exact = bound == "exact"
    if hit.dynamic:
        return None, None, exact
    if hit.is_range:
        return hit.low, hit.high, False
    if bound in ("max", "within", "to"):
        return None, hit.low, False
    if bound == "min":
        return hit.low, None, False
    return hit.low, hit.low, exact


def _bound_kind(hit: _Hit) -> str:
    """The bound a suffix gives, else the prefix nearest the number ("in no more than 50":
    "no more than"; "hand it over in 2 sentences": "in"), else a plain target."""
    if hit.suffix in _SUFFIX_BOUNDS:
        return hit.suffix
    return next((kind for kind in reversed(hit.kinds) if kind in _BOUND_KINDS), "target")


def _negated(masked: str, pos: int, lexicon: _Lexicon) -> bool:
    """A negation shortly before ``pos`` and in the same phrase ("not too long: answer
    briefly" is not negated)."""
    lo = max(0, pos - _context("negation_chars"))
    cuts = [m.end() for m in _PHRASE_END.finditer(masked, lo, pos)]
    return lexicon.negation_re.search(masked, cuts[-1] if cuts else lo, pos) is not None


# -- label requests ("word limit: 200") ---------------------------------------------------


def _label_request(text: str, masked: str, start: int, lexicon: _Lexicon) -> LengthRequest | None:
    match = lexicon.label_re.match(masked, start)
    if match is None:
        return None
    unit, bound = lexicon.labels[phrase_key(match.group("label"))]
    if match.group("unit"):
        unit = lexicon.units[phrase_key(match.group("unit"))]
    elif unit == "any":
        return None  # "length: 3" says nothing without a unit
    low, high = _ordered(_value(match.group("n1"), lexicon), _value(match.group("n2"), lexicon), match)
    kinds = tuple(_kinds_in(match.group("prefix"), lexicon))
    hit = _Hit(match.start(), match.start("num"), match.end(), match.end(), unit, low, high,
               match.group("n2") is not None, _SLOT in match.group("num"), kinds or (bound,), None, False)
    minimum, maximum, exact = _bounds(masked, hit, lexicon)
    return _request(text, hit.start, hit.end, unit, lexicon, minimum=minimum, maximum=maximum, exact=exact,
                    dynamic=hit.dynamic)


# -- qualitative requests ("briefly", "answer yes or no", "in detail") --------------------


def _phrase_request(text: str, masked: str, start: int, end: int, unit: str,
                    lexicon: _Lexicon) -> LengthRequest | None:
    if _negated(masked, start, lexicon) or _describes_input(masked, start, end, lexicon):
        return None
    return _request(text, start, end, unit, lexicon, maximum=1 if unit == "one-word" else None)


def _describes_input(masked: str, start: int, end: int, lexicon: _Lexicon) -> bool:
    """ "Here is a detailed report", "the short summary below": about the input."""
    if lexicon.input_after_re.match(masked, end):
        return True
    lo = max(_clause_start(masked, start, _context("clause_chars")), start - _context("immediate_input_chars"))
    return any(lexicon.cue_kinds[phrase_key(m.group())] == "input" for m in lexicon.cue_re.finditer(masked, lo, start))


# ---------------------------------------------------------------------------------------
# Using requests: suggestions and output-size estimates
# ---------------------------------------------------------------------------------------


def word_limit_suggestion(request: LengthRequest) -> str:
    """A sentence or paragraph count of about the same length, in the request's language,
    worded to replace the request's phrase in its sentence.

    50 words -> "in 2–3 sentences", "Keep it to no more than 120 words" -> "Keep it to 5–6
    sentences", "Write 1000 words" -> "Write 8–9 paragraphs", "a 200-word summary" -> "a
    1–2-paragraph summary" (see the comment on `suggestions` in rules/lengths.yaml). A
    template-slot count gets a generic advice, since its value is unknown.
    """
    if request.unit != "words":
        raise ValueError(f"not a word limit: {request.unit}")
    language = _data()["languages"][request.language]
    templates = language["suggestions"]
    settings = _data()["suggestion"]
    low = request.minimum if request.minimum is not None else request.maximum
    high = request.maximum if request.maximum is not None else request.minimum
    if request.dynamic or low is None or high is None:
        return str(templates["dynamic"])
    if high <= settings["few_words_max"]:
        return str(templates["few_words"])
    unit = "sentences" if high <= settings["sentences_up_to"] else "paragraphs"
    per = settings["words_per_sentence" if unit == "sentences" else "words_per_paragraph"]
    if request.maximum is None:
        return _worded(request, templates, language["units"]["words"], "at_least", unit, {"n": max(1, math.ceil(low / per))})
    few, many = _count_range(low, high, per)
    if many == 1:
        return _worded(request, templates, language["units"]["words"], "one", unit, {})
    if few == many:
        return _worded(request, templates, language["units"]["words"], "count", unit, {"n": many})
    return _worded(request, templates, language["units"]["words"], "range", unit, {"low": few, "high": many})


_FIRST_DIGIT = re.compile(r"\d")


def _worded(request: LengthRequest, templates: Mapping[str, Any], word_units: Sequence[str], shape: str, unit: str,
            values: Mapping[str, int]) -> str:
    """The count (``shape``: one, count, range, at_least) worded to stand where the
    request's phrase stands: after the phrase's own preposition, quantifier, or bare."""
    prepositions: Mapping[str, str] = templates["prepositions"]

    def count(form: str) -> str:
        return str(templates[form][shape][unit]).format(**values)

    default = f"{templates['preposition']} {count(prepositions[templates['preposition']])}"
    words = request.phrase.split()
    if not words:
        return default
    first = words[0]
    form = prepositions.get(fold_case(first))
    if form is not None:  # "to no more than 120 words" -> "to 5–6 sentences"
        return f"{first} {count(form)}"
    digit = _FIRST_DIGIT.search(request.phrase)
    if digit is None:  # a spelled-out number: where it starts is not known
        return default
    lead = request.phrase[:digit.start()]
    last = fold_case(re.split(r"[\s\-–]", request.phrase.rstrip(" .,;:"))[-1])
    compound = templates.get("compound")
    if compound and last in templates.get("compound_units", ()) and shape in compound:
        return str(compound[shape][unit]).format(**values)  # "a 200-word summary"
    if last not in {fold_case(w) for w in word_units}:
        return default  # words after the unit ("120 words or fewer"): the usual wording
    if lead and request.minimum is None and shape != "at_least":
        return f"{lead}{count('noun')}"  # "no more than 50 words" -> "no more than 2–3 sentences"
    return count("noun")  # "Write 1000 words" -> "Write 8–9 paragraphs"


def _count_range(low_words: int, high_words: int, per: float) -> tuple[int, int]:
    """Sentences (or paragraphs) spanning a word range; a single figure gets a range of two
    ("about 50 words" -> 2–3 sentences), which reads more naturally than "2.5"."""
    if low_words == high_words:
        many = max(1, math.ceil(high_words / per))
        return max(1, many - 1), many
    few = max(1, math.ceil(low_words / per))
    return few, max(few, math.floor(high_words / per))


def expected_output_tokens(requests: Sequence[LengthRequest]) -> tuple[int, int] | None:
    """(low, high) output tokens the requests imply; None when nothing measurable is asked.

    Counted requests (and one-word answers) are what the answer must satisfy, so when there
    are any, qualitative ones ("be concise") add nothing. Distinct requests describe
    different parts of the answer: the high estimate adds them up, the low one takes the
    largest. Slot counts are unknown and add nothing.
    """
    counted = [r for r in requests if r.unit not in ("short", "long") and not r.dynamic]
    chosen = counted or [r for r in requests if r.unit in ("short", "long")]
    found = {_request_key(r): _token_range(r) for r in chosen}
    ranges = {key: span for key, span in found.items() if span is not None}
    if not ranges:
        return None
    return max(low for low, _ in ranges.values()), sum(high for _, high in ranges.values())


def _request_key(request: LengthRequest) -> tuple:
    return request.unit, request.minimum, request.maximum, request.language


def _token_range(request: LengthRequest) -> tuple[int, int] | None:
    estimates = _data()["estimates"]
    if request.unit in estimates["fixed"]:
        low, high = estimates["fixed"][request.unit]
        return int(low), int(high)
    counts = _count_bounds(request, estimates)
    if counts is None:
        return None
    if request.unit == "words":
        per_low = per_high = float(estimates["tokens_per_word"][request.language])
    else:
        per_low, per_high = estimates["per_unit"][request.unit]
    return max(1, math.floor(counts[0] * per_low)), max(1, math.ceil(counts[1] * per_high))


def _count_bounds(request: LengthRequest, estimates: Mapping[str, Any]) -> tuple[float, float] | None:
    """How many units the answer will have, low and high, from the request's bounds."""
    low, high = request.minimum, request.maximum
    if low is None:
        if high is None:
            return None
        return max(1.0, high * estimates["upper_bound_floor"]), float(high)
    if high is None:
        return float(low), low * estimates["lower_bound_ceiling"]
    return float(low), float(high)
