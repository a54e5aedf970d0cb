"""The `advisor ab` command: confirm a suggested fix by timing before and after.

Registered by the main CLI with ``cli.add_command(ab)``; also runnable on its own as
``python -m advisor.live.command``.

Exit status: 0 the run finished (whatever the verdict), 1 it stopped early on the budget
or failed (no trial succeeded, or it gave up on an error every trial would meet), 2 usage or config error, 130 interrupted (a partial result is
still written).
"""

from __future__ import annotations

import datetime as _dt
import json
import random
import sys
from pathlib import Path
from typing import Any

import click

from ..catalog import load_catalog
from .client import has_credentials, make_client
from .plan import METRICS, Arm, Plan, TrialSettings
from .redact import Redactor
from .request import (
    ConfigError,
    apply_rule_fix,
    load_request,
    load_vars_file,
    parse_var_options,
    rule_to_apply,
)
from .runlog import RunLog, RunLogError
from .runner import BUDGET, FAILED, INTERRUPTED, Progress, Runner
from .summary import summarize
from .textout import progress_line, render_plan, render_summary

DEFAULT_BUDGET_USD = 1.00
DEFAULT_RUNS_DIR = Path("reports")
EXIT_STOPPED = 1
EXIT_INTERRUPTED = 130
# Options that shape a run; a resumed run keeps the saved ones (only the budget may change).
_PLAN_OPTIONS = (
    "apply_rule", "trials", "warmup", "concurrency", "until_confident", "max_trials", "metric",
    "allow_unpriced", "seed", "max_retries", "timeout", "var_items", "vars_file", "out_dir",
)


@click.command("ab")
@click.argument("configs", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--apply", "apply_rule", metavar="RULE", help="AFTER = the single config with RULE's automatic fix.")
@click.option("--trials", type=click.IntRange(1), default=20, show_default=True, help="Trials per arm (after warm-ups).")
@click.option("--warmup", type=click.IntRange(0), default=1, show_default=True, help="Discarded warm-up trials per arm.")
@click.option("--concurrency", type=click.IntRange(1), default=1, show_default=True, help="Trials in flight at once.")
@click.option("--until-confident", is_flag=True, help="Add trials until the interval excludes zero (up to --max-trials).")
@click.option("--max-trials", type=click.IntRange(1), default=100, show_default=True, help="Ceiling per arm for --until-confident.")
@click.option("--metric", type=click.Choice(METRICS), default="ttft_ms", show_default=True, help="The headline verdict.")
@click.option("--budget-usd", type=click.FloatRange(min=0), default=None,
              help=f"Stop before a trial could take the spend over this. [default: {DEFAULT_BUDGET_USD:.2f}]")
@click.option("--allow-unpriced", is_flag=True, help="Run models the catalog has no price for (their spend is not counted).")
@click.option("--seed", type=int, help="Seed for the trial order and the bootstrap (random if absent; saved with the run).")
@click.option("--max-retries", type=click.IntRange(0), default=4, show_default=True, help="Retries of 429/529/overload per trial.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=600.0, show_default=True, help="Seconds per request.")
@click.option("--var", "var_items", multiple=True, metavar="NAME=VALUE", help="Template variable (repeatable).")
@click.option("--vars", "vars_file", type=click.Path(exists=True, dir_okay=False), help="YAML/JSON file of template variables.")
@click.option("--dry-run", is_flag=True, help="Print the plan and its cost; send nothing.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Run directory [default: reports/ab-TIMESTAMP].")
@click.option("--resume", "resume_dir", type=click.Path(exists=True, file_okay=False), help="Continue the run in this directory.")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr [default: when stderr is a terminal].")
@click.pass_context
def ab(ctx: click.Context, configs: tuple[str, ...], **options: Any) -> None:
    """Time BEFORE and AFTER request configs against the Messages API and say, with a
    confidence interval, whether the change made the call faster.

    Configs are the YAML/JSON request bodies `advisor lint` reads. The key and endpoint
    come from the SDK's environment (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL).
    """
    redactor = Redactor.from_environment()
    try:
        if options["resume_dir"]:
            plan, log = _resumed_plan(ctx, configs, options, redactor)
        else:
            plan, log = _new_plan(configs, options), None
    except (ConfigError, RunLogError, ValueError) as error:
        raise click.UsageError(redactor.text(str(error))) from None
    _check_prices(plan)
    json_output = options["output_format"] == "json"
    click.echo(redactor.text(render_plan(plan)), err=json_output)
    if options["dry_run"]:
        if json_output:
            click.echo(json.dumps(redactor.scrub({"dry_run": True, "plan": plan.to_dict()}), indent=2))
        return
    client = make_client(plan.settings.timeout_s)
    if not has_credentials(client):
        raise click.UsageError("no credentials: set ANTHROPIC_API_KEY (the SDK reads it; advisor never stores it)")
    if log is None:
        log = _create_log(options["out_dir"], redactor)
        log.write_plan(plan.to_dict())
    ctx.exit(_run(plan, log, client, options, redactor))


def _run(plan: Plan, log: RunLog, client: Any, options: dict[str, Any], redactor: Redactor) -> int:
    show_progress = options["progress"] if options["progress"] is not None else sys.stderr.isatty()
    runner = Runner(plan, log, client, on_progress=_progress_printer() if show_progress else None)
    previous = log.load_trials()
    for number in log.skipped_lines:
        click.echo(f"advisor: warning: {log.trials_path}:{number}: not a trial record; skipped (that trial runs again)", err=True)
    outcome = runner.run(previous)
    if show_progress:
        click.echo("", err=True)
    summary = redactor.scrub(summarize(plan, outcome.records, outcome.status, outcome.spent_usd, outcome.reason))
    log.write_summary(summary)
    if options["output_format"] == "json":
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(render_summary(summary, str(log.directory)))
    if outcome.status == INTERRUPTED:
        return EXIT_INTERRUPTED
    return EXIT_STOPPED if summary["status"] in (BUDGET, FAILED) else 0


def _new_plan(configs: tuple[str, ...], options: dict[str, Any]) -> Plan:
    variables = load_vars_file(options["vars_file"]) if options["vars_file"] else {}
    variables.update(parse_var_options(options["var_items"]))
    if len(configs) == 2 and not options["apply_rule"]:
        arms = [Arm(name, load_request(path, variables), path) for name, path in zip(("before", "after"), configs)]
    elif len(configs) == 1 and options["apply_rule"]:
        rule_to_apply(options["apply_rule"])  # a misspelt rule is the first thing to hear about
        before = load_request(configs[0], variables)
        after = apply_rule_fix(configs[0], options["apply_rule"], variables)
        arms = [Arm("before", before, configs[0]), Arm("after", after, f"{configs[0]} with --apply {options['apply_rule']}")]
    else:
        raise click.UsageError("give two configs (BEFORE AFTER), or one config and --apply RULE")
    settings = TrialSettings(
        trials=options["trials"],
        warmup=options["warmup"],
        seed=options["seed"] if options["seed"] is not None else random.SystemRandom().randrange(2**31),
        budget_usd=options["budget_usd"] if options["budget_usd"] is not None else DEFAULT_BUDGET_USD,
        concurrency=options["concurrency"],
        until_confident=options["until_confident"],
        max_trials=options["max_trials"],
        metric=options["metric"],
        allow_unpriced=options["allow_unpriced"],
        max_retries=options["max_retries"],
        timeout_s=options["timeout"],
    )
    return Plan(arms, settings, load_catalog())


def _resumed_plan(
    ctx: click.Context, configs: tuple[str, ...], options: dict[str, Any], redactor: Redactor
) -> tuple[Plan, RunLog]:
    """The saved plan of the run being resumed; only the budget may be changed."""
    given = [name for name in _PLAN_OPTIONS if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE]
    if configs or given:
        extra = ", ".join(["configs"] * bool(configs) + [f"--{name.replace('_', '-')}" for name in given])
        raise click.UsageError(f"--resume continues the saved plan; drop {extra} (only --budget-usd may change)")
    log = RunLog.existing(Path(options["resume_dir"]), redactor)
    overrides = {"budget_usd": options["budget_usd"]} if options["budget_usd"] is not None else {}
    return Plan.from_dict(log.read_plan(), load_catalog(), **overrides), log


def _check_prices(plan: Plan) -> None:
    """Without a price the budget cannot protect the user, so that must be a choice."""
    unpriced = plan.unpriced_models()
    if unpriced and not plan.settings.allow_unpriced:
        raise click.UsageError(
            f"no worst-case cost for {', '.join(unpriced)} (no catalog price, or an image or document given "
            "by URL, whose size is unknown), so the budget cannot limit its spend; "
            "pass --allow-unpriced to run it anyway"
        )


def _create_log(out_dir: str | None, redactor: Redactor) -> RunLog:
    directory = Path(out_dir) if out_dir else _fresh_directory()
    try:
        return RunLog.create(directory, redactor)
    except RunLogError as error:
        raise click.UsageError(str(error)) from None


def _fresh_directory() -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = DEFAULT_RUNS_DIR / f"ab-{stamp}"
    suffix = 1
    while candidate.exists():
        suffix += 1
        candidate = DEFAULT_RUNS_DIR / f"ab-{stamp}-{suffix}"
    return candidate


def _progress_printer() -> Any:
    def show(progress: Progress) -> None:
        click.echo("\r" + progress_line(progress), err=True, nl=False)

    return show


if __name__ == "__main__":
    ab(prog_name="advisor ab")
