"""Reading a file from a repository advisor does not trust: regular files only, bounded.

A checkout can hold a FIFO (``read()`` blocks for ever), a character device such as
``/dev/zero`` (endless bytes) or a file that grows while it is read; ``stat().st_size`` is 0
for the first two, so a size check before reading protects nothing. Here the file is opened
without blocking, checked on the open descriptor (so it cannot be swapped between the check
and the read) and read to at most ``limit`` bytes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class SkippedFile(Exception):
    """A file that is not read, with the reason a user is told (``str(error)``)."""


class NotRegular(SkippedFile):
    pass


class TooLarge(SkippedFile):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size:,} bytes is over max-file-size ({limit:,})")
        self.size = size
        self.limit = limit


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    Raises `NotRegular`, `TooLarge` or `OSError` (unreadable, missing, a directory)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    descriptor = os.open(os.fspath(path), flags)
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise NotRegular("not a regular file")
        if status.st_size > limit:
            raise TooLarge(status.st_size, limit)
        chunks: list[bytes] = []
        total = 0
        while True:
            wanted = min(1 << 20, limit + 1 - total)
            chunk = os.read(descriptor, wanted)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:  # it grew while being read
                raise TooLarge(total, limit)
            if len(chunk) < wanted:  # a regular file reads short only at its end: no need to ask again
                break
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def is_regular(path: Path) -> bool:
    """Whether ``path`` (following links) is a regular file, without opening it."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False
