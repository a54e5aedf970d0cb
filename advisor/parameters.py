"""The Messages API's scalar request parameters, declared once for every loader.

Each loader reads ``max_tokens``, ``temperature`` and the rest from its own syntax (a Python
keyword, a YAML key, a prompty ``parameters`` block, a promptfoo ``config``); this table says
what type each one has and how a written value becomes that type, so the same value means
the same thing in every source. A number written as a string (``max_tokens: "300"``, common
where a config is filled from environment variables) counts as that number: it is the budget
the author meant, and leaving it a string would silently switch off every budget rule.
Anything else of the wrong type stays as written, and the rules treat it as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Collection, Mapping

from .patterns import lazy

# compiled when a value written as a string is met: most are written as numbers
_INTEGER = lazy(r"\s*[+-]?\d+\s*\Z")
_NUMBER = lazy(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*\Z")


@dataclass(frozen=True, eq=False, repr=False, slots=True)  # internal: never compared or printed (cheaper to define)
class Parameter:
    """One request parameter: its name on the wire and the Python types its value may have."""

    name: str
    types: tuple[type, ...]

    def coerce(self, value: Any) -> tuple[bool, Any]:
        """``(True, value as this parameter's type)`` when ``value`` is one, or a number
        written as a string; ``(False, value)`` otherwise. ``True`` is never an integer."""
        if type(value) in self.types:
            return True, value
        if isinstance(value, str):
            if int in self.types and _INTEGER().match(value):
                return True, int(value)
            if float in self.types and _NUMBER().match(value):
                number = float(value)
                return True, int(number) if number.is_integer() and int in self.types else number
        if isinstance(value, int) and not isinstance(value, bool) and float in self.types:
            return True, value
        return False, value


PARAMETERS: dict[str, Parameter] = {
    parameter.name: parameter
    for parameter in (
        Parameter("model", (str,)),
        Parameter("max_tokens", (int,)),
        Parameter("stream", (bool,)),
        Parameter("temperature", (int, float)),
        Parameter("top_p", (int, float)),
        Parameter("top_k", (int,)),
    )
}
SAMPLING = ("temperature", "top_p", "top_k")


def is_request_body(keys: Collection[str]) -> bool:
    """Whether a mapping with these keys is a Messages API request body: it names a model
    and gives a prompt (``messages`` or ``system``). `lint` (YAML/JSON loader) and `ab`
    (`live.request`) find bodies by this one test, so `ab` measures the call `lint` judged."""
    return "model" in keys and ("messages" in keys or "system" in keys)


def typed_body(body: Mapping[str, Any]) -> dict[str, Any]:
    """A request body with its scalar parameters as the API types them: ``max_tokens:
    "300"`` is sent as 300, the budget `lint` judged, not a string the API rejects. Values
    that are not of the parameter's type stay as written (the caller's checks report them)."""
    typed = dict(body)
    for name, value in body.items():
        parameter = PARAMETERS.get(name)
        if parameter is not None:
            typed[name] = parameter.coerce(value)[1]
    return typed

