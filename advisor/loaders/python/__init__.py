"""Python source: Messages API calls, prompt constants and where each call runs, via `ast`.

The file is parsed, never imported or executed, so linting an untrusted repository is safe.
A value is *literal* only when the code makes it plain (a literal, or a name bound exactly
once to one); everything computed at run time is reported as *dynamic*, never guessed, so
the checks can tell "not set" from "set somewhere we cannot see".

Prompt text keeps a source map into the ``.py`` file: string literals are aligned piece by
piece (implicit concatenation, escapes, UTF-8 byte columns), and f-string fields and
``str.format`` / ``%`` fields become ``{{ expr }}`` slots, like template tags. Prompt text
read from other files becomes a :class:`~advisor.model.Link` on the call, for the engine to
resolve.

The modules, one job each: ``document`` (assemble the Document), ``module`` (parse and
walk a file once: the loader's and the project index's parsed form),
``strings`` (scanning string literals), ``positions`` (ast positions to spans), ``nodes``
(small AST-shape helpers), ``scopes`` (which names are bound once, to what), ``outline``
(the walk: functions, calls, frames), ``texts`` (prompt text and constants), ``files``
(which file an expression reads), ``calls`` (a call's arguments), ``runs_in`` (where a call
runs), ``streams`` (whether a stream is buffered), ``wrappers`` (calls sent through LangChain,
LiteLLM and the Claude Agent SDK), ``values`` (values written away from the call: defaults,
attributes, environment defaults, options, names imported from other modules).
"""

from __future__ import annotations

import re

from .document import load

__all__ = ["imports_anthropic", "load", "names_a_claude_package"]

# The SDK, and the libraries that send Messages API calls for the code (wrappers.py):
# `langchain` for init_chat_model, which builds a ChatAnthropic for Claude ids.
_CLAUDE_PACKAGES = r"(?:anthropic|langchain_anthropic|langchain|litellm|claude_agent_sdk)"
_IMPORTS_ANTHROPIC = re.compile(rf"^\s*(?:import\s+{_CLAUDE_PACKAGES}\b|from\s+{_CLAUDE_PACKAGES}\b)", re.MULTILINE)


# Each package name contains one of these: a module without any of them imports none of the
# packages, which a substring test (in C, over the whole file) tells several times faster
# than the line-by-line pattern. Most Python files a walk meets import none of them.
_PACKAGE_WORDS = ("anthropic", "langchain", "litellm", "claude_agent_sdk")


def names_a_claude_package(text: str) -> bool:
    """Whether ``text`` spells one of the packages' names at all: what `imports_anthropic`
    needs before its pattern can match (its cheap first test, and the notebook sniff's)."""
    return any(word in text for word in _PACKAGE_WORDS)


def imports_anthropic(source: str, path: str = "") -> bool:
    """The relevance sniff for Python found by walking: a module that imports the SDK or a
    library that calls Claude through it (LangChain, LiteLLM, the Claude Agent SDK)."""
    return names_a_claude_package(source) and bool(_IMPORTS_ANTHROPIC.search(source))
