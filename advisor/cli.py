"""The ``advisor`` command line.

Exit status everywhere: 0 when no finding reaches ``--fail-on``, 1 when one does, 2 for a
usage, configuration or internal error (click's own usage errors also exit 2).
"""

from __future__ import annotations

import json
import os
import sys
from typing import Iterable, Iterator

import click

from . import __version__
from .options import (
    apply_baseline,
    display_options,
    lint_options,
    print_baseline,
    print_notes,
    stdout_is_terminal,
    write_baseline_option,
)
from .output.printable import boundary, printable
from .run import exit_status, fail_on_threshold, load_run_settings, run_lint


class AdvisorGroup(click.Group):
    """Loads heavy subcommands on first use, and turns unexpected exceptions into exit
    status 2 with a one-line message.

    ``ab`` needs the anthropic SDK, which takes about a second to import, ``server`` needs
    pygls; ``lint`` runs on every commit and must pay for neither.
    """

    LAZY_COMMANDS = {
        "ab": ("advisor.live.command", "ab"),
        "report": ("advisor.report.command", "report"),
        "server": ("advisor.server.command", "server"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str):
        command = super().get_command(ctx, name)
        if command is None and name in self.LAZY_COMMANDS:
            import importlib

            module_name, attribute = self.LAZY_COMMANDS[name]
            command = getattr(importlib.import_module(module_name), attribute)
        return command

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            click.echo("advisor: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # the reader went away (`advisor rules | head`): stop quietly, as other tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(141)
        except Exception as error:  # pragma: no cover - the last line of defence
            click.echo(f"advisor: internal error: {error!r} (please report it)", err=True)
            ctx.exit(2)


@click.group(cls=AdvisorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="advisor")
def cli() -> None:
    """Find prompt and API-call patterns that make Claude responses slow, and prove fixes."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, allow_dash=True))
@click.option("--stdin-filename", metavar="PATH", help="With `-` as the path: lint standard input as this file (its kind and configuration); --fix prints the fixed text.")
@click.option("-o", "--output-file", type=click.Path(dir_okay=False, writable=True), help="Write the output to a file instead of stdout.")
@click.option("--fix", is_flag=True, help="Apply safe fixes to the files, then report what is left.")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff instead of writing them (exit 1 if there are any).")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff, also apply fixes that change behaviour (model, prompt wording, streaming).")
@display_options
@lint_options
@write_baseline_option
def lint(paths, display, stdin_filename, output_file, fix, diff, unsafe_fixes, config, isolated, select, extend_select, ignore, no_cache, force_exclude, fail_on, quiet, today, baseline, write_baseline):
    """Lint prompt files, templates, request configs and Python code (default: the current directory)."""
    if "-" in paths:
        if len(paths) > 1:
            raise click.UsageError("`-` (standard input) cannot be combined with other paths")
        if write_baseline:
            raise click.UsageError("--write-baseline records a run over files, not standard input")
        _lint_stdin(stdin_filename, display, output_file, fix, diff, unsafe_fixes, config, isolated, select,
                    extend_select, ignore, fail_on, quiet, today, baseline)
        return
    result, settings, run = run_lint(
        paths, config=config, isolated=isolated, select=select, extend_select=extend_select,
        ignore=ignore, no_cache=no_cache, force_exclude=force_exclude, today=today,
    )
    if write_baseline:
        _write_baseline(write_baseline, result, quiet)
    fixed = None
    if diff or fix:
        from .autofix import fix_files

        outcome = fix_files(result, run.linter_for, unsafe=unsafe_fixes, write=fix and not diff)
        for error in outcome.errors:
            click.echo(f"advisor: {printable(error)}", err=True)
        if diff:
            click.echo(boundary(outcome.diff()), nl=False)
            if display.show_fixes:
                _echo_fix_list(outcome.fixed, None, display, err=True, dry_run=True)
            if not quiet:
                click.echo(f"{len(outcome.changed)} file{'s' if len(outcome.changed) != 1 else ''} would be changed.", err=True)
            sys.exit(1 if outcome.changed else 0)
        fixed = outcome.fixed
        if outcome.changed:
            result = run.lint()
            if not quiet:
                click.echo(f"Fixed {outcome.applied} finding{'s' if outcome.applied != 1 else ''} in {len(outcome.changed)} file{'s' if len(outcome.changed) != 1 else ''}.", err=True)
    result = apply_baseline(result, baseline, settings)
    _show(result, display, output_file, fix_hint=not (fix or diff), quiet=quiet, fixed=fixed)
    print_notes(result, quiet)
    print_baseline(result, quiet)
    sys.exit(exit_status(result, fail_on_threshold(fail_on, settings)))


def _show(result, display, output_file, *, fix_hint, quiet, fixed=None, sources=None) -> None:
    """Print (or write to ``output_file``) the result as ``display`` asks: findings in the
    chosen format or the per-rule statistics, then the fix listing and the summary."""
    from .output import FORMATS
    from .output.text import fix_summary, summary
    from .output.text import render as render_text

    terminal = output_file is None and stdout_is_terminal()
    colour = display.colour(terminal) if output_file is None else display.color == "always"
    if display.statistics:
        from .output import statistics

        if display.output_format == "json":
            rendered = statistics.render_json(result)
        else:
            rendered = statistics.render_text(result, colour=colour)
    elif display.human:
        rendered = render_text(result, colour=colour, summary_lines=False, full=display.full(terminal), sources=sources)
    elif display.output_format == "json":
        rendered = None  # written as it is made, below
    else:
        rendered = FORMATS[display.output_format](result)
    if rendered is not None and display.human:
        if display.show_fixes:
            rendered += _fix_list(fixed, result, colour)
        if not quiet:
            hint = fix_summary(result) if fix_hint else None
            rendered += summary(result) + "\n" + (hint + "\n" if hint else "")
    _write(_json_batches(result) if rendered is None else [rendered], output_file, colour)
    if output_file and not quiet:
        click.echo(summary(result), err=True)
    if display.show_fixes and not display.human:
        _echo_fix_list(fixed, result, display, err=True)


def _json_batches(result) -> Iterator[str]:
    """The JSON document a thousand lines at a time, as it is made: at 30,000 files the
    whole document, its lines and its encoded copy were a third of the peak memory."""
    from itertools import islice

    from .output.json_format import render_lines

    lines = render_lines(result)
    return iter(lambda: "".join(islice(lines, 1000)), "")


def _write(chunks: Iterable[str], output_file, colour) -> None:
    """Each chunk made safe (`boundary`) and written. Chunks end at line breaks that no
    key or escape sequence spans (JSON lines start with a bracket or a quote), so making
    each safe makes the whole safe."""
    if output_file:
        with open(output_file, "w", encoding="utf-8") as out:
            for chunk in chunks:
                out.write(boundary(chunk))
    else:
        for chunk in chunks:
            click.echo(boundary(chunk), nl=False, color=colour)


def _fix_list(fixed, result, colour: bool, dry_run: bool = False) -> str:
    from .output.fix_list import render_applied, render_available

    if fixed is None:
        return render_available(result, colour=colour)
    return render_applied(fixed, colour=colour, dry_run=dry_run)


def _echo_fix_list(fixed, result, display, *, err: bool, dry_run: bool = False) -> None:
    colour = display.colour(terminal=False)
    click.echo(boundary(_fix_list(fixed, result, colour, dry_run)), nl=False, err=err, color=colour)


def _write_baseline(target, result, quiet):
    """`--write-baseline FILE`: record the run's findings as known, and stop (exit 0, or 2
    when advisor failed on a file: its findings may be missing from the baseline)."""
    from .baseline import write

    try:
        count = write(target, result.findings, [report.path for report in result.files])
    except OSError as error:
        raise click.ClickException(f"cannot write the baseline {target}: {error.strerror or error}") from None
    if not quiet:
        click.echo(f"advisor: wrote {len(result.findings)} finding{'s' if len(result.findings) != 1 else ''} of "
                   f"{len(result.files)} file{'s' if len(result.files) != 1 else ''} to {printable(target)} "
                   f"({count} entries in all)", err=True)
    print_notes(result, quiet)
    sys.exit(2 if result.errors else 0)


def _lint_stdin(stdin_filename, display, output_file, fix, diff, unsafe_fixes, config, isolated, select,
                extend_select, ignore, fail_on, quiet, today, baseline=None):
    """`advisor lint - --stdin-filename NAME`: findings for standard input; with --fix the
    fixed text goes to stdout and what is left to stderr, as editors expect."""
    from .autofix import FixOutcome, fix_text_by_rule
    from .excerpts import SourceFiles
    from .loaders import decode
    from .output.text import render as render_text
    from .run import read_stdin, stdin_run

    run, settings = stdin_run(stdin_filename, config=config, isolated=isolated, select=select,
                              extend_select=extend_select, ignore=ignore, today=today)
    data = read_stdin(settings.max_file_size)
    result = run.lint_bytes(data)
    original, _ = decode(data)
    if fix or diff:
        fixed = original
        if original is not None:
            fixed, counts = fix_text_by_rule(run.linter, run.display, run.kind, original, unsafe=unsafe_fixes, absolute=run.absolute)
            result = run.lint_text(fixed)
            if display.show_fixes:
                _echo_fix_list({run.display: counts} if counts else {}, None, display, err=True, dry_run=bool(diff))
        if diff:
            changed = {run.display: (original, fixed)} if original is not None and fixed is not None and fixed != original else {}
            click.echo(boundary(FixOutcome(changed=changed).diff()), nl=False)
            sys.exit(1 if changed else 0)
        if original is None:
            sys.stdout.buffer.write(data)  # unreadable: given back as it came, the problem on stderr
        else:
            click.echo(fixed, nl=False)
        if not quiet and result.findings:
            click.echo(boundary(render_text(result, colour=False, fix_hint=False, summary_lines=True)), err=True, nl=False)
        print_notes(result, quiet)
        sys.exit(exit_status(result, fail_on_threshold(fail_on, settings)))
    if baseline or settings.baseline:
        from .baseline import sources_from

        result = apply_baseline(result, baseline, settings, sources_from({run.display: original or ""}))
    sources = SourceFiles()
    if original is not None:
        sources.remember(run.display, original)
    _show(result, display, output_file, fix_hint=True, quiet=quiet, sources=sources)
    print_notes(result, quiet)
    print_baseline(result, quiet)
    sys.exit(exit_status(result, fail_on_threshold(fail_on, settings)))


@cli.command()
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules(output_format):
    """List every rule with its code, default severity and fix availability."""
    from . import checks
    from .docs import rule_as_dict

    if output_format == "json":
        click.echo(json.dumps([rule_as_dict(rule) for rule in checks.ALL_RULES], indent=2))
        return
    width = max(len(rule.name) for rule in checks.ALL_RULES)
    for rule in sorted(checks.ALL_RULES, key=lambda rule: rule.code):
        fix = "" if rule.fix.value == "none" else f"  [fix: {rule.fix.value}]"
        click.echo(f"{rule.code}  {rule.name:<{width}}  {rule.severity.value:<7}  {rule.summary}{fix}")


@cli.command("config")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
def config_keys(output_format):
    """List the configuration keys: type, default and meaning."""
    from .config_keys import CONFIG_KEYS, describe_default, keys_as_dicts, render_markdown

    if output_format == "json":
        click.echo(json.dumps(keys_as_dicts(), indent=2))
        return
    if output_format == "markdown":
        click.echo(render_markdown(), nl=False)
        return
    width = max(len(key.name) for key in CONFIG_KEYS)
    for key in CONFIG_KEYS:
        click.echo(f"{key.name:<{width}}  {key.help}")
        click.echo(f"{'':<{width}}  type: {key.kind}; default: {describe_default(key)}")


@cli.command()
@click.argument("rule")
@click.option("--format", "output_format", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
def explain(rule, output_format):
    """Show the documentation of one rule (by name or code)."""
    from . import checks
    from .docs import render_rule_markdown, render_rule_text, rule_as_dict

    found = checks.get_rule(rule)
    if found is None:
        import difflib

        close = difflib.get_close_matches(rule, sorted(checks.known_selectors()), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise click.BadParameter(f"unknown rule {rule!r}{hint}", param_hint="RULE")
    if output_format == "json":
        click.echo(json.dumps(rule_as_dict(found), indent=2))
    elif output_format == "markdown":
        click.echo(render_rule_markdown(found), nl=False)
    else:
        click.echo(render_rule_text(found), nl=False)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--model", help="Calibrate counts for this model (default: the model each call names, else the newest tokenizer).")
@click.option("--exact", is_flag=True, help="Ask the API's count_tokens endpoint (uses ANTHROPIC_API_KEY; free, rate limited).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--config", type=click.Path(dir_okay=False), help="Use this config file instead of searching for one.")
@click.option("--explain", is_flag=True, help="Show how each prompt text was read: instruction and data parts, and the length requests kept or set aside.")
def tokens(paths, model, exact, output_format, config, explain):
    """Count the tokens of prompt files and of each API call in them."""
    from .token_report import token_report

    settings = load_run_settings(paths, config, isolated=False)
    report = token_report(paths, settings, model=model, exact=exact, explain=explain)
    if output_format == "json":
        click.echo(boundary(json.dumps(report.as_dict(), indent=2)))
    else:
        click.echo(boundary(report.as_text()), nl=False)
    for note in report.notes:
        click.echo(f"advisor: note: {printable(note)}", err=True)
    if report.failed:
        sys.exit(2)


def main() -> None:
    """The command line as the ``advisor`` command runs it (`advisor.entry.main`)."""
    from .entry import main as run_command

    run_command()


if __name__ == "__main__":  # pragma: no cover
    main()
