"""Finds and reads the built-in rule pack (the YAML files under ``rules/``).

The pack lives at the top of the repository so it can be reviewed as data, and is copied
into the wheel as ``advisor/_rules``. An installed advisor reads the copy; a source checkout
(or an editable install) reads ``rules/`` directly, so edits show up without reinstalling.

Parsing the pack with ruamel.yaml's pure-Python loader takes a few hundred milliseconds,
which a pre-commit hook would pay on every commit. So the parsed data is also kept in the
user's cache directory (`derived.write`: marshal, with a digest of its bytes), keyed by a
digest of the YAML bytes: a changed file simply misses the cache, and any problem with the
cache falls back to parsing the YAML.
"""

from __future__ import annotations

import datetime as _dt
import functools
from pathlib import Path
from typing import Any

from . import derived
from .digests import blake2b

_PACKAGE_DIR = Path(__file__).resolve().parent
CACHE_ENV = derived.CACHE_ENV  # a directory, or "off"
# The parsed copies' names start with this: not with "rules-", which names the rule index
# (`rule_index.py`), whose older files are pruned by that prefix. (The earlier "rules-v2"
# copies were JSON, checked by re-serialising the data: more than parsing it cost a
# one-file run.)
_COPY_FAMILY = "rulepack"


@functools.cache
def rules_dir() -> Path:
    for candidate in (_PACKAGE_DIR / "_rules", _PACKAGE_DIR.parent / "rules"):
        if (candidate / "models.yaml").is_file():
            return candidate
    raise FileNotFoundError(
        "advisor's rule pack is missing: neither advisor/_rules nor rules/ holds models.yaml "
        "(a broken install; reinstall advisor)"
    )


def _plain(value: Any) -> Any:
    """YAML-only types made plain (dates become ISO strings), so both paths agree."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value


def parse_yaml(path: Path) -> Any:
    from ruamel.yaml import YAML  # only when the stored copy misses

    yaml = YAML(typ="safe", pure=True)
    with open(path, encoding="utf-8") as handle:
        return _plain(yaml.load(handle))


@functools.cache
def digest(name: str) -> str:
    """A digest of the bytes of ``rules/<name>``: the key of everything derived from it
    (its parsed copy, the tables and patterns `advisor.lengths` keeps with `derived.made`),
    so an edited rule file is never answered from a copy of another."""
    return blake2b((rules_dir() / name).read_bytes(), digest_size=12).hexdigest()


@functools.cache
def load(name: str) -> Any:
    """The parsed content of ``rules/<name>``; cached for the life of the process."""
    path = rules_dir() / name
    copy = f"{_COPY_FAMILY}-{path.stem}-{digest(name)}.marshal"
    cached = derived.read(copy)
    if isinstance(cached, dict):  # every rule file is a mapping
        return cached
    data = parse_yaml(path)
    derived.write(copy, data, family=f"{_COPY_FAMILY}-{path.stem}")  # one copy per edit of the pack, pruned
    _remove_json_copies(path.stem)
    return data


def _remove_json_copies(stem: str) -> None:
    """Earlier releases kept the parsed pack as JSON (``rules-v2-<file>-<digest>.json``),
    which nothing reads now: removed when this release writes its own copy of the file, so
    an upgrade leaves no stale copies in the user's cache."""
    directory = derived.cache_dir()
    if directory is None:
        return
    for old in directory.glob(f"rules-v2-{stem}-*.json"):
        try:
            old.unlink()
        except OSError:
            pass
