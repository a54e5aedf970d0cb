"""Regular expressions compiled the first time they are used, not when their module is imported.

Compiling a pattern runs `re`'s parser, which is written in Python: 20 to 400 microseconds
a pattern, paid by every run that imports the module, used or not. A one-file pre-commit run
imports most of advisor, and many module-level patterns serve paths such a run seldom takes
(an API key in the text, a GitHub annotation, a Bedrock model id, a Jinja branch, a file
nested past the C parser's limit). Such a pattern is declared with `lazy`, where it is
documented, and its users call it: ``_KEY = lazy(r"sk-ant-…")`` … ``_KEY().search(text)``.
"""

from __future__ import annotations

import functools
import re
from typing import Callable


def lazy(source: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """A function returning ``re.compile(source, flags)``, compiled on its first call and
    the same pattern object on every later one."""
    return functools.cache(lambda: re.compile(source, flags))
