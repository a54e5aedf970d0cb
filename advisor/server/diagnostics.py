"""A finding as an LSP diagnostic.

The diagnostic carries what a user needs to act on it without leaving the editor: the
rule's code (``code``, which editors show beside the message and use for filtering), its
name in the message (the name is what configuration and ``advisor: ignore[...]`` take),
the suggestion, a severity editors colour the way advisor's terminal output does, and a
link to the rule's documentation when one is configured. ``data`` keeps the rule's name
so a code action or hover can find the finding again from the diagnostic alone.
"""

from __future__ import annotations

from lsprotocol import types

from ..model import Finding, Severity
from ..output.printable import boundary
from .positions import BufferPositions

SOURCE = "advisor"

SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


def docs_link(template: str | None, finding: Finding) -> types.CodeDescription | None:
    """``{name}`` and ``{code}`` filled into the docs address (``ruleDocsUrl`` in the
    client's initialization options), or None when there is none."""
    if not template:
        return None
    return types.CodeDescription(href=template.replace("{name}", finding.rule).replace("{code}", finding.code))


def message_of(finding: Finding) -> str:
    text = f"{finding.rule}: {finding.message}"
    if finding.suggestion:
        text += f"\nhelp: {finding.suggestion}"
    return boundary(text)  # never a key's characters, whatever the message quotes


def to_diagnostic(finding: Finding, positions: BufferPositions, docs_url: str | None = None) -> types.Diagnostic:
    data: dict[str, str] = {"rule": finding.rule}
    if finding.fix is not None:
        data["fix"] = finding.fix.safety
    return types.Diagnostic(
        range=positions.range_of_span(finding.span),
        message=message_of(finding),
        severity=SEVERITIES[finding.severity],
        code=finding.code,
        code_description=docs_link(docs_url, finding),
        source=SOURCE,
        data=data,
    )
