"""Rendering the report: the Jinja environments, the inline assets and the page's
content security policy.

* The built-in template (``templates/report.html.j2``) is loaded from the package, so an
  installed advisor can render it; the stylesheet and script next to it are inlined.
* A user's ``--template`` is rendered in a :class:`jinja2.sandbox.SandboxedEnvironment`,
  also with autoescape on. It can include files from its own directory and extend the
  built-in one as ``"advisor/report.html.j2"`` (its blocks: ``head``, ``summary``,
  ``findings``, ``files``, ``calls``, ``ab``, ``notes``, ``footer``).
* Both get the same filters: ``ms`` (milliseconds, ``"1.2 s"``), ``signed_ms``, ``usd``,
  ``num`` (thousands separators), ``plural``, ``duration`` (minutes and hours for long
  spans), ``saving_text`` (an estimated saving in words; ``largest=True`` for a group's) and ``code_spans`` (escaped text with `backticked` parts as ``<code>``).

The policy allows the inline style and script by hash and nothing else: no network,
no other script (so even markup that slipped past escaping could not run or load anything).
"""

from __future__ import annotations

import base64
import functools
import hashlib
from importlib import resources
from pathlib import Path
from typing import Any, Mapping, TypeVar

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from ..secrets import redact

BUILTIN_TEMPLATE = "report.html.j2"
BUILTIN_PREFIX = "advisor"
PACKAGE = "advisor.report"
DASH = "—"


class ReportTemplateError(Exception):
    """A user's template failed to load or render; the message says where."""


# ---------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------


def format_ms(value: Any, signed: bool = False) -> str:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return DASH
    sign = ("+" if value > 0 else "−" if value < 0 else "") if signed else ("−" if value < 0 else "")
    size = abs(value)
    if size >= 10_000:
        return f"{sign}{size / 1000:,.1f} s"
    if size >= 1000:
        return f"{sign}{size / 1000:.2f} s"
    return f"{sign}{size:,.0f} ms"


def format_signed_ms(value: Any) -> str:
    return format_ms(value, signed=True)


def format_usd(value: Any) -> str:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return DASH
    sign = "−" if value < 0 else ""
    size = abs(value)
    if size >= 100:
        return f"{sign}${size:,.0f}"
    if size >= 1:
        return f"{sign}${size:,.2f}"
    if size == 0:
        return "$0"
    return f"{sign}${size:.4f}".rstrip("0").rstrip(".") if size >= 0.0001 else f"{sign}<$0.0001"


def format_num(value: Any, digits: int = 0) -> str:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return DASH
    if digits == 0:
        return f"{round(value):,}"
    return f"{value:,.{digits}f}"


def plural(count: Any, singular: str, many: str | None = None) -> str:
    number = count if isinstance(count, (int, float)) and not isinstance(count, bool) else 0
    word = singular if number == 1 else (many or singular + "s")
    return f"{format_num(number)} {word}"


def format_duration(value: Any) -> str:
    """A long span of time (waiting saved per day): minutes and hours past two minutes."""
    if not _is_number(value) or abs(value) < 120_000:
        return format_ms(value)
    minutes = abs(value) / 60_000
    sign = "−" if value < 0 else ""
    return f"{sign}{minutes:,.0f} min" if minutes < 120 else f"{sign}{minutes / 60:,.1f} h"


def saving_text(saving: Any, largest: bool = False) -> str:
    """An estimated saving in words: "1.2 s sooner to the first visible token, …"; parts
    that save nothing are left out. ``largest``: the times are the largest of a group's
    calls (they are never added up across call sites), the money its sum."""
    if not isinstance(saving, Mapping):
        return ""
    up_to = "up to " if largest else ""
    phrases = (
        ("visible_ttft_ms", lambda v: up_to + format_ms(v), "sooner to the first visible token"),
        ("total_ms", lambda v: up_to + format_ms(v), "less total time per call"),
        ("cost_per_1k_calls_usd", format_usd, "less per 1,000 calls" + (" of each site" if largest else "")),
    )
    known = [(saving[key], shown, words) for key, shown, words in phrases if _is_number(saving.get(key))]
    parts = [f"{shown(value)} {words}" for value, shown, words in known if value]
    if parts:
        return ", ".join(parts)
    return "no measurable saving" if known else ""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def code_spans(text: Any) -> Markup:
    """Escaped text with each `backticked` part set as <code> (messages and rule docs
    write code that way)."""
    if text is None:
        return Markup("")
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: show the text as it is
        return Markup(escape(str(text)))
    return Markup("").join(
        Markup("<code>%s</code>") % part if index % 2 else escape(part) for index, part in enumerate(parts)
    )


FILTERS = {
    "code_spans": code_spans,
    "saving_text": saving_text,
    "ms": format_ms,
    "duration": format_duration,
    "signed_ms": format_signed_ms,
    "usd": format_usd,
    "num": format_num,
    "plural": plural,
}


# ---------------------------------------------------------------------------------------
# Assets and the content security policy
# ---------------------------------------------------------------------------------------


def _hash_source(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


@functools.cache
def assets() -> dict[str, Any]:
    """The inline stylesheet and script, and the policy that allows exactly them."""
    folder = resources.files(PACKAGE) / "templates"
    css = (folder / "report.css").read_text(encoding="utf-8")
    js = (folder / "report.js").read_text(encoding="utf-8")
    policy = (
        f"default-src 'none'; style-src {_hash_source(css)}; script-src {_hash_source(js)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return {"css": Markup(css), "js": Markup(js), "csp": policy}


# ---------------------------------------------------------------------------------------
# Environments
# ---------------------------------------------------------------------------------------


_Env = TypeVar("_Env", bound=jinja2.Environment)


def _configure(environment: _Env) -> _Env:
    environment.filters.update(FILTERS)
    return environment


@functools.cache
def builtin_environment() -> jinja2.Environment:
    return _configure(
        jinja2.Environment(
            loader=jinja2.PackageLoader(PACKAGE, "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
    )


def user_environment(template_path: Path) -> SandboxedEnvironment:
    loader = jinja2.ChoiceLoader(
        [
            jinja2.FileSystemLoader(str(template_path.parent)),
            jinja2.PrefixLoader({BUILTIN_PREFIX: jinja2.PackageLoader(PACKAGE, "templates")}),
        ]
    )
    return _configure(
        SandboxedEnvironment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    )


def load_user_template(template_path: str | Path) -> jinja2.Template:
    """Compile a user's template now, so a mistake in it is reported before linting."""
    path = Path(template_path)
    try:
        return user_environment(path.resolve()).get_template(path.name)
    except jinja2.TemplateSyntaxError as error:
        raise ReportTemplateError(f"{path}:{error.lineno}: {error.message}") from None
    except jinja2.TemplateNotFound as error:
        raise ReportTemplateError(f"{path}: template not found ({error.name})") from None
    except (jinja2.TemplateError, OSError, UnicodeDecodeError) as error:
        raise ReportTemplateError(f"{path}: {error}") from None


def render(context: Mapping[str, Any], template: jinja2.Template | None = None) -> str:
    """The report as one HTML string. ``template`` is a user's (from
    :func:`load_user_template`); the built-in one is used when it is None."""
    full = {**context, "assets": assets()}
    if template is None:
        html = builtin_environment().get_template(BUILTIN_TEMPLATE).render(full)
    else:
        try:
            html = template.render(full)
        except jinja2.TemplateError as error:
            where = _template_line(error)
            raise ReportTemplateError(f"{template.filename or template.name}{where}: {error}") from None
        except Exception as error:  # a user's template can fail in many ways; none is ours
            raise ReportTemplateError(f"{template.filename or template.name}: {error.__class__.__name__}: {error}") from None
    return redact(html)


def _template_line(error: Exception) -> str:
    lineno = getattr(error, "lineno", None)
    return f":{lineno}" if lineno else ""
