"""Output-budget rules: `max_tokens` missing from a request.

The guide's second lever is output length: "use the max_tokens parameter to set a hard limit
on the maximum length of the generated response".
"""

from __future__ import annotations

from typing import Iterator

from ..model import CallApi, Document, Finding, Severity
from ..registry import CheckContext, FixSafety, Rule

GUIDE_OUTPUT = "2. Optimize prompt and output length: set appropriate output limits"

MISSING_MAX_TOKENS = Rule(
    code="O002",
    name="missing-max-tokens",
    severity=Severity.ERROR,
    guide=GUIDE_OUTPUT,
    summary="A Messages API call or request config does not set `max_tokens`.",
    why=(
        "`max_tokens` is the hard ceiling on how long the model may generate, and generation "
        "time grows with every output token. The Messages API requires it: an SDK call without "
        "it fails at run time, while wrappers, gateways and config loaders often fill in a large "
        "default silently, so a runaway answer costs seconds and money before anyone notices."
    ),
    example='client.messages.create(model="claude-haiku-5-5", messages=[{"role": "user", "content": prompt}])',
    use_instead=(
        'client.messages.create(model="claude-haiku-5-5", max_tokens=300, messages=[...])  '
        "# a budget that fits the answer you asked for"
    ),
)


@MISSING_MAX_TOKENS.checker
def check_missing_max_tokens(document: Document, context: CheckContext) -> Iterator[Finding]:
    for call in document.calls:
        if call.api is CallApi.COUNT_TOKENS or not call.max_tokens.is_absent:
            continue
        where = "request config" if call.api is CallApi.BODY else f"`{call.api.value}` call"
        yield context.finding(
            call.path,
            call.span,
            f"{where} has no `max_tokens`: output length is unbounded (or the call fails)",
            "set `max_tokens` to the longest answer you expect, e.g. `max_tokens=512` for a few paragraphs",
        )
