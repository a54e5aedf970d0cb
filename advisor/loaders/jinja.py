"""Jinja templates: the literal text is linted, tags become placeholders mapped to the source.

The template is parsed with jinja2 to report syntax errors with their line, but never
rendered: a template from a scanned repository is untrusted code. Text outside tags is
copied exactly (so a finding points at the right column); each ``{{ expression }}`` becomes
a placeholder slot covering the whole tag; statements and comments vanish from the linted
text. When the user configured sample ``variables``, an expression that only names a value is
looked up on them in a bounded sandbox (`advisor.sandbox`), so "in {{ n }} words" can be read
as "in 50 words"; nothing that computes is ever evaluated.

jinja2 itself (about 15 ms to import) is imported on first need: most templates are plainly
valid (`_plainly_valid`) and, without sample variables, never evaluated, so a run over
them, or over prompt files with a ``{{ tag }}``, never loads it.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any, Mapping

from ..model import (
    Document,
    Kind,
    LineIndex,
    Problem,
    PromptText,
    Role,
    Span,
    TextBuilder,
)

if TYPE_CHECKING:
    import jinja2

    from ..sandbox import BoundedSandbox

_OPEN = re.compile(r"\{\{|\{%|\{#")
_RAW_START = re.compile(r"\{%-?\s*raw\s*-?%\}")
_RAW_END = re.compile(r"\{%-?\s*endraw\s*-?%\}")
_MAX_EXPRESSION = 2000  # longer expressions are not evaluated even with sample variables



@functools.cache
def _parser() -> jinja2.Environment:
    import jinja2

    return jinja2.Environment(autoescape=False)


@functools.cache
def _sandbox() -> BoundedSandbox:
    from ..sandbox import BoundedSandbox

    return BoundedSandbox(autoescape=False)

# filters that reshape a value without a size argument; anything else is never evaluated
_PLAIN_FILTERS = frozenset({"upper", "lower", "title", "capitalize", "trim", "string", "int", "float",
                            "length", "count", "round", "abs", "first", "last", "e", "escape"})
_MAX_VALUE = 10_000  # characters of an evaluated value that may enter the linted text


def _is_lookup(expression: str) -> bool:
    """Whether the expression only names a value (``n``, ``limits.summary``,
    ``limits['summary']``), maybe through plain filters (``name | upper``): all a length
    placeholder needs, and nothing a hostile template can use to compute (no operators,
    calls, tests or sized filters)."""
    from jinja2 import nodes

    try:
        body = _parser().parse("{{ " + expression + " }}").body
    except Exception:
        return False
    if len(body) != 1 or not isinstance(body[0], nodes.Output) or len(body[0].nodes) != 1:
        return False
    root = body[0].nodes[0]
    every = [root, *root.find_all(nodes.Node)]
    lookups = (nodes.Name, nodes.Getattr, nodes.Getitem, nodes.Const, nodes.Filter)
    return all(isinstance(node, lookups) for node in every) and all(
        node.name in _PLAIN_FILTERS and not node.args and not node.kwargs
        for node in every if isinstance(node, nodes.Filter))


def _tag_end(source: str, start: int, closer: str) -> int:
    """Offset just after the tag closing at ``closer``, skipping quoted strings; -1 if unclosed.
    Jumps from one quote or closer to the next (`_TAG_STOPS`), not character by character."""
    search = _TAG_STOPS[closer].search
    i = start + 2
    while True:
        found = search(source, i)
        if found is None:
            return -1
        i = found.start()
        char = source[i]
        if char not in "'\"":
            return i + 2
        end = source.find(char, i + 1)
        while end != -1 and source[end - 1] == "\\":
            end = source.find(char, end + 1)
        if end == -1:
            return -1
        i = end + 1


_TAG_STOPS = {closer: re.compile("['\"]|" + re.escape(closer)) for closer in ("}}", "%}")}


def _expression(tag: str) -> str:
    return tag[2:-2].strip().strip("-").strip()


def _evaluate(expression: str, variables: Mapping[str, Any]) -> str | None:
    """The expression's value on the sample variables, in the sandbox; None when it fails."""
    if not variables or len(expression) > _MAX_EXPRESSION or not _is_lookup(expression):
        return None
    import jinja2

    sandbox = _sandbox()
    try:
        sandbox.start()
        value = sandbox.compile_expression(expression, undefined_to_none=False)(**variables)
    except Exception:  # undefined names, sandbox refusals, type errors: stay a placeholder
        return None
    if value is None or isinstance(value, jinja2.Undefined):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None  # a whole mapping or list is not a placeholder's text
    text = str(value) if not isinstance(value, int) or abs(value) < 10**100 else None
    return text if text is not None and len(text) <= _MAX_VALUE else None


def template_text(
    path: str,
    source: str,
    lines: LineIndex,
    *,
    variables: Mapping[str, Any] | None = None,
    role: Role = Role.TEMPLATE,
) -> PromptText:
    """The linted text of a template. Statements (``{% if %}``, ``{% include %}``) add no
    text: the branches' text stays, and an included template is not read (a known gap)."""
    builder = TextBuilder(lines)
    position = 0
    length = len(source)
    while position < length:
        match = _OPEN.search(source, position)
        if match is None:
            builder.exact(source[position:], position)
            break
        start = match.start()
        if start > position:
            builder.exact(source[position:start], position)
        opener = match.group()
        if opener == "{#":
            end = source.find("#}", start + 2)
            position = length if end == -1 else end + 2
            continue
        raw = _RAW_START.match(source, start)
        if raw:
            closing = _RAW_END.search(source, raw.end())
            body_end = closing.start() if closing else length
            builder.exact(source[raw.end():body_end], raw.end())
            position = closing.end() if closing else length
            continue
        end = _tag_end(source, start, "}}" if opener == "{{" else "%}")
        if end == -1:
            builder.exact(source[start:], start)
            break
        tag = source[start:end]
        if opener == "{{":
            expression = _expression(tag)
            value = _evaluate(expression, variables or {})
            if value is None:
                builder.slot("{{ " + expression + " }}", start, end, expression)
            else:
                builder.opaque(value, start, end)
        position = end
    name = path.rsplit("/", 1)[-1]
    return builder.build(path=path, role=role, name=name)


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_KEYWORDS = frozenset(
    "and or not in is if else elif endif for endfor block endblock extends include import from "
    "macro endmacro call endcall filter endfilter set endset with endwith raw endraw true false "
    "none True False None".split()
)
_OPERAND = rf"{_NAME}(?:\.{_NAME}|\[\d+\]|\[\"[^\"\\]*\"\]|\['[^'\\]*'\])*"
_SIMPLE_EXPRESSION = re.compile(rf"(?P<operand>{_OPERAND})(?:\s*\|\s*{_NAME})*\Z")
_LITERAL = r"(?:\"[^\"\\]*\"|'[^'\\]*'|\d+)"
_CONDITION = re.compile(rf"(?:not\s+)?(?P<operand>{_OPERAND})(?:\s*(?:==|!=)\s*{_LITERAL})?\Z")
_FOR = re.compile(rf"for\s+{_NAME}(?:\s*,\s*{_NAME})*\s+in\s+(?P<operand>{_OPERAND})\Z")


_NAMES = re.compile(_NAME)


def _names_ok(match: re.Match[str] | None) -> bool:
    return match is not None and _KEYWORDS.isdisjoint(_NAMES.findall(match.group("operand")))


def _plainly_valid(source: str) -> bool:
    """True when the template uses only constructs whose validity is plain to see: simple
    ``{{ name.attr | filter }}`` outputs, ``if``/``elif``/``else``/``for`` blocks over simple
    names, balanced. Then jinja2's parser (the slowest step of linting a template) is not
    needed; anything else, or anything doubtful, is left to it. Never says True for a
    template jinja2 would reject (a test holds it to that)."""
    stack: list[str] = []
    position = 0
    while True:
        match = _OPEN.search(source, position)
        if match is None:
            return not stack
        start, opener = match.start(), match.group()
        if opener == "{#":
            end = source.find("#}", start + 2)
            if end == -1:
                return False
            position = end + 2
            continue
        end = _tag_end(source, start, "}}" if opener == "{{" else "%}")
        if end == -1:
            return False
        body = source[start + 2:end - 2]
        body = body[1:] if body.startswith(("-", "+")) else body
        body = body[:-1] if body.endswith(("-", "+")) else body
        body = body.strip()
        position = end
        if opener == "{{":
            if not _names_ok(_SIMPLE_EXPRESSION.match(body)):
                return False
            continue
        keyword = body.split(None, 1)[0] if body else ""
        rest = body[len(keyword):].strip()
        if keyword in ("if", "elif"):
            if not _names_ok(_CONDITION.match(rest)) or (keyword == "elif" and (not stack or stack[-1] != "if")):
                return False
            if keyword == "if":
                stack.append("if")
        elif keyword == "for":
            if not _names_ok(_FOR.match(body)):
                return False
            stack.append("for")
        elif keyword == "else" and not rest:
            if not stack:
                return False
        elif keyword in ("endif", "endfor") and not rest:
            if not stack or stack.pop() != keyword[3:]:
                return False
        else:
            return False


def syntax_problem(source: str) -> Problem | None:
    """A Problem for a template jinja2 cannot parse (parsing never runs template code)."""
    if _plainly_valid(source):
        return None
    import jinja2

    try:
        _parser().parse(source)
    except jinja2.TemplateSyntaxError as error:
        line = error.lineno or 1
        return Problem(f"invalid Jinja template: {error.message}", Span(line, 1, line, 1))
    except RecursionError:
        return Problem("Jinja template nested too deeply to parse")
    except Exception as error:  # jinja2 raises a few odd exceptions on hostile input
        return Problem(f"invalid Jinja template: {error}")
    return None


def looks_like_jinja(source: str) -> bool:
    return "{{" in source or "{%" in source


def load(path: str, source: str, *, variables: Mapping[str, Any] | None = None) -> Document:
    lines = LineIndex(source)
    document = Document(path, Kind.TEMPLATE, source, lines)
    problem = syntax_problem(source)
    if problem is not None:
        document.problems.append(problem)
    document.texts.append(template_text(path, source, lines, variables=variables))
    return document
