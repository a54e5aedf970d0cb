"""Code actions: the fixes findings carry, as edits an editor applies.

Each finding with a fix gets a quick fix titled with the rule and what the fix does. Safe
fixes (behaviour kept apart from latency) are marked preferred, so "auto fix" and
fix-on-save pick them; unsafe ones (a different model, a reworded prompt, streaming) say
so in their title and are never preferred. "Fix all safe advisor findings" is a
``source.fixAll.advisor`` action (editors run it on save when asked to) and a command
(`FIX_ALL_COMMAND`): it fixes the buffer as ``advisor lint --fix`` fixes a file, again and
again until nothing is left, and sends the result as one minimal edit.
"""

from __future__ import annotations

from typing import Iterable

from lsprotocol import types

from ..fixes import Fix
from ..model import Finding
from .diagnostics import SOURCE, to_diagnostic
from .positions import BufferPositions

FIX_ALL_KIND = f"{types.CodeActionKind.SourceFixAll.value}.{SOURCE}"
FIX_ALL_COMMAND = "advisor.applyFixAll"
FIX_ALL_TITLE = "advisor: fix all safe findings"


def fix_title(finding: Finding, fix: Fix) -> str:
    label = "" if fix.safety == "safe" else " (unsafe: changes behaviour, review it)"
    return f"advisor: {fix.description} [{finding.code} {finding.rule}]{label}"


def text_edits(fix: Fix, positions: BufferPositions) -> list[types.TextEdit]:
    return [types.TextEdit(range=positions.range_of_offsets(edit.start, edit.end), new_text=edit.replacement)
            for edit in sorted(fix.edits, key=lambda edit: (edit.start, edit.end))]


def workspace_edit(uri: str, version: int | None, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
    """Edits tied to the buffer version they were computed on: a client refuses them once
    the user has typed on (rather than applying offsets to the wrong text)."""
    return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
        text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits=list(edits))])


def _overlaps(a: types.Range, b: types.Range) -> bool:
    def key(position: types.Position) -> tuple[int, int]:
        return position.line, position.character

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def quick_fixes(uri: str, version: int | None, findings: Iterable[Finding], positions: BufferPositions,
                wanted: types.Range, docs_url: str | None = None) -> list[types.CodeAction]:
    """A quick fix for each fixable finding whose range touches ``wanted``; safe ones first."""
    actions = []
    for finding in findings:
        fix = finding.fix
        if fix is None:
            continue
        diagnostic = to_diagnostic(finding, positions, docs_url)
        if not _overlaps(diagnostic.range, wanted):
            continue
        actions.append(types.CodeAction(
            title=fix_title(finding, fix),
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            is_preferred=fix.safety == "safe",
            edit=workspace_edit(uri, version, text_edits(fix, positions)),
        ))
    actions.sort(key=lambda action: not action.is_preferred)
    return actions


def replacement_edit(before: str, after: str, positions: BufferPositions) -> types.TextEdit | None:
    """The one edit that turns ``before`` into ``after``: the span between their common
    prefix and common suffix (None when they are equal)."""
    if before == after:
        return None
    start = 0
    limit = min(len(before), len(after))
    while start < limit and before[start] == after[start]:
        start += 1
    if before[start - 1:start + 1] == "\r\n":
        start -= 1  # never between \r and \n, which LSP counts as one line break
    end_before, end_after = len(before), len(after)
    while end_before > start and end_after > start and before[end_before - 1] == after[end_after - 1]:
        end_before -= 1
        end_after -= 1
    if before[end_before - 1:end_before + 1] == "\r\n":
        end_before, end_after = end_before + 1, end_after + 1
    return types.TextEdit(range=positions.range_of_offsets(start, end_before), new_text=after[start:end_after])


def fix_all_action(uri: str, version: int | None, edit: types.TextEdit | None) -> types.CodeAction | None:
    if edit is None:
        return None
    return types.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL_KIND, edit=workspace_edit(uri, version, [edit]))
