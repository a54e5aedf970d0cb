"""Fixes: text edits a rule attaches to a finding, and applying them to files.

A fix is a set of edits by character offset into the file's text as advisor read it. Edits
touch only the characters they replace, so comments, key order, quoting and indentation of
everything else survive byte for byte, in every format. Overlapping fixes in one file are
applied one at a time (the first wins; the rest are re-evaluated on the next run), as
ruff does.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable

from .model.findings import Edit, Fix

if TYPE_CHECKING:
    from .model import Document, Field, PromptCall, PromptText, Span


def single_edit_fix(description: str, safety: str, edit: Edit | None) -> Fix | None:
    """A fix made of one edit, or None when no edit could be built (a layout advisor cannot
    edit safely): rules then report the finding without a fix."""
    return Fix(description, safety, (edit,)) if edit is not None else None


def apply_fixes(text: str, fixes: Iterable[Fix]) -> tuple[str, list[Fix]]:
    """Apply non-overlapping fixes to ``text``; returns the new text and the fixes applied."""
    applied: list[Fix] = []
    taken: list[tuple[int, int]] = []
    for fix in fixes:
        ranges = [(e.start, e.end) for e in fix.edits]
        if any(s < te and ts < e or (s == e == ts) for s, e in ranges for ts, te in taken):
            continue
        applied.append(fix)
        taken.extend(ranges)
    edits = sorted((e for fix in applied for e in fix.edits), key=lambda e: (e.start, e.end), reverse=True)
    for edit in edits:
        text = text[: edit.start] + edit.replacement + text[edit.end:]
    return text, applied


# ---------------------------------------------------------------------------------------
# Building edits from the document model
# ---------------------------------------------------------------------------------------

_CALL_OPEN = re.compile(r"\.(?:create|stream)\s*\(")


def _offsets(document: "Document", span: "Span") -> tuple[int, int]:
    return document.lines.offset(span.line, span.column), document.lines.offset(span.end_line, span.end_column)


def replace_value(document: "Document", field: "Field", new_text: str) -> Edit | None:
    """An edit replacing a literal field's value. For a quoted string only the characters
    of the value change, so the quotes and their style survive."""
    if not field.is_literal or field.span is None or (field.origin is not None and not field.origin.editable):
        return None  # a value written in another file is not edited where this file uses it
    start, end = _offsets(document, field.span)
    literal = document.source[start:end]
    if isinstance(field.value, str):
        position = literal.find(field.value)
        if position == -1:
            return None
        return Edit(start + position, start + position + len(field.value), new_text)
    return Edit(start, end, new_text)


def _append_keyword(document: "Document", span: "Span", name: str, value: str) -> Edit | None:
    """An edit adding ``name=value`` after the last argument of the call at ``span`` (a
    wrapper's constructor or ``completion`` call, which may take positional arguments),
    on a line of its own when the arguments are one per line."""
    start, end = _offsets(document, span)
    source = document.source
    opening = source.find("(", start, end)
    if opening == -1 or not source.startswith(")", end - 1):
        return None
    inside = source[opening + 1:end - 1]
    body = inside.rstrip()
    after = opening + 1 + len(body)
    if not body.strip():
        return Edit(opening + 1, end - 1, f"{name}={value}")
    last_line = source[source.rfind("\n", 0, after) + 1:after]
    if "#" in last_line:
        return None  # the last argument may end in a comment: text after it would be commented out
    if "\n" in inside[len(body):]:  # one argument per line, closing parenthesis on its own
        indent = last_line[: len(last_line) - len(last_line.lstrip())]
        comma = "" if body.endswith(",") else ","
        newline = "\r\n" if "\r\n" in inside else "\n"
        return Edit(after, after, f"{comma}{newline}{indent}{name}={value},")
    return Edit(after, after, f" {name}={value}" if body.endswith(",") else f", {name}={value}")


def _yaml_key_column(line: str, value_column: int) -> int | None:
    """The column (0-based) where the key of the ``key: value`` pair ending at the value starts."""
    match = re.match(r"^(\s*(?:-\s+)*)[\"']?[A-Za-z_][\w-]*[\"']?\s*:\s*$", line[: value_column - 1])
    return len(match.group(1)) if match else None


def insert_parameter(document: "Document", call: "PromptCall", name: str, value: str) -> Edit | None:
    """An edit adding ``name: value`` to a request body, or ``name=value`` to an SDK call.

    Config bodies get the new key next to ``model`` in the same style (a line of its own
    in block YAML, ``, key: value`` in flow YAML and JSON); SDK calls get the keyword
    first in the argument list. None when the layout is not one advisor can edit safely.
    """
    from .model import CallApi, Kind
    from .sources import Syntax, source_of

    if call.via is not None:
        return _append_keyword(document, call.via.settings, name, value)
    syntax = source_of(document.path, document.kind).syntax
    if call.api is not CallApi.BODY and syntax in (Syntax.TYPESCRIPT, Syntax.JAVASCRIPT):
        return _insert_property(document, call, name, value)
    if call.api is not CallApi.BODY:
        start, end = _offsets(document, call.span)
        opening = _CALL_OPEN.search(document.source, start, end)
        if opening is None:
            return None
        first = opening.end() + len(document.source[opening.end():end]) - len(document.source[opening.end():end].lstrip())
        between = document.source[opening.end():first]
        if document.source.startswith(")", first):
            return Edit(first, first, f"{name}={value}")
        if "\n" in between:  # one argument per line: add a line in the same style
            indent = between[between.rfind("\n") + 1:]
            return Edit(first, first, f"{name}={value},\n{indent}")
        return Edit(first, first, f"{name}={value}, ")
    model = call.model
    if model.span is None or model.span.line != model.span.end_line:
        return None
    _, value_end = _offsets(document, model.span)
    flow = document.source[document.lines.offset(call.span.line, call.span.column)] == "{"
    json = syntax is Syntax.JSON
    if document.kind is Kind.CONFIG and (flow or json):
        key = f'"{name}"' if json else name
        return Edit(value_end, value_end, f", {key}: {value}")
    line_start = document.lines.offset(model.span.line, 1)
    line = document.source[line_start: document.lines.offset(model.span.line + 1, 1)]
    key_column = _yaml_key_column(line, model.span.column)
    if key_column is None:
        return None
    line_end = line_start + len(line.rstrip("\r\n"))
    newline = "\r\n" if line.endswith("\r\n") else "\n"
    return Edit(line_end, line_end, f"{newline}{' ' * key_column}{name}: {value}")


def _insert_property(document: "Document", call: "PromptCall", name: str, value: str) -> Edit | None:
    """``name: value`` as the first property of the options object a TypeScript/JavaScript
    call writes inline (``create({`` / ``generateText({``), in the layout of its first
    property; None when the options are not an object literal there."""
    start, end = _offsets(document, call.span)
    method = (call.callee or call.api.value).rsplit(".", 1)[-1]
    opening = re.compile(rf"\b{re.escape(method)}\s*(?:<[^>()]*>\s*)?\(\s*\{{").search(document.source, start, end)
    if opening is None:
        return None
    after = opening.end()
    rest = document.source[after:end]
    first = after + len(rest) - len(rest.lstrip())
    between = document.source[after:first]
    if document.source.startswith("}", first):
        return Edit(after, first, f" {name}: {value} ")
    if "\n" in between:  # one property per line: add a line in the same style
        return Edit(first, first, f"{name}: {value},\n{between[between.rfind(chr(10)) + 1:]}")
    return Edit(first, first, f"{name}: {value}, ")


def edit_text_span(text: "PromptText", source: str, start: int, end: int, replacement: str) -> Edit | None:
    """An edit replacing characters ``start:end`` of a prompt text, when they map exactly to
    the same characters of ``source`` (the text's file) -- not across an escape sequence or a
    template tag, where a blind replacement would break the file."""
    if text.in_slot(start, end):
        return None
    source_start, source_end = text.source_map.source_range(start, end)
    if source[source_start:source_end] != text.text[start:end]:
        return None
    return Edit(source_start, source_end, replacement)
