"""Recognising Anthropic API keys, and keeping them out of every output.

Used by the `hardcoded-api-key` rule to find keys, and by every output that shows file
content (the HTML report's excerpts, fix diffs) to mask them: a key found in a repository
must never be copied into a report, a log or a cache.
"""

from __future__ import annotations

import re

from .patterns import lazy

# sk-ant-<kind><version>-<body>: api03 (API keys), admin01 (admin keys), oat01 (OAuth tokens).
ANTHROPIC_KEY = lazy(r"sk-ant-[a-z]+\d{2}-[A-Za-z0-9_\-]{20,}")  # a key is rare: compiled when one is seen
MASK = "sk-ant-…[redacted]"


# What scrubbing masks, more than the rule reports: any "sk-ant-" run of key characters
# (short ones too: a key cut anywhere still leaks what is left), and its continuation in
# adjacent string literals ("sk-ant-api03-abc" "def…", 'sk-ant-' + '…', a backslash
# continuation) or on indented lines of key characters alone (a folded YAML scalar).
_KEY_CHARS = r"[A-Za-z0-9_\-]"
_CONTINUATION = (
    rf"""(?:["']\s*(?:[+\\]\s*)?["']|\r?\n[ \t]+(?={_KEY_CHARS}{{8,}}[ \t]*(?:\r?\n|$))){_KEY_CHARS}+"""
)
_KEYISH = lazy(
    rf"sk-ant-(?!…)(?:{_KEY_CHARS}{{6,}}(?:{_CONTINUATION})*|{_KEY_CHARS}*(?:{_CONTINUATION})+)", re.MULTILINE
)


def redact(text: str) -> str:
    """``text`` with every key-shaped string masked, including keys split across
    adjacent literals or folded lines. Every output goes through this (directly, or
    through `advisor.output.printable.boundary`)."""
    if "sk-ant-" not in text:
        return text
    return _KEYISH().sub(MASK, text)


_GLUE = lazy(r"""["'+\\\s]+""")


def joined(key_text: str) -> str:
    """A key as the program assembles it: the pieces of adjacent literals put together."""
    return _GLUE().sub("", key_text)


def find_keys(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each key: a key-shaped string, also one assembled from
    adjacent literals or folded lines (the span then covers every piece)."""
    if "sk-ant-" not in text:
        return []
    spans = []
    for match in _KEYISH().finditer(text):
        whole = ANTHROPIC_KEY().match(joined(match.group()))
        if whole is not None:
            spans.append(match.span())
    return spans


def redact_keeping_lines(text: str) -> str:
    """`redact` for text shown line by line (report excerpts): a key continued on the next
    lines is masked there too, and every line stays where it was."""
    if "sk-ant-" not in text:
        return text

    def mask(match: re.Match[str]) -> str:
        lines = match.group().split("\n")
        rest = ["\n" + line[: len(line) - len(line.lstrip())] + "…" for line in lines[1:]]
        return MASK + "".join(rest)

    return _KEYISH().sub(mask, text)


def describe(key: str) -> str:
    """A safe description of a key: its kind and length, never its characters."""
    key = joined(key)
    kind = key.split("-")[2] if key.count("-") >= 3 else "unknown"
    return f"kind {kind}, {len(key)} characters"
