"""unused-suppression: an `advisor: ignore[...]` comment that suppresses nothing.

The finalise stage reports these after applying suppressions (only for comments whose rules
all ran, so a `--select` run never calls a comment unused that it could not have matched).
"""

from __future__ import annotations

from ..model import Finding, Severity, Suppression
from ..registry import Rule
from .examples import request_config

RULE = Rule(
    code="X001",
    name="unused-suppression",
    severity=Severity.INFO,
    guide="(housekeeping: keep suppressions honest)",
    summary="A suppression comment that matches no finding, or names a rule that does not exist.",
    why=(
        "A stale `advisor: ignore` comment hides nothing today but will silently hide the next "
        "real problem on that line; a misspelt rule name never hid anything. Removing them keeps "
        "every remaining suppression meaningful."
    ),
    example=request_config(system=None, max_tokens_comment="  # advisor: ignore[missing-max-tokens]"),
    use_instead=request_config(system=None),
    example_file='configs/orders.yaml',
)


def unused_suppression_findings(path: str, unused: list[Suppression], enabled_names: set[str]) -> list[Finding]:
    """The findings for suppressions that matched nothing (the finalise stage gives the
    ones left over). A comment is only called unused when every rule it names ran (or, for
    a bare ``advisor: ignore``, every rule ran); one naming a rule that does not exist is
    reported whatever ran."""
    from . import ALL_RULES, get_rule  # the rule table imports this module

    if RULE.name not in enabled_names:
        return []
    findings = []
    for suppression in unused:
        known = [get_rule(name) for name in suppression.rules]
        unknown = [name for name, rule in zip(suppression.rules, known) if rule is None]
        if unknown:
            message = f"suppression names unknown rule{'s' if len(unknown) > 1 else ''} {', '.join(repr(n) for n in unknown)}"
            hint = "use a rule name or code from `advisor rules`"
        elif all(rule is not None and rule.name in enabled_names for rule in known) and (
            suppression.rules or len(enabled_names) == len(ALL_RULES)
        ):
            names = ", ".join(suppression.rules) or "every rule"
            message = f"unused suppression ({names}): nothing to suppress here"
            hint = "remove the comment"
        else:
            continue  # it names a rule that did not run: it may well be in use
        findings.append(Finding(RULE.name, RULE.code, RULE.severity, path, suppression.span, message, hint))
    return findings
