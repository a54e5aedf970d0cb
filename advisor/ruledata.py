"""Finds and reads the built-in rule pack (the YAML files under ``rules/``).

The pack lives at the top of the repository so it can be reviewed as data, and is copied
into the wheel as ``advisor/_rules``. An installed advisor reads the copy; a source checkout
(or an editable install) reads ``rules/`` directly, so edits show up without reinstalling.

Parsing the pack with ruamel.yaml's pure-Python loader takes a few hundred milliseconds,
which a pre-commit hook would pay on every commit. So the parsed data is also kept as JSON
in the user's cache directory, keyed by a digest of the YAML bytes: a changed file simply
misses the cache, and any problem with the cache falls back to parsing the YAML.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import os
from pathlib import Path
from typing import Any

from . import derived
from .digests import blake2b

_PACKAGE_DIR = Path(__file__).resolve().parent
CACHE_ENV = derived.CACHE_ENV  # a directory, or "off"


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
    """YAML-only types made JSON-safe (dates become ISO strings), so both paths agree."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value


def parse_yaml(path: Path) -> Any:
    from ruamel.yaml import YAML  # only when the JSON copy misses

    yaml = YAML(typ="safe", pure=True)
    with open(path, encoding="utf-8") as handle:
        return _plain(yaml.load(handle))


def _read_cached(path: Path, digest: str) -> Any:
    directory = derived.cache_dir()
    if directory is None:
        return None
    try:
        # "v2": the wrapped format; releases that wrote bare data use other names
        with open(directory / f"rules-v2-{path.stem}-{digest}.json", encoding="utf-8") as handle:
            wrapper = json.load(handle)
    except (OSError, ValueError, RecursionError):
        return None
    # a cache file of another shape (emptied, truncated, edited by hand) is a miss: only
    # what _write_cached wrote, unchanged since, stands in for the parsed YAML
    if not isinstance(wrapper, dict) or wrapper.get("source") != digest or "data" not in wrapper:
        return None
    if wrapper.get("check") != _check(wrapper["data"]):
        return None
    return wrapper["data"]


def _check(data: Any) -> str:
    try:
        text = json.dumps(data, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return ""
    return blake2b(text.encode(), digest_size=12).hexdigest()


def _write_cached(path: Path, digest: str, data: Any) -> None:
    directory = derived.cache_dir()
    if directory is None:
        return
    import tempfile

    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".rules-", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"source": digest, "check": _check(data), "data": data}, out)
        name = f"rules-v2-{path.stem}-{digest}.json"
        os.replace(temporary, directory / name)
        derived.prune_family(directory, name, family=f"rules-v2-{path.stem}")  # one per edit of the pack
    except OSError:
        pass  # a read-only home only costs the parse time


@functools.cache
def load(name: str) -> Any:
    """The parsed content of ``rules/<name>``; cached for the life of the process."""
    path = rules_dir() / name
    digest = blake2b(path.read_bytes(), digest_size=12).hexdigest()
    cached = _read_cached(path, digest)
    if cached is not None:
        return cached
    data = parse_yaml(path)
    _write_cached(path, digest, data)
    return data
