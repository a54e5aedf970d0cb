"""parse-error: a file advisor could not read, and why.

The engine turns every loading problem (undecodable bytes, invalid YAML, a Jinja syntax
error, a hostile YAML tag) into this finding instead of stopping, so one bad file never
hides the findings of the others.
"""

from __future__ import annotations

from ..model import Severity
from ..registry import Rule

RULE = Rule(
    code="E001",
    name="parse-error",
    severity=Severity.ERROR,
    guide="(none: a file advisor could not check)",
    summary="A file could not be decoded or parsed, so its prompts were not checked.",
    why=(
        "A prompt file advisor cannot read is a prompt file nobody checked: its latency problems "
        "stay invisible. For templates and request configs it usually means the application "
        "cannot read it either."
    ),
    example=(
        'model: claude-haiku-5-5\n'
        'max_tokens: 300\n'
        'messages: [ {role: user, content: "{{ question }}" }'
    ),
    use_instead=(
        'model: claude-haiku-5-5\n'
        'max_tokens: 300\n'
        'messages: [ {role: user, content: "{{ question }}" } ]'
    ),
    example_file='configs/orders.yaml',
)
