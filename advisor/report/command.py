"""The `advisor report` command: lint, then write one self-contained HTML advice report.

    advisor report .                                   # writes reports/advisor-report.html
    advisor report . -o out.html --ab results/ab.json  # with live A/B results

The report path is printed on stdout (a one-line summary on stderr), so CI can pick the
file up; the exit status follows ``--fail-on`` exactly as `advisor lint` does (0, 1, or 2
for a usage, configuration, template or A/B-file error). Registered lazily by the main
CLI (``AdvisorGroup.LAZY_COMMANDS``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Sequence

import click

from ..config import Settings
from ..model import Severity
from ..options import ConfigurationFailure, apply_baseline, lint_options, print_baseline, print_notes
from ..output.printable import boundary
from ..results import LintResult
from ..run import exit_status, fail_on_threshold, run_lint
from .abresults import AbResultError, ab_view, load_summary
from .context import Limits, build_context
from .render import ReportTemplateError, load_user_template, render

DEFAULT_OUTPUT = Path("reports") / "advisor-report.html"


def load_ab_runs(files: Sequence[str]) -> list[dict[str, Any]]:
    """The views of the given A/B results; a bad one is a usage error naming the file."""
    runs = []
    for index, name in enumerate(files, 1):
        try:
            summary, source = load_summary(name)
        except AbResultError as error:
            raise click.BadParameter(str(error), param_hint="--ab") from None
        runs.append(ab_view(summary, source, index))
    return runs


def generate(
    result: LintResult,
    *,
    paths: Sequence[str] = (),
    title: str | None = None,
    fail_on: Severity | None = Severity.WARNING,
    ab_runs: Sequence[dict[str, Any]] = (),
    template: Any = None,
    limits: Limits = Limits(),
    settings: Settings | None = None,
) -> str:
    """The report's HTML for a lint result (what the command writes); ``settings`` give
    the traffic weights."""
    context = build_context(result, paths=paths, title=title, fail_on=fail_on, ab_runs=ab_runs, limits=limits,
                            traffic=settings.traffic if settings else None, traffic_root=settings.root if settings else None)
    return render(context, template)


def write_atomically(path: Path, text: str) -> None:
    """Write via a temporary file in the same folder, so a reader never sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(boundary(text, markup=True))
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@click.command("report")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), default=str(DEFAULT_OUTPUT), show_default=True,
    help="Where to write the HTML file (its folder is created).",
)
@click.option(
    "--ab", "ab_files", multiple=True, metavar="FILE",
    help="Include an `advisor ab` result: its summary.json or run directory (repeatable).",
)
@click.option(
    "--template", "template_file", type=click.Path(exists=True, dir_okay=False),
    help="Render with this Jinja template instead of the built-in one (sandboxed, autoescaped; its variables are documented in advisor/report/context.py).",
)
@click.option("--title", help="The report's title.")
@lint_options
def report(paths, output, ab_files, template_file, title, config, isolated, select, extend_select, ignore,
           no_cache, force_exclude, fail_on, quiet, today, baseline):
    """Write a self-contained HTML report of where prompts waste latency and money, and
    what to change, ordered by impact (default path: the current directory)."""
    from ..output.text import summary

    ab_runs = load_ab_runs(ab_files)
    template = None
    if template_file:
        try:
            template = load_user_template(template_file)
        except ReportTemplateError as error:
            raise click.BadParameter(str(error), param_hint="--template") from None
    result, settings, _ = run_lint(
        paths, config=config, isolated=isolated, select=select, extend_select=extend_select,
        ignore=ignore, no_cache=no_cache, force_exclude=force_exclude, today=today,
    )
    result = apply_baseline(result, baseline, settings)
    threshold = fail_on_threshold(fail_on, settings)
    try:
        html = generate(result, paths=paths, title=title, fail_on=threshold, ab_runs=ab_runs, template=template,
                        settings=settings)
    except ReportTemplateError as error:
        raise ConfigurationFailure(f"--template: {error}") from None
    target = Path(output)
    try:
        write_atomically(target, html)
    except OSError as error:
        raise ConfigurationFailure(f"cannot write the report to {target}: {error.strerror or error}") from None
    click.echo(target.as_posix())
    if not quiet:
        click.echo(f"advisor: {summary(result)} Report: {target.as_posix()}", err=True)
    print_notes(result, quiet)
    print_baseline(result, quiet)
    sys.exit(exit_status(result, threshold))
