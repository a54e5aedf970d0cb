"""The lint engine: runs the stages over the files of one run.

discover (`discovery`) -> read (bounded, regular files, `files`) -> decode and load
(`loaders`) -> finish (`finish`: links, SDK pin, token counts) -> check (the rules, here,
within a per-file time budget) -> finalise (`finalise`: ignores, suppressions, severities,
redaction, caps) -> summarise (`summary`: the calls' facts). The engine's own jobs are the
order of the stages, the result cache (`cache`) and parallel workers (`parallel`).

A file that cannot be read, decoded or parsed becomes a `parse-error` finding and the run
goes on; a crash in a loader or a rule is an internal error of the run (exit 2), never a
finding.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from . import __version__, clock
from .cache import FileState, ResultCache, code_digest
from .config import Settings
from .digests import blake2b
from .discovery import Candidate, Discovery, Note
from .files import SkippedFile, read_regular
from .model import Finding, Kind
from .parallel import JobRunner
from .results import FileReport, LintResult
from .selection import EnabledRules, enabled_rule_names, select_rules
from .sources import source_of

if TYPE_CHECKING:
    from .catalog import Catalog
    from .estimates import LatencyModel
    from .finalise import Finaliser
    from .finish import Finished, Finisher
    from .model import Document, Problem, Suppression
    from .registry import CheckContext, Rule

__all__ = ["FileReport", "LintResult", "Linter", "select_rules"]


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
        nested_configs: bool = False,
    ) -> None:
        self.settings = settings
        self.nested_configs = nested_configs  # leave sub-directories with their own config to it
        self.file_budget_s = FILE_BUDGET_S
        # Names are enough to key the result cache; the rules, the catalog and the stages
        # that check a file are built on the first file that needs checking (a run whose
        # files are all cached never imports a rule).
        if rules is None:
            rules = EnabledRules(enabled_rule_names(settings))
        self.rules: Sequence[Rule] = rules
        self.enabled_names = set(rules.names) if isinstance(rules, EnabledRules) else {rule.name for rule in rules}
        self._catalog = catalog
        self.force_exclude = force_exclude
        self.root = settings.root.resolve()
        self.cwd = Path.cwd()
        self.cache: ResultCache | None = None
        if use_cache:
            key = "|".join(
                [__version__, settings.fingerprint(), code_digest(), ",".join(sorted(self.enabled_names))]
            )
            self.cache = ResultCache(settings.resolved_cache_dir, key, root=self.root)

    @functools.cached_property
    def catalog(self) -> Catalog:
        from .catalog import load_catalog

        return self._catalog or load_catalog(self.settings.today).with_overrides(self.settings.models)

    @functools.cached_property
    def latency(self) -> LatencyModel:
        from .estimates import latency_model

        return latency_model(self.settings.latency)

    @functools.cached_property
    def contexts(self) -> list[CheckContext]:
        from .registry import CheckContext

        settings = self.settings
        return [
            CheckContext(
                rule, {**rule.default_options(), **settings.rule_options.get(rule.name, {})}, self.catalog, settings, self.latency
            )
            for rule in self.rules
            if rule.check is not None
        ]

    @functools.cached_property
    def _document_contexts(self) -> list[CheckContext]:
        """The contexts of the rules a file without calls is checked by (`Rule.calls_only`):
        most of a prompt repository's files are prompt files and templates, and asking each
        call rule about their empty list of calls was most of what checking one cost."""
        return [context for context in self.contexts if not context.rule.calls_only]

    @functools.cached_property
    def finisher(self) -> Finisher:
        from .finish import Finisher

        return Finisher(variables=self.settings.variables, max_file_size=self.settings.max_file_size, root=self.root,
                        cwd=self.cwd, catalog=self.catalog)

    @functools.cached_property
    def finaliser(self) -> Finaliser:
        from .finalise import Finaliser

        return Finaliser(self.settings, self.enabled_names, self.root)

    def prepare_checking(self) -> None:
        """Build what checking a file needs (the rules and their contexts, the finishing and
        finalising stages, the tokenizer, compiled phrase patterns), once: called before
        workers fork, so they inherit it instead of each building it."""
        from . import tokens
        from .analysis import warm_up

        for stage in (self.contexts, self._document_contexts, self.finisher, self.finaliser):
            assert stage is not None
        tokens.load_encoder()  # many files: the encoder, not the short-run lookups
        warm_up()

    # -- whole runs ---------------------------------------------------------------------

    def lint_paths(self, paths: Iterable[str | Path]) -> LintResult:
        discovery = Discovery(self.settings, force_exclude=self.force_exclude, nested_configs=self.nested_configs)
        slots: list[FileReport | None] = []
        misses: list[tuple[int, Candidate, FileState | None, str | None]] = []
        runner = JobRunner(self._lint_job, min_parallel=PARALLEL_MIN_FILES, prepare=self.prepare_checking)
        named = [Path(p) for p in paths]
        if self.cache is not None and any(p.is_dir() for p in named):
            self.cache.walked()
        for candidate in discovery.candidates(named):
            slots.append(None)
            if self.cache is None:  # nothing to look up: the job reads the file itself
                misses.append((len(slots) - 1, candidate, None, None))
                runner.submit((candidate, None))
                continue
            state = FileState.of(candidate.location)
            entry = self.cache.get(candidate.location, candidate.display, candidate.tree)
            if entry is not None and candidate.explicit and entry.report is None:
                entry = None  # a walk skipped it; named, it is linted
            if entry is not None and state is not None and entry.trusted_by_stat and state == entry.state:
                data: bytes | None = None  # unchanged by its stat: not even read
                digest: str = entry.digest
            else:
                read = self._read(candidate, discovery.notes)
                if read is None:
                    continue
                digest, data = read
            if entry is not None and digest == entry.digest and (entry.report is None or self._dependencies_fresh(entry.report)):
                if data is not None and state is not None:  # hashed: note its stat, so the next run need not
                    self.cache.put(candidate.location, candidate.display, candidate.tree, state, digest, entry.relevant, entry.report)
                slots[-1] = _shown(candidate, entry.relevant, entry.report)
                continue
            misses.append((len(slots) - 1, candidate, state, digest))
            runner.submit((candidate, data))
        for (index, candidate, state, read_digest), (relevant, report, notes) in zip(misses, runner.results()):
            slots[index] = _shown(candidate, relevant, report)
            discovery.notes.extend(notes)
            if self.cache is not None and read_digest is not None and state is not None and not (report and report.errors):
                self.cache.put(candidate.location, candidate.display, candidate.tree, state, read_digest, relevant, report)
        if self.cache is not None:
            error = self.cache.save()
            if error:
                discovery.notes.append(Note(str(self.settings.resolved_cache_dir), f"result cache not saved: {error}"))
        reports = sorted((r for r in slots if r is not None), key=lambda r: r.path)
        for report in reports:
            if report.omitted:
                from .finalise import MAX_FINDINGS_PER_RULE
            for rule, count in sorted(report.omitted.items()):
                discovery.notes.append(Note(report.path, f"at least {count:,} more {rule} findings not shown "
                                            f"(at most {MAX_FINDINGS_PER_RULE} per rule in one file)"))
        findings = sorted((f for r in reports for f in r.findings), key=Finding.sort_key)
        errors = [error for report in reports for error in report.errors]
        return LintResult(findings, reports, discovery.notes, errors=errors, rules=self.rules,
                          as_of=clock.today(self.settings.today), subprojects=discovery.subprojects)

    def _dependencies_fresh(self, report: FileReport) -> bool:
        """Whether the linked prompt files a cached result was computed with are unchanged."""
        for path, digest in report.dependencies.items():
            try:
                current = blake2b(read_regular(path, self.settings.max_file_size), digest_size=16).hexdigest()
            except (OSError, SkippedFile):
                return False
            if current != digest:
                return False
        return True

    def _read(self, candidate: Candidate, notes: list[Note]) -> tuple[str, bytes] | None:
        """A file's digest and bytes, or None (with a note) when it is skipped."""
        try:
            data = read_regular(candidate.location, self.settings.max_file_size)
        except SkippedFile as skipped:
            notes.append(Note(candidate.display, f"skipped: {skipped}"))
            return None
        except OSError as error:
            notes.append(Note(candidate.display, f"skipped: cannot read ({error.strerror or error})"))
            return None
        from .loaders import is_binary

        if is_binary(data):
            notes.append(Note(candidate.display, "skipped: binary file"))
            return None
        unread = None if candidate.explicit else source_of(candidate.display, candidate.kind).skip_reason(data)
        if unread is not None:  # a walked bundle; named on the command line it is linted (a parse-error says why not)
            notes.append(Note(candidate.display, f"skipped: {unread}"))
            return None
        return blake2b(data, digest_size=16).hexdigest(), data

    def _lint_job(self, job: tuple[Candidate, bytes | None]) -> tuple[bool, FileReport | None, list[Note]]:
        """One file: read it unless its bytes came with the job, then lint it (`_lint_entry`)."""
        candidate, data = job
        notes: list[Note] = []
        if data is None:
            read = self._read(candidate, notes)
            if read is None:
                return False, None, notes
            data = read[1]
        relevant, report = self._lint_entry(candidate.display, candidate.kind, data, explicit=candidate.explicit,
                                            absolute=candidate.location, tree=candidate.tree)
        return relevant, report, notes

    # -- one file --------------------------------------------------------------------------

    def lint_bytes(
        self, path: str, kind: Kind, data: bytes, *, explicit: bool = True, absolute: str | Path | None = None,
        tree: Path | None = None,
    ) -> FileReport | None:
        """One file's report, or None for a walked file that is not a prompt file (a YAML
        file without a request body, Python that never imports anthropic)."""
        relevant, report = self._lint_entry(path, kind, data, explicit=explicit, absolute=absolute, tree=tree)
        return report if explicit else _walked_view(path, kind, relevant, report)

    def _lint_entry(
        self, path: str, kind: Kind, data: bytes, *, explicit: bool, absolute: str | Path | None, tree: Path | None,
    ) -> tuple[bool, FileReport | None]:
        """(whether a walk keeps the file by its content, its report as a named file). The
        report is not computed for a walked file its row's sniff rejects. A named and a
        walked copy of a file share this (and one cache entry)."""
        from .loaders import decode

        source, problem = decode(data)
        if source is None:
            return True, FileReport(path, kind.value, 0, self.finaliser.finalise(path, [_problem_finding(path, problem)], []).findings)
        relevant = source_of(path, kind).relevant(source, path)
        if not explicit and not relevant:
            return False, None
        return relevant, self.lint_source(path, kind, source, absolute=absolute, tree=tree)

    def lint_source(
        self, path: str, kind: Kind, source: str, *, absolute: str | Path | None = None, tree: Path | None = None
    ) -> FileReport:
        """Finish, check and finalise one decoded file. With ``absolute`` (where the file is
        on disk), the prompt files its calls read are resolved too, inside ``tree`` (by
        default `discovery.tree_of` the file); without it nothing is read."""
        try:
            finished = self.finish(path, kind, source, absolute=absolute, tree=tree)
        except Exception as error:  # a loader bug must not end the run, nor pass for a finding
            return FileReport(path, kind.value, 0, errors=[f"{path}: {_internal_error('while reading the file', error)}"])
        document = finished.document
        findings = [_problem_finding(path, problem) for problem in document.problems]
        checked, errors = self._check(document)
        annotate_origins, find_suppressions, summarize_call = _report_stages()
        checked = annotate_origins(document, checked)
        if document.container is not None:  # a notebook: fix edits go into its JSON
            checked = document.container.carry_fixes(checked)
        final = self.finaliser.finalise(path, findings + checked, find_suppressions(document))
        calls = [summarize_call(call, self.catalog, self.latency) for call in document.calls]
        return FileReport(path, kind.value, finished.tokens, final.findings, calls, final.suppressed,
                          finished.dependencies, final.omitted, errors, document.cells)

    def _check(self, document: Document) -> tuple[list[Finding], list[str]]:
        """The check stage: every enabled rule over the finished document, within the
        per-file time budget. A rule that raises is a run error, never a finding."""
        path = document.path
        deadline = time.monotonic() + self.file_budget_s
        findings: list[Finding] = []
        errors: list[str] = []
        contexts = self.contexts if document.calls else self._document_contexts
        for index, context in enumerate(contexts):
            if index and time.monotonic() > deadline:
                # cooperative: a rule is never cut off midway, but no further rule starts
                skipped = ", ".join(c.rule.name for c in contexts[index:])
                from .model import Problem

                findings.append(_problem_finding(path, Problem(
                    f"checking this file took more than {self.file_budget_s:g} s; not run: {skipped}")))
                break
            check = context.rule.check
            if check is None:  # `contexts` holds only rules with a check; kept for the type
                continue
            try:
                findings.extend(check(document, context))
            except Exception as error:  # the other rules still run; the run says it failed (exit 2)
                errors.append(f"{path}: {_internal_error(f'in rule {context.rule.name}', error)}")
        return findings, errors

    def finish(
        self, path: str, kind: Kind, source: str, *, absolute: str | Path | None = None, tree: Path | None = None
    ) -> Finished:
        """The finished document of a decoded file, as every command sees it (`finish.py`)."""
        return self.finisher.finish(path, kind, source, absolute=absolute, tree=tree)

    def read(self, candidate: Candidate, notes: list[Note]) -> bytes | None:
        """A candidate's bytes, bounded and regular files only, or None with a note."""
        read = self._read(candidate, notes)
        return None if read is None else read[1]


FILE_BUDGET_S = 10.0  # per file: rules still to run after this are skipped, with a parse-error saying so
PARALLEL_MIN_FILES = 200  # below this, starting worker processes costs more than it saves


@functools.cache
def _report_stages() -> tuple[Callable[..., list[Finding]], Callable[[Document], list[Suppression]], Callable[..., dict[str, Any]]]:
    """The stages after checking (origins, suppressions, call summaries), imported on the
    first file checked (a run whose files are all cached never imports them) and then
    kept: an import statement in `lint_source` costs a microsecond for every file."""
    from .origins import annotate
    from .summary import summarize_call
    from .suppress import find_suppressions

    return annotate, find_suppressions, summarize_call


def _shown(candidate: Candidate, relevant: bool, report: FileReport | None) -> FileReport | None:
    """What a run shows for a file: a named file always has its report, a walked one only
    if it is a prompt file (`_walked_view`)."""
    if candidate.explicit:
        return report
    return _walked_view(candidate.display, candidate.kind, relevant, report)


def _walked_view(path: str, kind: Kind, relevant: bool, report: FileReport | None) -> FileReport | None:
    if not relevant or report is None:
        return None
    if not report.has_calls and not report.findings and source_of(path, kind).needs_calls:
        return None  # YAML that mentions the keys but holds no request body
    return report


def _problem_finding(path: str, problem: Problem | None) -> Finding:
    from .checks import PARSE_ERROR as rule
    from .model import Problem

    problem = problem or Problem("unreadable file")
    return Finding(rule.name, rule.code, rule.severity, path, problem.span, problem.message, problem.hint)


def _internal_error(where: str, error: Exception) -> str:
    """advisor's own failure, naming the code that failed, for the run's error channel."""
    import traceback

    frame = traceback.extract_tb(error.__traceback__)[-1]
    return f"internal error {where} ({error!r} at {Path(frame.filename).name}:{frame.lineno}); please report it"
