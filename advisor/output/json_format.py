"""The JSON format (``version: 1``): findings, files with token estimates, call sites, notes;
with a baseline, ``baseline`` holds the known findings and the counts (``findings`` are new)."""

from __future__ import annotations

import json

from ..results import LintResult


def as_dict(result: LintResult) -> dict:
    data = {
        "version": 1,
        "findings": [finding.to_dict() for finding in result.findings],
        "files": [{"path": r.path, "kind": r.kind, "tokens": r.tokens} for r in result.files],
        "calls": result.calls,
        "notes": [note.to_dict() for note in result.notes],
        "errors": list(result.errors),
    }
    if result.baseline is not None:  # `findings` are then the new ones only
        data["baseline"] = {**result.baseline.to_dict(),
                            "known_findings": [finding.to_dict() for finding in result.baseline.known]}
    return data


def render(result: LintResult) -> str:
    return json.dumps(as_dict(result), indent=2, ensure_ascii=False) + "\n"
