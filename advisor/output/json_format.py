"""The JSON format (``version: 1``): findings, files with token estimates, call sites, notes;
with a baseline, ``baseline`` holds the known findings and the counts (``findings`` are new).

A finding in a notebook also has ``cell`` and ``end_cell`` (1-based, every cell counted), and
its ``line`` / ``end_line`` count lines within those cells, as the notebook shows them."""

from __future__ import annotations

import json
from typing import Any

from ..model import Finding
from ..results import CellPosition, LintResult


def as_dict(result: LintResult) -> dict:
    data = {
        "version": 1,
        "findings": [_finding(finding, result.cell_of(finding)) for finding in result.findings],
        "files": [{"path": r.path, "kind": r.kind, "tokens": r.tokens} for r in result.files],
        "calls": result.calls,
        "notes": [note.to_dict() for note in result.notes],
        "errors": list(result.errors),
    }
    if result.baseline is not None:  # `findings` are then the new ones only
        data["baseline"] = {**result.baseline.to_dict(),
                            "known_findings": [_finding(f, result.cell_of(f)) for f in result.baseline.known]}
    return data


def _finding(finding: Finding, cell: CellPosition | None) -> dict[str, Any]:
    """A finding; in a notebook, ``cell`` / ``end_cell`` and lines counted within the cell."""
    data = finding.to_dict()
    if cell is not None:
        data.update(line=cell.line, end_line=cell.end_line, cell=cell.cell, end_cell=cell.end_cell)
    return data


def render(result: LintResult) -> str:
    """One finding, file, call or note a line: as easy to read and grep as an indented
    document, written by the C encoder (``indent=`` would use the pure-Python one, which
    at 30,000 files costs a sixth of the run and doubles its peak memory)."""
    lines = ["{"]
    items = list(as_dict(result).items())
    for index, (key, value) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        name = json.dumps(key)
        if isinstance(value, list) and value:
            lines.append(f"  {name}: [")
            lines.extend(f"    {json.dumps(item, ensure_ascii=False)}," for item in value[:-1])
            lines.append(f"    {json.dumps(value[-1], ensure_ascii=False)}")
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {name}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"
