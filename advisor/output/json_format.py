"""The JSON format (``version: 1``): findings, files with token estimates, call sites, notes;
with a baseline, ``baseline`` holds the known findings and the counts (``findings`` are new).

A finding in a notebook also has ``cell`` and ``end_cell`` (1-based, every cell counted), and
its ``line`` / ``end_line`` count lines within those cells, as the notebook shows them."""

from __future__ import annotations

import json
from typing import Any, Iterator

from ..model import Finding
from ..results import CellPosition, LintResult


def as_dict(result: LintResult) -> dict:
    return {key: list(value) if isinstance(value, Iterator) else value for key, value in _sections(result)}


def _sections(result: LintResult) -> list[tuple[str, Any]]:
    """The document's keys in order; the long lists as iterators, made one item at a time
    as they are written (at 30,000 files, building them all first doubled the peak memory)."""
    sections: list[tuple[str, Any]] = [
        ("version", 1),
        ("findings", (_finding(finding, result.cell_of(finding)) for finding in result.findings)),
        ("files", ({"path": r.path, "kind": r.kind, "tokens": r.tokens} for r in result.files)),
        ("calls", iter(result.calls)),
        ("notes", (note.to_dict() for note in result.notes)),
        ("errors", iter(list(result.errors))),
    ]
    if result.baseline is not None:  # `findings` are then the new ones only
        sections.append(("baseline", {**result.baseline.to_dict(),
                                      "known_findings": [_finding(f, result.cell_of(f)) for f in result.baseline.known]}))
    return sections


def _finding(finding: Finding, cell: CellPosition | None) -> dict[str, Any]:
    """A finding; in a notebook, ``cell`` / ``end_cell`` and lines counted within the cell."""
    data = finding.to_dict()
    if cell is not None:
        data.update(line=cell.line, end_line=cell.end_line, cell=cell.cell, end_cell=cell.end_cell)
    return data


def render(result: LintResult) -> str:
    return "".join(render_lines(result))


def render_lines(result: LintResult) -> Iterator[str]:
    """The document line by line, each line ending in a newline: one finding, file, call or
    note a line, as easy to read and grep as an indented document, written by the C
    encoder (``indent=`` would use the pure-Python one, which at 30,000 files costs a sixth
    of the run and doubles its peak memory). A caller that writes the lines as they come
    never holds the whole document."""
    yield "{\n"
    sections = _sections(result)
    for index, (key, value) in enumerate(sections):
        comma = "," if index < len(sections) - 1 else ""
        name = json.dumps(key)
        if isinstance(value, Iterator):
            first = next(value, _NOTHING)
            if first is _NOTHING:
                yield f"  {name}: []{comma}\n"
                continue
            yield f"  {name}: [\n"
            previous = first
            for item in value:
                yield f"    {json.dumps(previous, ensure_ascii=False)},\n"
                previous = item
            yield f"    {json.dumps(previous, ensure_ascii=False)}\n"
            yield f"  ]{comma}\n"
        else:
            yield f"  {name}: {json.dumps(value, ensure_ascii=False)}{comma}\n"
    yield "}\n"


_NOTHING = object()
