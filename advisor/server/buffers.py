"""Linting an editor's buffer as the file it stands for.

This is ``advisor lint - --stdin-filename PATH`` for text held in memory: the same engine
(`run.StdinRun`), the configuration nearest to the file (its rule selection, per-file
ignores, severities, thresholds), links to prompt files read relative to it. A buffer is
linted only when a walk of its project would lint the file (`advisor lint .`): included,
not excluded or git-ignored, and the source type's sniff agrees (a CI workflow is YAML
but no request body), so the editor shows what the command line shows.

The configuration is read again for each lint (it costs well under a millisecond), so an
edited ``.advisor.toml`` applies on the next keystroke without a restart.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Sequence

from ..autofix import fix_text
from ..config import ConfigError, Settings
from ..discovery import Discovery
from ..model import Finding
from ..run import StdinRun, settings_for_path
from ..selection import select_rules
from ..sources import source_of


@dataclass
class Options:
    """The command line's choices for every buffer (`advisor server --config …`)."""

    config: str | None = None
    isolated: bool = False
    select: Sequence[str] = ()
    extend_select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    today: _dt.date | None = None


@dataclass
class BufferLint:
    """One lint of one buffer: the text it saw and what it found. ``linted`` is False for
    a file advisor leaves alone (no findings are then shown for it)."""

    text: str
    linted: bool
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # advisor's own failures (a rule that raised)
    note: str | None = None  # why a buffer advisor would lint was not (too large)


class BufferLinter:
    def __init__(self, options: Options) -> None:
        self.options = options

    def settings_for(self, path: Path) -> Settings:
        """The settings of ``path``'s project; raises `ConfigError`."""
        settings = settings_for_path(str(path), self.options.config, self.options.isolated)
        if self.options.today is not None:
            settings.today = self.options.today
        return settings

    def run_for(self, path: Path) -> StdinRun | None:
        """The engine for a buffer standing for ``path``, or None for a file a walk of its
        project would not reach. Raises `ConfigError` for a broken configuration."""
        settings = self.settings_for(path)
        try:
            rules = select_rules(settings, select=self.options.select, extend_select=self.options.extend_select,
                                 ignore=self.options.ignore)
            run = StdinRun.for_file(path, settings, rules)
        except ValueError:  # not a file type advisor reads
            return None
        if not Discovery(settings).would_walk(path):
            return None
        return run

    def lint(self, path: Path, text: str) -> BufferLint:
        run = self.run_for(path)
        if run is None or not source_of(run.display, run.kind).relevant(text, run.display):
            return BufferLint(text, linted=False)
        limit = run.linter.settings.max_file_size
        if len(text) > limit or len(text.encode("utf-8", "surrogatepass")) > limit:
            return BufferLint(text, linted=False, note=f"{run.display}: not linted: larger than max-file-size ({limit:,} bytes)")
        result = run.lint_text(text)
        source = source_of(run.display, run.kind)
        # a notebook's spans are in its cells: the buffer is its JSON
        findings = [replace(f, span=source.span_in_file(text, f.span)) for f in result.findings if f.path == run.display]
        return BufferLint(text, linted=True, findings=findings, errors=list(result.errors))

    def fix_all(self, path: Path, text: str, *, unsafe: bool = False) -> str:
        """The buffer with every safe fix applied (also unsafe ones with ``unsafe``), fixed
        again until nothing is left, as `advisor lint --fix` fixes a file."""
        run = self.run_for(path)
        if run is None:
            return text
        fixed, _ = fix_text(run.linter, run.display, run.kind, text, unsafe=unsafe, absolute=run.absolute)
        return fixed


__all__ = ["BufferLint", "BufferLinter", "ConfigError", "Options"]
