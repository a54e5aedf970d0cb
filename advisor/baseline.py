"""Baselines: switch advisor on in a repository that already has findings, and fail only
on new ones.

``advisor lint --write-baseline advisor-baseline.json`` records today's findings;
``--baseline advisor-baseline.json`` (or ``baseline`` in the configuration) reports only the
findings that are not in it, and counts the known ones that remain and those fixed since.

An entry is keyed on the rule, the file (relative to the baseline file, so the run's
working directory does not matter) and the *text* of the finding's span, whitespace
collapsed (for a span that is a point, the text of its line), plus an occurrence index
among the file's findings of the same rule and text. No line numbers: an edit above a
finding does not make it new, and two identical findings are two entries. Long texts are
kept short with a digest; API keys are masked before anything is stored, so a baseline
never holds a key.

Only files linted in the run are compared: a pre-commit run over one file neither reports
the other files' known findings nor counts them as fixed. The file is JSON with a version,
its entries sorted, one per line, so it diffs cleanly in review.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .config import ConfigError
from .digests import blake2b
from .discovery import display_path
from .files import SkippedFile, read_regular
from .loaders import decode
from .model import Finding, LineIndex
from .results import LintResult
from .secrets import redact
from .sources import source_for

VERSION = 1
MAX_TEXT = 80  # longer span texts are stored as their start and a digest of the whole
MAX_BASELINE_BYTES = 64 * 1024 * 1024

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, order=True)
class Entry:
    """One known finding, as the baseline file stores it."""

    path: str  # relative to the baseline file's folder, with "/"
    rule: str
    text: str
    occurrence: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "rule": self.rule, "text": self.text, "occurrence": self.occurrence}


@dataclass
class Outcome:
    """What comparing a run with its baseline found: the known findings (reported apart),
    how many baseline entries of the linted files are gone (fixed), and the file."""

    path: str
    known: list[Finding] = field(default_factory=list)
    fixed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.path, "known": len(self.known), "fixed": self.fixed}

    def describe(self) -> str:
        known = len(self.known)
        text = (f"{known} known finding{'s' if known != 1 else ''} in the baseline ({self.path}) not reported"
                if known else f"no known findings from the baseline ({self.path}) remain")
        if self.fixed:
            text += f"; {self.fixed} fixed since it was written"
        return text + "."


@dataclass
class Baseline:
    """A baseline file's known findings, and where it lives (its entries' paths are relative
    to its folder)."""

    path: Path
    entries: list[Entry]

    @property
    def folder(self) -> Path:
        return Path(os.path.abspath(self.path)).parent


def normalised_text(source: str | None, finding: Finding, lines: LineIndex | None = None) -> str:
    """What an entry remembers of a finding's place: the span's text (the line's, for an
    empty span), whitespace collapsed, keys masked, long texts shortened with a digest."""
    if source is None:
        return ""
    lines = lines or LineIndex(source)
    span = finding.span
    start = lines.offset(span.line, span.column)
    end = lines.offset(span.end_line, span.end_column)
    if end <= start:
        start, end = lines.offset(span.line, 1), lines.offset(span.line + 1, 1) if span.line < lines.line_count else len(source)
    text = redact(_SPACE.sub(" ", source[start:end]).strip())
    if len(text) > MAX_TEXT:
        digest = blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
        text = f"{text[:MAX_TEXT - 24]}… [{digest}]"
    return text


def _relative(path: str, folder: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(folder).as_posix()
    except ValueError:
        return Path(os.path.relpath(absolute, folder)).as_posix()


def read_source(path: str, limit: int = MAX_BASELINE_BYTES) -> str | None:
    """A linted file's text as the lint read it, or None when it cannot be read now."""
    try:
        text, _ = decode(read_regular(path, limit))
    except (OSError, SkippedFile):
        return None
    return text


def entries_for(findings: Iterable[Finding], folder: Path,
                source_of: Callable[[str], str | None] = read_source) -> list[tuple[Entry, Finding]]:
    """Each finding with its entry (the occurrence index counts the findings of the same
    file, rule and text in file order)."""
    sources: dict[str, tuple[str | None, LineIndex | None]] = {}
    seen: Counter[tuple[str, str, str]] = Counter()
    keyed = []
    for finding in sorted(findings, key=Finding.sort_key):
        if finding.path not in sources:
            source = source_of(finding.path)
            row = source_for(finding.path)
            if source is not None and row is not None:  # what spans refer to (a notebook: its cells)
                source = row.linted_text(source)
            sources[finding.path] = (source, LineIndex(source) if source is not None else None)
        source, lines = sources[finding.path]
        path, text = _relative(finding.path, folder), normalised_text(source, finding, lines)
        occurrence = seen[(path, finding.rule, text)]
        seen[(path, finding.rule, text)] += 1
        keyed.append((Entry(path, finding.rule, text, occurrence), finding))
    return keyed


def load(path: str | os.PathLike[str]) -> Baseline:
    """Read a baseline file; `ConfigError` says what is wrong with a missing or bad one."""
    where = os.fspath(path)
    try:
        data = json.loads(read_regular(Path(where), MAX_BASELINE_BYTES).decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"baseline {where}: no such file (write one with `advisor lint --write-baseline {where}`)") from None
    except (OSError, SkippedFile) as error:
        raise ConfigError(f"baseline {where}: cannot read: {getattr(error, 'strerror', None) or error}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"baseline {where}: not a baseline file (invalid JSON: {error})") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("findings"), list):
        raise ConfigError(f"baseline {where}: not a baseline file (expected {{\"version\": {VERSION}, \"findings\": [...]}})")
    entries = []
    for index, item in enumerate(data["findings"]):
        try:
            entry = Entry(item["path"], item["rule"], item["text"], item.get("occurrence", 0))
        except (TypeError, KeyError) as error:
            raise ConfigError(f"baseline {where}: entry {index + 1} is missing {error}") from None
        if not (isinstance(entry.path, str) and isinstance(entry.rule, str) and isinstance(entry.text, str)
                and isinstance(entry.occurrence, int) and not isinstance(entry.occurrence, bool)):
            raise ConfigError(f"baseline {where}: entry {index + 1} has a value of the wrong type")
        entries.append(entry)
    return Baseline(Path(where), entries)


def render(entries: Iterable[Entry]) -> str:
    """The file's text: sorted entries, one key order, a final newline (stable diffs)."""
    rows = [json.dumps(entry.to_dict(), ensure_ascii=False) for entry in sorted(set(entries))]
    body = ",\n".join(f"    {row}" for row in rows)
    return redact(f'{{\n  "version": {VERSION},\n  "findings": [\n{body}\n  ]\n}}\n' if rows
                  else f'{{\n  "version": {VERSION},\n  "findings": []\n}}\n')


def write(path: str | os.PathLike[str], findings: Iterable[Finding], linted: Iterable[str], *,
          source_of: Callable[[str], str | None] = read_source) -> int:
    """Record ``findings`` in the baseline at ``path``; entries of an existing baseline for
    files this run did not lint are kept (a run over part of the repository updates that
    part), unless the file is gone. Returns how many entries the file holds."""
    target = Path(os.fspath(path))
    folder = Path(os.path.abspath(target)).parent
    entries = [entry for entry, _ in entries_for(findings, folder, source_of)]
    if target.exists():
        try:
            previous = load(target)
        except ConfigError:
            previous = None  # overwritten: writing a baseline is how a broken one is replaced
        if previous is not None:
            done = {_relative(path, folder) for path in linted}
            entries += [entry for entry in previous.entries if entry.path not in done and (folder / entry.path).exists()]
    text = render(entries)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return len(set(entries))


def compare(baseline: Baseline, findings: Iterable[Finding], linted: Iterable[str], *,
            source_of: Callable[[str], str | None] = read_source) -> tuple[list[Finding], Outcome]:
    """The new findings (not in the baseline), and the outcome: the known ones and how many
    entries of the linted files were not met again."""
    folder = baseline.folder
    done = {_relative(path, folder) for path in linted}
    expected = {entry for entry in baseline.entries if entry.path in done}
    new, known, met = [], [], set()
    for entry, finding in entries_for(findings, folder, source_of):
        if entry in expected:
            known.append(finding)
            met.add(entry)
        else:
            new.append(finding)
    return sorted(new, key=Finding.sort_key), Outcome(os.fspath(baseline.path), known, len(expected - met))


def sources_from(texts: Mapping[str, str]) -> Callable[[str], str | None]:
    """A ``source_of`` for text already in memory (standard input), else the file."""
    return lambda path: texts[path] if path in texts else read_source(path)


def applied(result: LintResult, path: str | os.PathLike[str], *,
            source_of: Callable[[str], str | None] = read_source) -> LintResult:
    """``result`` with only its new findings, and the comparison in ``result.baseline``.
    Raises `ConfigError` for a missing or broken baseline."""
    baseline = load(path)
    baseline.path = Path(display_path(Path(os.path.abspath(path)), Path.cwd()))
    new, outcome = compare(baseline, result.findings, [report.path for report in result.files], source_of=source_of)
    return replace(result, findings=new, baseline=outcome)
