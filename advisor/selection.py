"""Which rules a run enables: the configured selection and the command line's, combined
the way ruff combines them (a command-line ``select`` replaces, ``extend`` and ``ignore`` add).

Selection works on names (`rule_index`), so a run can know its enabled rules, and key its
result cache on them, without importing a rule; `EnabledRules` imports the rules themselves
when something first needs one (a file to check, SARIF's rule list)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator, Sequence, overload

from . import rule_index
from .config import Settings

if TYPE_CHECKING:
    from .registry import Rule


def enabled_rule_names(
    settings: Settings,
    *,
    select: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> list[str]:
    """The enabled rules' names, in documentation order: command-line ``select`` replaces
    the configured one, the ``extend`` and ``ignore`` lists of both add up."""
    chosen = tuple(select) or settings.select
    return rule_index.enabled_names(chosen, (*settings.extend_select, *extend_select), (*settings.ignore, *ignore))


def select_rules(
    settings: Settings,
    *,
    select: Sequence[str] = (),
    extend_select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> "EnabledRules":
    """The enabled rules (see `enabled_rule_names`), imported on first use."""
    return EnabledRules(enabled_rule_names(settings, select=select, extend_select=extend_select, ignore=ignore))


class EnabledRules(Sequence["Rule"]):
    """The rules of a list of names, in that order; the rule modules are imported only
    when a rule is first asked for."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)
        self._rules: tuple[Rule, ...] | None = None

    def _resolved(self) -> tuple["Rule", ...]:
        if self._rules is None:
            from . import checks

            found = (checks.get_rule(name) for name in self.names)
            self._rules = tuple(rule for rule in found if rule is not None)
        return self._rules

    @overload
    def __getitem__(self, index: int) -> "Rule": ...

    @overload
    def __getitem__(self, index: slice) -> Sequence["Rule"]: ...

    def __getitem__(self, index: int | slice) -> "Rule | Sequence[Rule]":
        return self._resolved()[index]

    def __len__(self) -> int:
        return len(self._resolved())

    def __iter__(self) -> Iterator["Rule"]:
        return iter(self._resolved())

    def __repr__(self) -> str:
        return f"EnabledRules({list(self.names)!r})"
