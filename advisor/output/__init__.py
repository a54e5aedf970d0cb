"""Output formats for lint results; each module renders a LintResult to text."""

from __future__ import annotations

from typing import Callable

from ..results import LintResult
from . import github, json_format, sarif, text

Renderer = Callable[[LintResult], str]

FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_format.render,
    "sarif": sarif.render,
    "github": github.render,
}
