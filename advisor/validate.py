"""Parameter values checked once, before any rule or output sees them.

A repository can put anything in a request's fields: ``max_tokens: 1e400`` (infinity),
``10**400`` (an integer no float can hold), a list where a number belongs, an alias bomb
that expands to gigabytes when printed, a 10 MB "model id". Rules compare, convert and
quote these values, and every output serialises them, so one bad value could crash a rule
(``OverflowError``), print JSON that is not JSON (``Infinity``) or hang a writer. Here each
standard field either holds a value of the type and size the API accepts, or becomes a
problem (a ``parse-error`` naming the field) and a *dynamic* field that no rule judges.
"""

from __future__ import annotations

import math
from typing import Any

from .model import Document, Field, Problem, PromptCall

# The bound is where a count stops being a number rules can compare and convert (a float
# holds every integer up to 2**53 exactly), not the API's limit: a call asking for more
# than the model allows is the rules' business (or deliberate, in code that tests errors).
MAX_TOKEN_COUNT = 2**53
MAX_NAME_LENGTH = 200  # model ids and effort names are a few dozen characters
MAX_SHOWN = 60  # how much of a rejected value a message quotes


def shown(value: Any) -> str:
    """A short, printable description of a value of any size or shape."""
    if isinstance(value, (dict, list, tuple)):
        return f"a {'mapping' if isinstance(value, dict) else 'list'}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**18:
        return f"an integer of {len(str(abs(value))) if abs(value) < 10**4000 else 'thousands of'} digits"
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return (_whole_number(value) or isinstance(value, float)) and math.isfinite(value)


def _token_count(value: Any) -> str | None:
    if not _whole_number(value):
        return "not a whole number of tokens"
    if value < 1:
        return "below 1"
    if value > MAX_TOKEN_COUNT:
        return "too large to be a token count"
    return None


def _sampling(value: Any) -> str | None:
    if not _number(value) or abs(value) > 1_000:
        return "not a finite number"
    return None


def _top_k(value: Any) -> str | None:
    if not _whole_number(value) or not 0 <= value <= MAX_TOKEN_COUNT:
        return "not a whole number"
    return None


def _name(value: Any) -> str | None:
    if not isinstance(value, str):
        return "not a string"
    if len(value) > MAX_NAME_LENGTH or any(ord(c) < 32 for c in value):
        return f"not a name of at most {MAX_NAME_LENGTH} printable characters"
    return None


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "not true or false"


_CHECKS = {
    "model": _name,
    "max_tokens": _token_count,
    "temperature": _sampling,
    "top_p": _sampling,
    "top_k": _top_k,
    "effort": _name,
    "stream": _flag,
}


def _check_field(document: Document, call: PromptCall, name: str) -> None:
    field: Field[Any] = getattr(call, name)
    if not field.is_literal:
        return
    error = _CHECKS[name](field.value)
    if error is None:
        return
    document.problems.append(Problem(
        f"`{name}` is {shown(field.value)}: {error}; no rule judged it, the call's other settings were checked",
        field.span or call.span))
    setattr(call, name, Field.dynamic(field.span, f"invalid {name}"))


def _check_thinking(document: Document, call: PromptCall) -> None:
    field = call.extra.get("thinking")
    if field is None or not field.is_literal or not isinstance(field.value, dict):
        return
    budget = field.value.get("budget_tokens")
    if budget is None or (_whole_number(budget) and 0 <= budget <= MAX_TOKEN_COUNT):
        return
    document.problems.append(
        Problem(f"`thinking.budget_tokens` is {shown(budget)}: not a whole number of tokens", field.span or call.span)
    )
    call.extra["thinking"] = Field.dynamic(field.span, "invalid thinking")


def validate(document: Document) -> None:
    """Replace every out-of-range or wrong-typed standard field of the document's calls."""
    for call in document.calls:
        for name in _CHECKS:
            _check_field(document, call, name)
        _check_thinking(document, call)
