"""Output formats for lint results; each module renders a LintResult to text.

A format's module is imported when it is used: a run that prints text never loads the
SARIF writer (start-up time is what a pre-commit hook on one file mostly pays).
"""

from __future__ import annotations

import importlib
from typing import Callable

from ..results import LintResult

Renderer = Callable[[LintResult], str]


def _on_first_use(module: str) -> Renderer:
    def render(result: LintResult) -> str:
        renderer: Renderer = importlib.import_module(f"{__name__}.{module}").render
        return renderer(result)

    return render


FORMATS: dict[str, Renderer] = {
    "text": _on_first_use("text"),
    "json": _on_first_use("json_format"),
    "sarif": _on_first_use("sarif"),
    "github": _on_first_use("github"),
}
