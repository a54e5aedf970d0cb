"""Plain prompt files (``.prompt``, ``.txt``, ``.md``): the whole file is prompt text.

Prompt files often carry placeholders without being declared templates: Python
``str.format`` fields (``{customer_name}``) or Jinja tags. Format fields become slots, and a
file with Jinja tags that jinja2 can parse is read as a template, so "in {{ n }} words" is
seen as a dynamic word limit rather than as literal braces. A file that merely contains
braces is not a broken template: it stays plain text, without a parse error.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from ..model import Document, Kind, LineIndex, Role, TextBuilder
from . import jinja

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n.*?\r?\n---[ \t]*\r?\n", re.DOTALL)
_MARKDOWN_LINK = re.compile(r"\[[^\]\n]+\]\((?:https?://|\.{0,2}/|#)?[^)\s]+\)")
_FENCE_LINE = re.compile(r"^[ \t]*```", re.MULTILINE)
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*\|", re.MULTILINE)
_HEADING_LINE = re.compile(r"^#{1,6}[ \t]+\S", re.MULTILINE)
_DOC_NAMES = ("readme", "changelog", "contributing", "license", "index", "toc", "code_of_conduct")


def looks_like_documentation(source: str, path: str) -> bool:
    """A Markdown page written for people inside a folder named like ``prompts``: a README
    or index, or a page with front matter, navigation links or code samples around
    little prose. A file whose own name says "prompt" is always a prompt."""
    name = path.rsplit("/", 1)[-1].lower()
    if "prompt" in name:
        return False
    if name.rsplit(".", 1)[0] in _DOC_NAMES:
        return True
    front_matter = bool(_FRONT_MATTER.match(source))
    # each pattern only where the text holds what it starts from (a substring test, in C),
    # and the links counted once
    links = len(_MARKDOWN_LINK.findall(source)) if "](" in source else 0
    signals = int(front_matter)
    signals += links >= 3
    signals += "```" in source and len(_FENCE_LINE.findall(source)) >= 2
    signals += "---" in source and _TABLE_RULE.search(source) is not None
    signals += "#" in source and len(_HEADING_LINE.findall(source)) >= 6
    # a real prompt may hold an example table or fenced output: it takes three signs of a
    # page (or front matter and one more) to call it documentation
    return signals >= 3 or (front_matter and signals >= 2) or links >= 8


def looks_like_prompt(source: str, path: str) -> bool:
    """The relevance sniff for Markdown found by walking: a prompt, not a page for people."""
    return not looks_like_documentation(source, path)


# A ``{name}`` not inside ``{{ }}``. The lookbehind comes after the brace, so the regex
# engine searches for the brace as a literal instead of trying the lookbehind at every
# character (14x faster on prompt files).
_FORMAT_FIELD = re.compile(r"\{(?<!\{\{)([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}(?!\})")


def load(path: str, source: str, *, variables: Mapping[str, Any] | None = None) -> Document:
    lines = LineIndex(source)
    document = Document(path, Kind.PROMPT, source, lines)
    if jinja.looks_like_jinja(source) and jinja.syntax_problem(source) is None:
        document.texts.append(jinja.template_text(path, source, lines, variables=variables, role=Role.PROMPT))
        return document
    builder = TextBuilder(lines)
    position = 0
    for match in _FORMAT_FIELD.finditer(source):
        builder.exact(source[position:match.start()], position)
        name = match.group(1)
        value = (variables or {}).get(name)
        if value is None:
            builder.slot("{{ " + name + " }}", match.start(), match.end(), name)
        else:
            builder.opaque(str(value), match.start(), match.end())
        position = match.end()
    builder.exact(source[position:], position)
    document.texts.append(builder.build(path=path, role=Role.PROMPT, name=path.rsplit("/", 1)[-1]))
    return document
