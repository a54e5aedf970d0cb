"""SARIF 2.1.0, for GitHub code scanning and other static-analysis dashboards.

Rule metadata comes from the same definitions as ``advisor explain``; columns are counted
in Unicode code points (declared with ``columnKind``), as advisor counts them everywhere. A result in a notebook has its lines counted within the
cell and the cell (1-based, every cell counted) in its ``properties`` (``cell``, ``endCell``).
"""

from __future__ import annotations

import json
from typing import Any

from .. import __version__
from ..digests import blake2b
from ..model import Severity, Span
from ..results import LintResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule_descriptor(rule) -> dict:
    help_text = f"{rule.why}\n\nExample:\n{rule.example}\n\nUse instead:\n{rule.use_instead}"
    help_markdown = (
        f"**{rule.name}** ({rule.code}) - {rule.summary}\n\n{rule.why}\n\n"
        f"Example:\n```\n{rule.example}\n```\nUse instead:\n```\n{rule.use_instead}\n```\n\n"
        f"Guide section: {rule.guide}"
    )
    return {
        "id": rule.name,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {"code": rule.code, "guide": rule.guide, "fix": rule.fix.value},
    }


def _fingerprint(finding) -> str:
    # surrogateescape: a file name that is not UTF-8 hashes as the bytes it is
    blob = f"{finding.rule}|{finding.path}|{finding.message}".encode("utf-8", "surrogateescape")
    return blake2b(blob, digest_size=16).hexdigest()


def _end_column(span) -> int:
    """SARIF regions are not empty: a point finding covers one character."""
    if span.end_line == span.line and span.end_column <= span.column:
        return span.column + 1
    return span.end_column


def as_dict(result: LintResult) -> dict:
    rules = list(result.rules)
    index = {rule.name: i for i, rule in enumerate(rules)}
    results = []
    for finding in result.findings:
        span = finding.span
        cell = result.cell_of(finding)
        if cell is not None:  # a notebook: lines within the cell, the cell in the properties
            span = Span(cell.line, span.column, cell.end_line, span.end_column)
        entry: dict[str, Any] = {
            "ruleId": finding.rule,
            "level": _LEVELS[finding.severity],
            "message": {"text": finding.message + (f". Suggestion: {finding.suggestion}" if finding.suggestion else "")},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": finding.path, "uriBaseId": "%SRCROOT%"},
                        "region": {
                            "startLine": span.line,
                            "startColumn": span.column,
                            "endLine": span.end_line,
                            "endColumn": _end_column(span),
                        },
                    }
                }
            ],
            "partialFingerprints": {"advisorFinding/v1": _fingerprint(finding)},
        }
        if result.baseline is not None:
            entry["baselineState"] = "new"  # known findings are left out of the results
        if finding.rule in index:
            entry["ruleIndex"] = index[finding.rule]
        if cell is not None:
            entry["properties"] = {"cell": cell.cell, "endCell": cell.end_cell}
        results.append(entry)
    notifications = [
        {"level": "note", "message": {"text": f"{note.path}: {note.reason}"}} for note in result.notes
    ]
    run_properties = {"baseline": result.baseline.to_dict()} if result.baseline is not None else None
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "advisor",
                        "version": __version__,
                        "rules": [_rule_descriptor(rule) for rule in rules],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the directory advisor ran in"}}},
                "results": results,
                **({"properties": run_properties} if run_properties else {}),
                "invocations": [
                    {
                        "executionSuccessful": not result.errors,
                        "toolExecutionNotifications": notifications,
                    }
                ],
            }
        ],
    }


def render(result: LintResult) -> str:
    return json.dumps(as_dict(result), indent=2, ensure_ascii=False) + "\n"
