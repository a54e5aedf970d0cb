"""The kinds of file advisor reads: what discovery, the source table and the cache name
without loading anything else of the document model."""

from __future__ import annotations

import enum


class Kind(str, enum.Enum):
    PROMPT = "prompt"
    TEMPLATE = "template"
    CONFIG = "config"
    PYTHON = "python"
    TYPESCRIPT = "typescript"
    JAVASCRIPT = "javascript"
