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

_FORMAT_FIELD = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}(?!\})")


def load(path: str, source: str, *, variables: Mapping[str, Any] | None = None) -> Document:
    lines = LineIndex(source)
    document = Document(path, Kind.PROMPT, source, lines)
    if jinja.looks_like_jinja(source) and jinja.syntax_problem(source) is None:
        text, includes = jinja.template_text(path, source, lines, variables=variables, role=Role.PROMPT)
        document.texts.append(text)
        document.linked_paths.extend(includes)
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
