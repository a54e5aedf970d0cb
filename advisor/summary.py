"""The summarise stage: the facts about each call site that the JSON output, the report and
the result cache carry (a plain dict per call, with the latency and cost estimate)."""

from __future__ import annotations

import math
from typing import Any

from . import tokens
from .catalog import Catalog
from .estimates import LatencyModel, estimate_call
from .model import CallApi, Field, PromptCall

_MAX_FIELD_CHARS = 2_000


def _field_json(value: Field[Any]) -> Any:
    """A field as JSON output and the cache hold it. Standard fields were validated on
    loading; this is the last guard for the rest: only plain scalars travel as they are
    (finite numbers, strings up to a few KB), anything else is described."""
    if value.is_literal:
        item = value.value
        if item is None or isinstance(item, bool):
            return item
        if isinstance(item, int) and abs(item) < 2**53:
            return item
        if isinstance(item, float) and math.isfinite(item):
            return item
        if isinstance(item, str):
            return item if len(item) <= _MAX_FIELD_CHARS else item[:_MAX_FIELD_CHARS] + "…"
        return {"dynamic": f"a literal {type(item).__name__}"}
    if value.is_dynamic:
        source = value.source or "computed at run time"
        return {"dynamic": source if len(source) <= _MAX_FIELD_CHARS else source[:_MAX_FIELD_CHARS] + "…"}
    return None



def summarize_call(call: PromptCall, catalog: Catalog, latency: LatencyModel) -> dict[str, Any]:
    """The facts about one call site that outputs and the report show, with the latency
    and cost estimate when the model is known."""
    model = call.model.get()
    input_raw = sum(text.raw_tokens or 0 for text in call.prompt_texts)
    input_tokens = tokens.calibrated_tokens(input_raw, model if isinstance(model, str) else None, catalog)
    predicted = estimate_call(call, catalog, latency) if call.api is not CallApi.COUNT_TOKENS else None
    return {
        "path": call.path,
        "line": call.span.line,
        "column": call.span.column,
        "end_line": call.span.end_line,
        "api": call.api.value,
        "via": call.via.name if call.via is not None else None,  # the wrapper library, if any
        "function": call.function,
        "model": _field_json(call.model),
        "max_tokens": _field_json(call.max_tokens),
        "stream": call.streams,
        "runs_in": call.where.kind.value,
        "runs_in_reason": call.where.reason,
        "input_tokens": input_tokens,
        "input_is_partial": bool(call.system_dynamic or call.messages_dynamic or any(t.slots for t in call.texts)),
        "linked_files": sorted({t.path for t in call.linked_texts}),
        "estimate": predicted.to_dict() if predicted else None,
    }
