"""What the commands that run the linter (`lint`, `report`) share on the command line: the
options, the configuration-error exception (exit 2) and how notes and errors are printed."""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass

import click

from .clock import ENVIRONMENT_VARIABLE as TODAY_VARIABLE
from .output.colour import COLOR_CHOICES, colour_wanted
from .output.printable import printable
from .results import LintResult

FAIL_ON_CHOICES = ["error", "warning", "info", "never"]


class ConfigurationFailure(click.ClickException):
    """A configuration problem: exit status 2, like a usage error."""

    exit_code = 2


def print_notes(result: LintResult, quiet: bool) -> None:
    for error in result.errors:  # shown even with --quiet: the run failed
        click.echo(f"advisor: error: {printable(error)}", err=True)
    if quiet:
        return
    for note in result.notes:
        click.echo(f"advisor: note: {printable(note.path)}: {printable(note.reason)}", err=True)


def _engine_options() -> list:
    return [
        click.option("--config", type=click.Path(dir_okay=False), help="Use this config file instead of searching for one."),
        click.option("--isolated", is_flag=True, help="Ignore every configuration file."),
        click.option("--select", multiple=True, metavar="RULES", help="Rules to enable (names, codes or code prefixes, comma-separated); replaces the configured selection."),
        click.option("--extend-select", multiple=True, metavar="RULES", help="Rules to enable in addition to the selection."),
        click.option("--ignore", multiple=True, metavar="RULES", help="Rules to disable."),
    ]


def _today_option():
    return click.option("--today", metavar="YYYY-MM-DD", envvar=TODAY_VARIABLE, help=f"Judge models' deprecation and retirement as of this date [env: {TODAY_VARIABLE}; default: `today` in config, else the real date].")


def _apply(function, options: list):
    for option in reversed(options):
        function = option(function)
    return function


def engine_options(function):
    """What chooses the configuration, the rules and the date, for a command that lints
    without reporting a run (`advisor server`)."""
    return _apply(function, [*_engine_options(), _today_option()])


def lint_options(function):
    """Options shared by every command that runs the linter."""
    return _apply(function, [
        *_engine_options(),
        click.option("--no-cache", is_flag=True, help="Do not read or write the result cache."),
        click.option("--force-exclude", is_flag=True, help="Apply exclude globs to files named on the command line too (for pre-commit)."),
        click.option("--fail-on", type=click.Choice(FAIL_ON_CHOICES), default=None, help="Lowest severity that makes the exit status 1 [default: warning, or fail-on in config]."),
        click.option("-q", "--quiet", is_flag=True, help="Print findings only: no notes, no summary."),
        _today_option(),
        click.option("--baseline", type=click.Path(dir_okay=False), help="Report only findings not in this baseline file (see --write-baseline) [default: `baseline` in config]."),
    ])


def write_baseline_option(function):
    """`advisor lint --write-baseline FILE`: record the run's findings as known."""
    return click.option("--write-baseline", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
                        help="Record the findings of this run in a baseline file (updating the linted files' entries) and exit 0.")(function)


def apply_baseline(result: LintResult, given: str | None, settings, source_of=None) -> LintResult:
    """The result with only the findings new since the baseline (``--baseline``, else the
    configuration's), or as it is without one; a missing or broken baseline exits 2.
    ``source_of`` gives a linted file's text when it is not on disk (standard input)."""
    path = given or settings.baseline
    if path is None:
        return result
    from .baseline import applied, read_source
    from .config import ConfigError

    try:
        return applied(result, path, source_of=source_of or read_source)
    except ConfigError as error:
        raise ConfigurationFailure(str(error)) from None


def print_baseline(result: LintResult, quiet: bool) -> None:
    if result.baseline is not None and not quiet:
        click.echo(f"advisor: baseline: {printable(result.baseline.describe())}", err=True)


HUMAN_FORMATS = ("full", "concise", "text")  # `text`: full on a terminal, concise otherwise
OUTPUT_FORMATS = [*HUMAN_FORMATS, "json", "sarif", "github"]


@dataclass(frozen=True, eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class Display:
    """How `advisor lint` shows its results (the `display_options`)."""

    output_format: str
    color: str
    statistics: bool
    show_fixes: bool

    @property
    def human(self) -> bool:
        return self.output_format in HUMAN_FORMATS

    def full(self, terminal: bool) -> bool:
        """The full form (excerpts) for `full`, and for `text` on a terminal."""
        return self.output_format == "full" or (self.output_format == "text" and terminal)

    def colour(self, terminal: bool) -> bool:
        return colour_wanted(self.color, terminal=terminal)

    def check(self) -> None:
        if self.statistics and self.output_format not in (*HUMAN_FORMATS, "json"):
            raise click.UsageError(f"--statistics prints a table or JSON, not {self.output_format}")


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def display_options(function):
    """How results are shown: `--output-format`, `--color`, `--statistics`, `--show-fixes`,
    passed to the command as one `display` argument."""

    @functools.wraps(function)
    def wrapper(*args, output_format, color, statistics, show_fixes, **kwargs):
        display = Display(output_format, color, statistics, show_fixes)
        display.check()
        return function(*args, display=display, **kwargs)

    return _apply(wrapper, [
        click.option("--output-format", "--format", "output_format", type=click.Choice(OUTPUT_FORMATS), default="text", show_default=True,
                     help="full: each finding with its source lines, span underlined; concise: one line each; "
                          "text: full on a terminal, concise otherwise (CI logs, pipes)."),
        click.option("--color", type=click.Choice(COLOR_CHOICES), default="auto", show_default=True,
                     help="Colour the human formats; auto follows the terminal, NO_COLOR, FORCE_COLOR and TERM=dumb."),
        click.option("--statistics", is_flag=True, help="Print how many findings each rule has (and how many are fixable) instead of the findings."),
        click.option("--show-fixes", is_flag=True, help="List the fixes applied (with --fix) or available (without it), file by file."),
    ])
