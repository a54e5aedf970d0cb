"""Jinja evaluation bounded in size and time, for templates from an untrusted repository.

jinja2's ``SandboxedEnvironment`` stops a template from reaching Python internals, but not
from exhausting the machine: ``{{ "x" * 400000000 }}`` allocates gigabytes, ``{{ 9 ** 9 **
9 }}`` computes for hours, ``"%999999999s" % x``, ``x|center(10**9)`` or ``"a".ljust(...)``
pad without limit, and ``{{ 1/0 }}`` raises ZeroDivisionError. Here every operator that can
grow a value, every filter and every method call is checked *before* it runs (sizes from
its operands) and after (the size of what it made), against `MAX_SIZE`; each check also
looks at a deadline. Anything over either raises `TemplateBoundsError`, which callers report
as a template problem, like any other template error.
"""

from __future__ import annotations

import functools
import math
import re
import time
from typing import Any, Callable

from jinja2 import TemplateError
from jinja2.sandbox import SandboxedEnvironment

MAX_SIZE = 1_000_000  # characters of a string, items of a list, digits of a number
MAX_SECONDS = 2.0
_PADDING = re.compile(r"%[-+ #0]*(\d+)|\{[^{}]*:[^{}]*?(\d+)[^{}]*\}")


class TemplateBoundsError(TemplateError):
    """A template went over the size or time a template is allowed."""


def _size(value: Any) -> float:
    if isinstance(value, (str, bytes, list, tuple, dict, set)):
        return len(value)
    if isinstance(value, bool):
        return 1
    if isinstance(value, int):
        return value.bit_length() / 3.3
    return 1


def _padding(template: Any) -> int:
    if not isinstance(template, str):
        return 0
    return max((int(a or b) for a, b in _PADDING.findall(template)), default=0)


def _too_big_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SIZE


class BoundedSandbox(SandboxedEnvironment):
    intercepted_binops = frozenset(["*", "**", "%", "+", "/", "//"])

    def __init__(self, *args: Any, max_seconds: float = MAX_SECONDS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_seconds = max_seconds
        self.deadline = math.inf
        self.filters = {name: self._bounded(name, function) for name, function in self.filters.items()}

    # -- checks ------------------------------------------------------------------------

    def start(self) -> None:
        """Open the time budget of one evaluation."""
        self.deadline = time.monotonic() + self.max_seconds

    def render(self, source: str, variables: Any) -> str:
        """``source`` rendered within the size and time bounds: output is gathered chunk by
        chunk, so a loop that only emits constant text (``{% for i in range(99999) %}`` twice
        nested) is stopped too, not only the operators and filters it calls."""
        self.start()
        parts: list[str] = []
        total = 0
        for chunk in self.from_string(source).generate(variables):
            total += len(chunk)
            self._check(total, "the rendered template")
            parts.append(chunk)
        return "".join(parts)

    def _check(self, estimate: float, what: str) -> None:
        if estimate > MAX_SIZE:
            raise TemplateBoundsError(f"{what} would make a value of more than {MAX_SIZE:,} characters or items")
        if time.monotonic() > self.deadline:
            raise TemplateBoundsError(f"template evaluation took more than {self.max_seconds:g} s")

    def _bounded(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        environment = self

        @functools.wraps(function)
        def bounded(*args: Any, **kwargs: Any) -> Any:
            environment._check_arguments(args, kwargs, f"the filter `{name}`")
            result = function(*args, **kwargs)
            environment._check(_size(result), f"the filter `{name}`")
            return result

        return bounded

    def _check_arguments(self, args: Any, kwargs: Any, what: str) -> None:
        values = [*args, *kwargs.values()]
        if any(_too_big_int(value) for value in values):
            raise TemplateBoundsError(f"{what} was given a size over {MAX_SIZE:,}")
        self._check(max((_padding(v) for v in values), default=0), what)
        if what.startswith("the filter `replace`") and len(values) >= 3:
            text, old, new = (str(v) for v in values[-3:]) if len(values) == 3 else (str(v) for v in values[1:4])
            self._check(len(text) + (len(text) + 1) * len(new), what)

    # -- jinja2 hooks --------------------------------------------------------------------

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            if isinstance(left, (str, list, tuple)) or isinstance(right, (str, list, tuple)):
                sequence, count = (left, right) if isinstance(left, (str, list, tuple)) else (right, left)
                self._check(_size(sequence) * (count if isinstance(count, int) else 1), "`*`")
            else:
                self._check(_size(left) + _size(right), "`*`")
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0:
                self._check(max(abs(left), 2).bit_length() * right / 3.3, "`**`")
        elif operator == "%":
            self._check(_padding(left) + _size(right), "`%`")
        elif operator == "+":
            self._check(_size(left) + _size(right), "`+`")
        else:
            self._check(0, f"`{operator}`")
        try:
            result = super().call_binop(context, operator, left, right)
        except ArithmeticError as error:
            raise TemplateBoundsError(f"`{operator}` failed: {error}") from error
        self._check(_size(result), f"`{operator}`")
        return result

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (jinja2's signature)
        name = getattr(__obj, "__name__", "a call")
        __self._check_arguments(args, kwargs, f"`{name}`")
        if name == "format" or name == "format_map":
            __self._check(_padding(getattr(__obj, "__self__", "")), f"`{name}`")
        result = super().call(__context, __obj, *args, **kwargs)
        __self._check(_size(result), f"`{name}`")
        return result
