"""The document model: what every loader produces and every check reads.

Three modules, one job each: ``positions`` (spans, line index, source maps), ``documents``
(texts, calls, fields, documents) and ``findings`` (findings, severities, suppressions);
this package gathers their names, so ``from advisor.model import Span`` works for all.

Loaders turn very different sources (plain prompt files, Jinja templates, YAML/JSON request
bodies, Python code calling the SDK) into the same few objects, so that a rule is written
once and works on all of them:

* :class:`PromptText` -- a piece of prompt text plus a source map, so a finding on
  characters 10..20 of the text points at the right line and column of the file it came
  from, even when the text was an escaped string literal or a template with ``{{ tags }}``.
* :class:`PromptCall` -- one request to the Messages API. Every parameter is a
  :class:`Field` that says whether the value is a literal (with its span), absent, or
  dynamic (computed by code we do not run).
* :class:`Document` -- one file: its texts, its calls, its suppression comments and the
  problems met while loading it.

Each name is imported from its module on first use (a module ``__getattr__``), so a run that
only reads cached findings never builds the document classes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .documents import (
        CallApi,
        Document,
        Field,
        FieldState,
        ImportedValue,
        Link,
        Origin,
        Problem,
        PromptCall,
        PromptText,
        Role,
        RunsIn,
        Slot,
        TextBuilder,
        Where,
        Wrapper,
        template_slots,
    )
    from .findings import (
        Finding,
        Severity,
        Suppression,
    )
    from .kinds import (
        Kind,
    )
    from .positions import (
        FILE_START,
        CellIndex,
        LineIndex,
        Segment,
        SourceMap,
        Span,
    )

_HOMES = {
    "CallApi": "documents",
    "Document": "documents",
    "Field": "documents",
    "FieldState": "documents",
    "ImportedValue": "documents",
    "Link": "documents",
    "Origin": "documents",
    "Problem": "documents",
    "PromptCall": "documents",
    "PromptText": "documents",
    "Role": "documents",
    "RunsIn": "documents",
    "Slot": "documents",
    "TextBuilder": "documents",
    "Where": "documents",
    "Wrapper": "documents",
    "template_slots": "documents",
    "Finding": "findings",
    "Severity": "findings",
    "Suppression": "findings",
    "Kind": "kinds",
    "FILE_START": "positions",
    "CellIndex": "positions",
    "LineIndex": "positions",
    "Segment": "positions",
    "SourceMap": "positions",
    "Span": "positions",
}

__all__ = [
    "CallApi",
    "CellIndex",
    "Document",
    "FILE_START",
    "Field",
    "FieldState",
    "Finding",
    "ImportedValue",
    "Kind",
    "LineIndex",
    "Link",
    "Origin",
    "Problem",
    "PromptCall",
    "PromptText",
    "Role",
    "RunsIn",
    "Segment",
    "Severity",
    "Slot",
    "SourceMap",
    "Span",
    "Suppression",
    "TextBuilder",
    "Where",
    "Wrapper",
    "template_slots",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value
