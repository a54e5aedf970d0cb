"""Load one request config (a Messages API body in YAML or JSON) for `advisor ab`.

The configs are the ones `advisor lint` reads, so a user measures exactly the call that
was linted: a body is a mapping with ``model`` and ``messages`` (or ``system``), at the
top of the file or nested (under ``request:``, in a list of cases); `ab` needs the file
to hold exactly one. The optional ``x-advisor`` mapping is advisor's own metadata and is
stripped before sending; its ``vars`` give default template variables, which a vars file
and then ``--var`` override.

The files are untrusted input: YAML is parsed with the safe loader (no ``!!python/...``
construction), walking is bounded (an alias bomb is an error, not a hang), and Jinja
variables are filled in a sandbox with strict undefined, so a typo in a variable name is
an error instead of an empty prompt that would be timed as if it were the real one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from jinja2 import StrictUndefined, TemplateError, UndefinedError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from ..config import ConfigError  # one error type for any user file advisor cannot use
from ..parameters import is_request_body, typed_body
from ..sandbox import BoundedSandbox

ADVISOR_KEY = "x-advisor"
MAX_NODES = 200_000  # far more than any real config; past it the file is an alias bomb
_TEMPLATE_MARKERS = ("{{", "{%", "{#")
CONFIG_SUFFIXES = (".yaml", ".yml", ".json")


class NoFixAvailable(ConfigError):
    """``--apply RULE`` named a rule that has no automatic fix (yet)."""


def load_request(path: str | Path, variables: Mapping[str, Any] | None = None, *, text: str | None = None) -> dict[str, Any]:
    """The request body in ``path`` (or in ``text``, read as that file) with its templates
    filled, ready to send."""
    check_config_path(path)
    documents = _parse_file(Path(path)) if text is None else _parse_text(Path(path), text)
    bodies = list(_find_bodies(documents, _Budget(path)))
    if len(bodies) != 1:
        raise ConfigError(f"{path}: `advisor ab` needs exactly one request body (model + messages), found {len(bodies)}")
    data = bodies[0]
    metadata = data.get(ADVISOR_KEY) or {}
    defaults = (metadata.get("vars") or {}) if isinstance(metadata, dict) else {}
    if not isinstance(defaults, dict):
        raise ConfigError(f"{path}: '{ADVISOR_KEY}.vars' must be a mapping of template variables")
    body = {key: value for key, value in data.items() if key != ADVISOR_KEY}
    try:
        body = _render(body, {**defaults, **(variables or {})}, _Budget(path))
    except UndefinedError as error:
        raise ConfigError(f"{path}: {_missing_variable(error)}") from None
    except TemplateError as error:
        raise ConfigError(f"{path}: template error: {error}") from None
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as error:
        # what a template's own expression raised while running (`{{ "a" - 1 }}`)
        raise ConfigError(f"{path}: template error: {type(error).__name__}: {error}") from None
    body = typed_body(body)
    check_body(body, str(path))
    return body


def check_config_path(path: str | Path) -> None:
    """`ab` sends request bodies; Python, prompt or template files hold calls or text that
    advisor reads but never runs, so they cannot be timed as they are."""
    if Path(path).suffix.lower() not in CONFIG_SUFFIXES:
        raise ConfigError(
            f"{path}: ab takes YAML/JSON request configs (a Messages API body: model, max_tokens, messages); "
            "write the call you want to time as one"
        )


_UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined")


def _missing_variable(error: UndefinedError) -> str:
    """A template variable without a value, and the option that gives it one."""
    match = _UNDEFINED_NAME.search(str(error))
    if match is None:
        return f"template error: {error}"
    name = match.group(1)
    return (f"template variable `{name}` has no value: pass --var {name}=… (or a --vars file, or "
            f"`{ADVISOR_KEY}: {{vars: {{{name}: …}}}}` in the config)")


def check_body(body: Mapping[str, Any], origin: str) -> None:
    """The fields the API requires, checked before any money is spent."""
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise ConfigError(f"{origin}: 'model' is required")
    max_tokens = body.get("max_tokens")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise ConfigError(f"{origin}: 'max_tokens' must be a positive integer")
    if not isinstance(body.get("messages"), list) or not body["messages"]:
        raise ConfigError(f"{origin}: 'messages' must be a non-empty list")


def load_vars_file(path: str | Path) -> dict[str, Any]:
    """Template variables from a YAML or JSON mapping."""
    documents = _parse_file(Path(path))
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise ConfigError(f"{path}: a vars file must be one mapping of names to values")
    try:
        _walk_all(documents[0], _Budget(path))  # a value printed into a prompt follows every alias
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply (or refers to itself)") from None
    return documents[0]


def _walk_all(node: Any, budget: _Budget) -> None:
    budget.spend()
    if isinstance(node, dict):
        for key, value in node.items():
            _walk_all(key, budget)
            _walk_all(value, budget)
    elif isinstance(node, list):
        for item in node:
            _walk_all(item, budget)


def parse_var_options(items: Iterable[str]) -> dict[str, str]:
    """``--var name=value`` options to a mapping (later ones win)."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"--var {item!r}: expected NAME=VALUE")
        out[name.strip()] = value
    return out


def apply_rule_fix(path: str | Path, rule: str, variables: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The "after" body for ``advisor ab CONFIG --apply RULE``: the config with that rule's
    automatic fixes applied (safe and unsafe alike: measuring them is the point), read
    exactly as ``load_request`` reads a file."""
    from ..config import Settings
    from ..engine import Linter
    from ..fixes import apply_fixes
    from ..sources import kind_for

    found = rule_to_apply(rule)
    check_config_path(path)
    source = Path(path)
    kind = kind_for(source)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    linter = Linter(Settings(root=Path.cwd()), rules=[found], use_cache=False)
    report = linter.lint_source(str(path), kind, text, absolute=source.resolve()) if kind else None
    fixes = [f.fix for f in (report.findings if report else []) if f.rule == found.name and f.fix is not None]
    if not fixes:
        raise NoFixAvailable(
            f"{path}: rule {found.name!r} finds nothing to fix here; write the changed request as a second "
            "config and run `advisor ab BEFORE AFTER`"
        )
    fixed, _ = apply_fixes(text, fixes)
    return load_request(path, variables, text=fixed)


def rule_to_apply(rule: str) -> Any:
    """The rule ``--apply`` names, checked before any config is read or rendered."""
    import difflib

    from ..checks import get_rule, known_selectors

    found = get_rule(rule)
    if found is None:
        close = difflib.get_close_matches(rule, sorted(known_selectors()), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"--apply {rule!r}: no such rule{hint} (see `advisor rules`)")
    return found


def _parse_file(path: Path) -> list[Any]:
    """The documents in a YAML or JSON file (JSON gets the JSON parser's clearer errors)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    return _parse_text(path, text)


def _parse_text(path: Path, text: str) -> list[Any]:
    try:
        if path.suffix.lower() == ".json":
            return [json.loads(text)]
        return list(YAML(typ="safe", pure=True).load_all(text))
    except (ValueError, YAMLError) as error:
        raise ConfigError(f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {error}") from None
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply to read") from None


class _Budget:
    """Counts nodes walked; shared aliases make a small file expand without end."""

    def __init__(self, origin: str | Path) -> None:
        self.origin = origin
        self.left = MAX_NODES

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise ConfigError(f"{self.origin}: expands to more than {MAX_NODES:,} values (an alias bomb?)")


def _find_bodies(node: Any, budget: _Budget) -> Iterator[dict[str, Any]]:
    budget.spend()
    if isinstance(node, dict):
        if is_request_body(node.keys()):
            yield node
            return
        children: Iterable[Any] = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return
    for child in children:
        yield from _find_bodies(child, budget)


def _render(value: Any, variables: Mapping[str, Any], budget: _Budget) -> Any:
    """Fill templates in every string of a parsed config (after parsing, so a variable's
    value can never change the structure of the request)."""
    environment = BoundedSandbox(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)

    def walk(node: Any) -> Any:
        budget.spend()
        if isinstance(node, str):
            if any(marker in node for marker in _TEMPLATE_MARKERS):
                return environment.render(node, variables)
            return node
        if isinstance(node, dict):
            return {key: walk(item) for key, item in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(value)
