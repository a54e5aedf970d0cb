"""The configuration keys, declared once: name, type, default, help and how a value is read.

Validation (`parse_settings`), `advisor config` (the list of keys, in text, JSON or the
Markdown page `docs/configuration.md`) and the did-you-mean hint for a misspelt key all read
`CONFIG_KEYS`, so a key cannot be accepted without being documented, or documented without
being accepted. Every value is checked: a wrong type or an unknown nested key is an error
that names the file and the key, never a silent default.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from .clock import DateError, parse_date
from .config import (
    LATENCY_CACHE_FIELDS,
    LATENCY_TIER_FIELDS,
    MODEL_FIELDS,
    ConfigError,
    Settings,
)
from .model import Severity


@dataclass
class _Reading:
    """What reading one file's values needs: where it is (for messages) and which rules
    and rule options exist (empty: not checked)."""

    path: Path
    known_rules: set[str]
    rule_options: Mapping[str, Mapping[str, Any]]

    @property
    def where(self) -> str:
        return f"{self.path}: [tool.advisor]" if self.path.name == "pyproject.toml" else str(self.path)

    def error(self, message: str) -> ConfigError:
        return ConfigError(f"{self.where}: {message}")


@dataclass(frozen=True)
class ConfigKey:
    """One key of ``[tool.advisor]``: ``attribute`` is the `Settings` field it sets,
    ``kind`` the type as the docs state it, ``read`` turns a TOML value into that field's
    value (raising `ConfigError` for a bad one)."""

    name: str
    attribute: str
    kind: str
    help: str
    read: Callable[[Any, str, _Reading], Any]

    def default(self) -> Any:
        """The value a run uses when the key is not set (from `Settings` itself)."""
        field = next(f for f in dataclasses.fields(Settings) if f.name == self.attribute)
        if field.default is not dataclasses.MISSING:
            return field.default
        if field.default_factory is not dataclasses.MISSING:
            return field.default_factory()
        return None


# -- readers: (value, key, reading) -> the Settings value ------------------------------


def _strings(value: Any, key: str, reading: _Reading) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise reading.error(f"`{key}` must be a list of strings")
    return tuple(value)


def _rules(value: Any, key: str, reading: _Reading) -> tuple[str, ...]:
    names = _strings(value, key, reading)
    _check_rule_names(names, key, reading)
    return names


def _table(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise reading.error(f"`{key}` must be a table")
    return dict(value)


def _boolean(value: Any, key: str, reading: _Reading) -> bool:
    if not isinstance(value, bool):
        raise reading.error(f"`{key}` must be true or false")
    return value


def _severity(value: Any, key: str, reading: _Reading) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        choices = ", ".join(s.value for s in Severity)
        raise reading.error(f"`{key}` must be one of {choices}, not {value!r}") from None


def _threshold(value: Any, key: str, reading: _Reading) -> Severity | None:
    """A severity, or "never" (findings never fail the run), as `--fail-on` takes."""
    if value == "never":
        return None
    try:
        return Severity(value)
    except ValueError:
        choices = ", ".join([*(s.value for s in Severity), "never"])
        raise reading.error(f"`{key}` must be one of {choices}, not {value!r}") from None


def _size(value: Any, key: str, reading: _Reading) -> int:
    size = parse_size(value)
    if size is None:
        raise reading.error(f"`{key}` must be a positive size such as 1048576 or \"2MiB\", not {value!r}")
    return size


def _path(value: Any, key: str, reading: _Reading) -> Path:
    """A path, relative to the configuration file that names it."""
    if not isinstance(value, str):
        raise reading.error(f"`{key}` must be a string")
    return (reading.path.parent / value).resolve()


def _date(value: Any, key: str, reading: _Reading) -> _dt.date:
    try:
        return parse_date(value)
    except DateError as error:
        raise reading.error(f"`{key}`: {error}") from None


def _per_file_ignores(value: Any, key: str, reading: _Reading) -> tuple[tuple[str, tuple[str, ...]], ...]:
    pairs = []
    for pattern, names in _table(value, key, reading).items():
        pairs.append((pattern, _rules(names, f"{key}.{pattern}", reading)))
    return tuple(pairs)


def _severities(value: Any, key: str, reading: _Reading) -> dict[str, Severity]:
    table = _table(value, key, reading)
    _check_rule_names(list(table), key, reading)
    return {name: _severity(level, f"{key}.{name}", reading) for name, level in table.items()}


def _rule_options(value: Any, key: str, reading: _Reading) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for rule_name, options in _table(value, key, reading).items():
        if reading.known_rules and rule_name not in reading.rule_options:
            raise reading.error(f"`{key}.{rule_name}` names unknown rule {rule_name!r}{_did_you_mean(rule_name, reading.rule_options)}")
        options = _table(options, f"{key}.{rule_name}", reading)
        declared = reading.rule_options.get(rule_name)
        if declared is not None:
            for option, given in options.items():
                if option not in declared:
                    allowed = ", ".join(sorted(declared)) or "none"
                    raise reading.error(
                        f"unknown key `{key}.{rule_name}.{option}`{_did_you_mean(option, declared)} "
                        f"(options of {rule_name}: {allowed})"
                    )
                default = declared[option]
                if default is not None and not _same_kind(default, given):
                    raise reading.error(f"`{key}.{rule_name}.{option}` must be {type(default).__name__}, not {given!r}")
        result[rule_name] = options
    return result


def _models(value: Any, key: str, reading: _Reading) -> dict[str, dict[str, Any]]:
    table = _table(value, key, reading)
    for model_id, fields in table.items():
        for name in _table(fields, f"{key}.{model_id}", reading):
            if name not in MODEL_FIELDS:
                raise reading.error(
                    f"unknown key `{key}.{model_id}.{name}`{_did_you_mean(name, MODEL_FIELDS)} "
                    f"(model fields: {', '.join(sorted(MODEL_FIELDS))})"
                )
    return table


def _latency(value: Any, key: str, reading: _Reading) -> dict[str, Any]:
    table = _table(value, key, reading)
    for name, item in table.items():
        if name == "default_output_tokens":
            if not isinstance(item, int) or isinstance(item, bool) or item <= 0:
                raise reading.error(f"`{key}.default_output_tokens` must be a positive integer")
        elif name in ("tiers", "cache"):
            allowed = LATENCY_TIER_FIELDS if name == "tiers" else LATENCY_CACHE_FIELDS
            groups = _table(item, f"{key}.{name}", reading).items() if name == "tiers" else [("", item)]
            for label, fields in groups:
                where = f"{key}.{name}.{label}" if label else f"{key}.{name}"
                for field_name, number in _table(fields, where, reading).items():
                    if field_name not in allowed:
                        raise reading.error(
                            f"unknown key `{where}.{field_name}`{_did_you_mean(field_name, allowed)} "
                            f"(known: {', '.join(sorted(allowed))})"
                        )
                    if not isinstance(number, (int, float)) or isinstance(number, bool) or number < 0:
                        raise reading.error(f"`{where}.{field_name}` must be a non-negative number")
        else:
            known = ("cache", "default_output_tokens", "tiers")
            raise reading.error(f"unknown key `{key}.{name}`{_did_you_mean(name, known)} (known: {', '.join(known)})")
    return table


def _traffic(value: Any, key: str, reading: _Reading) -> dict[str, float]:
    table = _table(value, key, reading)
    for site, calls in table.items():
        if not isinstance(calls, (int, float)) or isinstance(calls, bool) or not calls >= 0 or calls == float("inf"):
            raise reading.error(f"`{key}.{site}` must be a number of calls per day (0 or more), not {calls!r}")
    return {str(site): float(calls) for site, calls in table.items()}


CONFIG_KEYS: tuple[ConfigKey, ...] = (
    ConfigKey("select", "select", "list of rule selectors", "Rules to enable: names, codes, code prefixes or ALL.", _rules),
    ConfigKey("extend-select", "extend_select", "list of rule selectors", "Rules to enable on top of `select`.", _rules),
    ConfigKey("ignore", "ignore", "list of rule selectors", "Rules to disable.", _rules),
    ConfigKey("per-file-ignores", "per_file_ignores", "table: glob -> list of rule selectors",
              "Rules to disable for files matching a glob (relative to the configuration file).", _per_file_ignores),
    ConfigKey("severity", "severity", "table: rule -> severity", "Severity overrides per rule.", _severities),
    ConfigKey("rules", "rule_options", "table: rule -> table of options",
              "Options of individual rules (see `advisor explain RULE`).", _rule_options),
    ConfigKey("include", "include", "list of globs", "Files a walk lints (replaces the defaults).", _strings),
    ConfigKey("extend-include", "extend_include", "list of globs", "Files a walk lints, on top of `include`.", _strings),
    ConfigKey("exclude", "exclude", "list of globs", "Files and folders a walk skips (replaces the defaults).", _strings),
    ConfigKey("extend-exclude", "extend_exclude", "list of globs", "Files and folders a walk skips, on top of `exclude`.",
              _strings),
    ConfigKey("respect-gitignore", "respect_gitignore", "boolean", "Skip what the repository's .gitignore files ignore.",
              _boolean),
    ConfigKey("max-file-size", "max_file_size", "size (bytes, or \"512KiB\", \"2MB\")",
              "Larger files are skipped with a note.", _size),
    ConfigKey("variables", "variables", "table", "Sample values for template placeholders.", _table),
    ConfigKey("fail-on", "fail_on", "error, warning, info or never",
              "Lowest severity that makes the exit status 1 (`--fail-on` overrides).", _threshold),
    ConfigKey("cache-dir", "cache_dir", "path", "Where the result cache lives (default: .advisor_cache beside the config).",
              _path),
    ConfigKey("models", "models", "table: model id -> catalog fields",
              "Add models to the catalog or override their fields.", _models),
    ConfigKey("latency", "latency", "table: tiers, cache, default_output_tokens",
              "Override the latency model behind the estimates.", _latency),
    ConfigKey("traffic", "traffic", "table: call site (path:line) or glob -> calls per day",
              "How often each call runs, for the report's traffic-weighted saving per day.", _traffic),
    ConfigKey("today", "today", "date (YYYY-MM-DD)",
              "Judge model deprecation and retirement as of this date (`--today` overrides).", _date),
    ConfigKey("baseline", "baseline", "path",
              "A baseline file (`advisor lint --write-baseline`): its known findings are not reported, only new ones "
              "(`--baseline` overrides).", _path),
)
_BY_NAME = {key.name: key for key in CONFIG_KEYS}


def parse_settings(
    table: Mapping[str, Any],
    path: Path,
    *,
    known_rules: Iterable[str] = (),
    rule_options: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """Validate an advisor table and turn it into :class:`Settings`."""
    reading = _Reading(path, set(known_rules), rule_options or {})
    settings = Settings(root=path.parent, config_file=path)
    for name, value in table.items():
        key = _BY_NAME.get(name)
        if key is None:
            raise reading.error(f"unknown key `{name}`{_did_you_mean(name, _BY_NAME)} (see `advisor config`)")
        setattr(settings, key.attribute, key.read(value, name, reading))
    return settings


def _did_you_mean(given: str, known: Iterable[str]) -> str:
    """'; did you mean `exclude`?' for a misspelt name close to one known name."""
    close = difflib.get_close_matches(given, list(known), n=1, cutoff=0.75)
    return f"; did you mean `{close[0]}`?" if close else ""


def is_selector(name: str, known: Iterable[str]) -> bool:
    """Whether ``name`` selects rules: ``ALL``, a rule name or code, or a code prefix."""
    if name == "ALL" or name in known:
        return True
    return name[:1].isupper() and any(k.startswith(name) for k in known if k[:1].isupper())


def unknown_rule_message(name: str, known: Iterable[str]) -> str:
    """``unknown rule 'x'`` with the nearest rule name, for configs and the command line."""
    names = [k for k in known if not k[:1].isupper()]
    return f"unknown rule {name!r}{_did_you_mean(name, names)} (see `advisor rules`)"


def _check_rule_names(names: Sequence[str], key: str, reading: _Reading) -> None:
    if not reading.known_rules:
        return
    for name in names:
        if not is_selector(name, reading.known_rules):
            raise reading.error(f"`{key}` names {unknown_rule_message(name, reading.known_rules)}")


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmg]?i?b?)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1024, "m": 10**6, "mb": 10**6, "mib": 1024**2, "g": 10**9,
               "gb": 10**9, "gib": 1024**3}


def parse_size(value: Any) -> int | None:
    """Bytes from ``1048576``, ``"512KiB"`` or ``"2MB"``; None when unreadable."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match and (match.group(2) or "").lower() in _SIZE_UNITS:
            return int(float(match.group(1)) * _SIZE_UNITS[(match.group(2) or "").lower()])
    return None


def _same_kind(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, (int, float)):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def describe_default(key: ConfigKey) -> str:
    """A key's default as the docs show it (TOML-like; long default lists are summarised)."""
    value = key.default()
    if value is None:
        return "(none)"
    if key.kind.startswith("table") and not value:
        return "{}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Severity):
        return f'"{value.value}"'
    if isinstance(value, tuple):
        if len(value) > 4:
            return f"{len(value)} globs (see `advisor config --format json`)"
        return "[" + ", ".join(f'"{item}"' for item in value) + "]"
    if isinstance(value, dict):
        return "{}" if not value else str(value)
    return str(value)


def keys_as_dicts() -> list[dict[str, Any]]:
    """The key table as JSON (`advisor config --format json`)."""
    out = []
    for key in CONFIG_KEYS:
        default = key.default()
        if key.kind.startswith("table") and not default:
            default = {}
        elif isinstance(default, tuple):
            default = list(default)
        elif isinstance(default, Severity):
            default = default.value
        out.append({"name": key.name, "type": key.kind, "default": default, "help": key.help})
    return out


def render_markdown() -> str:
    """docs/configuration.md, generated from the table (a test keeps the page current)."""
    lines = [
        "# Configuration keys",
        "",
        "<!-- generated by `advisor config --format markdown`; do not edit -->",
        "",
        "`[tool.advisor]` in `pyproject.toml`, or a `.advisor.toml`, found by walking up from each linted",
        "path (the nearest wins). Unknown keys and wrong types are errors that name the file and the key.",
        "",
        "| key | type | default | meaning |",
        "|---|---|---|---|",
    ]
    for key in CONFIG_KEYS:
        lines.append(f"| `{key.name}` | {key.kind} | {describe_default(key)} | {key.help} |")
    return "\n".join(lines) + "\n"
