"""Whether human output is coloured, and the few styles it uses.

``--color auto`` (the default) follows the conventions other command-line tools share:
``NO_COLOR`` (no-color.org) turns colour off, ``FORCE_COLOR`` (force-color.org) turns it on
where output is not a terminal (a CI log that renders ANSI), and ``TERM=dumb`` turns it off
on a terminal that cannot show it. When both variables are set, ``NO_COLOR`` wins: it is the
one people set for accessibility. ``--color always`` / ``never`` override all of them.

Colour codes are added only around text advisor wrote or text that already went through
:func:`advisor.output.printable.printable`, so a file name or prompt can never carry its own.
"""

from __future__ import annotations

import os
from typing import Mapping

import click

COLOR_CHOICES = ("auto", "always", "never")


def colour_wanted(choice: str, *, terminal: bool, environ: Mapping[str, str] | None = None) -> bool:
    """Whether to colour output going to a stream that is (``terminal``) or is not a tty."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    if environ.get("TERM") == "dumb":
        return False
    return terminal


class Palette:
    """Styles for one output: plain text when colour is off."""

    SEVERITY = {"error": "red", "warning": "yellow", "info": "blue"}

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def style(self, text: str, **style) -> str:
        return click.style(text, **style) if self.enabled and text else text

    def severity(self, severity: str, text: str | None = None) -> str:
        return self.style(severity if text is None else text, fg=self.SEVERITY.get(severity), bold=True)

    def bold(self, text: str) -> str:
        return self.style(text, bold=True)

    def dim(self, text: str) -> str:
        return self.style(text, fg="blue", bold=True)

    def good(self, text: str) -> str:
        return self.style(text, fg="green", bold=True)
