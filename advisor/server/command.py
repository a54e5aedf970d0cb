"""``advisor server``: start the language server on standard input and output."""

from __future__ import annotations

import click

from ..options import engine_options


@click.command()
@engine_options
@click.option("--debounce", "debounce_ms", type=click.IntRange(0, 10_000), default=250, show_default=True, metavar="MS",
              help="Lint a changed buffer after this many milliseconds without typing.")
def server(config, isolated, select, extend_select, ignore, today, debounce_ms):
    """Run the language server (LSP over stdio) for editors: diagnostics as you type, quick
    fixes, "fix all safe", and the rule's docs on hover.

    Each buffer is linted with its file's nearest configuration; the options here apply
    to every buffer, as on `advisor lint`.
    """
    from ..clock import DateError, parse_date
    from ..run import checked_selection
    from .app import build_server
    from .buffers import Options

    selected, extended, ignored = checked_selection(select, extend_select, ignore)
    try:
        pinned = parse_date(today) if today else None
    except DateError as error:
        raise click.BadParameter(str(error), param_hint="--today / ADVISOR_TODAY") from None
    options = Options(config=config, isolated=isolated, select=selected, extend_select=extended, ignore=ignored,
                      today=pinned)
    build_server(options, debounce_s=debounce_ms / 1000).start_io()
