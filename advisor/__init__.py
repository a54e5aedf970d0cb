"""advisor: a prompt-latency advisor for code and prompts that call Claude.

``advisor.lint(paths)`` is the Python API (see `advisor.api`); the command line is
``advisor`` (`advisor.cli`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "lint"]

if TYPE_CHECKING:
    from .api import lint


def __getattr__(name: str) -> Any:
    # imported on first use: `import advisor` (and every submodule import) stays cheap
    if name == "lint":
        from .api import lint

        return lint
    raise AttributeError(f"module 'advisor' has no attribute {name!r}")
