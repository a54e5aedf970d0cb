"""Saying where a judged value comes from, when the call does not write it.

A finding about ``model=model`` points at the literal the value really is (a parameter
default, an ``os.getenv`` default, a ``st.selectbox`` option) or, for a value another module
defines, at the name where this file uses it. Either way the message alone would leave a
reviewer guessing why that literal is blamed for this call, so every finding whose span is
such a value's gets the value's origin appended ("[environment default of `MODEL`]",
"[`MODEL` in config.py:3]"). Done once here, after the rules, so no rule has to know.
"""

from __future__ import annotations

from typing import Iterable

from .model import Document, Field, Finding, Span
from .parameters import PARAMETERS

_SCALARS = (*PARAMETERS, "effort", "cache_control")


def origins(document: Document) -> dict[Span, str]:
    """The span of every call value written away from its call, and where it comes from."""
    found: dict[Span, str] = {}
    for call in document.calls:
        for name in _SCALARS:
            value: Field = getattr(call, name, None) or Field.absent()
            for field in (value, *value.candidates):
                if field.origin is not None and field.span is not None:
                    found.setdefault(field.span, field.origin.description)
    return found


def annotate(document: Document, findings: Iterable[Finding]) -> list[Finding]:
    """The findings, each on such a value naming the value's origin in its message."""
    findings = list(findings)
    where = origins(document) if findings else {}
    if where:
        for finding in findings:
            description = where.get(finding.span) if finding.path == document.path else None
            if description and description not in finding.message:
                finding.message = f"{finding.message} [{description}]"
    return findings
