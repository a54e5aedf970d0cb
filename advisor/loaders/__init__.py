"""From a file's bytes to a :class:`~advisor.model.Document`, whatever the format.

Decoding lives here so every loader receives text: UTF-8 (with or without a BOM) and UTF-16
with a BOM are accepted; anything else is a `parse-error` naming the first bad byte's
line, not a crash.
"""

from __future__ import annotations

import codecs
from typing import Any, Mapping

from ..model import Document, Kind, LineIndex, Problem, Span
from ..sources import source_of
from ..validate import validate


def is_binary(data: bytes) -> bool:
    """NUL bytes in the first 8 KiB mean binary, unless the file is UTF-16 with a BOM."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in data[:8192]


def decode(data: bytes) -> tuple[str | None, Problem | None]:
    """The text of a file, or the problem that prevents reading it."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError as error:
            return None, Problem(f"cannot decode as UTF-16: {error.reason}")
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        good = data[: error.start].decode("utf-8", errors="replace")
        line, column = LineIndex(good).position(len(good))
        byte = data[error.start]
        return None, Problem(
            f"cannot decode as UTF-8: byte 0x{byte:02x} at line {line}, column {column} ({error.reason}); "
            "save the file as UTF-8",
            Span(line, column, line, column + 1),
        )


def load_document(kind: Kind, path: str, source: str, *, variables: Mapping[str, Any] | None = None) -> Document:
    """The document of one decoded file, its calls' fields validated and earlier assistant
    turns marked (what every loader's output has in common, so no loader has to remember it)."""
    document = source_of(path, kind).load(path, source, variables=variables)
    validate(document)
    for call in document.calls:
        call.mark_turns()
    return document
