"""What the configuration and rule selection need to know about the rules, without importing them.

Reading a configuration checks its rule names and options, and choosing the enabled rules
matches selectors against names and codes; neither needs the rules' checks, which import
the whole analysis (prompt parts, length requests, the model catalog). A run whose files
are all unchanged in the result cache (the pre-commit case: one file, cache hit) runs no
check at all, so importing the rules would be most of its cost.

The index (each rule's name, code and declared options, in documentation order) is derived
from `checks.ALL_RULES` on first use and kept in advisor's derived-data folder
(:mod:`advisor.derived`) under a name that includes the digest of advisor's own code: an
edited or upgraded advisor derives it afresh, and a stored copy of the wrong shape is a miss.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple, Sequence

from . import derived


class RuleEntry(NamedTuple):
    name: str
    code: str
    options: dict[str, Any]  # option name -> default


def _index_file() -> str:
    from .cache import code_digest

    return f"rules-{code_digest()}.marshal"


@functools.cache
def entries() -> tuple[RuleEntry, ...]:
    """Every built-in rule's name, code and declared options, in `checks.ALL_RULES` order."""
    name = _index_file()
    stored = _valid(derived.read(name))
    if stored is not None:
        return stored
    from . import checks

    built = tuple(RuleEntry(rule.name, rule.code, dict(rule.default_options())) for rule in checks.ALL_RULES)
    try:
        derived.write(name, [tuple(entry) for entry in built])
    except Exception:  # an option default marshal cannot store: derive it on every run
        pass
    return built


def _valid(stored: Any) -> tuple[RuleEntry, ...] | None:
    if not isinstance(stored, list) or not stored:
        return None
    found = []
    for item in stored:
        if not (isinstance(item, tuple) and len(item) == 3 and isinstance(item[0], str) and isinstance(item[1], str)
                and isinstance(item[2], dict)):
            return None
        found.append(RuleEntry(*item))
    return tuple(found)


def matches(selector: str, name: str, code: str) -> bool:
    """Whether a selector from config or the command line names a rule: ``ALL``, the
    rule's name, its code, or a code prefix (``O`` selects every output-length rule)."""
    if selector == "ALL" or selector == name:
        return True
    return selector[:1].isupper() and code.startswith(selector)


def known_selectors() -> set[str]:
    """Every rule name and code (what a selector may name besides ``ALL`` and prefixes)."""
    return {key for entry in entries() for key in (entry.name, entry.code)}


def declared_options() -> dict[str, dict[str, Any]]:
    """Rule name -> its options' defaults (what ``[tool.advisor.rules.<name>]`` may set)."""
    return {entry.name: dict(entry.options) for entry in entries()}


def enabled_names(chosen: Sequence[str], extra: Sequence[str], ignored: Sequence[str]) -> list[str]:
    """The names of the rules a selection enables, in documentation order: those ``chosen``
    or ``extra`` selects and ``ignored`` does not."""
    return [
        entry.name
        for entry in entries()
        if any(matches(s, entry.name, entry.code) for s in (*chosen, *extra))
        and not any(matches(s, entry.name, entry.code) for s in ignored)
    ]
