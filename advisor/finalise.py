"""The finalise stage: from the findings the rules made to the findings a user sees.

In order: rules not enabled and rules ignored for this path (`per-file-ignores`) are
dropped, duplicates removed, inline suppressions applied (and the unused ones reported, by
`checks.suppressions`), severity overrides applied, keys redacted from messages (they quote
prompt text), findings sorted and capped per rule. The checks' own findings are never
changed in place before this stage, and nothing after it changes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from . import checks
from .checks.suppressions import unused_suppression_findings
from .config import Settings
from .model import Finding, Suppression
from .secrets import redact
from .suppress import apply_suppressions

if TYPE_CHECKING:
    import pathspec

MAX_FINDINGS_PER_RULE = 100  # per file: past this, a count (a generated or hostile file)


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class Finalised:
    """A file's findings as the user sees them, with how many inline comments suppressed and
    how many went over the cap per rule."""

    findings: list[Finding]
    suppressed: int = 0  # how many findings inline comments suppressed
    omitted: dict[str, int] = field(default_factory=dict)  # rule -> findings over the cap


def _per_file_ignores(settings: Settings) -> list[tuple[pathspec.PathSpec, tuple[str, ...]]]:
    if not settings.per_file_ignores:
        return []  # most runs: no need to import pathspec
    import pathspec

    return [(pathspec.PathSpec.from_lines("gitignore", [pattern]), names) for pattern, names in settings.per_file_ignores]


class Finaliser:
    """Finalises the findings of every file of one run (one settings, one rule selection)."""

    def __init__(self, settings: Settings, enabled_names: set[str], root: Path):
        self.settings = settings
        self.enabled_names = enabled_names
        self.root = root
        self.per_file_ignores = _per_file_ignores(settings)

    def finalise(self, path: str, findings: list[Finding], suppressions: list[Suppression]) -> Finalised:
        if not findings and not suppressions:
            return Finalised([])  # most files: nothing to drop, suppress, report unused or sort
        ignored = self._ignored_here(path)
        kept = []
        seen = set()
        for finding in findings:
            if finding.rule not in self.enabled_names:
                continue
            if ignored:  # per-file-ignores name this path (most paths: none)
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
        unused: list[Finding] = []
        if not any(checks.matches(s, checks.UNUSED_SUPPRESSION) for s in ignored):
            unused = unused_suppression_findings(path, result.unused, self.enabled_names)
        final = result.kept + others + unused
        for finding in final:
            override = self.settings.severity.get(finding.rule) or self.settings.severity.get(finding.code)
            if override is not None:
                finding.severity = override
            # Messages quote prompt text; a key pasted into a prompt must not travel with them.
            finding.message = redact(finding.message)
            finding.suggestion = redact(finding.suggestion) if finding.suggestion else finding.suggestion
        capped, omitted = _capped(sorted(final, key=Finding.sort_key))
        return Finalised(capped, len(result.suppressed), omitted)

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
