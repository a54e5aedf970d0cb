"""unused-suppression: an `advisor: ignore[...]` comment that suppresses nothing.

The engine reports these itself after applying suppressions (only for comments whose rules
all ran, so a `--select` run never calls a comment unused that it could not have matched).
"""

from __future__ import annotations

from ..model import Severity
from ..registry import Rule

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
    example=(
        'model: claude-haiku-5-5\n'
        'max_tokens: 300  # advisor: ignore[missing-max-tokens]\n'
        'messages:\n'
        '  - role: user\n'
        '    content: "{{ question }}"'
    ),
    use_instead=(
        'model: claude-haiku-5-5\n'
        'max_tokens: 300\n'
        'messages:\n'
        '  - role: user\n'
        '    content: "{{ question }}"'
    ),
    example_file='configs/orders.yaml',
)
