"""String literals, scanned from the source text: prefixes, quotes, escapes and fields.

On 3.11 the parts of an f-string carry no usable positions and an implicitly concatenated
string is one node, so the literal's source is scanned here: one scanner for all versions
(it also copes with 3.12 f-strings that nest the same quotes). Replacement fields (f-string
fields, and ``str.format`` fields when the code formats a constant) become parts of their
own, so the text builder can turn them into slots.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from typing import NamedTuple

LINE_BREAK = re.compile(r"\r\n|\r|\n")
PERCENT = re.compile(r"%(?:\((?P<key>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]")
_GAP = re.compile(r"(?:\s|\\\r?\n|\\\r|#[^\r\n]*)*")  # between implicitly joined literals
_LITERAL_START = re.compile(r"([rRbBuUfF]{0,2})('''|\"\"\"|'|\")")


class Part(NamedTuple):
    kind: str  # "text", "brace" (a doubled brace standing for one) or "field"
    start: int
    end: int
    expression: str = ""  # field: its expression; brace: the brace character


@dataclass(frozen=True, eq=False, repr=False, slots=True)  # internal: never compared or printed (cheaper to define)
class Piece:
    """One string literal token: its lower-case prefix, quote and body (source offsets)."""

    prefix: str
    quote: str
    start: int
    end: int
    parts: tuple[Part, ...]

    @property
    def is_raw(self) -> bool:
        return "r" in self.prefix

    @property
    def is_f(self) -> bool:
        return "f" in self.prefix


def string_pieces(source: str, start: int, end: int) -> list[Piece] | None:
    """The literal tokens of the string expression at ``source[start:end]``."""
    pieces: list[Piece] = []
    pos = start
    while True:
        gap = _GAP.match(source, pos, end)
        pos = gap.end() if gap is not None else pos  # the gap pattern also matches nothing
        if pos >= end:
            return pieces
        match = _LITERAL_START.match(source, pos, end)
        if match is None:
            return None
        prefix, quote = match.group(1).lower(), match.group(2)
        body_end, parts = scan_body(source, match.end(), end, quote, "r" in prefix, "f" in prefix)
        if body_end + len(quote) > end or not source.startswith(quote, body_end):
            return None
        pieces.append(Piece(prefix, quote, match.end(), body_end, tuple(parts)))
        pos = body_end + len(quote)


def scan_body(s: str, pos: int, limit: int, quote: str, raw: bool, fields: bool) -> tuple[int, list[Part]]:
    """Splits a literal body into text, doubled braces and (when ``fields``) replacement fields.

    Stops at the closing quote or at ``limit``; returns where it stopped and the parts. A
    brace that does not open a well-formed field is kept as text (a ``str.format`` template
    may hold JSON). Only a backslash, the quote character and (with ``fields``) a brace can
    change anything, so the scan jumps from one to the next (`_special`) rather than
    stepping through every character of a long prompt.
    """
    parts: list[Part] = []
    text_start = pos
    search = _special(quote[0], fields).search
    while True:
        found = search(s, pos, limit)
        if found is None:
            pos = max(pos, limit)
            break
        pos = found.start()
        char = s[pos]
        if char == quote[0] and s.startswith(quote, pos):
            break
        if char == "\\":
            pos = _skip_escape(s, pos, raw, quote)
            continue
        part = _brace_part(s, pos, limit) if char in "{}" else None
        if part is None:
            pos += 1
            continue
        if text_start < pos:
            parts.append(Part("text", text_start, pos))
        parts.append(part)
        pos = text_start = part.end
    pos = min(pos, limit)
    if text_start < pos:
        parts.append(Part("text", text_start, pos))
    return pos, parts


@functools.cache
def _special(quote_char: str, fields: bool) -> re.Pattern[str]:
    """The characters `scan_body` stops at: a backslash, the quote and, for fields, braces."""
    return re.compile("[" + re.escape("\\" + quote_char + ("{}" if fields else "")) + "]")


def _skip_escape(s: str, pos: int, raw: bool, quote: str) -> int:
    """The offset after the escape sequence at ``s[pos]`` (a backslash)."""
    following = s[pos + 1:pos + 2]
    if raw:  # a backslash in a raw string only keeps a quote or backslash from ending it
        return pos + 2 if following in (quote[0], "\\") else pos + 1
    if following in ("{", "}"):  # not an escape: the brace is an f-string brace
        return pos + 1
    if following == "N" and s.startswith("{", pos + 2):
        close = s.find("}", pos)
        return close + 1 if close != -1 else pos + 2
    return pos + 2


def _brace_part(s: str, pos: int, limit: int) -> Part | None:
    char = s[pos]
    if s.startswith(char * 2, pos):
        return Part("brace", pos, pos + 2, char)
    return _scan_field(s, pos, limit) if char == "{" else None


def _scan_field(s: str, pos: int, limit: int) -> Part | None:
    """Reads the replacement field ``{expr!conversion:spec}`` whose ``{`` is at ``s[pos]``."""
    depth, i, expression_end = 0, pos + 1, None
    while i < limit:
        char = s[i]
        if char in "'\"":
            after = _skip_nested_string(s, pos + 1, i, limit)
            if after is None:
                return None
            i = after
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                end = i if expression_end is None else expression_end
                return Part("field", pos, i + 1, squeeze(s[pos + 1:end])) if char == "}" else None
            depth -= 1
        elif depth == 0 and char == ":":
            spec_end = _scan_spec(s, i + 1, limit)
            end = i if expression_end is None else expression_end
            return None if spec_end is None else Part("field", pos, spec_end, squeeze(s[pos + 1:end]))
        elif depth == 0 and expression_end is None and _ends_expression(s, i):
            expression_end = i
        i += 1
    return None


def _ends_expression(s: str, i: int) -> bool:
    """A conversion (``!r``) or a debug ``=`` ends the expression of a field."""
    char, following = s[i], s[i + 1:i + 2]
    if char == "!":
        return following != "="
    return char == "=" and following != "=" and s[i - 1] not in "=!<>"


def _scan_spec(s: str, i: int, limit: int) -> int | None:
    """The offset after the ``}`` closing a format spec (which may hold nested fields)."""
    while i < limit:
        if s[i] == "{":
            nested = _scan_field(s, i, limit)
            if nested is None:
                return None
            i = nested.end
        elif s[i] == "}":
            return i + 1
        else:
            i += 1
    return None


def _skip_nested_string(s: str, field_start: int, i: int, limit: int) -> int | None:
    """The offset after a string literal inside a field expression (its quote at ``s[i]``)."""
    start = i
    while start > field_start and s[start - 1].isalpha():
        start -= 1
    prefix = s[start:i].lower()
    if len(prefix) > 2 or not set(prefix) <= set("rbuf"):
        prefix = ""
    quote = s[i] * 3 if s.startswith(s[i] * 3, i) else s[i]
    end, _ = scan_body(s, i + len(quote), limit, quote, "r" in prefix, "f" in prefix)
    return end + len(quote) if s.startswith(quote, end) else None


def squeeze(expression: str) -> str:
    """An expression on one line, runs of whitespace collapsed (for slots and messages)."""
    return " ".join(expression.split())


def placeholder(expression: str) -> str:
    """The text standing for a dynamic part: ``{{ expression }}``, like a template tag."""
    return f"{{{{ {expression} }}}}" if expression else "{{ }}"


def decode(raw: str, piece: Piece) -> str | None:
    """The value of a run of literal body text, or None when it cannot be decoded alone."""
    if piece.is_raw or "\\" not in raw:
        return LINE_BREAK.sub("\n", raw)
    try:
        value = ast.literal_eval(piece.prefix.replace("f", "") + piece.quote + raw + piece.quote)
    except (SyntaxError, ValueError):
        return None
    return value if isinstance(value, str) else None
