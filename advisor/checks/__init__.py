"""The rule table: every built-in rule, in documentation order.

Adding a rule means writing its module and listing its definition here; the engine, the CLI
(`advisor rules`, `advisor explain`) and the generated docs all read this one table.
"""

from __future__ import annotations

from .. import rule_index
from ..registry import Rule
from . import (
    max_tokens,
    model_choice,
    model_lifecycle,
    parse_error,
    prompt_size,
    redundancy,
    sampling,
    secrets,
    streaming,
    suppressions,
    thinking,
    word_count,
)

ALL_RULES: tuple[Rule, ...] = (
    word_count.RULE,
    max_tokens.MISSING_MAX_TOKENS,
    max_tokens.MAX_TOKENS_OVERSIZED,
    max_tokens.MAX_TOKENS_TRUNCATION_RISK,
    thinking.MAX_TOKENS_BELOW_THINKING_BUDGET,
    streaming.NON_STREAMING_UI_CALL,
    streaming.BUFFERED_STREAM,
    model_choice.OVERSIZED_MODEL,
    model_lifecycle.OUTDATED_MODEL,
    model_choice.EXCESSIVE_EFFORT,
    thinking.THINKING_ON_SIMPLE_TASK,
    prompt_size.PROMPT_TOO_LONG,
    redundancy.RULE,
    prompt_size.MISSING_PROMPT_CACHE,
    sampling.HIGH_TEMPERATURE,
    sampling.UNSUPPORTED_SAMPLING_PARAMETER,
    model_lifecycle.DEPRECATED_MODEL,
    model_lifecycle.UNKNOWN_MODEL,
    secrets.RULE,
    suppressions.RULE,
    parse_error.RULE,
)

PARSE_ERROR = parse_error.RULE
UNUSED_SUPPRESSION = suppressions.RULE

_BY_KEY = {key: rule for rule in ALL_RULES for key in (rule.name, rule.code)}


def get_rule(key: str) -> Rule | None:
    """A rule by name or code (codes in any case: ``o003`` is ``O003``)."""
    return _BY_KEY.get(key) or _BY_KEY.get(key.upper())


def matches(selector: str, rule: Rule) -> bool:
    """Whether a selector from config or the command line names this rule: ``ALL``, the
    rule's name, its code, or a code prefix (``O`` selects every output-length rule)."""
    return rule_index.matches(selector, rule.name, rule.code)


def known_selectors() -> set[str]:
    return set(_BY_KEY)


def declared_options() -> dict[str, dict[str, object]]:
    return {rule.name: rule.default_options() for rule in ALL_RULES}
