"""What may leave advisor: every output passes here on its way to a terminal, a file or a
CI log.

A repository controls much of what advisor prints: file names (any bytes but ``/`` and NUL
on Linux, including newlines, ESC and bytes that are not UTF-8), the prompt text findings
quote, and values of request fields. Printed raw, ``ESC]0;…BEL`` retitles a terminal,
``ESC[2J`` clears it, a name holding a newline and ``::error file=…::`` becomes a GitHub
Actions workflow command, Unicode bidi controls reorder what a reviewer reads, and a name
that is not UTF-8 makes the write itself fail. Two steps:

- `printable` for one field of a line-based format (text, GitHub annotations, notes):
  control characters, bidi controls, line separators and undecodable bytes become visible
  escapes (``\\x1b``, ``\\u202e``, ``\\xff``), so one field can never become two lines or a
  command.
- `boundary` for a whole rendered output, whatever its format: API keys are masked
  (`advisor.secrets.redact`, before anything is cut short) and undecodable bytes left in
  it become U+FFFD, so the write cannot fail and JSON stays valid UTF-8.
"""

from __future__ import annotations

import re

from ..patterns import lazy
from ..secrets import redact

# C0 controls, DEL, C1 controls, bidi embeddings/overrides/isolates, line/paragraph
# separators, and lone surrogates (how Python carries bytes of a name that is not UTF-8).
# Compiled on first use, as the others here: a run that prints no finding needs none of them.
_UNPRINTABLE_SOURCE = "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]"
_UNPRINTABLE = lazy(_UNPRINTABLE_SOURCE)
_SURROGATE = lazy("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as os.fsdecode carries it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_UNPRINTABLE_KEEPING_LINES = lazy(_UNPRINTABLE_SOURCE.replace("\x00-\x1f", "\x00-\x09\x0b\x0c\x0e-\x1f"))


def printable(text: str, *, keep_line_breaks: bool = False) -> str:
    """One field of a line, safe to print: keys masked, nothing that moves the cursor,
    starts a line or reorders text. ``keep_line_breaks`` for a format that encodes line
    breaks itself (GitHub's ``%0A``)."""
    text = redact(text)
    pattern = _UNPRINTABLE_KEEPING_LINES() if keep_line_breaks else _UNPRINTABLE()
    return pattern.sub(_escape, text) if pattern.search(text) else text


_CONTROLS = lazy("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def boundary(text: str, *, markup: bool = False) -> str:
    """A whole rendered output, safe to write anywhere. ``markup`` for HTML, where control
    characters have no meaning but survive a copy into a terminal: they become escapes."""
    text = redact(text)
    if not text.isascii() and _SURROGATE().search(text):  # ASCII text holds no surrogate
        text = _SURROGATE().sub("\ufffd", text)
    if markup and _CONTROLS().search(text):
        text = _CONTROLS().sub(_escape, text)
    return text
