"""Hover: on a finding's range, what it says and the rule's documentation, rendered from
the rule's definition as ``advisor explain`` prints it (one source, so the editor and the
command line never disagree)."""

from __future__ import annotations

from typing import Iterable

from lsprotocol import types

from .. import checks
from ..docs import render_rule_markdown, render_rule_text
from ..model import Finding
from ..output.printable import boundary
from .positions import BufferPositions


def _contains(range_: types.Range, position: types.Position) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return p.line, p.character

    return key(range_.start) <= key(position) <= key(range_.end)


def hover(findings: Iterable[Finding], positions: BufferPositions, at: types.Position, *,
          markdown: bool = True) -> types.Hover | None:
    """The findings under ``at``, each with its rule's documentation (once per rule)."""
    found = [(finding, positions.range_of_span(finding.span)) for finding in findings]
    found = [(finding, range_) for finding, range_ in found if _contains(range_, at)]
    if not found:
        return None
    blocks: list[str] = []
    documented: set[str] = set()
    for finding, _ in found:
        head = f"{finding.code} {finding.rule}: {finding.message}"
        block = [f"**{head}**" if markdown else head]
        if finding.suggestion:
            block.append(f"help: {finding.suggestion}")
        blocks.append("\n\n".join(block))
        rule = checks.get_rule(finding.rule)
        if rule is not None and rule.name not in documented:
            documented.add(rule.name)
            blocks.append(render_rule_markdown(rule) if markdown else render_rule_text(rule))
    kind = types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText
    start = min((range_.start for _, range_ in found), key=lambda p: (p.line, p.character))
    end = max((range_.end for _, range_ in found), key=lambda p: (p.line, p.character))
    separator = "\n\n---\n\n" if markdown else "\n\n"
    return types.Hover(contents=types.MarkupContent(kind=kind, value=boundary(separator.join(blocks))),
                       range=types.Range(start=start, end=end))
