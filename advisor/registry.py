"""What a rule is: its public identity, its documentation and the function that checks it.

One definition feeds everything: the engine runs ``Rule.check``; ``advisor rules``,
``advisor explain`` and the generated docs pages print the same fields, so the
documentation cannot drift from the code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from .catalog import Catalog
from .model import Document, Finding, PromptText, Severity, Span


class FixSafety(str, enum.Enum):
    NONE = "none"
    SAFE = "safe"  # keeps the program's behaviour apart from the latency
    UNSAFE = "unsafe"  # changes what the model is asked or which model answers


@dataclass(frozen=True)
class Option:
    """A per-rule setting (``[tool.advisor.rules.<name>]``) with its default and meaning."""

    default: Any
    help: str


Checker = Callable[[Document, "CheckContext"], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """One rule: its identity, its documentation (example and fix), its options and its check."""

    code: str  # stable short code: category letter + digits (O001)
    name: str  # stable kebab-case name of the anti-pattern; part of the public interface
    severity: Severity
    guide: str  # the section of the "Reducing latency" guide (or neighbour) it enforces
    summary: str  # one line: what it flags
    why: str  # why this is slow (or costly, or broken)
    example: str  # the anti-pattern: a whole file that triggers the rule (tests/test_docs.py)
    use_instead: str  # the fix: the same file, which does not
    fix: FixSafety = FixSafety.NONE
    fix_note: str = ""  # what the fix does and why it is (un)safe
    options: Mapping[str, Option] = field(default_factory=dict)
    check: Checker | None = None
    # The check reads only the document's calls, so a file without any (a prompt file, a
    # template) is not asked: the engine skips it there (tests/test_rules_meta.py holds it to that)
    calls_only: bool = False
    example_file: str = "prompts/example.txt"  # where the example lives (its kind follows)
    # other files the example needs, too long to print: path -> (text, times repeated)
    example_files: Mapping[str, tuple[str, int]] = field(default_factory=dict)

    def checker(self, function: Checker) -> Checker:
        """Decorator binding the check function to this definition (rules are frozen)."""
        object.__setattr__(self, "check", function)
        return function

    def default_options(self) -> dict[str, Any]:
        return {name: option.default for name, option in self.options.items()}


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class CheckContext:
    """What a check function may use besides the document: its options, the catalog and
    the run's settings; plus helpers that build findings carrying the rule's identity."""

    rule: Rule
    options: Mapping[str, Any]
    catalog: Catalog
    settings: Any = None  # advisor.config.Settings
    latency: Any = None  # advisor.estimates.LatencyModel, with the user's overrides

    def finding(
        self,
        path: str,
        span: Span,
        message: str,
        suggestion: str | None = None,
        *,
        fix: Any = None,
        estimate: dict[str, Any] | None = None,
    ) -> Finding:
        return Finding(
            rule=self.rule.name,
            code=self.rule.code,
            severity=self.rule.severity,
            path=path,
            span=span,
            message=message,
            suggestion=suggestion,
            fix=fix,
            estimate=estimate,
        )

    def in_text(
        self,
        text: PromptText,
        start: int,
        end: int,
        message: str,
        suggestion: str | None = None,
        **kwargs: Any,
    ) -> Finding:
        """A finding on characters ``start:end`` of a prompt text, mapped to its source."""
        return self.finding(text.path, text.span(start, end), message, suggestion, **kwargs)
