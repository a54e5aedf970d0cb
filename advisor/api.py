"""The Python API: ``advisor.lint(paths)`` for teams that call advisor from their own tools.

It runs exactly what ``advisor lint`` runs (each path with its nearest configuration, nested
sub-project configurations, the result cache) and returns the `LintResult` the outputs are
made from: ``findings``, ``files`` (per-file reports with token counts), ``calls``, ``notes``
(skipped files) and ``errors`` (advisor's own failures); with a baseline, ``baseline``. Problems with the configuration or
the rule selection raise `ConfigError` with the message the command line prints; nothing
is printed and nothing calls ``sys.exit``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Sequence

from .clock import DateError, parse_date
from .config import ConfigError, Settings
from .results import LintResult
from .run import LintRun, settings_for_path, unknown_selector
from .selection import select_rules


def lint(
    paths: Iterable[str | os.PathLike[str]] = (".",),
    *,
    config: str | os.PathLike[str] | None = None,
    isolated: bool = False,
    select: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    use_cache: bool = True,
    today: str | None = None,
    baseline: str | os.PathLike[str] | None = None,
) -> LintResult:
    """Lint files and directories as ``advisor lint PATHS`` does.

    ``config`` is one configuration file for every path (``--config``), ``isolated`` ignores
    every configuration file; ``select`` / ``extend_select`` / ``ignore`` take rule names,
    codes or code prefixes; ``today`` (YYYY-MM-DD) pins the date model retirements are
    judged by. ``baseline`` (``--baseline``, default: ``baseline`` in the configuration)
    is a baseline file: ``findings`` are then the new ones only, and ``result.baseline``
    holds the known ones (``known``) and how many were fixed (``fixed``); a missing or
    broken baseline raises `ConfigError`.
    """
    for option, values in (("select", select), ("extend_select", extend_select), ("ignore", ignore)):
        if isinstance(values, str):
            raise ConfigError(f"{option}: expected a list of rule selectors, not the string {values!r}")
        message = unknown_selector(values)
        if message is not None:
            raise ConfigError(f"{option}: {message}")
    pinned = None
    if today is not None:
        try:
            pinned = parse_date(today)
        except DateError as error:
            raise ConfigError(f"today: {error}") from None
    names = [os.fspath(path) for path in paths] or ["."]
    missing = [name for name in names if not Path(name).exists()]
    if missing:
        raise ConfigError(f"no such file or directory: {', '.join(missing)}")

    def settings_for(path: str) -> Settings:
        settings = settings_for_path(path, os.fspath(config) if config is not None else None, isolated)
        if pinned is not None:
            settings.today = pinned
        return settings

    run = LintRun.build(
        names,
        settings_for,
        lambda settings: select_rules(settings, select=select, extend_select=extend_select, ignore=ignore),
        use_cache=use_cache,
        force_exclude=False,
        nested_configs=config is None and not isolated,
    )
    result = run.lint()
    chosen = baseline if baseline is not None else run.settings.baseline
    if chosen is None:
        return result
    from .baseline import applied

    return applied(result, chosen)
