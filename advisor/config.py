"""Settings: defaults, ``[tool.advisor]`` / ``.advisor.toml`` discovery, and validation.

The configuration is found by walking up from the linted path, like ruff and black do, so a
hook run from any sub-directory of a repository sees the repository's settings. Every key
is validated: a misspelt key is an error that names the key and the file, never a silent
no-op.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from . import clock
from .clock import DateError, parse_date
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
    "min_cache_tokens_verified retires replacement verified aliases".split()
)
LATENCY_TIER_FIELDS = frozenset({"base_ttft_ms", "prefill_ms_per_1k", "output_tokens_per_s"})
LATENCY_CACHE_FIELDS = frozenset({"read_prefill_factor", "read_price_factor", "write_price_factor"})


class ConfigError(Exception):
    """A configuration problem the user must fix; the message names the file and key."""


@dataclass
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
    fail_on: Severity = Severity.WARNING
    cache_dir: Path | None = None
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    latency: dict[str, Any] = field(default_factory=dict)
    today: _dt.date | None = None  # the date models are judged by; None: ADVISOR_TODAY or the real date

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
        return hashlib.blake2b(blob, digest_size=12).hexdigest()


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
    return parse_settings(table, path, known_rules=known_rules, rule_options=rule_options or {})


# ---------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------


def _where(path: Path) -> str:
    return f"{path}: [tool.advisor]" if path.name == "pyproject.toml" else str(path)


def _string_list(value: Any, key: str, path: Path) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{_where(path)}: `{key}` must be a list of strings")
    return tuple(value)


def _severity(value: Any, key: str, path: Path) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        choices = ", ".join(s.value for s in Severity)
        raise ConfigError(f"{_where(path)}: `{key}` must be one of {choices}, not {value!r}") from None


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?i?b?)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1024, "m": 10**6, "mb": 10**6, "mib": 1024**2, "g": 10**9, "gb": 10**9, "gib": 1024**3}


def parse_size(value: Any) -> int | None:
    """Bytes from ``1048576``, ``"512KiB"`` or ``"2MB"``; None when unreadable."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match and (match.group(2) or "").lower() in _SIZE_UNITS:
            return int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "").lower()])
    return None


def is_selector(name: str, known: Iterable[str]) -> bool:
    """Whether ``name`` selects rules: ``ALL``, a rule name or code, or a code prefix."""
    if name == "ALL" or name in known:
        return True
    return name[:1].isupper() and any(k.startswith(name) for k in known if k[:1].isupper())


def _check_rule_names(names: Sequence[str], key: str, path: Path, known: set[str]) -> None:
    if not known:
        return
    for name in names:
        if not is_selector(name, known):
            raise ConfigError(f"{_where(path)}: `{key}` names unknown rule {name!r} (see `advisor rules`)")


def parse_settings(
    table: Mapping[str, Any],
    path: Path,
    *,
    known_rules: Iterable[str] = (),
    rule_options: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """Validate an advisor table and turn it into :class:`Settings`."""
    known = set(known_rules)
    rule_options = rule_options or {}
    settings = Settings(root=path.parent, config_file=path)
    handlers = {
        "select": lambda v: setattr(settings, "select", _rules_list(v, "select")),
        "extend-select": lambda v: setattr(settings, "extend_select", _rules_list(v, "extend-select")),
        "ignore": lambda v: setattr(settings, "ignore", _rules_list(v, "ignore")),
        "per-file-ignores": lambda v: setattr(settings, "per_file_ignores", _per_file(v)),
        "severity": lambda v: setattr(settings, "severity", _severities(v)),
        "rules": lambda v: setattr(settings, "rule_options", _options(v)),
        "include": lambda v: setattr(settings, "include", _string_list(v, "include", path)),
        "extend-include": lambda v: setattr(settings, "extend_include", _string_list(v, "extend-include", path)),
        "exclude": lambda v: setattr(settings, "exclude", _string_list(v, "exclude", path)),
        "extend-exclude": lambda v: setattr(settings, "extend_exclude", _string_list(v, "extend-exclude", path)),
        "respect-gitignore": lambda v: setattr(settings, "respect_gitignore", _bool(v, "respect-gitignore")),
        "max-file-size": lambda v: setattr(settings, "max_file_size", _size(v)),
        "variables": lambda v: setattr(settings, "variables", _table(v, "variables")),
        "fail-on": lambda v: setattr(settings, "fail_on", _severity(v, "fail-on", path)),
        "cache-dir": lambda v: setattr(settings, "cache_dir", (path.parent / _str(v, "cache-dir")).resolve()),
        "models": lambda v: setattr(settings, "models", _models(v)),
        "latency": lambda v: setattr(settings, "latency", _latency(v)),
        "today": lambda v: setattr(settings, "today", _date(v, "today")),
    }

    def _str(value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise ConfigError(f"{_where(path)}: `{key}` must be a string")
        return value

    def _date(value: Any, key: str) -> _dt.date:
        try:
            return parse_date(value)
        except DateError as error:
            raise ConfigError(f"{_where(path)}: `{key}`: {error}") from None

    def _bool(value: Any, key: str) -> bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{_where(path)}: `{key}` must be true or false")
        return value

    def _size(value: Any) -> int:
        size = parse_size(value)
        if size is None:
            raise ConfigError(f"{_where(path)}: `max-file-size` must be a positive size such as 1048576 or \"2MiB\", not {value!r}")
        return size

    def _table(value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise ConfigError(f"{_where(path)}: `{key}` must be a table")
        return dict(value)

    def _rules_list(value: Any, key: str) -> tuple[str, ...]:
        names = _string_list(value, key, path)
        _check_rule_names(names, key, path, known)
        return names

    def _per_file(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
        table = _table(value, "per-file-ignores")
        pairs = []
        for pattern, names in table.items():
            names = _string_list(names, f"per-file-ignores.{pattern}", path)
            _check_rule_names(names, f"per-file-ignores.{pattern}", path, known)
            pairs.append((pattern, names))
        return tuple(pairs)

    def _severities(value: Any) -> dict[str, Severity]:
        table = _table(value, "severity")
        _check_rule_names(list(table), "severity", path, known)
        return {name: _severity(level, f"severity.{name}", path) for name, level in table.items()}

    def _models(value: Any) -> dict[str, dict[str, Any]]:
        """``[tool.advisor.models.<id>]``: catalog fields to override or add, by name."""
        table = _table(value, "models")
        for model_id, fields in table.items():
            fields = _table(fields, f"models.{model_id}")
            for key in fields:
                if key not in MODEL_FIELDS:
                    raise ConfigError(
                        f"{_where(path)}: unknown key `models.{model_id}.{key}` (model fields: {', '.join(sorted(MODEL_FIELDS))})"
                    )
        return table

    def _latency(value: Any) -> dict[str, Any]:
        """``[tool.advisor.latency]``: tiers.<label>.<field>, cache.<field>, default_output_tokens."""
        table = _table(value, "latency")
        for key, item in table.items():
            if key == "default_output_tokens":
                if not isinstance(item, int) or isinstance(item, bool) or item <= 0:
                    raise ConfigError(f"{_where(path)}: `latency.default_output_tokens` must be a positive integer")
            elif key in ("tiers", "cache"):
                allowed = LATENCY_TIER_FIELDS if key == "tiers" else LATENCY_CACHE_FIELDS
                groups = _table(item, f"latency.{key}").items() if key == "tiers" else [("", item)]
                for label, fields in groups:
                    where = f"latency.{key}.{label}" if label else f"latency.{key}"
                    for field_name, number in _table(fields, where).items():
                        if field_name not in allowed:
                            raise ConfigError(f"{_where(path)}: unknown key `{where}.{field_name}` (known: {', '.join(sorted(allowed))})")
                        if not isinstance(number, (int, float)) or isinstance(number, bool) or number < 0:
                            raise ConfigError(f"{_where(path)}: `{where}.{field_name}` must be a non-negative number")
            else:
                raise ConfigError(f"{_where(path)}: unknown key `latency.{key}` (known: cache, default_output_tokens, tiers)")
        return table

    def _options(value: Any) -> dict[str, dict[str, Any]]:
        table = _table(value, "rules")
        result: dict[str, dict[str, Any]] = {}
        for rule_name, options in table.items():
            if known and rule_name not in rule_options:
                raise ConfigError(f"{_where(path)}: `rules.{rule_name}` names unknown rule {rule_name!r}")
            options = _table(options, f"rules.{rule_name}")
            declared = rule_options.get(rule_name)
            if declared is not None:
                for key, val in options.items():
                    if key not in declared:
                        allowed = ", ".join(sorted(declared)) or "none"
                        raise ConfigError(
                            f"{_where(path)}: unknown key `rules.{rule_name}.{key}` (options of {rule_name}: {allowed})"
                        )
                    default = declared[key]
                    if default is not None and not _same_kind(default, val):
                        raise ConfigError(
                            f"{_where(path)}: `rules.{rule_name}.{key}` must be {type(default).__name__}, not {val!r}"
                        )
            result[rule_name] = options
        return result

    for key, value in table.items():
        handler = handlers.get(key)
        if handler is None:
            raise ConfigError(f"{_where(path)}: unknown key `{key}` (known keys: {', '.join(sorted(handlers))})")
        handler(value)
    return settings


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))
