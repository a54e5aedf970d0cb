"""The ``advisor`` command's entry point (the console script and ``python -m advisor``).

It exists so the collector's thresholds are raised before anything else is imported: the
imports a run needs (click, the rules, the loaders) allocate enough objects to set off a
dozen collections under the default thresholds, a few milliseconds of a one-file
pre-commit run. `advisor.cli` is imported here, after the thresholds are set.
"""

from __future__ import annotations

import gc

# The garbage collector's thresholds for a command-line run. A lint keeps every file's
# report (tens of objects per finding) alive to the end, and the default thresholds (700, 10,
# 10), made for short-lived objects, rescan all of them again and again: a fifth of a warm
# lint of 30,000 files. Cycles are still collected, a few hundred times less often; peak
# memory was unchanged at 30,000 files. Only the command sets it: `advisor.lint` and the
# language server leave the host process's settings alone.
COLLECTOR_THRESHOLDS = (50_000, 20, 20)


def main() -> None:
    """Run the ``advisor`` command line with the command's collector thresholds."""
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    from .cli import cli

    cli()
