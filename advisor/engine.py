"""The lint pipeline: discover -> read -> load -> check -> suppress -> sort.

Every stage is guarded: a file that cannot be read, decoded or parsed, and even a rule that
crashes on a strange input, becomes a `parse-error` finding on that file, and the run goes
on. Per-file results are cached by content, configuration and version, so a repeated run
only re-checks what changed.
"""

from __future__ import annotations

import hashlib
import re
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import pathspec

from . import __version__, checks, ruledata, tokens
from .cache import ResultCache
from .catalog import Catalog, load_catalog
from .config import Settings
from .discovery import Candidate, Discovery, Note
from .loaders import decode, is_binary, load_document, yamljson
from .model import Document, Field, Finding, Kind, Problem, PromptCall, Severity, Span
from .registry import CheckContext, Rule
from .suppress import apply_suppressions, find_suppressions

_IMPORTS_ANTHROPIC = re.compile(r"^\s*(?:import\s+anthropic\b|from\s+anthropic\b)", re.MULTILINE)


@dataclass
class FileReport:
    """What one file contributed to a run; the unit the result cache stores."""

    path: str
    kind: str
    tokens: int
    findings: list[Finding] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    suppressed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "tokens": self.tokens,
            "findings": [f.to_dict() for f in self.findings],
            "calls": self.calls,
            "suppressed": self.suppressed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FileReport":
        return cls(
            path=data["path"],
            kind=data["kind"],
            tokens=data["tokens"],
            findings=[Finding.from_dict(f) for f in data["findings"]],
            calls=data["calls"],
            suppressed=data.get("suppressed", 0),
        )


@dataclass
class LintResult:
    findings: list[Finding]
    files: list[FileReport]
    notes: list[Note]
    errors: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)

    @property
    def calls(self) -> list[dict[str, Any]]:
        return [call for report in self.files for call in report.calls]

    def count_at_or_above(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity.rank >= severity.rank)


def select_rules(
    settings: Settings,
    *,
    select: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> list[Rule]:
    """The enabled rules: command-line ``select`` replaces the configured one, the
    ``extend`` and ``ignore`` lists of both add up."""
    chosen = tuple(select) or settings.select
    extra = (*settings.extend_select, *extend_select)
    ignored = (*settings.ignore, *ignore)
    enabled = []
    for rule in checks.ALL_RULES:
        wanted = any(checks.matches(s, rule) for s in (*chosen, *extra))
        if wanted and not any(checks.matches(s, rule) for s in ignored):
            enabled.append(rule)
    return enabled


def _rule_pack_digest() -> str:
    digest = hashlib.blake2b(digest_size=12)
    for path in sorted(ruledata.rules_dir().glob("*.yaml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _field_json(value: Field[Any]) -> Any:
    if value.is_literal:
        return value.value
    if value.is_dynamic:
        return {"dynamic": value.source or "computed at run time"}
    return None


def summarize_call(call: PromptCall, catalog: Catalog) -> dict[str, Any]:
    """The facts about one call site that outputs and the report show."""
    model = call.model.get()
    input_raw = sum(text.raw_tokens or 0 for text in call.texts)
    estimate = tokens.calibrate(input_raw, model if isinstance(model, str) else None, catalog)
    return {
        "path": call.path,
        "line": call.span.line,
        "column": call.span.column,
        "api": call.api.value,
        "function": call.function,
        "model": _field_json(call.model),
        "max_tokens": _field_json(call.max_tokens),
        "stream": call.streams,
        "runs_in": call.where.kind.value,
        "runs_in_reason": call.where.reason,
        "input_tokens": estimate.tokens,
        "input_is_partial": bool(call.system_dynamic or call.messages_dynamic or any(t.slots for t in call.texts)),
    }


class Linter:
    """Runs the enabled rules over files; one instance per run."""

    def __init__(
        self,
        settings: Settings,
        *,
        rules: Sequence[Rule] | None = None,
        use_cache: bool = True,
        force_exclude: bool = False,
        catalog: Catalog | None = None,
    ) -> None:
        self.settings = settings
        self.rules = list(rules) if rules is not None else select_rules(settings)
        self.catalog = catalog or load_catalog().with_overrides(settings.models)
        self.force_exclude = force_exclude
        self.contexts = [
            CheckContext(rule, {**rule.default_options(), **settings.rule_options.get(rule.name, {})}, self.catalog, settings)
            for rule in self.rules
            if rule.check is not None
        ]
        self.enabled_names = {rule.name for rule in self.rules}
        self.root = settings.root.resolve()
        self.per_file_ignores = [
            (pathspec.PathSpec.from_lines("gitignore", [pattern]), names)
            for pattern, names in settings.per_file_ignores
        ]
        self.cache: ResultCache | None = None
        if use_cache:
            key = "|".join(
                [__version__, settings.fingerprint(), _rule_pack_digest(), ",".join(sorted(self.enabled_names))]
            )
            self.cache = ResultCache(settings.resolved_cache_dir, key)

    # -- whole runs ---------------------------------------------------------------------

    def lint_paths(self, paths: Iterable[str | Path]) -> LintResult:
        discovery = Discovery(self.settings, force_exclude=self.force_exclude)
        reports: list[FileReport] = []
        for candidate in discovery.candidates([Path(p) for p in paths]):
            report = self.lint_candidate(candidate, discovery.notes)
            if report is not None:
                reports.append(report)
        if self.cache is not None:
            error = self.cache.save()
            if error:
                discovery.notes.append(Note(str(self.settings.resolved_cache_dir), f"result cache not saved: {error}"))
        findings = sorted((f for r in reports for f in r.findings), key=Finding.sort_key)
        reports.sort(key=lambda r: r.path)
        return LintResult(findings, reports, discovery.notes, rules=self.rules)

    def lint_candidate(self, candidate: Candidate, notes: list[Note]) -> FileReport | None:
        """One file from disk, with the safety limits and the cache."""
        try:
            size = candidate.path.stat().st_size
            if size > self.settings.max_file_size:
                notes.append(Note(candidate.display, f"skipped: {size:,} bytes is over max-file-size ({self.settings.max_file_size:,})"))
                return None
            data = candidate.path.read_bytes()
        except OSError as error:
            notes.append(Note(candidate.display, f"skipped: cannot read ({error.strerror or error})"))
            return None
        if is_binary(data):
            notes.append(Note(candidate.display, "skipped: binary file"))
            return None
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        if self.cache is not None:
            cached = self.cache.get(_cache_key(candidate), digest)
            if cached is not None:
                return cached
        report = self.lint_bytes(candidate.display, candidate.kind, data, explicit=candidate.explicit)
        if self.cache is not None:
            self.cache.put(_cache_key(candidate), digest, report)
        return report

    # -- one file --------------------------------------------------------------------------

    def lint_bytes(self, path: str, kind: Kind, data: bytes, *, explicit: bool = True) -> FileReport | None:
        source, problem = decode(data)
        if source is None:
            return FileReport(path, kind.value, 0, self._finalize(path, [self._problem_finding(path, problem)], []))
        if not explicit and not _relevant(kind, source):
            return None
        report = self.lint_source(path, kind, source)
        if not explicit and kind is Kind.CONFIG and not report.calls and not report.findings:
            return None  # YAML that mentions the keys but holds no request body
        return report

    def lint_source(self, path: str, kind: Kind, source: str) -> FileReport:
        """Load and check one decoded file (pure: no disk access)."""
        try:
            document = load_document(kind, path, source, variables=self.settings.variables)
        except Exception as error:  # a loader bug must not end the run
            finding = self._problem_finding(path, Problem(f"internal error while reading the file: {error!r}"))
            return FileReport(path, kind.value, 0, [finding])
        findings = [self._problem_finding(path, problem) for problem in document.problems]
        self._count_tokens(document)
        for context in self.contexts:
            try:
                findings.extend(context.rule.check(document, context))
            except Exception as error:
                where = traceback.extract_tb(error.__traceback__)[-1]
                findings.append(
                    self._problem_finding(
                        path,
                        Problem(
                            f"internal error in rule {context.rule.name} ({error!r} at "
                            f"{Path(where.filename).name}:{where.lineno}); please report it"
                        ),
                    )
                )
        suppressions = find_suppressions(document)
        kept = self._finalize(path, findings, suppressions)
        suppressed = len(findings) - len(kept)
        file_tokens = self._file_tokens(document)
        calls = [summarize_call(call, self.catalog) for call in document.calls]
        return FileReport(path, kind.value, file_tokens, kept, calls, suppressed)

    # -- helpers -------------------------------------------------------------------------

    def _problem_finding(self, path: str, problem: Problem | None) -> Finding:
        rule = checks.PARSE_ERROR
        problem = problem or Problem("unreadable file")
        return Finding(rule.name, rule.code, rule.severity, path, problem.span, problem.message, problem.hint)

    def _count_tokens(self, document: Document) -> None:
        for text in document.all_texts():
            if text.raw_tokens is None:
                text.raw_tokens = tokens.raw_count(text.static_text)

    def _file_tokens(self, document: Document) -> int:
        models = [c.model.value for c in document.calls if c.model.is_literal and isinstance(c.model.value, str)]
        raw = sum(text.raw_tokens or 0 for text in document.all_texts())
        return tokens.calibrate(raw, models[0] if models else None, self.catalog).tokens

    def _ignored_here(self, path: str) -> list[str]:
        if not self.per_file_ignores:
            return []
        absolute = Path(path) if Path(path).is_absolute() else Path.cwd() / path
        try:
            relative = absolute.resolve().relative_to(self.root).as_posix()
        except ValueError:
            relative = path
        names: list[str] = []
        for spec, selectors in self.per_file_ignores:
            if spec.match_file(relative):
                names.extend(selectors)
        return names

    def _finalize(self, path: str, findings: list[Finding], suppressions: list) -> list[Finding]:
        """Drop disabled and ignored rules, apply severity overrides and suppressions."""
        ignored = self._ignored_here(path)
        kept = []
        seen = set()
        for finding in findings:
            if finding.rule not in self.enabled_names:
                continue
            rule = checks.get_rule(finding.rule)
            if rule is not None and any(checks.matches(s, rule) for s in ignored):
                continue
            override = self.settings.severity.get(finding.rule) or self.settings.severity.get(finding.code)
            if override is not None:
                finding.severity = override
            key = (finding.rule, finding.path, finding.span, finding.message)
            if key in seen:
                continue
            seen.add(key)
            kept.append(finding)
        by_path = [f for f in kept if f.path == path]
        others = [f for f in kept if f.path != path]
        result = apply_suppressions(by_path, suppressions)
        return sorted(result.kept + others, key=Finding.sort_key)


def _cache_key(candidate: Candidate) -> str:
    # A walked file may be dropped as irrelevant where a named one is linted regardless.
    return candidate.display + ("" if candidate.explicit else "|walked")


def _relevant(kind: Kind, source: str) -> bool:
    """For files found by walking: is this YAML/JSON a request config, this Python an
    anthropic user? (Prompt files and templates always are.)"""
    if kind is Kind.CONFIG:
        return yamljson.looks_like_request_config(source)
    if kind is Kind.PYTHON:
        return bool(_IMPORTS_ANTHROPIC.search(source))
    return True
