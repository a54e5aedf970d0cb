"""The rule table: every built-in rule, in documentation order.

Adding a rule means writing its module and listing its definition here; the engine, the CLI
(`advisor rules`, `advisor explain`) and the generated docs all read this one table.
"""

from __future__ import annotations

from ..registry import Rule
from . import max_tokens, model_choice, parse_error, streaming, word_count

ALL_RULES: tuple[Rule, ...] = (
    word_count.RULE,
    max_tokens.MISSING_MAX_TOKENS,
    streaming.NON_STREAMING_UI_CALL,
    model_choice.OVERSIZED_MODEL,
    parse_error.RULE,
)

PARSE_ERROR = parse_error.RULE

_BY_KEY = {key: rule for rule in ALL_RULES for key in (rule.name, rule.code)}


def get_rule(key: str) -> Rule | None:
    """A rule by name or code."""
    return _BY_KEY.get(key)


def matches(selector: str, rule: Rule) -> bool:
    """Whether a selector from config or the command line names this rule: ``ALL``, the
    rule's name, its code, or a code prefix (``O`` selects every output-length rule)."""
    if selector == "ALL" or selector == rule.name:
        return True
    return selector[:1].isupper() and rule.code.startswith(selector)


def known_selectors() -> set[str]:
    return set(_BY_KEY)


def declared_options() -> dict[str, dict[str, object]]:
    return {rule.name: rule.default_options() for rule in ALL_RULES}
