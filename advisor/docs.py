"""Rule documentation, rendered from the rule definitions themselves.

``advisor explain``, ``advisor rules --format json``, SARIF rule metadata and the pages in
``docs/rules/`` all come from here, so documentation and behaviour cannot drift apart: a
test regenerates the pages and fails if the committed ones differ.

Regenerate the pages with ``python -m advisor.docs docs/rules``.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

from .registry import FixSafety, Rule
from .sources import source_for

_FIX_TEXT = {
    FixSafety.NONE: "No automatic fix.",
    FixSafety.SAFE: "A safe fix is available (`advisor lint --fix`).",
    FixSafety.UNSAFE: "An unsafe fix is available (`advisor lint --fix --unsafe-fixes`): it changes behaviour, review it.",
}


def rule_as_dict(rule: Rule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.value,
        "guide": rule.guide,
        "summary": rule.summary,
        "why": rule.why,
        "example": rule.example,
        "example_file": rule.example_file,
        "use_instead": rule.use_instead,
        "fix": rule.fix.value,
        "fix_note": rule.fix_note,
        "options": {name: {"default": o.default, "help": o.help} for name, o in rule.options.items()},
    }


def _fence_language(path: str) -> str:
    """The code-fence language of an example file: its source type's syntax (a config
    example such as ``pyproject.toml`` is not a source type but still gets its fence)."""
    source = source_for(path)
    if source is not None:
        return source.syntax.value
    return "toml" if path.endswith(".toml") else ""


def _example_files_lines(rule: Rule) -> list[str]:
    return [f"`{path}`: \"{text.strip()}\" repeated {times:,} times" for path, (text, times) in rule.example_files.items()]


def _example_files_markdown(rule: Rule) -> list[str]:
    lines = _example_files_lines(rule)
    return ["", "With " + "; ".join(lines) + "."] if lines else []


def _fix_section(rule: Rule) -> str:
    return _FIX_TEXT[rule.fix] + (f" {rule.fix_note}" if rule.fix_note else "")


def render_rule_markdown(rule: Rule) -> str:
    parts = [
        f"# {rule.name} ({rule.code})",
        "",
        f"Default severity: **{rule.severity.value}**. Guide section: {rule.guide}.",
        "",
        "## What it does",
        rule.summary,
        "",
        "## Why is this slow?",
        rule.why,
        "",
        "## Example",
        f"`{rule.example_file}`:",
        f"```{_fence_language(rule.example_file)}",
        rule.example,
        "```",
        *_example_files_markdown(rule),
        "",
        "## Use instead",
        f"```{_fence_language(rule.example_file)}",
        rule.use_instead,
        "```",
        "",
        "## Fix safety",
        _fix_section(rule),
    ]
    if rule.options:
        parts += ["", "## Options", f"Set in `[tool.advisor.rules.{rule.name}]`:", ""]
        for name, option in rule.options.items():
            parts.append(f"- `{name}` (default `{option.default!r}`): {option.help}")
    parts += [
        "",
        "## Suppressing",
        f"`# advisor: ignore[{rule.name}]` on the line (Python, YAML), "
        f"`{{# advisor: ignore[{rule.name}] #}}` in a Jinja template, or `per-file-ignores` in the config.",
    ]
    return "\n".join(parts) + "\n"


def render_rule_text(rule: Rule) -> str:
    def para(text: str) -> str:
        return "\n".join(textwrap.fill(p, 88, initial_indent="  ", subsequent_indent="  ") for p in text.split("\n\n"))

    def block(text: str) -> str:
        return textwrap.indent(text, "    ")

    lines = [
        f"{rule.name} ({rule.code}) - default severity {rule.severity.value}",
        f"Guide: {rule.guide}",
        "",
        "What it does:",
        para(rule.summary),
        "",
        "Why is this slow?",
        para(rule.why),
        "",
        f"Example ({rule.example_file}):",
        block(rule.example),
        *[f"  with {line}" for line in _example_files_lines(rule)],
        "",
        "Use instead:",
        block(rule.use_instead),
        "",
        "Fix safety:",
        para(_fix_section(rule)),
    ]
    if rule.options:
        lines += ["", f"Options ([tool.advisor.rules.{rule.name}]):"]
        lines += [para(f"{name} = {option.default!r}: {option.help}") for name, option in rule.options.items()]
    return "\n".join(lines) + "\n"


def render_index(rules: list[Rule]) -> str:
    lines = ["# Rules", "", "Generated from the rule definitions by `python -m advisor.docs docs/rules`; do not edit.", "",
             "| code | name | severity | fix | what it flags |", "|---|---|---|---|---|"]
    for rule in rules:
        lines.append(f"| {rule.code} | [{rule.name}]({rule.name}.md) | {rule.severity.value} | {rule.fix.value} | {rule.summary} |")
    return "\n".join(lines) + "\n"


def generated_pages(rules: list[Rule]) -> dict[str, str]:
    pages = {f"{rule.name}.md": render_rule_markdown(rule) for rule in rules}
    pages["README.md"] = render_index(rules)
    return pages


def write_pages(directory: Path) -> list[Path]:
    from .checks import ALL_RULES

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in generated_pages(list(ALL_RULES)).items():
        path = directory / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules")
    for page in write_pages(target):
        print(page)
