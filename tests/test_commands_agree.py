"""`advisor tokens`, `advisor lint --format json` and `advisor report` go through the same
read, load and finish stages, so they must agree on every file's and call's token count:
for a Python call whose system prompt is read from a file, a YAML request config with a
placeholder, and a Jinja template (each a way the counts once diverged)."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from advisor.cli import cli

LIMIT = " Answer in no more than 120 words."  # a finding in every file, so the report lists each

FILES = {
    "prompts/triage.txt": "You triage support tickets for Acme routers and name the team that owns each one." + LIMIT + "\n",
    "app/triage.py": (
        "import anthropic\nclient = anthropic.Anthropic()\nSYSTEM = open('prompts/triage.txt').read()\n"
        "def triage(ticket):\n"
        "    return client.messages.create(model='claude-haiku-5-5', max_tokens=400, system=SYSTEM,\n"
        "        messages=[{'role': 'user', 'content': 'Reply in under 100 words. Ticket: ' + ticket}])\n"
    ),
    "configs/notes.yaml": (
        "model: claude-haiku-5-5\nmax_tokens: 400\n"
        'system: "You write release notes for {{ product }}. Mention breaking changes first.' + LIMIT + '"\n'
        "messages:\n  - role: user\n    content: \"Here are the merged pull requests: {{ prs }}\"\n"
    ),
    "templates/notes.j2": (
        "You write release notes for {{ product }}.\n{% if breaking %}Mention breaking changes first.{% endif %}\n"
        + LIMIT.strip() + "\n"
    ),
}


def _number(text: str) -> int:
    return int(text.replace(",", "").rstrip("+"))


def test_tokens_lint_and_report_agree(make_repo, monkeypatch, tmp_path):
    root = make_repo(FILES)
    monkeypatch.chdir(root)
    runner = CliRunner()
    linted = json.loads(runner.invoke(cli, ["lint", "--no-cache", "--format", "json", "."]).stdout)
    counted = json.loads(runner.invoke(cli, ["tokens", "--format", "json", "."]).stdout)
    html_path = tmp_path / "report.html"
    assert runner.invoke(cli, ["report", "--no-cache", "-o", str(html_path), "."]).exit_code == 1
    html = html_path.read_text(encoding="utf-8")

    lint_files = {f["path"]: f["tokens"] for f in linted["files"]}
    assert set(lint_files) == set(FILES) and all(lint_files.values())
    assert {f["label"]: f["tokens"] for f in counted["files"]} == lint_files

    lint_calls = sorted((c["path"], c["input_tokens"]) for c in linted["calls"])
    counted_calls = sorted(
        (call["label"].split(":", 1)[0], call["tokens"]) for f in counted["files"] for call in f["calls"]
    )
    assert counted_calls == lint_calls and len(lint_calls) == 2
    # the Python call counts the prompt file it reads: the file's tokens are the call's
    assert dict(lint_calls)["app/triage.py"] >= lint_files["prompts/triage.txt"]

    report_files = {
        path: _number(tokens)
        for path, tokens in re.findall(r'<tr><td><code>([^<]+)</code></td><td>[a-z]+</td><td class="num">([0-9,]+)</td>', html)
    }
    assert report_files == lint_files
    report_calls = sorted(
        (location.split(":", 1)[0], _number(tokens))
        for location, tokens in re.findall(
            r'<tr><td><code>([^<]+)</code>(?:(?!</tr>).)*?<td class="num">([0-9,]+\+?)</td>(?:<td class="num">[^<]*</td>)*</tr>', html
        )
    )
    assert report_calls == lint_calls
