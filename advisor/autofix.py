"""``advisor lint --fix`` / ``--diff``: apply the fixes findings carry, file by file.

Each file is fixed in memory, re-linted and fixed again until nothing applicable is left
(overlapping fixes land one per pass, as with ruff), at most ``MAX_PASSES`` times. Only
then is it written back, byte for byte the same except the edits: encoding, byte-order
mark and line endings are kept (an edit in a CRLF file gets CRLF too). ``--diff`` shows the
same changes without writing.

Only files linted in this run are touched. The write is atomic (a temporary file in the
same folder, renamed over the original, with its mode kept; through a symbolic link, the
file it points to), and it happens only if the file still holds the bytes that were fixed:
an editor saving in between wins, and the file is reported as not fixed. The offsets of a
fix are always those of the bytes being fixed: each file is linted again as it is read. A file advisor
cannot write is reported, not counted as fixed.
"""

from __future__ import annotations

import codecs
import difflib
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .engine import Linter, LintResult
from .files import SkippedFile, read_regular
from .fixes import Fix, apply_fixes
from .loaders import decode
from .model import Finding, Kind
from .sources import kind_for

MAX_PASSES = 10


@dataclass
class FixOutcome:
    """What applying fixes did: each changed file's text before and after, the fixes applied
    per rule, and why a file was not fixed."""

    changed: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (before, after)
    # path -> how many fixes of each rule, as (code, name), were applied (`--show-fixes`)
    fixed: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def applied(self) -> int:
        return sum(sum(counts.values()) for counts in self.fixed.values())

    def diff(self) -> str:
        chunks: list[str] = []
        for path, (before, after) in sorted(self.changed.items()):
            chunks.extend(
                difflib.unified_diff(
                    before.splitlines(keepends=True), after.splitlines(keepends=True), f"a/{path}", f"b/{path}"
                )
            )
        return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in chunks)


def _wanted(fix: Fix | None, unsafe: bool) -> bool:
    return fix is not None and (fix.safety == "safe" or unsafe)


def fix_files(result: LintResult, linter: Linter | Callable[[str], Linter], *, unsafe: bool, write: bool) -> FixOutcome:
    """Fix every file of ``result`` that has wanted fixes; ``linter`` is the engine, or a
    function giving each file's engine (paths of different projects, different configs)."""
    linter_for: Callable[[str], Linter] = (lambda path: linter) if isinstance(linter, Linter) else linter
    outcome = FixOutcome()
    linted = {report.path for report in result.files}
    paths = sorted({f.path for f in result.findings if _wanted(f.fix, unsafe) and f.path in linted})
    for path in paths:
        first = [f.fix for f in result.findings if f.path == path and _wanted(f.fix, unsafe)]
        try:
            _fix_one(Path(path), path, first, linter_for(path), unsafe=unsafe, write=write, outcome=outcome)
        except OSError as error:
            outcome.errors.append(f"{path}: not fixed: {error.strerror or error}")
    return outcome


def fix_text(linter: Linter, path: str, kind: Kind, original: str, *, unsafe: bool,
             absolute: Path | None = None) -> tuple[str, int]:
    """The text with its wanted fixes applied, linting again after each pass (a fix may
    make another possible) up to `MAX_PASSES`, and how many fixes were applied. What
    `--fix` does to a file and to standard input alike."""
    text, fixed = fix_text_by_rule(linter, path, kind, original, unsafe=unsafe, absolute=absolute)
    return text, sum(fixed.values())


def fix_text_by_rule(linter: Linter, path: str, kind: Kind, original: str, *, unsafe: bool,
                     absolute: Path | None = None) -> tuple[str, Counter[tuple[str, str]]]:
    """`fix_text`, counting the fixes applied per rule as (code, name)."""
    text = original
    fixed: Counter[tuple[str, str]] = Counter()
    for _ in range(MAX_PASSES):
        report = linter.lint_source(path, kind, text, absolute=absolute)
        wanted: list[Finding] = [f for f in report.findings if f.path == path and _wanted(f.fix, unsafe)]
        if not wanted:
            break
        text, applied = apply_fixes(text, [f.fix for f in wanted])
        if not applied:
            break
        for finding in wanted:
            if finding.fix in applied:
                applied.remove(finding.fix)
                fixed[(finding.code, finding.rule)] += 1
    return _same_line_endings(original, text) if text != original else text, fixed


def _fix_one(file: Path, path: str, fixes: list[Fix], linter: Linter, *, unsafe: bool, write: bool, outcome: FixOutcome) -> None:
    try:
        data = read_regular(file, linter.settings.max_file_size)
    except SkippedFile as skipped:
        outcome.errors.append(f"{path}: not fixed: {skipped}")
        return
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    original, problem = decode(data)
    kind = kind_for(file)
    if original is None or kind is None or data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        outcome.errors.append(f"{path}: not fixed: {problem.message if problem else 'not a UTF-8 text file'}")
        return
    # The findings of the run only chose this file: its fixes are computed again on the
    # bytes just read, so an edit saved since the lint can never meet stale offsets.
    text, fixed = fix_text_by_rule(linter, path, kind, original, unsafe=unsafe, absolute=file.resolve())
    if text == original:
        return
    if write:
        error = _write_back(file, data, bom + text.encode("utf-8"))
        if error is not None:
            outcome.errors.append(f"{path}: not fixed: {error}")
            return
    outcome.changed[path] = (original, text)
    outcome.fixed[path] = fixed


_BARE_LF = re.compile(r"(?<!\r)\n")


def _same_line_endings(original: str, text: str) -> str:
    """Edits are written with ``\n``; in a file whose every line ends in ``\r\n`` they
    get ``\r\n`` too (a bare LF in a CRLF file is a mixed-endings diff and, in some tools,
    a broken file)."""
    if "\r\n" in original and not _BARE_LF.search(original):
        return _BARE_LF.sub("\r\n", text)
    return text


def _write_back(file: Path, expected: bytes, content: bytes) -> str | None:
    """Replace ``file``'s content atomically if it still holds ``expected``; the reason
    it was not written otherwise."""
    target = file.resolve()  # through a link, the file it points to: the link stays a link
    try:
        status = target.stat()
        if not os.access(target, os.W_OK) or not os.access(target.parent, os.W_OK):
            return "the file is read-only" if not os.access(target, os.W_OK) else "its folder is read-only"
        if read_regular(target, max(len(expected), 1) * 2 + 1024) != expected:
            return "the file changed while it was being fixed; run again"
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".advisor-fix")
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.write(content)
            os.chmod(temporary, status.st_mode & 0o7777)
            try:
                os.chown(temporary, status.st_uid, status.st_gid)
            except OSError:
                pass  # only root may give a file away; the mode is what matters
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except SkippedFile as skipped:
        return str(skipped)
    except OSError as error:
        return error.strerror or str(error)
    return None
