"""Recognising Anthropic API keys, and keeping them out of every output.

Used by the `hardcoded-api-key` rule to find keys, and by every output that shows file
content (the HTML report's excerpts, fix diffs) to mask them: a key found in a repository
must never be copied into a report, a log or a cache.
"""

from __future__ import annotations

import re

# sk-ant-<kind><version>-<body>: api03 (API keys), admin01 (admin keys), oat01 (OAuth tokens).
ANTHROPIC_KEY = re.compile(r"sk-ant-[a-z]+\d{2}-[A-Za-z0-9_\-]{20,}")
MASK = "sk-ant-…[redacted]"


def find_keys(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each key-shaped string."""
    return [match.span() for match in ANTHROPIC_KEY.finditer(text)]


def redact(text: str) -> str:
    """``text`` with every key-shaped string masked."""
    if "sk-ant-" not in text:
        return text
    return ANTHROPIC_KEY.sub(MASK, text)


def describe(key: str) -> str:
    """A safe description of a key: its kind and length, never its characters."""
    kind = key.split("-")[2] if key.count("-") >= 3 else "key"
    return f"sk-ant-{kind}-… ({len(key)} characters)"
