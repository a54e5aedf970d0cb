"""TypeScript and JavaScript: Messages API calls, prompt constants and where each call
runs, via tree-sitter.

The file is parsed, never run. Two client libraries are read: the Anthropic SDK
(``@anthropic-ai/sdk``: ``client.messages.create({...})``, ``.stream``, ``.countTokens``,
``client.beta.messages.*``) and the Vercel AI SDK with the Anthropic provider
(``generateText`` / ``streamText`` / ``generateObject`` / ``streamObject`` with
``anthropic('claude-…')``). Every request field becomes the same :class:`~advisor.model.Field`
the Python loader builds -- literal with its span, absent, or dynamic -- so every rule
reads a TypeScript call as it reads a Python one.

The modules, one job each: ``syntax`` (tree-sitter, imported lazily, and byte positions to
spans), ``bindings`` (which names are bound once, to what), ``values`` (literals and prompt
text), ``files`` (prompt files a value reads: links the finish stage resolves), ``outline``
(the walk: imports, functions, the API calls), ``calls`` (a call's options), ``runs_in`` (where a call runs), ``streams`` (whether a stream is buffered),
``document`` (assembling the Document).
"""

from __future__ import annotations

import re

from .document import MAX_LINE, is_minified, load

__all__ = ["imports_claude_client", "load", "minified_bundle"]

_IMPORTS = re.compile(r"""(?:\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(?\s*)["'](?:@anthropic-ai/sdk|@ai-sdk/anthropic)(?:/[^"']*)?["']""")


def imports_claude_client(source: str, path: str = "") -> bool:
    """The relevance sniff for walked files: a module that imports or requires
    ``@anthropic-ai/sdk`` or ``@ai-sdk/anthropic``. The package names are looked for first
    (a substring test, in C): the pattern tries every position of the file, and most
    scripts a walk meets name neither package."""
    if "@anthropic-ai/sdk" not in source and "@ai-sdk/anthropic" not in source:
        return False
    return bool(_IMPORTS.search(source))


def minified_bundle(data: bytes) -> str | None:
    """Why a walked file is skipped unread: a minified bundle (built output, not source)."""
    if is_minified(data):
        return f"minified bundle (a line longer than {MAX_LINE:,} characters)"
    return None
