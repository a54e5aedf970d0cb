"""Counting a few short ASCII prompts exactly, without building tiktoken's encoder.

A pre-commit run lints one file: a handful of prompt texts, a few hundred tokens. Building
cl100k_base's encoder for them (unmarshalling 100,000 ranks, then tiktoken turning them into
its hash maps) costs more than everything else that run does. Byte-pair encoding only ever
looks up byte strings inside one pre-tokenised piece, so these texts need only the ranks of
their pieces and of the pieces' substrings: those are read from a table of the ranks kept in
advisor's derived-data folder (an SQLite file, written the first time a run builds the
encoder), and the merges are done here exactly as tiktoken does them.

Exactness rests on two things, both checked by `tests/test_token_lookup.py` against the
encoder itself on real prompts: the split (tiktoken's cl100k pattern, written for ASCII text
with Python's `re`: on ASCII, ``\\p{L}`` is ``[A-Za-z]``, ``\\p{N}`` is ``[0-9]``, ``\\s`` is
Unicode White_Space's ASCII members, and ``$`` is the end of the text), and the merge loop
(the lowest-ranked adjacent pair first, the leftmost on ties). Text with any non-ASCII
character, a different encoding, or a missing or unreadable table is left to the encoder
(`count` returns None).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Callable, Iterable, Mapping

from . import derived

# tiktoken's cl100k_base pre-tokeniser, as its data declares it: only then is the ASCII
# translation below the same split.
CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_SPACE = r"\t\n\x0b\x0c\r "  # the ASCII characters with Unicode's White_Space property (not \x1c-\x1f)
ASCII_PATTERN = (
    r"'(?i:[sdmt]|ll|ve|re)"
    r"|[^\r\nA-Za-z0-9]?+[A-Za-z]++"
    r"|[0-9]{1,3}+"
    rf"| ?[^{_SPACE}A-Za-z0-9]++[\r\n]*+"
    rf"|[{_SPACE}]++\Z"
    rf"|[{_SPACE}]*[\r\n]"
    rf"|[{_SPACE}]+(?![^{_SPACE}])"
    rf"|[{_SPACE}]"
)
MAX_PIECE = 64  # bytes: a longer piece (a run of spaces, a blob) has too many substrings to look up
_BATCH = 500  # parameters per lookup query
_NO_RANK = 1 << 62


def table_path(key: str) -> Path | None:
    """Where the rank table of the encoding ``key`` is kept (None: derived data is off)."""
    directory = derived.cache_dir()
    return directory / f"ranks-{key}.sqlite3" if directory is not None else None


def store_table(key: str, ranks: Mapping[bytes, int], pattern: str) -> None:
    """Write the rank table once, atomically (a half-written table is never read); any
    problem only leaves the next run to build the encoder again."""
    path = table_path(key)
    if path is None or path.exists():
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(temporary)
        try:
            connection.execute("CREATE TABLE ranks (token BLOB PRIMARY KEY, rank INTEGER NOT NULL) WITHOUT ROWID")
            connection.executemany("INSERT INTO ranks VALUES (?, ?)", ranks.items())
            connection.execute("CREATE TABLE complete (rows INTEGER NOT NULL, pattern TEXT NOT NULL)")
            connection.execute("INSERT INTO complete VALUES (?, ?)", (len(ranks), pattern))
            connection.commit()
        finally:
            connection.close()
        os.replace(temporary, path)
        derived.prune_family(path.parent, path.name)
    except (OSError, sqlite3.Error):
        try:
            temporary.unlink()
        except OSError:
            pass


class LookupCounter:
    """Counts ASCII texts against the stored rank table of one encoding."""

    def __init__(self, key: str | None) -> None:
        self.usable = key is not None
        self.key = key or ""
        self._connection: sqlite3.Connection | None = None
        self._split: Callable[[str], list[str]] | None = None

    def _open(self) -> sqlite3.Connection | None:
        if self._connection is None and self.usable:
            path = table_path(self.key)
            try:
                if path is None or not path.is_file():
                    raise FileNotFoundError
                connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
                complete = connection.execute("SELECT rows, pattern FROM complete").fetchone()
                if not complete or complete[0] < 256 or complete[1] != CL100K_PATTERN:
                    connection.close()
                    raise sqlite3.DatabaseError("incomplete rank table")
                self._connection = connection
            except (OSError, sqlite3.Error):
                self.usable = False
        return self._connection

    def available(self) -> bool:
        """Whether the stored table can be read (so counts can come from it)."""
        return self._open() is not None

    def count(self, text: str) -> int | None:
        """cl100k_base tokens in ``text``, or None when the encoder must count it."""
        if not text.isascii():
            return None
        connection = self._open()
        if connection is None:
            return None
        if self._split is None:
            self._split = derived.compile_pattern(ASCII_PATTERN).findall
        pieces = [piece.encode("ascii") for piece in self._split(text)]
        if any(len(piece) > MAX_PIECE for piece in pieces):
            return None
        try:
            whole = self._ranks(connection, set(pieces))
            unknown = {piece for piece in pieces if piece not in whole}
            parts = self._ranks(connection, {p[i:j] for p in unknown for i in range(len(p)) for j in range(i + 2, len(p) + 1)})
        except sqlite3.Error:
            self.usable = False
            return None
        return sum(1 if piece in whole else _merged_length(piece, parts) for piece in pieces)

    @staticmethod
    def _ranks(connection: sqlite3.Connection, wanted: Iterable[bytes]) -> dict[bytes, int]:
        found: dict[bytes, int] = {}
        batch = list(wanted)
        for start in range(0, len(batch), _BATCH):
            chunk = batch[start:start + _BATCH]
            query = f"SELECT token, rank FROM ranks WHERE token IN ({','.join('?' * len(chunk))})"
            found.update(connection.execute(query, chunk).fetchall())
        return found


def _merged_length(piece: bytes, ranks: Mapping[bytes, int]) -> int:
    """How many tokens byte-pair encoding makes of ``piece``: repeatedly merge the adjacent
    pair whose joined bytes have the lowest rank (the leftmost of equals), as tiktoken's
    ``byte_pair_merge`` does, until no joined pair is a token."""
    bounds = list(range(len(piece) + 1))
    pair_ranks = [ranks.get(piece[bounds[i]:bounds[i + 2]], _NO_RANK) for i in range(len(bounds) - 2)]
    while pair_ranks:
        best = min(pair_ranks)
        if best == _NO_RANK:
            break
        i = pair_ranks.index(best)
        del bounds[i + 1]
        del pair_ranks[i]
        if i < len(pair_ranks):
            pair_ranks[i] = ranks.get(piece[bounds[i]:bounds[i + 2]], _NO_RANK) if i + 2 < len(bounds) else _NO_RANK
        if i > 0:
            pair_ranks[i - 1] = ranks.get(piece[bounds[i - 1]:bounds[i + 1]], _NO_RANK)
    return len(bounds) - 1
