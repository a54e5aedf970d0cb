"""Inline suppression comments: ``# advisor: ignore[rule]`` and ``{# advisor: ignore[rule] #}``.

A comment after code on a line covers findings on that line; a comment alone on its line
covers the next line that has content. ``ignore-file[...]`` anywhere covers the whole
file. An empty or missing list means every rule. Comments are read only where the format
has comments: Python and YAML ``#`` comments, TypeScript/JavaScript ``//`` and ``/* */``, Jinja ``{# #}`` comments (in templates, and
in prompt files that are templates: with ``{{ }}`` or ``{% %}``). JSON and plain prompt
text have none (a ``{# #}`` there is sent to the model) and use ``per-file-ignores``.

Python comments are found with :mod:`tokenize` and TypeScript/JavaScript ``//`` and
``/* */`` comments with the tree-sitter parser, so that a comment marker inside a string
literal is not mistaken for one; the other formats use a careful regular expression.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field
from typing import Iterable

from .model import Document, Finding, LineIndex, Span, Suppression
from .patterns import lazy
from .sources import Comments, source_of

# Only a file that mentions advisor is searched for comments (`find_suppressions`): the
# patterns are compiled for the first one.
_DIRECTIVE = lazy(
    r"advisor:\s*(?P<scope>ignore-file|ignore)\b(?:\[(?P<rules>[^\]]*)\])?",
    re.IGNORECASE,
)
_YAML_COMMENT = lazy(r"(?:^|(?<=\s))#(?P<body>.*)$", re.MULTILINE)
_JINJA_COMMENT = lazy(r"\{#-?(?P<body>.*?)-?#\}", re.DOTALL)
_TEMPLATED = lazy(r"\{\{|\{%")


def _rules(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _next_content_line(lines: list[str], line: int) -> int:
    """The 1-based number of the first non-blank line after ``line``."""
    for number in range(line + 1, len(lines) + 1):
        if lines[number - 1].strip():
            return number
    return line


def _make(source_lines: list[str], index: LineIndex, body: str, comment_start: int, comment_end: int) -> list[Suppression]:
    out = []
    for match in _DIRECTIVE().finditer(body):
        line, column = index.position(comment_start)
        end_line, end_column = index.position(comment_end)
        span = Span(line, column, end_line, end_column)
        before = source_lines[line - 1][: column - 1] if line - 1 < len(source_lines) else ""
        target = line if before.strip() else _next_content_line(source_lines, end_line)
        out.append(
            Suppression(
                line=target,
                rules=_rules(match.group("rules")),
                span=span,
                file_wide=match.group("scope").lower() == "ignore-file",
            )
        )
    return out


def _python_comments(source: str, index: LineIndex) -> Iterable[tuple[int, int, str]]:
    """(start offset, end offset, text) of each real comment in Python source."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            if token.type == tokenize.COMMENT:
                start = index.offset(token.start[0], token.start[1] + 1)
                yield start, start + len(token.string), token.string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return


def find_suppressions(document: Document) -> list[Suppression]:
    source = document.source
    if "advisor" not in source:
        return []
    lines = source.splitlines()
    index = document.lines
    found: list[Suppression] = []
    comments = source_of(document.path, document.kind).comments
    if comments is Comments.PYTHON:
        for start, end, text in _python_comments(source, index):
            found += _make(lines, index, text, start, end)
    elif comments is Comments.SLASH:
        from .loaders.typescript.syntax import comments as script_comments

        for start, end, text in script_comments(document.path, source):
            found += _make(lines, index, text, start, end)
    elif comments is Comments.HASH:
        for match in _YAML_COMMENT().finditer(source):
            found += _make(lines, index, match.group("body"), match.start(), match.end())
    elif comments is Comments.JINJA or (comments is Comments.JINJA_IF_TEMPLATED and _TEMPLATED().search(source)):
        # a plain prompt file is sent as it is, `{# … #}` included: only one that is a Jinja
        # template anyway (it has tags or placeholders) loses its comments before sending
        for match in _JINJA_COMMENT().finditer(source):
            found += _make(lines, index, match.group("body"), match.start(), match.end())
    return found


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class SuppressionResult:
    """Findings split by inline suppression comments, and the comments that suppressed nothing."""

    kept: list[Finding]
    suppressed: list[Finding] = field(default_factory=list)
    unused: list[Suppression] = field(default_factory=list)


def _matches(suppression: Suppression, finding: Finding) -> bool:
    if suppression.rules and finding.rule not in suppression.rules and finding.code not in suppression.rules:
        return False
    if suppression.file_wide:
        return True
    return finding.span.line <= suppression.line <= max(finding.span.end_line, finding.span.line)


def apply_suppressions(findings: list[Finding], suppressions: list[Suppression]) -> SuppressionResult:
    """Split findings into kept and suppressed; report the comments that matched nothing."""
    if not suppressions:
        return SuppressionResult(list(findings))
    used: set[int] = set()
    result = SuppressionResult([])
    for finding in findings:
        hit = next((i for i, s in enumerate(suppressions) if _matches(s, finding)), None)
        if hit is None:
            result.kept.append(finding)
        else:
            used.add(hit)
            result.suppressed.append(finding)
    result.unused = [s for i, s in enumerate(suppressions) if i not in used]
    return result
