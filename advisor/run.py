"""One lint run over paths that may belong to different projects.

Each path on the command line is linted with the configuration found for it (the nearest
``.advisor.toml`` or ``pyproject.toml`` with ``[tool.advisor]`` above it), as ruff and
sqlfluff do, so ``advisor lint a b`` and ``advisor lint b a`` give the same findings when
``a`` and ``b`` have different configurations. Paths that share a configuration are linted
together by one engine; the results are merged into one `LintResult` in a stable order.
``--config`` and ``--isolated`` give every path the same settings.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

import click

from . import clock, rule_index
from .clock import DateError, parse_date
from .config import ConfigError, Settings, load_settings
from .discovery import display_path
from .engine import Linter
from .model import Finding, Kind, Severity
from .options import ConfigurationFailure
from .results import FileReport, LintResult
from .selection import select_rules
from .sources import kind_for

if TYPE_CHECKING:
    from .registry import Rule


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class _Group:
    """The paths one configuration lints, and the engine that lints them."""

    settings: Settings
    linter: Linter
    paths: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)  # paths not linted yet


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class LintRun:
    """The groups of one run. With ``nested_configs`` a directory's walk leaves any
    sub-directory that has its own configuration to a group of that configuration (found
    while walking, linted after), so every file follows its nearest configuration."""

    settings_for: Callable[[str], Settings]
    rules_for: Callable[[Settings], Sequence[Rule]]
    use_cache: bool
    force_exclude: bool
    nested_configs: bool = False
    groups: list[_Group] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        paths: Sequence[str],
        settings_for: Callable[[str], Settings],
        rules_for: Callable[[Settings], Sequence[Rule]],
        *,
        use_cache: bool,
        force_exclude: bool,
        nested_configs: bool = False,
    ) -> "LintRun":
        run = cls(settings_for, rules_for, use_cache, force_exclude, nested_configs)
        for path in list(paths) or ["."]:
            run._add(path)
        return run

    def _add(self, path: str) -> None:
        settings = self.settings_for(path)
        key = _key(settings)
        group = next((g for g in self.groups if _key(g.settings) == key), None)
        if group is None:
            linter = Linter(settings, rules=self.rules_for(settings), use_cache=self.use_cache,
                            force_exclude=self.force_exclude, nested_configs=self.nested_configs)
            group = _Group(settings, linter)
            self.groups.append(group)
        if any(Path(known).resolve() == Path(path).resolve() for known in group.paths):
            return  # named on the command line and found as a sub-project too
        group.paths.append(path)
        group.pending.append(path)

    @property
    def settings(self) -> Settings:
        """The settings of the first path's project: what run-wide choices (``fail-on``)
        follow."""
        return self.groups[0].settings

    def lint(self) -> LintResult:
        """Lint every path (again, when called again: `--fix` lints once more after editing)."""
        for group in self.groups:
            group.pending = list(group.paths)
        results: list[LintResult] = []
        while any(group.pending for group in self.groups):
            group = next(g for g in self.groups if g.pending)
            paths, group.pending = group.pending, []
            result = group.linter.lint_paths(paths)
            results.append(result)
            for directory in result.subprojects:
                self._add(str(directory))
        if len(results) == 1:
            return results[0]
        rules: list[Rule] = []
        for result in results:
            rules += [rule for rule in result.rules if all(rule.name != known.name for known in rules)]
        files: dict[str, FileReport] = {}
        for result in results:  # a file reached twice (named, and inside a named directory) counts once
            for report in result.files:
                files.setdefault(report.path, report)
        reports = sorted(files.values(), key=lambda report: report.path)
        return LintResult(
            findings=sorted((f for report in reports for f in report.findings), key=Finding.sort_key),
            files=reports,
            notes=[note for r in results for note in r.notes],
            errors=[error for report in reports for error in report.errors],
            rules=rules,
            as_of=results[0].as_of,
        )

    def linter_for(self, path: str) -> Linter:
        """The engine (so the configuration) a linted file belongs to: the group of the
        deepest linted path that holds it."""
        absolute = Path(path).resolve()
        best: tuple[int, Linter] | None = None
        for group in self.groups:
            for root in group.paths:
                top = Path(root).resolve()
                if (absolute == top or top in absolute.parents) and (best is None or len(top.parts) > best[0]):
                    best = (len(top.parts), group.linter)
        return best[1] if best is not None else self.groups[0].linter


def _key(settings: Settings) -> Path | None:
    return settings.config_file.resolve() if settings.config_file is not None else None


def _split(values: Sequence[str]) -> list[str]:
    """Accept both ``--select a,b`` and ``--select a --select b``."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def unknown_selector(values: Sequence[str]) -> str | None:
    """The message for the first value that selects no rule, or None when all do."""
    if not values:
        return None
    from .config_keys import is_selector, unknown_rule_message

    known = rule_index.known_selectors()
    return next((unknown_rule_message(value, known) for value in values if not is_selector(value, known)), None)


def _check_selectors(values: Sequence[str], option: str) -> None:
    message = unknown_selector(values)
    if message is not None:
        raise click.BadParameter(message, param_hint=option)


def checked_selection(select: Sequence[str], extend_select: Sequence[str],
                      ignore: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """The command line's ``--select`` / ``--extend-select`` / ``--ignore`` values, split at
    commas; a value that selects no rule is a usage error naming the option."""
    selected, extended, ignored = _split(select), _split(extend_select), _split(ignore)
    _check_selectors(selected, "--select")
    _check_selectors(extended, "--extend-select")
    _check_selectors(ignored, "--ignore")
    return selected, extended, ignored


def settings_for_path(path: str | None, config: str | None, isolated: bool) -> Settings:
    """The settings a file or directory is linted with: ``config`` for everything, none
    with ``isolated``, else the nearest configuration above ``path`` (a name that does not
    exist, such as ``--stdin-filename prompts/new.txt``, is looked up from the nearest
    folder that does). Raises `ConfigError`."""
    start = Path(path) if path else Path.cwd()
    start = next((p for p in (start, *start.parents) if p.exists()), Path.cwd())
    return load_settings(
        start,
        config_file=Path(config) if config else None,
        isolated=isolated,
        known_rules=rule_index.known_selectors(),
        rule_options=rule_index.declared_options(),
    )


def load_run_settings(paths: Sequence[str], config: str | None, isolated: bool, today: str | None = None) -> Settings:
    """`settings_for_path` for the command line (errors exit 2 with their message);
    ``today`` (from ``--today`` or ``ADVISOR_TODAY``) overrides the configured date."""
    try:
        settings = settings_for_path(paths[0] if paths else None, config, isolated)
    except ConfigError as error:
        raise ConfigurationFailure(str(error)) from None
    if today:
        try:
            settings.today = parse_date(today)
        except DateError as error:
            raise click.BadParameter(str(error), param_hint="--today / ADVISOR_TODAY") from None
    return settings


def fail_on_threshold(value: str | None, settings: Settings) -> Severity | None:
    if value == "never":
        return None
    return Severity(value) if value else settings.fail_on


def exit_status(result: LintResult, threshold: Severity | None) -> int:
    """2 when advisor itself failed on a file (whatever ``--fail-on`` says: the run is not
    a clean bill of health), else 1 when a finding reaches the threshold."""
    if result.errors:
        return 2
    if threshold is None:
        return 0
    return 1 if result.count_at_or_above(threshold) else 0


def run_lint(
    paths: Sequence[str],
    *,
    config: str | None,
    isolated: bool,
    select: Sequence[str],
    extend_select: Sequence[str],
    ignore: Sequence[str],
    no_cache: bool,
    force_exclude: bool,
    today: str | None = None,
) -> tuple[LintResult, Settings, LintRun]:
    """The lint run behind `lint` and `report`: each path with its own project's settings
    (`advisor.run`), rule selection, the engines."""
    selected, extended, ignored = checked_selection(select, extend_select, ignore)
    run = LintRun.build(
        paths,
        lambda path: load_run_settings([path], config, isolated, today),
        lambda settings: select_rules(settings, select=selected, extend_select=extended, ignore=ignored),
        use_cache=not no_cache,
        force_exclude=force_exclude,
        nested_configs=not (config or isolated),
    )
    return run.lint(), run.settings, run


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class StdinRun:
    """Standard input linted as the file ``--stdin-filename`` names (ruff's convention,
    which editors use): the name gives the kind and the configuration; linked prompt
    files are read relative to it. Nothing is cached."""

    linter: Linter
    kind: Kind
    display: str
    absolute: Path

    @classmethod
    def for_file(cls, filename: str | os.PathLike[str], settings: Settings, rules: Sequence[Rule]) -> "StdinRun":
        """The engine for text that stands for ``filename`` (standard input, or an editor's
        unsaved buffer in the language server), linted with ``settings``: the kind comes
        from the name; nothing is cached. ``filename`` must name a kind advisor reads."""
        kind = kind_for(os.fspath(filename))
        if kind is None:
            raise ValueError(f"{os.fspath(filename)!r} is not a file type advisor reads")
        absolute = Path(os.path.abspath(filename))
        return cls(Linter(settings, rules=rules, use_cache=False), kind, display_path(absolute, Path.cwd()), absolute)

    def lint_text(self, text: str) -> LintResult:
        return self._result(self.linter.lint_source(self.display, self.kind, text, absolute=self.absolute))

    def lint_bytes(self, data: bytes) -> LintResult:
        report = self.linter.lint_bytes(self.display, self.kind, data, explicit=True, absolute=self.absolute)
        assert report is not None  # only a walked file is ever dropped
        return self._result(report)

    def _result(self, report: FileReport) -> LintResult:
        return LintResult(report.findings, [report], [], errors=list(report.errors), rules=self.linter.rules,
                          as_of=clock.today(self.linter.settings.today))


def stdin_run(
    filename: str | None,
    *,
    config: str | None,
    isolated: bool,
    select: Sequence[str],
    extend_select: Sequence[str],
    ignore: Sequence[str],
    today: str | None = None,
) -> tuple[StdinRun, Settings]:
    """The engine for ``advisor lint -``: its settings are those of ``filename``."""
    if not filename:
        raise click.UsageError("reading standard input (`-`) needs --stdin-filename, which says what kind of file it is")
    kind = kind_for(filename)
    if kind is None:
        raise click.BadParameter(f"{filename!r} is not a file type advisor reads", param_hint="--stdin-filename")
    selected, extended, ignored = checked_selection(select, extend_select, ignore)
    settings = load_run_settings([filename], config, isolated, today)
    rules = select_rules(settings, select=selected, extend_select=extended, ignore=ignored)
    return StdinRun.for_file(filename, settings, rules), settings


def read_stdin(limit: int) -> bytes:
    """Standard input, at most ``limit`` bytes (``max-file-size``), as a file would be read."""
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        raise ConfigurationFailure(f"standard input is larger than max-file-size ({limit:,} bytes)")
    return data

