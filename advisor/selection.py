"""Which rules a run enables: the configured selection and the command line's, combined
the way ruff combines them (a command-line ``select`` replaces, ``extend`` and ``ignore`` add)."""

from __future__ import annotations

from typing import Sequence

from . import checks
from .config import Settings
from .registry import Rule


def select_rules(
    settings: Settings,
    *,
    select: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> list[Rule]:
    """The enabled rules: command-line ``select`` replaces the configured one, the
    ``extend`` and ``ignore`` lists of both add up."""
    chosen = tuple(select) or settings.select
    extra = (*settings.extend_select, *extend_select)
    ignored = (*settings.ignore, *ignore)
    enabled = []
    for rule in checks.ALL_RULES:
        wanted = any(checks.matches(s, rule) for s in (*chosen, *extra))
        if wanted and not any(checks.matches(s, rule) for s in ignored):
            enabled.append(rule)
    return enabled
