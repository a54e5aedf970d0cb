"""Which language a prompt is written in, and how phrase lists from the rule pack match text.

Two jobs that every phrase-based rule shares, kept in one place so they behave the same
everywhere:

* :func:`detect_language` picks the prompt's language (by stopword frequency) so rules use
  that language's phrases and write their suggestions in it.
* :func:`phrase_pattern` turns a reviewable list of phrases from ``rules/*.yaml`` into one
  regular expression. The list is folded into a prefix tree first, because a plain
  alternation of a hundred phrases is tried phrase by phrase at every character of the text,
  which is far too slow for thousands of prompt files; the tree reads each character once.

Phrase notation (used by every YAML phrase list)::

    answer [only] (with|using) yes or no

``[x]`` is optional (``[x|y]`` an optional choice), ``(a|b)`` is a choice, a space matches
any run of whitespace, ``-`` matches a hyphen, whitespace or nothing ("in-depth", "in
depth"), an apostrophe matches ``'`` or ``’``. Matching respects word boundaries at both
ends. Patterns are lower-case and run on :func:`fold_case` text: matching a lower-cased
copy is about twice as fast as ``re.IGNORECASE``. :func:`phrase_key` folds a matched text
the same way the notation varies, so a match can be looked up in a :func:`phrase_table`.
"""

from __future__ import annotations

import functools
import itertools
import operator
import re
from collections import Counter
from typing import Callable, Iterable, Iterator, Mapping

from . import derived, ruledata

_GROUP = re.compile(r"(\([^()]*\)|\[[^\[\]]*\])")


def blanker(chars: str) -> Callable[[str], str]:
    """A function turning each of ``chars`` in a text into a space (same length, so offsets
    hold): words then come from a plain ``str.split()``, several times faster than a
    regular expression finding them. ``str.translate`` is fast only on ASCII text; on any
    other it looks every character up in its table one by one, and a regex substitution
    of the few characters to replace is several times faster."""
    table = str.maketrans(dict.fromkeys(chars, " "))
    pattern = re.compile("[" + re.escape(chars) + "]")

    def blank(text: str) -> str:
        return text.translate(table) if text.isascii() else pattern.sub(" ", text)

    return blank


# ASCII punctuation and digits (`string.punctuation` and `string.digits`, spelt out: the
# `string` module costs a one-file run more to import than this line to read)
_ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_letters_only = blanker(_ASCII_PUNCTUATION + "0123456789" + "«»“”‘’…–—·•")
_FOLD = re.compile(r"[\s\-‐]+")
_END = ""  # trie key marking the end of a phrase (real atoms are never empty)
_ATOMS = {" ": r"\s+", "-": r"(?:-|\s+)?", "'": "['’]", "’": "['’]"}


_LEADING_WORD = re.compile(r"\w*")


def first_word(variant: str) -> tuple[str, bool]:
    """(the word a phrase variant's match starts with, whether a longer word may stand for
    it). A wordlike variant matches only where a word starts, and its first word is matched
    literally; only a hyphen after it may vary into nothing ("in-depth" matches "indepth").
    Text holding no such word cannot match the variant. ("", True) for a variant that does
    not start with a word character (no cheap test)."""
    word = _LEADING_WORD.match(variant)
    head = word.group() if word else ""
    return head, not head or variant[len(head):].startswith("-")

# ---------------------------------------------------------------------------------------
# Languages
# ---------------------------------------------------------------------------------------


@functools.cache
def _data() -> dict:
    return ruledata.load("languages.yaml")


@functools.cache
def supported_languages() -> tuple[str, ...]:
    """ISO 639-1 codes of the languages the rule pack has phrases for, in pack order."""
    return tuple(_data()["languages"])


def language_name(code: str) -> str:
    """English name of a supported language ("fr" -> "French"), for messages."""
    return _data()["languages"][code]["name"]


@functools.cache
def _stopword_index() -> dict[str, tuple[str, ...]]:
    """Stopword -> the languages listing it; a word shared by k languages counts 1/k each."""
    index: dict[str, list[str]] = {}
    for code, entry in _data()["languages"].items():
        for word in entry["stopwords"]:
            index.setdefault(word.lower(), []).append(code)
    return {word: tuple(codes) for word, codes in index.items()}


@functools.cache
def stopwords() -> frozenset[str]:
    """The function words of every supported language, lower-case."""
    return frozenset(_stopword_index())


@functools.lru_cache(maxsize=256)
def detect_language(text: str) -> str | None:
    """The language of ``text`` among the supported ones, or None when too short or unclear.

    Stopword counting is crude but fast, needs no model and is good enough to choose phrase
    lists: prompts are instructions, dense in function words. Several rules ask about the
    same text, so recent answers are remembered.
    """
    settings = _data()["detection"]
    index = _stopword_index()
    scores: dict[str, float] = {}  # a Counter's values are ints; these are shares
    hits: dict[str, int] = {}
    # only the stopwords are counted: the filter runs in C, and half the words are not
    counts = Counter(filter(index.__contains__, _letters_only(text[: settings["max_chars"]].lower()).split()))
    for token in sorted(counts):  # sorted: the same sums in every run
        count = counts[token]
        codes = index[token]
        share = count / len(codes)
        for code in codes:
            scores[code] = scores.get(code, 0.0) + share
            hits[code] = hits.get(code, 0) + count
    if not scores:
        return None
    # as Counter.most_common(2) (heapq.nlargest's own definition): a few languages at most
    ranked = sorted(scores.items(), key=operator.itemgetter(1), reverse=True)[:2]
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if hits[best] < settings["min_hits"] or best_score < settings["min_margin"] * runner_up:
        return None
    return best


@functools.cache
def negation_pattern(code: str) -> str:
    """Regex source matching the negation words of a language ("do not", "ne", "nicht"),
    built now: callers keep it with the rest they derive (`make_phrase_pattern`)."""
    return make_phrase_pattern(_data()["languages"][code]["negations"])


# ---------------------------------------------------------------------------------------
# Phrase lists -> regular expressions
# ---------------------------------------------------------------------------------------


def expand_phrase(phrase: str) -> list[str]:
    """Every literal variant of a phrase written in the notation above, lower-cased."""
    lowered = phrase.lower()
    if "(" not in lowered and "[" not in lowered:  # no group: one variant (most phrases)
        single = " ".join(lowered.split())
        return [single] if single else []
    choices = []
    for part in _GROUP.split(lowered):
        if part.startswith("(") and part.endswith(")"):
            choices.append(part[1:-1].split("|"))
        elif part.startswith("[") and part.endswith("]"):
            choices.append(["", *part[1:-1].split("|")])
        else:
            choices.append([part])
    variants = (" ".join("".join(combo).split()) for combo in itertools.product(*choices))
    return [variant for variant in variants if variant]


def fold_case(text: str) -> str:
    """``text`` lower-cased without changing its length, so offsets found in it are offsets
    in ``text`` (the rare characters whose lower case is longer, like "İ", stay as they are)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(char.lower() if len(char.lower()) == 1 else char for char in text)


_WORD_RUN = re.compile(r"\w+")


def phrase_words(phrases: Iterable[str]) -> tuple[tuple[str, ...], ...] | None:
    """For each variant of ``phrases``, the words its match must hold as they are, longest
    first; None when a variant holds no word (no cheap test).

    Only spaces, hyphens and apostrophes vary in a match (see the notation above): every
    run of word characters of a variant appears literally in the :func:`fold_case` text
    it matches. So a text that lacks one word of every variant cannot match, and
    :func:`may_hold_phrase` tells so with a few substring searches, each far faster than
    running the pattern over the text.
    """
    required: set[tuple[str, ...]] = set()
    for phrase in phrases:
        for variant in expand_phrase(phrase):
            words = tuple(sorted(set(_WORD_RUN.findall(variant)), key=lambda word: (-len(word), word)))
            if not words:
                return None
            required.add(words)
    return tuple(sorted(required))


def may_hold_phrase(folded: str, words: tuple[tuple[str, ...], ...] | None) -> bool:
    """Whether a :func:`fold_case` text holds every word of some variant (:func:`phrase_words`);
    False proves the phrase pattern cannot match it. (The substring tests run in C, by
    `map`: this runs for every prompt text, and most fail at each variant's first word.)"""
    if words is None:
        return True
    holds = folded.__contains__
    return any(all(map(holds, variant)) for variant in words)


def phrase_key(text: str) -> str:
    """Lookup form of a phrase or matched text: case, whitespace, hyphens and apostrophes
    folded exactly as the notation lets them vary ("In-Depth" and "in depth" -> "indepth").
    Most lookups are of a single word, which has nothing to fold but its case."""
    if text.isalnum():
        return text.lower()
    return _FOLD.sub("", text.lower()).replace("’", "'")


def phrase_table(groups: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Lookup form of every variant -> the name of the group listing it.

    Matching a whole table with one :func:`phrase_pattern` and looking the match up here is
    much faster than one regex group per category.
    """
    return {phrase_key(v): name for name, phrases in groups.items() for p in phrases for v in expand_phrase(p)}


@functools.cache
def _atom(char: str) -> str:
    """The regex for one character of a phrase (spaces, hyphens, apostrophes vary)."""
    return _ATOMS.get(char) or re.escape(char)


def _trie_source(variants: Iterable[str]) -> str:
    trie: dict = {}
    for variant in variants:
        node = trie
        for atom in map(_atom, variant):
            node = node.setdefault(atom, {})
        # A phrase that ends in a letter or digit must not run on into a longer word.
        node[_END] = r"(?!\w)" if re.match(r"\w", variant[-1]) else ""
    return _emit(trie)


def _emit(node: dict) -> str:
    """Regex for a trie node; longer continuations are tried before the phrase ends here."""
    branches = [atom + _emit(child) for atom, child in node.items() if atom != _END]
    if _END in node:
        branches.append(node[_END])
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


def phrase_pattern(phrases: Iterable[str]) -> str:
    """One regex source matching any of ``phrases`` (notation above) as whole words.

    Match it against :func:`fold_case` text. Returns a pattern that never matches when the
    list is empty, so callers need no special case. Sources are kept between runs
    (`derived.made_text`): building the tries is most of what a one-file run spends on
    the rule pack's phrase lists.
    """
    listed = tuple(phrases)
    return derived.made_text("phrases", listed, lambda: make_phrase_pattern(listed))


def make_phrase_pattern(phrases: Iterable[str]) -> str:
    """:func:`phrase_pattern`, built now and not kept: for a caller that keeps it between
    runs with more it derives from the same rule file (`advisor.lengths`, `advisor.tasks`)."""
    variants = sorted({v for phrase in phrases for v in expand_phrase(phrase)})
    wordlike = [v for v in variants if re.match(r"\w", v)]
    symbolic = [v for v in variants if not re.match(r"\w", v)]
    alternatives = []
    if wordlike:
        alternatives.append(r"(?<!\w)" + _trie_source(wordlike))
    if symbolic:
        alternatives.append(_trie_source(symbolic))
    if not alternatives:
        return r"(?!)"
    return "(?:" + "|".join(alternatives) + ")"


# ---------------------------------------------------------------------------------------
# Scanning a text for a phrase list
# ---------------------------------------------------------------------------------------

# Every ASCII character that is not a word character (\w): each becomes a space in `spaced`
_ASCII_NON_WORD = bytes(code for code in range(128) if not re.match(r"\w", chr(code)))
_TO_SPACES = bytes.maketrans(_ASCII_NON_WORD, b" " * len(_ASCII_NON_WORD))


def spaced(text: str) -> str:
    """``text`` with every character but an ASCII letter, digit or underscore made a space
    (same length: an unencodable character is one "?", then a space). Every word start of
    the text, but at its very start, then follows a space. Three C-level passes."""
    return text.encode("ascii", "replace").translate(_TO_SPACES).decode("ascii")


def _start_atom(char: str) -> str:
    """What a phrase character (`_atom`) can be in the `spaced` text: an ASCII word
    character itself, anything else a space; a space of the notation one or more, a
    hyphen none or more."""
    if char.isascii() and (char.isalnum() or char == "_"):
        return char
    return {" ": " +", "-": " *"}.get(char, " ")


def _starts_source(phrases: tuple[str, ...]) -> str:
    """A pattern over `spaced` text matching a space at or just before every place where
    one of ``phrases`` may match the :func:`fold_case` text (and a few more): before a
    phrase that starts with a word, at the symbol of one that does not. "" for a list
    with a phrase starting with a hyphen, which may match with no symbol at all."""
    variants = sorted({v for phrase in phrases for v in expand_phrase(phrase)})
    if not variants or any(variant.startswith("-") for variant in variants):
        return ""
    trie: dict = {}
    for variant in variants:
        atoms = list(_merged_spaces(map(_start_atom, variant)))
        if not re.match(r"\w", variant):  # the symbol is the space the pattern opens with
            atoms[0] = _one_space_less(atoms[0])
        node = trie
        for atom in filter(None, atoms):
            node = node.setdefault(atom, {})
        node[_END] = r"(?!\w)" if re.match(r"\w", variant[-1]) else ""
    return " (?=" + _emit(trie) + ")"


def _one_space_less(run: str) -> str:
    """A run of spaces (`_merged_spaces`) with one fewer at least."""
    if run.endswith(",}"):
        return f" {{{int(run[2:-2]) - 1},}}"
    return run[1:]


def _merged_spaces(atoms: Iterable[str]) -> Iterator[str]:
    """Runs of space atoms as one (" +", " *", " " in a row: at least the sum of their
    least counts), so that a long run of spaces is read once, not tried every way."""
    least, open_ended = 0, False
    for atom in [*atoms, ""]:
        if atom.startswith(" "):
            least += atom != " *"
            open_ended = open_ended or atom != " "
            continue
        if least or open_ended:
            yield f" {{{least},}}" if open_ended else " " * least
            least, open_ended = 0, False
        if atom:
            yield atom


def _may_start_with_symbol(phrase: str) -> bool:
    """Whether some variant of ``phrase`` (:func:`expand_phrase`) starts with a character
    that is not a word character. A variant starts with the phrase's first non-space
    character unless that opens a group, so only phrases that open with a group are
    expanded (a scanner's parts are built from lists of hundreds of phrases)."""
    head = phrase.lower().lstrip()[:1]
    if head in ("(", "["):
        return any(not _WORD_START.match(variant) for variant in expand_phrase(phrase))
    return bool(head) and not _WORD_START.match(head)


_WORD_START = re.compile(r"\w")


def scanner_parts(phrases: Iterable[str]) -> tuple[str, str, bool]:
    """What a :class:`PhraseScanner` of ``phrases`` is made of, as plain data a caller can
    keep between runs (`derived.made`): its phrase pattern, its start pattern ("" for
    none), and whether a phrase may start with a symbol. Expanding a few hundred phrases
    for them costs a one-file run more than reading them back."""
    listed = tuple(phrases)
    return make_phrase_pattern(listed), _starts_source(listed), any(map(_may_start_with_symbol, listed))


# How many characters a scanner reads by its phrase pattern alone before it compiles its
# start pattern (`PhraseScanner`): on the length and task scanners, the start pattern saves
# about 12 µs per 1,000 characters and costs about 250 µs to load from the store.
PLAIN_SCAN_CHARS = 20_000


class PhraseScanner:
    r"""A :func:`phrase_pattern`, found in a :func:`fold_case` text as ``finditer`` and
    ``search`` find it, but tried only where one of its phrases may start.

    The regex engine tries a pattern that opens with a look-behind (``(?<!\w)``) at every
    character of a text, which for a long phrase list is most of what reading a prompt
    costs. Here a pattern over the :func:`spaced` copy of the text, which opens with a
    literal space, finds the places first: the engine skips from space to space in C,
    and tries a phrase's rough shape (`_start_atom`) only there; the phrase pattern itself
    runs only at those few places (after the space, and at it for a phrase that starts
    with a symbol). Every match of the pattern starts at one of them (or at the start of
    the text), so the matches, and their order, are those of the pattern alone. A list
    with a phrase that starts with a hyphen is scanned by the pattern alone.

    The start pattern is about as large as the phrase pattern, and loading it (from the
    derived-data store, `derived.compile_pattern`) costs as much as it saves on some 20 KB
    of text. So a scanner reads its first `PLAIN_SCAN_CHARS` characters with the phrase
    pattern alone and compiles the start pattern only past them: a one-file run on a short
    prompt never loads it, a run over a repository loads it once (`compile_all`, before
    workers fork).
    """

    def __init__(self, phrases: Iterable[str], compile: Callable[[str], re.Pattern[str]] = re.compile) -> None:
        listed = tuple(phrases)
        self._compile(derived.made("phrasescanners", listed, lambda: scanner_parts(listed), tuple), compile)

    @classmethod
    def from_parts(cls, parts: tuple[str, str, bool],
                   compile: Callable[[str], re.Pattern[str]] = re.compile) -> PhraseScanner:
        """The scanner made of :func:`scanner_parts`, which the caller kept."""
        scanner = cls.__new__(cls)
        scanner._compile(parts, compile)
        return scanner

    def _compile(self, parts: tuple[str, str, bool], compile: Callable[[str], re.Pattern[str]]) -> None:
        pattern, self._starts_source, self._at_symbols = parts
        self.pattern = compile(pattern)
        self._starts: re.Pattern[str] | None = None
        self._compile_starts = compile
        self._plain_chars = 0  # characters read by the pattern alone while the start pattern was not compiled

    def compile_all(self) -> None:
        """Compile the start pattern now (a process about to fork workers that will read
        many texts)."""
        if self._starts is None and self._starts_source:
            self._starts = self._compile_starts(self._starts_source)

    def _starts_for(self, length: int) -> re.Pattern[str] | None:
        """The start pattern for reading ``length`` more characters, or None: read them by
        the pattern alone (the first `PLAIN_SCAN_CHARS`, or a list without one)."""
        if self._starts is None and self._starts_source:
            self._plain_chars += length
            if self._plain_chars > PLAIN_SCAN_CHARS:
                self.compile_all()
        return self._starts

    def finditer(self, text: str, pos: int = 0, spaced_text: str | None = None) -> Iterator[re.Match[str]]:
        """``self.pattern.finditer(text, pos)``; ``spaced_text`` is :func:`spaced` of
        ``text`` when the caller has it."""
        starts = self._starts_for(len(text) - pos)
        if starts is None:
            yield from self.pattern.finditer(text, pos)
            return
        match = self.pattern.match
        end = pos
        if pos == 0:  # the one word start that follows no space
            found = match(text, 0)
            if found is not None:
                yield found
                end = found.end()
        for space in starts.finditer(spaced(text) if spaced_text is None else spaced_text, max(pos - 1, 0)):
            start = space.start()
            if self._at_symbols and start >= end:
                found = match(text, start)
                if found is not None:
                    yield found
                    end = found.end()
            start += 1
            if start >= end:
                found = match(text, start)
                if found is not None:
                    yield found
                    end = found.end()

    def search(self, text: str, pos: int = 0, spaced_text: str | None = None) -> re.Match[str] | None:
        """``self.pattern.search(text, pos)`` (see :meth:`finditer`)."""
        return next(self.finditer(text, pos, spaced_text), None)
