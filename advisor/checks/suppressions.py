"""unused-suppression: an `advisor: ignore[...]` comment that suppresses nothing.

The engine reports these itself after applying suppressions (only for comments whose rules
all ran, so a `--select` run never calls a comment unused that it could not have matched).
"""

from __future__ import annotations

from ..model import Severity
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
