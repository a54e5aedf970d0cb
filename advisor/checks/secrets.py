"""hardcoded-api-key: an Anthropic API key written into a prompt file, config or code.

Not a latency rule, but a prompt repository is exactly where keys get pasted while someone
tries a request by hand. The finding never repeats the key: messages name its kind and
length only.
"""

from __future__ import annotations

from typing import Iterator

from .. import secrets
from ..model import FILE_START, Document, Finding, Severity
from ..registry import CheckContext, Rule

RULE = Rule(
    code="K001",
    name="hardcoded-api-key",
    severity=Severity.ERROR,
    guide="(security: keep credentials out of prompt repositories)",
    summary="An Anthropic API key literal in a prompt file, request config or code.",
    why=(
        "A key committed to a repository is readable by everyone who can read the repository, "
        "its forks and its history, and is found by scanners within minutes of a push. Anyone "
        "holding it spends your rate limits and budget, which also slows your own traffic."
    ),
    example=(
        'import anthropic\n'
        '\n'
        'client = anthropic.Anthropic(api_key="sk-ant-api03-EXAMPLE0NOT0A0REAL0KEY0EXAMPLE0NOT0A0REAL0KEY0EXAMPLE0NOT0A0REAL0KEY0AA")'
    ),
    use_instead=(
        'import anthropic\n'
        '\n'
        'client = anthropic.Anthropic()  # reads ANTHROPIC_API_KEY from the environment'
    ),
    example_file='app/client.py',
)


_ADVICE = ("revoke this key in the Console, remove it from the file and its history, "
           "and read it from the ANTHROPIC_API_KEY environment variable")


@RULE.checker
def check(document: Document, context: CheckContext) -> Iterator[Finding]:
    seen = set()
    for start, end in secrets.find_keys(document.source):
        seen.add(secrets.joined(document.source[start:end]))
        yield context.finding(
            document.path,
            document.lines.span(start, end),
            f"Anthropic API key in the file ({secrets.describe(document.source[start:end])})",
            _ADVICE,
        )
    # A notebook is linted as its code cells; a key printed in a cell's output or pasted in
    # a markdown cell is committed all the same. It has no line in the code, so it is
    # reported where the notebook as a whole is (line 1, outside the cells).
    container = getattr(document.container, "text", None)
    if isinstance(container, str):
        for start, end in secrets.find_keys(container):
            key = container[start:end]
            if secrets.joined(key) not in seen:
                seen.add(secrets.joined(key))
                yield context.finding(
                    document.path, FILE_START,
                    f"Anthropic API key in the notebook outside its code cells, in an output or a "
                    f"markdown cell ({secrets.describe(key)})",
                    f"clear the notebook's outputs; {_ADVICE}",
                )
