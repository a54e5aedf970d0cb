"""One lint run over paths that may belong to different projects.

Each path on the command line is linted with the configuration found for it (the nearest
``.advisor.toml`` or ``pyproject.toml`` with ``[tool.advisor]`` above it), as ruff and
sqlfluff do, so ``advisor lint a b`` and ``advisor lint b a`` give the same findings when
``a`` and ``b`` have different configurations. Paths that share a configuration are linted
together by one engine; the results are merged into one `LintResult` in a stable order.
``--config`` and ``--isolated`` give every path the same settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .config import Settings
from .engine import Linter, LintResult
from .model import Finding
from .registry import Rule


@dataclass
class _Group:
    settings: Settings
    linter: Linter
    paths: list[str] = field(default_factory=list)


@dataclass
class LintRun:
    groups: list[_Group]

    @classmethod
    def build(
        cls,
        paths: Sequence[str],
        settings_for: Callable[[str], Settings],
        rules_for: Callable[[Settings], list[Rule]],
        *,
        use_cache: bool,
        force_exclude: bool,
    ) -> "LintRun":
        groups: dict[object, _Group] = {}
        for path in list(paths) or ["."]:
            settings = settings_for(path)
            key = settings.config_file.resolve() if settings.config_file is not None else None
            if key not in groups:
                linter = Linter(settings, rules=rules_for(settings), use_cache=use_cache, force_exclude=force_exclude)
                groups[key] = _Group(settings, linter)
            groups[key].paths.append(path)
        return cls(list(groups.values()))

    @property
    def settings(self) -> Settings:
        """The settings of the first path's project: what run-wide choices (``fail-on``)
        follow."""
        return self.groups[0].settings

    def lint(self) -> LintResult:
        results = [group.linter.lint_paths(group.paths) for group in self.groups]
        if len(results) == 1:
            return results[0]
        rules: list[Rule] = []
        for result in results:
            rules += [rule for rule in result.rules if all(rule.name != known.name for known in rules)]
        return LintResult(
            findings=sorted((f for r in results for f in r.findings), key=Finding.sort_key),
            files=sorted((f for r in results for f in r.files), key=lambda report: report.path),
            notes=[note for r in results for note in r.notes],
            errors=[error for r in results for error in r.errors],
            rules=rules,
            as_of=results[0].as_of,
        )

    def linter_for(self, path: str) -> Linter:
        """The engine (so the configuration) a linted file belongs to."""
        absolute = Path(path).resolve()
        for group in self.groups:
            for root in group.paths:
                top = Path(root).resolve()
                if absolute == top or top in absolute.parents:
                    return group.linter
        return self.groups[0].linter
