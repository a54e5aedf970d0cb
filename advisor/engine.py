"""The lint pipeline: discover -> read -> load -> check -> suppress -> sort.

Every stage is guarded: a file that cannot be read, decoded or parsed, and even a rule that
crashes on a strange input, becomes a `parse-error` finding on that file, and the run goes
on. Per-file results are cached by content, configuration and version, so a repeated run
only re-checks what changed.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import pathspec

from . import __version__, checks, clock, ruledata, tokens
from .analysis import warm_up
from .cache import ResultCache
from .catalog import Catalog, load_catalog
from .config import Settings
from .discovery import Candidate, Discovery, Note, tree_of
from .estimates import LatencyModel, estimate_call, latency_model
from .files import SkippedFile, read_regular
from .links import LinkResolver, resolve_links
from .loaders import decode, is_binary, load_document
from .model import (
    CallApi,
    Document,
    Field,
    Finding,
    Kind,
    Problem,
    PromptCall,
    PromptText,
    Severity,
    Suppression,
    template_slots,
)
from .parallel import JobRunner
from .registry import CheckContext, Rule
from .sdk_pin import project_pin
from .secrets import redact
from .sources import source_of
from .suppress import apply_suppressions, find_suppressions


@dataclass
class FileReport:
    """What one file contributed to a run; the unit the result cache stores."""

    path: str
    kind: str
    tokens: int
    findings: list[Finding] = field(default_factory=list)
    calls: list[dict[str, Any]] = field(default_factory=list)
    suppressed: int = 0
    dependencies: dict[str, str] = field(default_factory=dict)  # linked file -> digest read
    omitted: dict[str, int] = field(default_factory=dict)  # rule -> findings over the cap
    errors: list[str] = field(default_factory=list)  # advisor's own failures on this file (never cached)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "tokens": self.tokens,
            "findings": [f.to_dict() for f in self.findings],
            "calls": self.calls,
            "suppressed": self.suppressed,
            "dependencies": self.dependencies,
            "omitted": self.omitted,
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
            dependencies=data.get("dependencies", {}),
            omitted={str(k): int(v) for k, v in data.get("omitted", {}).items()},
        )


@dataclass
class LintResult:
    findings: list[Finding]
    files: list[FileReport]
    notes: list[Note]
    errors: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    as_of: _dt.date | None = None  # the date models' deprecation and retirement were judged by

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
    """A digest of the rule pack and of advisor's own code: results cached by one build
    are never served by another (an editable install changes code without a new version)."""
    digest = hashlib.blake2b(digest_size=12)
    package = Path(__file__).resolve().parent
    for path in [*sorted(ruledata.rules_dir().glob("*.yaml")), *sorted(package.rglob("*.py"))]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def sent_texts(document: Document) -> list[PromptText]:
    """A file's own prompt texts and those its calls read from other files, each once:
    what the file sends, as `lint` and `tokens` both count it."""
    texts = list(document.all_texts())
    for call in document.calls:
        texts += [t for t in call.linked_texts if all(t is not known for known in texts)]
    return texts


def _field_json(value: Field[Any]) -> Any:
    """A field as JSON output and the cache hold it. Standard fields were validated on
    loading; this is the last guard for the rest: only plain scalars travel as they are
    (finite numbers, strings up to a few KB), anything else is described."""
    if value.is_literal:
        item = value.value
        if item is None or isinstance(item, bool):
            return item
        if isinstance(item, int) and abs(item) < 2**53:
            return item
        if isinstance(item, float) and math.isfinite(item):
            return item
        if isinstance(item, str):
            return item if len(item) <= _MAX_FIELD_CHARS else item[:_MAX_FIELD_CHARS] + "…"
        return {"dynamic": f"a literal {type(item).__name__}"}
    if value.is_dynamic:
        source = value.source or "computed at run time"
        return {"dynamic": source if len(source) <= _MAX_FIELD_CHARS else source[:_MAX_FIELD_CHARS] + "…"}
    return None


_MAX_FIELD_CHARS = 2_000


def summarize_call(call: PromptCall, catalog: Catalog, latency: LatencyModel) -> dict[str, Any]:
    """The facts about one call site that outputs and the report show, with the latency
    and cost estimate when the model is known."""
    model = call.model.get()
    input_raw = sum(text.raw_tokens or 0 for text in call.prompt_texts)
    estimate = tokens.calibrate(input_raw, model if isinstance(model, str) else None, catalog)
    predicted = estimate_call(call, catalog, latency) if call.api is not CallApi.COUNT_TOKENS else None
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
        "linked_files": sorted({t.path for t in call.linked_texts}),
        "estimate": predicted.to_dict() if predicted else None,
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
        self.file_budget_s = FILE_BUDGET_S
        self.rules = list(rules) if rules is not None else select_rules(settings)
        self.catalog = catalog or load_catalog(settings.today).with_overrides(settings.models)
        self.latency = latency_model(settings.latency)
        self.force_exclude = force_exclude
        self.contexts = [
            CheckContext(
                rule, {**rule.default_options(), **settings.rule_options.get(rule.name, {})}, self.catalog, settings, self.latency
            )
            for rule in self.rules
            if rule.check is not None
        ]
        self.enabled_names = {rule.name for rule in self.rules}
        self.root = settings.root.resolve()
        self.cwd = Path.cwd()
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
        slots: list[FileReport | None] = []
        misses: list[tuple[int, Candidate, str | None]] = []
        runner = JobRunner(self._lint_job, min_parallel=PARALLEL_MIN_FILES, prepare=warm_up)
        for candidate in discovery.candidates([Path(p) for p in paths]):
            slots.append(None)
            if self.cache is None:  # nothing to look up: the job reads the file itself
                misses.append((len(slots) - 1, candidate, None))
                runner.submit((candidate, None))
                continue
            read = self._read(candidate, discovery.notes)
            if read is None:
                continue
            digest, data = read
            hit, cached = self.cache.get(_cache_key(candidate), digest)
            if hit and (cached is None or self._dependencies_fresh(cached)):
                slots[-1] = cached
                continue
            misses.append((len(slots) - 1, candidate, digest))
            runner.submit((candidate, data))
        for (index, candidate, digest), (report, notes) in zip(misses, runner.results()):
            slots[index] = report
            discovery.notes.extend(notes)
            if self.cache is not None and digest is not None and not (report and report.errors):
                self.cache.put(_cache_key(candidate), digest, report)
        if self.cache is not None:
            error = self.cache.save()
            if error:
                discovery.notes.append(Note(str(self.settings.resolved_cache_dir), f"result cache not saved: {error}"))
        reports = sorted((r for r in slots if r is not None), key=lambda r: r.path)
        for report in reports:
            for rule, count in sorted(report.omitted.items()):
                discovery.notes.append(Note(report.path, f"at least {count:,} more {rule} findings not shown "
                                            f"(at most {MAX_FINDINGS_PER_RULE} per rule in one file)"))
        findings = sorted((f for r in reports for f in r.findings), key=Finding.sort_key)
        errors = [error for report in reports for error in report.errors]
        return LintResult(findings, reports, discovery.notes, errors=errors, rules=self.rules,
                          as_of=clock.today(self.settings.today))

    def _dependencies_fresh(self, report: FileReport) -> bool:
        """Whether the linked prompt files a cached result was computed with are unchanged."""
        for path, digest in report.dependencies.items():
            try:
                current = hashlib.blake2b(read_regular(path, self.settings.max_file_size), digest_size=16).hexdigest()
            except (OSError, SkippedFile):
                return False
            if current != digest:
                return False
        return True

    def _read(self, candidate: Candidate, notes: list[Note]) -> tuple[str, bytes] | None:
        """A file's digest and bytes, or None (with a note) when it is skipped."""
        try:
            data = read_regular(candidate.path, self.settings.max_file_size)
        except SkippedFile as skipped:
            notes.append(Note(candidate.display, f"skipped: {skipped}"))
            return None
        except OSError as error:
            notes.append(Note(candidate.display, f"skipped: cannot read ({error.strerror or error})"))
            return None
        if is_binary(data):
            notes.append(Note(candidate.display, "skipped: binary file"))
            return None
        return hashlib.blake2b(data, digest_size=16).hexdigest(), data

    def _lint_job(self, job: tuple[Candidate, bytes | None]) -> tuple[FileReport | None, list[Note]]:
        """One file: read it unless its bytes came with the job, then lint it."""
        candidate, data = job
        notes: list[Note] = []
        if data is None:
            read = self._read(candidate, notes)
            if read is None:
                return None, notes
            data = read[1]
        report = self.lint_bytes(candidate.display, candidate.kind, data, explicit=candidate.explicit,
                                 absolute=candidate.path, tree=candidate.tree)
        return report, notes

    # -- one file --------------------------------------------------------------------------

    def lint_bytes(
        self, path: str, kind: Kind, data: bytes, *, explicit: bool = True, absolute: Path | None = None,
        tree: Path | None = None,
    ) -> FileReport | None:
        source, problem = decode(data)
        if source is None:
            return FileReport(path, kind.value, 0, self._finalize(path, [self._problem_finding(path, problem)], [])[0])
        row = source_of(path, kind)
        if not explicit and not row.relevant(source, path):
            return None
        report = self.lint_source(path, kind, source, absolute=absolute, tree=tree)
        if not explicit and row.needs_calls and not report.calls and not report.findings:
            return None  # YAML that mentions the keys but holds no request body
        return report

    def lint_source(
        self, path: str, kind: Kind, source: str, *, absolute: Path | None = None, tree: Path | None = None
    ) -> FileReport:
        """Load and check one decoded file. With ``absolute`` (where the file is on disk),
        the prompt files its calls read are resolved too, inside ``tree`` (by default
        `discovery.tree_of` the file); without it nothing is read."""
        try:
            document, resolver = self.finish(path, kind, source, absolute=absolute, tree=tree)
        except Exception as error:  # a loader bug must not end the run, nor pass for a finding
            where = traceback.extract_tb(error.__traceback__)[-1]
            return FileReport(path, kind.value, 0, errors=[
                f"{path}: internal error while reading the file ({error!r} at {Path(where.filename).name}:{where.lineno}); "
                "please report it"])
        findings = [self._problem_finding(path, problem) for problem in document.problems]
        pin_dependency = self._read_sdk_pin(document, absolute)
        deadline = time.monotonic() + self.file_budget_s
        errors: list[str] = []
        for index, context in enumerate(self.contexts):
            if index and time.monotonic() > deadline:
                # cooperative: a rule is never cut off midway, but no further rule starts
                skipped = ", ".join(c.rule.name for c in self.contexts[index:])
                findings.append(self._problem_finding(path, Problem(
                    f"checking this file took more than {self.file_budget_s:g} s; not run: {skipped}")))
                break
            try:
                findings.extend(context.rule.check(document, context))
            except Exception as error:  # the other rules still run; the run says it failed (exit 2)
                where = traceback.extract_tb(error.__traceback__)[-1]
                errors.append(
                    f"{path}: internal error in rule {context.rule.name} ({error!r} at "
                    f"{Path(where.filename).name}:{where.lineno}); please report it"
                )
        suppressions = find_suppressions(document)
        kept, suppressed = self._finalize(path, findings, suppressions)
        kept, omitted = _capped(kept)
        file_tokens = self._file_tokens(document)
        calls = [summarize_call(call, self.catalog, self.latency) for call in document.calls]
        dependencies = {**(resolver.dependencies if resolver else {}), **pin_dependency}
        return FileReport(path, kind.value, file_tokens, kept, calls, suppressed, dependencies, omitted, errors)

    def finish(
        self, path: str, kind: Kind, source: str, *, absolute: Path | None = None, tree: Path | None = None
    ) -> tuple[Document, LinkResolver | None]:
        """The document of a decoded file as every command sees it: loaded, its calls'
        linked prompt files attached, its texts counted. `lint` checks it; `tokens` reports
        it, so both give the same counts for the same file."""
        resolver = None
        document = load_document(kind, path, source, variables=self.settings.variables)
        if absolute is not None and any(call.links for call in document.calls):
            resolver = LinkResolver(tree or tree_of(absolute, self.root, self.cwd), self.cwd,
                                    self.settings.max_file_size, self.settings.variables)
            resolve_links(document, absolute, resolver)
        self._count_tokens(document)
        return document, resolver

    def read(self, candidate: Candidate, notes: list[Note]) -> bytes | None:
        """A candidate's bytes, bounded and regular files only, or None with a note."""
        read = self._read(candidate, notes)
        return None if read is None else read[1]

    # -- helpers -------------------------------------------------------------------------

    def _read_sdk_pin(self, document: Document, absolute: Path | None) -> dict[str, str]:
        """The project's `anthropic` pin for a Python file with calls (the sampling rule
        judges by it), and the pin file as a dependency of the cached result."""
        if absolute is None or document.kind is not Kind.PYTHON or not document.calls:
            return {}
        document.sdk_pin = project_pin(absolute)
        if document.sdk_pin is None:
            return {}
        try:
            data = Path(document.sdk_pin.source).read_bytes()
        except OSError:
            return {}
        return {document.sdk_pin.source: hashlib.blake2b(data, digest_size=16).hexdigest()}

    def _problem_finding(self, path: str, problem: Problem | None) -> Finding:
        rule = checks.PARSE_ERROR
        problem = problem or Problem("unreadable file")
        return Finding(rule.name, rule.code, rule.severity, path, problem.span, problem.message, problem.hint)

    def _count_tokens(self, document: Document) -> None:
        """Token counts of every text, once; also marks ``{{ tags }}`` left in literal text
        (Jinja templates kept in YAML strings or Python constants) as dynamic parts."""
        linked = [t for call in document.calls for t in call.linked_texts]
        for text in [*document.all_texts(), *linked]:
            if not text.slots and "{{" in text.text:
                text.slots = template_slots(text.text)
            if text.raw_tokens is None:
                text.raw_tokens = tokens.raw_count(text.static_text)

    def _file_tokens(self, document: Document) -> int:
        models = [c.model.value for c in document.calls if c.model.is_literal and isinstance(c.model.value, str)]
        raw = sum(text.raw_tokens or 0 for text in sent_texts(document))
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

    def _finalize(self, path: str, findings: list[Finding], suppressions: list[Suppression]) -> tuple[list[Finding], int]:
        """Drop disabled and ignored rules, apply severity overrides and suppressions, and
        report suppressions that matched nothing. Returns the findings and how many were
        suppressed."""
        ignored = self._ignored_here(path)
        kept = []
        seen = set()
        for finding in findings:
            if finding.rule not in self.enabled_names:
                continue
            rule = checks.get_rule(finding.rule)
            if rule is not None and any(checks.matches(s, rule) for s in ignored):
                continue
            key = (finding.rule, finding.path, finding.span, finding.message)
            if key in seen:
                continue
            seen.add(key)
            kept.append(finding)
        own = [f for f in kept if f.path == path]
        others = [f for f in kept if f.path != path]
        result = apply_suppressions(own, suppressions)
        final = result.kept + others + self._unused_suppressions(path, result.unused, ignored)
        for finding in final:
            override = self.settings.severity.get(finding.rule) or self.settings.severity.get(finding.code)
            if override is not None:
                finding.severity = override
            # Messages quote prompt text; a key pasted into a prompt must not travel with them.
            finding.message = redact(finding.message)
            finding.suggestion = redact(finding.suggestion) if finding.suggestion else finding.suggestion
        return sorted(final, key=Finding.sort_key), len(result.suppressed)

    def _unused_suppressions(self, path: str, unused: list[Suppression], ignored: list[str]) -> list[Finding]:
        rule = checks.UNUSED_SUPPRESSION
        if rule.name not in self.enabled_names or any(checks.matches(s, rule) for s in ignored):
            return []
        findings = []
        for suppression in unused:
            unknown = [name for name in suppression.rules if checks.get_rule(name) is None]
            if unknown:
                message = f"suppression names unknown rule{'s' if len(unknown) > 1 else ''} {', '.join(repr(n) for n in unknown)}"
                hint = "use a rule name or code from `advisor rules`"
            elif all(name in self.enabled_names or checks.get_rule(name).name in self.enabled_names for name in suppression.rules) and (
                suppression.rules or len(self.enabled_names) == len(checks.ALL_RULES)
            ):
                names = ", ".join(suppression.rules) or "every rule"
                message = f"unused suppression ({names}): nothing to suppress here"
                hint = "remove the comment"
            else:
                continue  # it names a rule that did not run: it may well be in use
            findings.append(Finding(rule.name, rule.code, rule.severity, path, suppression.span, message, hint))
        return findings


FILE_BUDGET_S = 10.0  # per file: rules still to run after this are skipped, with a parse-error saying so
MAX_FINDINGS_PER_RULE = 100  # per file: past this, a count (a generated or hostile file)


def _capped(findings: list[Finding]) -> tuple[list[Finding], dict[str, int]]:
    """The first `MAX_FINDINGS_PER_RULE` findings of each rule (in file order), and how many
    more each rule had: 80,000 copies of one finding help no one and cost memory in every
    output."""
    kept: list[Finding] = []
    per_rule: dict[str, int] = {}
    for finding in findings:
        per_rule[finding.rule] = per_rule.get(finding.rule, 0) + 1
        if per_rule[finding.rule] <= MAX_FINDINGS_PER_RULE:
            kept.append(finding)
    return kept, {rule: n - MAX_FINDINGS_PER_RULE for rule, n in per_rule.items() if n > MAX_FINDINGS_PER_RULE}


PARALLEL_MIN_FILES = 200  # below this, starting worker processes costs more than it saves


def _cache_key(candidate: Candidate) -> str:
    # A walked file may be dropped as irrelevant where a named one is linted regardless.
    return candidate.display + ("" if candidate.explicit else "|walked")


