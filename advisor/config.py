"""Settings: defaults and finding ``[tool.advisor]`` / ``.advisor.toml`` (the keys and how
each is validated are the table in `config_keys`).

The configuration is found by walking up from the linted path, like ruff and black do, so a
hook run from any sub-directory of a repository sees the repository's settings. Every key
is validated: a misspelt key is an error that names the key and the file, never a silent
no-op.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from . import clock
from .digests import blake2b
from .files import SkippedFile, read_regular
from .model import Severity
from .sources import DEFAULT_INCLUDE

CONFIG_FILES = (".advisor.toml", "pyproject.toml")

DEFAULT_EXCLUDE = (
    ".git/",
    ".hg/",
    ".svn/",
    ".venv/",
    "venv/",
    ".tox/",
    ".nox/",
    ".eggs/",
    "*.egg-info/",
    "node_modules/",
    "__pycache__/",
    ".mypy_cache/",
    ".pytest_cache/",
    ".ruff_cache/",
    ".advisor_cache/",
    "site-packages/",
    "build/",
    "dist/",
    ".next/",  # Next.js build output (bundled copies of the app's own routes)
    "_build/",
    "__pypackages__/",
    # Jinja templates of web pages, scripts and queries, not prompts
    "*.html.j2",
    "*.html.jinja",
    "*.html.jinja2",
    "*.htm.j2",
    "*.xml.j2",
    "*.css.j2",
    "*.js.j2",
    "*.sql.j2",
    "*.sh.j2",
)

DEFAULT_MAX_FILE_SIZE = 1024 * 1024

MODEL_FIELDS = frozenset(
    "family latency price context max_output status tokenizer sampling min_cache_tokens "
    "min_cache_tokens_verified retires replacement verified aliases bedrock vertex".split()
)
LATENCY_TIER_FIELDS = frozenset({"base_ttft_ms", "prefill_ms_per_1k", "output_tokens_per_s"})
LATENCY_CACHE_FIELDS = frozenset({"read_prefill_factor", "read_price_factor", "write_price_factor"})


class ConfigError(Exception):
    """A configuration problem the user must fix; the message names the file and key."""


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class Settings:
    """Everything a run needs to know besides the files themselves."""

    root: Path  # the directory globs are relative to: the config file's, or the cwd
    config_file: Path | None = None
    select: tuple[str, ...] = ("ALL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    include: tuple[str, ...] = DEFAULT_INCLUDE
    extend_include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    variables: dict[str, Any] = field(default_factory=dict)
    fail_on: Severity | None = Severity.WARNING  # None: never fail on findings ("never")
    cache_dir: Path | None = None
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    latency: dict[str, Any] = field(default_factory=dict)
    # calls per day per call site ("path:line") or glob of paths: the report's traffic-weighted total
    traffic: dict[str, float] = field(default_factory=dict)
    today: _dt.date | None = None  # the date models are judged by; None: ADVISOR_TODAY or the real date
    baseline: Path | None = None  # known findings, not reported (`advisor.baseline`)

    @property
    def all_include(self) -> tuple[str, ...]:
        return (*self.include, *self.extend_include)

    @property
    def all_exclude(self) -> tuple[str, ...]:
        return (*self.exclude, *self.extend_exclude)

    @property
    def resolved_cache_dir(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else self.root / ".advisor_cache"

    def fingerprint(self) -> str:
        """A digest of everything that changes findings, for the result cache key."""
        data = {
            "select": self.select,
            "extend_select": self.extend_select,
            "ignore": self.ignore,
            "per_file_ignores": self.per_file_ignores,
            "severity": {k: v.value for k, v in sorted(self.severity.items())},
            "rule_options": self.rule_options,
            "variables": self.variables,
            "models": self.models,
            "latency": self.latency,
            "today": clock.today(self.today).isoformat(),
        }
        blob = json.dumps(data, sort_keys=True, default=str).encode()
        return blake2b(blob, digest_size=12).hexdigest()


# ---------------------------------------------------------------------------------------
# Finding and reading the file
# ---------------------------------------------------------------------------------------


def find_config_file(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest ``.advisor.toml`` or ``pyproject.toml`` with ``[tool.advisor]``,
    walking up from ``start``; its parsed advisor table."""
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    for folder in (directory, *directory.parents):
        for name in CONFIG_FILES:
            candidate = folder / name
            if not candidate.is_file():
                continue
            table = read_config_table(candidate)
            if table is not None:
                return candidate, table
    return None


MAX_CONFIG_BYTES = 4 * 1024 * 1024  # a configuration file is a few kilobytes


def read_config_table(path: Path) -> dict[str, Any] | None:
    """The advisor table of a config file: the whole of ``.advisor.toml``, or
    ``[tool.advisor]`` of a ``pyproject.toml`` (None when it has none)."""
    import tomllib  # only where a project has a configuration file

    try:
        data = tomllib.loads(read_regular(path, MAX_CONFIG_BYTES).decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except SkippedFile as skipped:
        raise ConfigError(f"{path}: cannot read: {skipped}") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("advisor")
        return table if isinstance(table, dict) else None
    return data


def load_settings(
    start: Path,
    *,
    config_file: Path | None = None,
    isolated: bool = False,
    known_rules: Iterable[str] = (),
    rule_options: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """Settings for a run that lints ``start``.

    ``known_rules`` (names and codes) and ``rule_options`` (name -> declared options) let
    the validator reject unknown rule names and option keys.
    """
    if isolated:
        return Settings(root=Path.cwd())
    if config_file is not None:
        table = read_config_table(config_file)
        if table is None:
            raise ConfigError(f"{config_file}: has no [tool.advisor] table")
        found: tuple[Path, dict[str, Any]] | None = (config_file.resolve(), table)
    else:
        found = find_config_file(start)
    if found is None:
        return Settings(root=Path.cwd())
    path, table = found
    from .config_keys import parse_settings  # the key table imports Settings from here

    return parse_settings(table, path, known_rules=known_rules, rule_options=rule_options or {})
