"""Environment files (``.env``, ``.env.local``, ``prod.env``): read only for API keys.

A ``.env`` file is where ``ANTHROPIC_API_KEY=sk-ant-…`` is meant to live, and committing
one is how keys leak. Nothing in it is a prompt or a request, so the document holds the
file's text and no texts or calls: only `hardcoded-api-key` (which reads every document's
text) has anything to say. What counts as a key is `advisor.secrets`'s decision, so a
template's placeholder (``sk-ant-xxx``, ``your-key-here``) is not one and a committed
``.env.example`` stays quiet.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..model import Document, Kind, LineIndex
from ..secrets import find_keys


def load(path: str, text: str, *, variables: Mapping[str, Any] | None = None) -> Document:
    return Document(path, Kind.CONFIG, text, LineIndex(text))


def mentions_key(text: str, path: str = "") -> bool:
    """The relevance sniff: a walked ``.env`` file is linted only if it holds a key."""
    return bool(find_keys(text))
