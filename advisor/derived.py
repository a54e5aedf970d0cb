"""What every run derives from fixed inputs, kept between runs in advisor's cache directory.

A one-file run (a pre-commit hook) pays its start-up on every commit. Two pieces of that
start-up redo the same work each time from inputs that never change between runs:
compiling the rule pack's phrase patterns (large alternations that Python's regex parser,
written in Python, takes tens of milliseconds over) and decoding the tokenizer's 100,000
base64 ranks. Both results are plain data (the compiled pattern's code words, a dict of
bytes to ints), so they are stored with ``marshal`` next to the rule pack's JSON copy
(:mod:`advisor.ruledata`) and read back in a few milliseconds.

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
from typing import Any, Callable

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


def write(name: str, value: Any) -> None:
    """Store ``value`` (marshal-able data) under ``name``, atomically; a read-only home or a
    full disk only costs the next run the work."""
    directory = cache_dir()
    if directory is None:
        return
    import tempfile

    try:
        payload = marshal.dumps(value)
        directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".derived-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(blake2b(payload, digest_size=_DIGEST_SIZE).digest() + payload)
            os.replace(temporary, directory / name)
        except BaseException:
            os.unlink(temporary)
            raise
        prune_family(directory, name)
    except (OSError, ValueError):
        pass


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
# Texts made by advisor's own code
# ---------------------------------------------------------------------------------------


def _texts_file(family: str) -> str:
    """One file per family and build of advisor: a text made by the code is only valid for
    the code that made it (an edited or upgraded advisor makes its texts afresh)."""
    from .cache import code_digest

    return f"{family}-{code_digest()}.marshal"


@functools.cache
def _stored_texts(family: str) -> dict[Any, str]:
    stored = read(_texts_file(family))
    return stored if isinstance(stored, dict) else {}


def made_text(family: str, key: Any, make: Callable[[], str]) -> str:
    """``make()``, for a text that depends only on ``key`` (marshal-able) and advisor's own
    code, such as the regular expression a phrase list becomes: kept between runs, so a
    one-file run does not rebuild the few dozen it needs from the rule pack's word lists."""
    stored = _stored_texts(family)
    found = stored.get(key)
    if isinstance(found, str):
        return found
    made = make()
    if len(stored) >= _MAX_PATTERNS:
        stored.clear()
    stored[key] = made
    write(_texts_file(family), stored)
    return made


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
    if sys.implementation.name != "cpython":
        return None
    build = blake2b(f"{sys.version}|{magic}|{_sre.CODESIZE}".encode(), digest_size=6).hexdigest()
    return f"{family}-{sys.implementation.cache_tag}-{build}.marshal"


@functools.cache
def _stored_patterns(family: str = "patterns") -> dict[tuple[str, int], tuple[Any, ...]]:
    name = _patterns_file(family)
    stored = read(name) if name else None
    return stored if isinstance(stored, dict) else {}


def compile_pattern(source: str, flags: int = 0, *, family: str = "patterns") -> re.Pattern[str]:
    """``re.compile(source, flags)``, reusing the code compiled by an earlier run.

    Meant for the rule pack's patterns (the same few dozen on every run); patterns built
    from a user's input would only grow the file. A ``family`` is a file of its own: a
    run that needs one small pattern (discovery's globs) does not read the rule pack's
    two megabytes.
    """
    flags = int(flags)  # a plain int: `re.RegexFlag` values cannot be marshalled
    stored = _stored_patterns(family)
    arguments = stored.get((source, flags))
    if arguments is not None:
        try:
            return _sre.compile(source, *arguments)  # type: ignore[no-any-return,unused-ignore]
        except Exception:  # words of another engine: compile as usual
            stored.pop((source, flags), None)
    pattern = re.compile(source, flags)
    arguments = _engine_arguments(source, flags, pattern)
    name = _patterns_file(family)
    if arguments is not None and name is not None:
        if len(stored) >= _MAX_PATTERNS:
            stored.clear()
        stored[(source, flags)] = arguments
        write(name, stored)
    return pattern


def _engine_arguments(source: str, flags: int, pattern: re.Pattern[str]) -> tuple[Any, ...] | None:
    """What the regex engine builds ``pattern`` from (flags, code words, groups), or None
    when the pattern rebuilt from them is not equal to ``pattern``."""
    try:
        from re import _compiler, _parser  # type: ignore[attr-defined,unused-ignore]

        parsed = _parser.parse(source, flags)
        code = _compiler._code(parsed, flags)
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for group_name, index in groupindex.items():
            indexgroup[index] = group_name
        arguments = (int(flags | parsed.state.flags), [int(word) for word in code], parsed.state.groups - 1, groupindex, tuple(indexgroup))
        rebuilt = _sre.compile(source, *arguments)
    except Exception:
        return None
    if rebuilt != pattern or rebuilt.groupindex != pattern.groupindex or rebuilt.groups != pattern.groups:
        return None
    return arguments
