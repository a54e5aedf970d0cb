"""``advisor lint --fix`` / ``--diff``: apply the fixes findings carry, file by file.

Each file is fixed in memory, re-linted and fixed again until nothing applicable is left
(overlapping fixes land one per pass, as with ruff), at most ``MAX_PASSES`` times. Only
then is it written back, byte for byte the same except the edits: encoding, byte-order
mark and line endings are kept. ``--diff`` shows the same changes without writing.
"""

from __future__ import annotations

import codecs
import difflib
from dataclasses import dataclass, field
from pathlib import Path

from .discovery import kind_for
from .engine import Linter, LintResult
from .fixes import Fix, apply_fixes
from .loaders import decode

MAX_PASSES = 10


@dataclass
class FixOutcome:
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (before, after)
    applied: int = 0
    errors: list[str] = field(default_factory=list)

    def diff(self) -> str:
        chunks = []
        for path, (before, after) in sorted(self.changed.items()):
            chunks.extend(
                difflib.unified_diff(
                    before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}"
                )
            )
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in chunks)


def _wanted(fix: Fix | None, unsafe: bool) -> bool:
    return fix is not None and (fix.safety == "safe" or unsafe)


def fix_files(result: LintResult, linter: Linter, *, unsafe: bool, write: bool) -> FixOutcome:
    outcome = FixOutcome()
    paths = sorted({f.path for f in result.findings if _wanted(f.fix, unsafe)})
    for path in paths:
        first = [f.fix for f in result.findings if f.path == path and _wanted(f.fix, unsafe)]
        try:
            _fix_one(Path(path), path, first, linter, unsafe=unsafe, write=write, outcome=outcome)
        except OSError as error:
            outcome.errors.append(f"{path}: not fixed: {error.strerror or error}")
    return outcome


def _fix_one(file: Path, path: str, fixes: list[Fix], linter: Linter, *, unsafe: bool, write: bool, outcome: FixOutcome) -> None:
    data = file.read_bytes()
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    original, problem = decode(data)
    kind = kind_for(file)
    if original is None or kind is None or data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        outcome.errors.append(f"{path}: not fixed: {problem.message if problem else 'not a UTF-8 text file'}")
        return
    text = original
    for _ in range(MAX_PASSES):
        text, applied = apply_fixes(text, fixes)
        outcome.applied += len(applied)
        if not applied:
            break
        report = linter.lint_source(path, kind, text, absolute=file.resolve())
        fixes = [f.fix for f in report.findings if f.path == path and _wanted(f.fix, unsafe)]
        if not fixes:
            break
    if text == original:
        return
    outcome.changed[path] = (original, text)
    if write:
        file.write_bytes(bom + text.encode("utf-8"))
