"""Finds and reads the built-in rule pack (the YAML files under ``rules/``).

The pack lives at the top of the repository so it can be reviewed as data, and is copied
into the wheel as ``advisor/_rules``. An installed advisor reads the copy; a source checkout
(or an editable install) reads ``rules/`` directly, so edits show up without reinstalling.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

_PACKAGE_DIR = Path(__file__).resolve().parent


@functools.cache
def rules_dir() -> Path:
    for candidate in (_PACKAGE_DIR / "_rules", _PACKAGE_DIR.parent / "rules"):
        if (candidate / "models.yaml").is_file():
            return candidate
    raise FileNotFoundError(
        "advisor's rule pack is missing: neither advisor/_rules nor rules/ holds models.yaml "
        "(a broken install; reinstall advisor)"
    )


@functools.cache
def load(name: str) -> Any:
    """Parse ``rules/<name>`` with the safe loader; cached for the life of the process."""
    yaml = YAML(typ="safe", pure=True)
    with open(rules_dir() / name, encoding="utf-8") as handle:
        return yaml.load(handle)
