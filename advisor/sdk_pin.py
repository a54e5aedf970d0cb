"""Which `anthropic` SDK a project pins, read from its dependency files.

Whether ``temperature=`` is an error depends on the SDK: releases before 1.0 take it as an
argument and send API version 2023-06-01, which older models accept; 1.0 and later have no
such argument. So the sampling rule asks here before it reports, and says which pin it
judged by. The same reading finds a wrapper's pin (``langchain-anthropic`` sent a fixed
``max_tokens`` default before 1.0, the model's largest output since). Files are only read (TOML and JSON parsers, a line-based reader for
requirements files), never executed, and only regular files of a bounded size.

Looked for in each folder from the linted file's up to the repository root (the first folder
with a ``.git``): lock files first, since they name the installed version exactly
(``uv.lock``, ``poetry.lock``, ``Pipfile.lock``), then ``requirements*.txt`` (or the
``*.txt`` files of a ``requirements/`` folder) and ``pyproject.toml`` (PEP 621 ``dependencies`` or Poetry's table).
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .files import SkippedFile, read_regular

_MAX_BYTES = 2 * 1024 * 1024
_MAX_LEVELS = 12
SDK = "anthropic"


@functools.cache
def _requirement(package: str) -> re.Pattern[str]:
    """A requirement line naming ``package`` (``-`` and ``_`` alike, as pip reads them)."""
    name = r"[-_]".join(re.escape(part) for part in re.split(r"[-_]", package))
    return re.compile(rf"^\s*{name}(?![-_.\w])\s*(?:\[[^\]]*\])?\s*(?P<spec>[^;#]*)", re.IGNORECASE | re.MULTILINE)
_CLAUSE = re.compile(r"(===|==|~=|>=|<=|!=|>|<|\^|~)?\s*v?(\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class SdkPin:
    """The release line of a package a project is on: ``pre_1`` when every version it
    allows is below 1.0 (the line both the SDK and langchain-anthropic changed behaviour at)."""

    spec: str  # as written, e.g. "==0.34.2" or "^0.40"
    source: str  # the file it came from, relative to where the search started
    pre_1: bool
    package: str = SDK

    def describe(self) -> str:
        return f"{self.package}{self.spec} in {self.source}"


def _read(path: Path) -> str | None:
    try:
        return read_regular(path, _MAX_BYTES).decode("utf-8", errors="replace")
    except (OSError, SkippedFile):
        return None


def is_pre_1(spec: str) -> bool | None:
    """Whether a version specifier allows only releases below 1.0 (None: cannot tell).

    ``==0.34.2``, ``<1``, ``~=0.40``, ``^0.30`` and ``0.34.2`` (a lock file's version) are
    pre-1.0; ``>=1.2``, ``==2.14.0`` are not; ``>=0.30`` alone allows both, so it is not.
    """
    clauses = []
    for part in spec.split(","):
        match = _CLAUSE.match(part.strip())
        if match is not None:
            op, major, minor = match.groups()
            clauses.append((op or "==", int(major), int(minor or 0)))
    if not clauses:
        return None
    for op, major, minor in clauses:
        if op in ("==", "===", "~=", "^", "~") and major == 0:
            return True
        if op == "<" and (major == 0 or (major == 1 and minor == 0)):
            return True
        if op == "<=" and major == 0:
            return True
    return False


def _from_lock(folder: Path, package_name: str) -> SdkPin | None:
    for name in ("uv.lock", "poetry.lock"):
        text = _read(folder / name)
        if text is None:
            continue
        import tomllib  # only for a project with a lock file or pyproject.toml

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            continue
        for package in data.get("package", []) if isinstance(data.get("package"), list) else []:
            if isinstance(package, dict) and package.get("name") == package_name and isinstance(package.get("version"), str):
                version = package["version"]
                return SdkPin(f"=={version}", name, bool(is_pre_1(version)), package_name)
    text = _read(folder / "Pipfile.lock")
    if text is not None:
        try:
            entry = json.loads(text).get("default", {}).get(package_name, {})
        except (ValueError, AttributeError):
            entry = {}
        version = entry.get("version") if isinstance(entry, dict) else None
        if isinstance(version, str):
            return SdkPin(version, "Pipfile.lock", bool(is_pre_1(version)), package_name)
    return None


def _from_requirements(folder: Path, package: str) -> SdkPin | None:
    """``requirements*.txt`` beside the file, then a ``requirements/`` folder of them
    (``requirements/base.txt``, ``main.txt``: the layout many projects split theirs into)."""
    try:
        names = sorted(p.name for p in folder.glob("requirements*.txt") if p.is_file())
        if (folder / "requirements").is_dir():
            names += sorted(f"requirements/{p.name}" for p in (folder / "requirements").glob("*.txt") if p.is_file())
    except OSError:
        return None
    for name in names:
        text = _read(folder / name)
        match = _requirement(package).search(text or "")
        if match is not None:
            spec = match.group("spec").strip()
            pre_1 = is_pre_1(spec)
            return SdkPin(spec or " (unpinned)", name, bool(pre_1), package)
    return None


def _from_pyproject(folder: Path, package: str) -> SdkPin | None:
    text = _read(folder / "pyproject.toml")
    if text is None:
        return None
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    project = data.get("project")
    if not isinstance(project, dict):
        project = {}
    for requirement in project.get("dependencies", []) if isinstance(project.get("dependencies"), list) else []:
        match = _requirement(package).match(requirement) if isinstance(requirement, str) else None
        if match is not None:
            spec = match.group("spec").strip()
            return SdkPin(spec or " (unpinned)", "pyproject.toml", bool(is_pre_1(spec)), package)
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    dependency = poetry.get("dependencies", {}).get(package) if isinstance(poetry, dict) and isinstance(poetry.get("dependencies"), dict) else None
    if isinstance(dependency, dict):
        dependency = dependency.get("version")
    if isinstance(dependency, str):
        return SdkPin(dependency, "pyproject.toml", bool(is_pre_1(dependency)), package)
    return None


@functools.lru_cache(maxsize=256)
def _pin_in(folder: Path, package: str) -> SdkPin | None:
    return _from_lock(folder, package) or _from_requirements(folder, package) or _from_pyproject(folder, package)


def project_pin(file: str | Path, package: str = SDK) -> SdkPin | None:
    """The pin that governs ``file``: the nearest folder (up to the repository root) whose
    dependency files name ``package`` (the SDK, or a wrapper such as langchain-anthropic);
    its ``source`` is relative to the working directory."""
    try:
        folder = Path(os.path.abspath(file)).parent
    except (OSError, ValueError):
        return None
    return _governing(folder, _MAX_LEVELS, package)


@functools.lru_cache(maxsize=1024)
def _governing(folder: Path, levels: int, package: str) -> SdkPin | None:
    """Cached per folder: every file of a folder, and every folder under one repository
    root, asks the same question."""
    pin = _pin_in(folder, package)
    if pin is not None:
        return SdkPin(pin.spec, Path(os.path.relpath(folder / pin.source)).as_posix(), pin.pre_1, package)
    if levels <= 1 or folder.parent == folder or (folder / ".git").exists():
        return None
    return _governing(folder.parent, levels - 1, package)


def clear_cache() -> None:
    """Forget what was read (dependency files changed since, as in a long-lived process)."""
    _pin_in.cache_clear()
    _governing.cache_clear()
