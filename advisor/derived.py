"""What every run derives from fixed inputs, kept between runs in advisor's cache directory.

A one-file run (a pre-commit hook) pays its start-up on every commit. Two pieces of that
start-up redo the same work each time from inputs that never change between runs:
compiling the rule pack's phrase patterns (large alternations that Python's regex parser,
written in Python, takes tens of milliseconds over) and decoding the tokenizer's 100,000
base64 ranks. Both results are plain data (the compiled pattern's code words, a dict of
bytes to ints), so they are stored with ``marshal`` next to the rule pack's parsed copy
(:mod:`advisor.ruledata`, kept the same way) and read back in a few milliseconds.

Every entry is checked before use and any problem is a miss: a file that is missing,
truncated, edited or written by another Python falls back to doing the work, with the same
result. A compiled pattern is stored only after the copy rebuilt from the stored words has
compared equal to ``re.compile``'s own (``re.Pattern`` equality compares the code), and a
file's bytes carry a digest.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]  # the regex engine behind `re`, always present
import functools
import marshal
import os
import re
import sys
from pathlib import Path
from typing import Any, Callable, Final, TypeVar

from .digests import blake2b

CACHE_ENV = "ADVISOR_RULES_CACHE"  # a directory, or "off" (shared with the rule pack's copy)
_DIGEST_SIZE = 16
# Stored patterns come from the rule pack, which changes only between releases; past this
# many the file holds old releases' patterns too, and is started afresh.
_MAX_PATTERNS = 200
KEEP_PER_FAMILY = 3  # stored files of one kind kept side by side (see `prune_family`)


def cache_dir() -> Path | None:
    """Where derived data is kept, or None when the user turned the cache off."""
    configured = os.environ.get(CACHE_ENV)
    if configured == "off":
        return None
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "advisor"


def read(name: str) -> Any:
    """The value :func:`write` stored under ``name``, or None (missing, damaged, or off)."""
    directory = cache_dir()
    if directory is None:
        return None
    try:
        with open(directory / name, "rb") as handle:
            blob = handle.read()
        digest, payload = blob[:_DIGEST_SIZE], blob[_DIGEST_SIZE:]
        if blake2b(payload, digest_size=_DIGEST_SIZE).digest() != digest:
            return None
        return marshal.loads(payload)
    except (OSError, ValueError, EOFError, TypeError):
        return None


def write(name: str, value: Any, family: str | None = None) -> None:
    """Store ``value`` (marshal-able data) under ``name``, atomically; a read-only home or a
    full disk only costs the next run the work. Older files of the ``family`` are pruned
    (`prune_family`)."""
    directory = cache_dir()
    if directory is None:
        return
    try:
        payload = marshal.dumps(value)
    except ValueError:
        return
    _write_bytes(directory / name, blake2b(payload, digest_size=_DIGEST_SIZE).digest() + payload, family)


def _write_bytes(path: Path, data: bytes, family: str | None = None) -> bool:
    """Write a derived-data file atomically (and prune its family); False if it could not be."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".derived-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
        prune_family(path.parent, path.name, family)
    except (OSError, ValueError):
        return False
    return True


def prune_family(directory: Path, name: str, family: str | None = None) -> None:
    """Each tiktoken release, data file or Python build writes a file of its own
    (``encoding-…``, ``patterns-…``, 1–2 MB each): keep the newest `KEEP_PER_FAMILY` of a
    family (a few virtual environments in use side by side), drop the rest. The family is
    what ``name`` holds before its first ``-``, unless given."""
    family = family or name.partition("-")[0]
    found = []
    for path in directory.glob(f"{family}-*{Path(name).suffix}"):
        try:
            found.append((path.stat().st_mtime_ns, path))
        except OSError:
            continue
    found.sort(reverse=True)
    for _, path in found[KEEP_PER_FAMILY:]:
        if path.name != name:
            try:
                path.unlink()
            except OSError:
                pass


# ---------------------------------------------------------------------------------------
# Data made by advisor's own code
# ---------------------------------------------------------------------------------------


def _made_file(family: str) -> str:
    """One file per family and build of advisor: what the code made is only valid for the
    code that made it (an edited or upgraded advisor makes it afresh)."""
    from .cache import code_digest

    return f"{family}-{code_digest()}.marshal"


@functools.cache
def _stored_made(family: str) -> dict[Any, Any]:
    stored = read(_made_file(family))
    return stored if isinstance(stored, dict) else {}


_Made = TypeVar("_Made")


def made(family: str, key: Any, make: Callable[[], _Made], kind: type[_Made]) -> _Made:
    """``make()``, for plain data (marshal-able, of type ``kind``) that depends only on
    ``key`` (marshal-able) and advisor's own code: kept between runs, so a one-file run
    does not rebuild from the rule pack's word lists what the last run built. The key must
    name every input besides the code (the rule file's digest, `ruledata.digest`, or the
    list itself). What is returned is shared: never changed by the caller.

    A ``family`` is a file of its own, read whole on first use: data a run needs together
    belongs in one family, data it seldom needs (another language's) in another."""
    stored = _stored_made(family)
    found = stored.get(key)
    if isinstance(found, kind):
        return found
    value = make()
    if len(stored) >= _MAX_PATTERNS:
        stored.clear()
    stored[key] = value
    write(_made_file(family), stored, family)
    return value


def made_text(family: str, key: Any, make: Callable[[], str]) -> str:
    """``make()``, for a text that depends only on ``key`` and advisor's own code, such as
    the regular expression a phrase list becomes (see :func:`made`)."""
    return made(family, key, make, str)


# ---------------------------------------------------------------------------------------
# Compiled regular expressions
# ---------------------------------------------------------------------------------------


def _patterns_file(family: str = "patterns") -> str | None:
    """One file per family and interpreter build: the stored code words are only valid for
    the regex engine that made them."""
    try:
        magic = _sre.MAGIC
    except AttributeError:
        return None
    if sys.implementation.name != "cpython" or memoryview(b"").cast(_CODE_WORD).itemsize != _sre.CODESIZE:
        return None
    build = blake2b(f"{sys.version}|{magic}|{_sre.CODESIZE}|{_PATTERNS_FORMAT}".encode(), digest_size=6).hexdigest()
    return f"{family}-{sys.implementation.cache_tag}-{build}.marshal"


# The stored file: digest of the index, the index's length (4 bytes, little-endian), the
# index (marshal: key digest -> (offset after the index, length)), then the entries, each a
# digest and a marshalled (source, flags, engine arguments). Changing it changes the files' names.
# Format 3 keeps the code words as one bytes object of machine words, not a list of ints:
# turned back into the list the engine takes (`memoryview.cast`) in less time than
# unmarshalling the list, and a fifth smaller to read and hash.
_PATTERNS_FORMAT = 3
_CODE_WORD: Final = "I"  # the `memoryview.cast` format of one code word (`_sre.CODESIZE` bytes)
_LENGTH_BYTES = 4


def _pattern_key(source: str, flags: int) -> bytes:
    return blake2b(f"{flags}:{source}".encode("utf-8", "surrogatepass"), digest_size=_DIGEST_SIZE).digest()


class _PatternStore:
    """The compiled patterns kept for one family, read entry by entry.

    A full run stores every language's phrase patterns (about 3 MB of code words); a
    one-file run uses a fifth of them. Reading, hashing and unmarshalling the whole file cost
    a one-file run ~10 ms, so only the index is read and checked up front, and each entry is
    read and checked when its pattern is asked for."""

    def __init__(self, family: str) -> None:
        self.name = _patterns_file(family)
        directory = cache_dir()
        self.path = directory / self.name if directory is not None and self.name is not None else None
        self.index: dict[bytes, tuple[int, int]] = {}
        self.body_start = 0  # where the entries begin in the file
        self.added: dict[bytes, bytes] = {}  # entries compiled by this process, not yet in the file's index
        if self.path is not None:
            self.index = self._read_index(self.path)

    def _read_index(self, path: Path) -> dict[bytes, tuple[int, int]]:
        try:
            with open(path, "rb") as handle:
                head = handle.read(_DIGEST_SIZE + _LENGTH_BYTES)
                if len(head) != _DIGEST_SIZE + _LENGTH_BYTES:
                    return {}
                size = int.from_bytes(head[_DIGEST_SIZE:], "little")
                blob = handle.read(size)
            if len(blob) != size or blake2b(blob, digest_size=_DIGEST_SIZE).digest() != head[:_DIGEST_SIZE]:
                return {}
            index = marshal.loads(blob)
        except (OSError, ValueError, EOFError, TypeError):
            return {}
        if not isinstance(index, dict):
            return {}
        self.body_start = len(head) + size
        return {key: place for key, place in index.items()
                if isinstance(key, bytes) and isinstance(place, tuple) and len(place) == 2
                and all(isinstance(number, int) and number >= 0 for number in place)}

    def _entry(self, key: bytes) -> bytes | None:
        """An entry's bytes (digest + payload) as stored, or None."""
        if key in self.added:
            return self.added[key]
        place = self.index.get(key)
        if place is None or self.path is None:
            return None
        offset, length = place
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.body_start + offset)
                return handle.read(length)
        except OSError:
            return None

    def get(self, source: str, flags: int) -> tuple[Any, ...] | None:
        """The engine arguments stored for a pattern, or None (missing or damaged)."""
        key = _pattern_key(source, flags)
        entry = self._entry(key)
        if entry is None:
            return None
        digest, payload = entry[:_DIGEST_SIZE], entry[_DIGEST_SIZE:]
        try:
            if blake2b(payload, digest_size=_DIGEST_SIZE).digest() != digest:
                return None
            stored_source, stored_flags, arguments = marshal.loads(payload)
        except (ValueError, EOFError, TypeError):
            return None
        if stored_source != source or stored_flags != flags or not isinstance(arguments, tuple):
            return None
        return arguments

    def drop(self, source: str, flags: int) -> None:
        key = _pattern_key(source, flags)
        self.index.pop(key, None)
        self.added.pop(key, None)

    def put(self, source: str, flags: int, arguments: tuple[Any, ...]) -> None:
        """Store a pattern's engine arguments with every entry already stored (all of
        them read now: this happens once per new pattern), atomically."""
        if self.path is None:
            return
        payload = marshal.dumps((source, flags, arguments))
        key = _pattern_key(source, flags)
        self.added[key] = blake2b(payload, digest_size=_DIGEST_SIZE).digest() + payload
        kept: dict[bytes, bytes] = {}
        self.index = self._read_index(self.path)  # as the file is now (another run may have replaced it)
        if len(self.index) + len(self.added) <= _MAX_PATTERNS:
            kept = self._stored_entries()
        else:  # mostly old releases' patterns: start afresh
            self.added = {key: self.added[key]}
        kept.update(self.added)
        self._write(kept)

    def _stored_entries(self) -> dict[bytes, bytes]:
        """Every entry of the file, as stored (one read)."""
        if not self.index or self.path is None:
            return {}
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.body_start)
                body = handle.read()
        except OSError:
            return {}
        return {key: body[offset:offset + length] for key, (offset, length) in self.index.items()
                if offset + length <= len(body)}

    def _write(self, entries: dict[bytes, bytes]) -> None:
        assert self.path is not None
        placed: dict[bytes, tuple[int, int]] = {}
        offset = 0
        for key, entry in entries.items():
            placed[key] = (offset, len(entry))
            offset += len(entry)
        index = marshal.dumps(placed)
        head = blake2b(index, digest_size=_DIGEST_SIZE).digest() + len(index).to_bytes(_LENGTH_BYTES, "little")
        if _write_bytes(self.path, b"".join([head, index, *entries.values()])):
            self.index, self.added, self.body_start = placed, {}, len(head) + len(index)


@functools.cache
def _stored_patterns(family: str = "patterns") -> _PatternStore:
    return _PatternStore(family)


def compile_pattern(source: str, flags: int = 0, *, family: str = "patterns") -> re.Pattern[str]:
    """``re.compile(source, flags)``, reusing the code compiled by an earlier run.

    Meant for the rule pack's patterns (the same few dozen on every run); patterns built
    from a user's input would only grow the file. A ``family`` is a file of its own: a
    run that needs one small pattern (discovery's globs) does not read the rule pack's
    patterns.
    """
    flags = int(flags)  # a plain int: `re.RegexFlag` values cannot be marshalled
    stored = _stored_patterns(family)
    arguments = stored.get(source, flags)
    if arguments is not None:
        try:
            return _engine_compile(source, arguments)
        except Exception:  # words of another engine: compile as usual
            stored.drop(source, flags)
    pattern = re.compile(source, flags)
    arguments = _engine_arguments(source, flags, pattern)
    if arguments is not None:
        stored.put(source, flags, arguments)
    return pattern


def _engine_compile(source: str, arguments: tuple[Any, ...]) -> re.Pattern[str]:
    """The pattern the regex engine builds from stored arguments (`_engine_arguments`)."""
    flags, code, *rest = arguments
    return _sre.compile(source, flags, memoryview(code).cast(_CODE_WORD).tolist(), *rest)  # type: ignore[no-any-return,unused-ignore]


def _engine_arguments(source: str, flags: int, pattern: re.Pattern[str]) -> tuple[Any, ...] | None:
    """What the regex engine builds ``pattern`` from (flags, code words as machine words,
    groups), or None when the pattern rebuilt from them is not equal to ``pattern``."""
    try:
        from re import _compiler, _parser  # type: ignore[attr-defined,unused-ignore]

        parsed = _parser.parse(source, flags)
        code = _compiler._code(parsed, flags)
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for group_name, index in groupindex.items():
            indexgroup[index] = group_name
        words = b"".join(int(word).to_bytes(_sre.CODESIZE, sys.byteorder) for word in code)
        arguments = (int(flags | parsed.state.flags), words, parsed.state.groups - 1, groupindex, tuple(indexgroup))
        rebuilt = _engine_compile(source, arguments)
    except Exception:
        return None
    if rebuilt != pattern or rebuilt.groupindex != pattern.groupindex or rebuilt.groups != pattern.groups:
        return None
    return arguments
