"""`advisor server` end to end: the server runs as a subprocess and a real LSP client
(pygls's) talks to it over stdio, as an editor would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lsprotocol import types

from lsp_client import Session, apply_edit, run

YAML_SAFE_FIX = "model: claude-haiku-5-5\nmax_tokens: 4096\nsystem: Answer yes or no.\nmessages: []\n"
WORD_LIMIT = "Summarize the text in under 50 words.\n"


def _codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


def _write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _whole(text: str) -> types.Range:
    lines = text.split("\n")
    return types.Range(start=types.Position(line=0, character=0),
                       end=types.Position(line=len(lines) - 1, character=len(lines[-1])))


LIMIT = "Summarize the text in under 50 words."
EVERY_SOURCE = {  # one file per row of advisor/sources.py, each with the word-count limit
    "prompts/a.prompt": f"{LIMIT}\n",
    "prompts/a.txt": f"{LIMIT}\n",
    "prompts/a.md": f"{LIMIT}\n",
    "templates/a.j2": "Summarize {{ doc }} in under 50 words.\n",
    "a.prompty": ("---\nname: s\nmodel:\n  api: chat\n  configuration:\n    azure_deployment: claude-haiku-5-5\n"
                  f"  parameters:\n    max_tokens: 100\n---\nsystem:\n{LIMIT}\n\nuser:\n{{{{doc}}}}\n"),
    "configs/a.yaml": f"model: claude-haiku-5-5\nmax_tokens: 100\nsystem: {LIMIT}\nmessages: []\n",
    "configs/a.json": f'{{"model": "claude-haiku-5-5", "max_tokens": 100, "system": "{LIMIT}", "messages": []}}\n',
    "app/a.py": ("import anthropic\nclient = anthropic.Anthropic()\nclient.messages.create(model=\"claude-haiku-5-5\", "
                 f'max_tokens=100, stream=True, system="{LIMIT}", messages=[])\n'),
    "notebooks/a.ipynb": json.dumps({"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": [
        "import anthropic\n", "client = anthropic.Anthropic()\n",
        f'client.messages.create(model="claude-haiku-5-5", max_tokens=100, stream=True, system="{LIMIT}", messages=[])\n',
    ]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1),
    ".env": "ANTHROPIC_API_KEY=sk-ant-api03-" + "Z" * 60 + "\n",  # .env files are read for keys only
    "web/route.ts": ('import Anthropic from "@anthropic-ai/sdk";\nconst client = new Anthropic();\n'
                     f'client.messages.stream({{ model: "claude-haiku-5-5", max_tokens: 100, system: "{LIMIT}", messages: [] }});\n'),
    "web/ask.mjs": ('import { anthropic } from "@ai-sdk/anthropic";\nimport { streamText } from "ai";\n'
                    f'streamText({{ model: anthropic("claude-haiku-5-5"), maxTokens: 100, system: "{LIMIT}", prompt: "x" }});\n'),
}
EXPECTED = {name: "K001" if name == ".env" else "O001" for name in EVERY_SOURCE}


def test_every_source_type_gets_diagnostics(tmp_path):
    from advisor.sources import SOURCES, source_for

    assert {source_for(name).name for name in EVERY_SOURCE} == {source.name for source in SOURCES}
    for name, text in EVERY_SOURCE.items():
        _write(tmp_path, name, text)

    async def body():
        async with Session(tmp_path) as session:
            uris = {name: session.open(name) for name in EVERY_SOURCE}
            return {name: _codes(await session.diagnostics(uri, 1)) for name, uri in uris.items()}

    found = run(body())
    assert {name: EXPECTED[name] in codes for name, codes in found.items()} == {name: True for name in EVERY_SOURCE}


def test_a_notebook_buffer_gets_diagnostics_on_its_json_lines(tmp_path):
    text = EVERY_SOURCE["notebooks/a.ipynb"]
    _write(tmp_path, "notebooks/a.ipynb", text)

    async def body():
        async with Session(tmp_path) as session:
            return await session.diagnostics(session.open("notebooks/a.ipynb"), 1)

    [diagnostic] = [d for d in run(body()) if d.code == "O001"]
    line = text.split("\n")[diagnostic.range.start.line]
    marked = line[diagnostic.range.start.character:diagnostic.range.end.character]
    assert "create(" in line and marked == "in under 50 words"  # the JSON line of the cell, the exact words


def test_open_change_and_the_unsaved_buffer_is_what_is_linted(tmp_path):
    _write(tmp_path, "prompts/a.txt", "Summarize the text in two sentences.\n")

    async def body():
        async with Session(tmp_path) as session:
            assert session.capabilities is not None
            assert session.capabilities.hover_provider
            assert session.capabilities.code_action_provider
            uri = session.open("prompts/a.txt")  # the file on disk is clean
            assert await session.diagnostics(uri, 1) == []
            version = session.change(uri, "  " + WORD_LIMIT)  # unsaved: only the buffer has the word limit
            [diagnostic] = await session.diagnostics(uri, version)
            assert diagnostic.code == "O001" and diagnostic.source == "advisor"
            assert diagnostic.message.startswith("word-count-limit: ")
            assert "help: " in diagnostic.message
            assert diagnostic.severity == types.DiagnosticSeverity.Warning
            # "in under 50 words" starts at column 22 (0-based) on the first line
            assert diagnostic.range == types.Range(start=types.Position(line=0, character=21),
                                                   end=types.Position(line=0, character=38))
            assert diagnostic.data == {"rule": "word-count-limit", "fix": "unsafe"}
            version = session.change(uri, "Summarize the text in two sentences.\n")
            assert await session.diagnostics(uri, version) == []
            return session

    session = run(body())
    assert session.returncode == 0  # shutdown, then exit: a clean stop
    assert not [text for kind, text in session.messages if "error" in text]


def test_ranges_are_in_utf16_units_and_follow_incremental_edits(tmp_path):
    _write(tmp_path, "prompts/a.txt", "😀😀 Summarize the text in two sentences.\n")

    async def body():
        async with Session(tmp_path) as session:
            uri = session.open("prompts/a.txt")
            assert await session.diagnostics(uri, 1) == []
            # "two sentences" is UTF-16 characters 27..40 (each emoji counts two)
            version = session.edit(uri, types.Range(start=types.Position(line=0, character=27),
                                                   end=types.Position(line=0, character=40)), "under 50 words")
            [diagnostic] = await session.diagnostics(uri, version)
            assert "in under 50 words" in diagnostic.message
            assert diagnostic.range == types.Range(start=types.Position(line=0, character=24),
                                                   end=types.Position(line=0, character=41))

    run(body())


def test_a_burst_of_changes_is_linted_once_as_its_last_version(tmp_path):
    _write(tmp_path, "prompts/a.txt", WORD_LIMIT)

    async def body():
        async with Session(tmp_path, "--debounce", "1500") as session:
            uri = session.open("prompts/a.txt")
            await session.diagnostics(uri, 1)
            versions = [session.change(uri, WORD_LIMIT.replace("50", str(n))) for n in range(51, 56)]
            [diagnostic] = await session.diagnostics(uri, versions[-1])
            assert "under 55 words" in diagnostic.message
            published = [p.version for p in session.published if p.uri == uri]
            assert published == [1, versions[-1]]  # the versions typed through were never linted

    run(body())


def test_quick_fix_edit_fixes_the_finding_and_safe_fixes_are_preferred(tmp_path):
    _write(tmp_path, "configs/c.yaml", YAML_SAFE_FIX)
    _write(tmp_path, "prompts/a.txt", WORD_LIMIT)

    async def body():
        async with Session(tmp_path) as session:
            uri = session.open("configs/c.yaml", language="yaml")
            diagnostics = await session.diagnostics(uri, 1)
            oversized = next(d for d in diagnostics if d.data["rule"] == "max-tokens-oversized")
            actions = await session.code_actions(uri, oversized.range)
            quick = [a for a in actions if a.kind == types.CodeActionKind.QuickFix]
            assert quick and quick[0].is_preferred and "unsafe" not in quick[0].title
            assert "max-tokens-oversized" in quick[0].title
            fixed = apply_edit(YAML_SAFE_FIX, quick[0].edit)
            assert fixed == YAML_SAFE_FIX.replace("4096", "16")
            version = session.change(uri, fixed)
            assert not [d for d in await session.diagnostics(uri, version) if d.data["rule"] == "max-tokens-oversized"]

            text_uri = session.open("prompts/a.txt")
            [word_limit] = await session.diagnostics(text_uri, 1)
            [unsafe] = [a for a in await session.code_actions(text_uri, word_limit.range)
                        if a.kind == types.CodeActionKind.QuickFix]
            assert not unsafe.is_preferred and "unsafe" in unsafe.title
            assert apply_edit(WORD_LIMIT, unsafe.edit) == "Summarize the text in 2–3 sentences.\n"

    run(body())


def test_fix_all_safe_as_a_source_action_and_as_a_command(tmp_path):
    text = YAML_SAFE_FIX.replace("model: claude-haiku-5-5", "model: claude-haiku-5-5  # the fast one")
    _write(tmp_path, "configs/c.yaml", text)
    _write(tmp_path, "prompts/a.txt", WORD_LIMIT)  # an unsafe fix only: nothing for "fix all safe"

    async def body():
        async with Session(tmp_path) as session:
            uri = session.open("configs/c.yaml", language="yaml")
            await session.diagnostics(uri, 1)
            [fix_all] = await session.code_actions(uri, _whole(text), only=["source.fixAll"])
            assert fix_all.kind == "source.fixAll.advisor"
            assert apply_edit(text, fix_all.edit) == text.replace("4096", "16")
            assert fix_all.edit.document_changes[0].text_document.version == 1
            assert await session.execute("advisor.applyFixAll", uri) is True
            [applied] = session.applied_edits
            assert apply_edit(text, applied) == text.replace("4096", "16")
            unsafe_only = session.open("prompts/a.txt")
            await session.diagnostics(unsafe_only, 1)
            assert await session.code_actions(unsafe_only, _whole(WORD_LIMIT), only=["source.fixAll"]) == []
            assert await session.execute("advisor.applyFixAll", unsafe_only) is False

    run(body())


def test_a_client_that_resolves_gets_the_fix_all_edit_when_it_asks(tmp_path):
    _write(tmp_path, "configs/c.yaml", YAML_SAFE_FIX)

    async def body():
        async with Session(tmp_path, resolve_edits=True) as session:
            uri = session.open("configs/c.yaml", language="yaml")
            await session.diagnostics(uri, 1)
            [fix_all] = await session.code_actions(uri, _whole(YAML_SAFE_FIX), only=["source.fixAll"])
            assert fix_all.edit is None  # not computed at every cursor move
            resolved = await session.resolve(fix_all)
            assert apply_edit(YAML_SAFE_FIX, resolved.edit) == YAML_SAFE_FIX.replace("4096", "16")

    run(body())


def test_hover_shows_the_rules_documentation_on_its_range(tmp_path):
    _write(tmp_path, "prompts/a.txt", WORD_LIMIT)

    async def body():
        async with Session(tmp_path) as session:
            uri = session.open("prompts/a.txt")
            [diagnostic] = await session.diagnostics(uri, 1)
            inside = await session.hover(uri, types.Position(line=0, character=diagnostic.range.start.character + 3))
            outside = await session.hover(uri, types.Position(line=0, character=2))
            return inside, outside

    inside, outside = run(body())
    assert outside is None
    assert isinstance(inside.contents, types.MarkupContent) and inside.contents.kind == types.MarkupKind.Markdown
    from advisor import checks
    from advisor.docs import render_rule_markdown

    assert "**O001 word-count-limit: " in inside.contents.value
    assert render_rule_markdown(checks.get_rule("word-count-limit")) in inside.contents.value  # as `advisor explain` prints it


def test_the_project_configuration_of_the_file_applies(tmp_path):
    _write(tmp_path, "team/.advisor.toml", '[per-file-ignores]\n"prompts/legacy/**" = ["word-count-limit"]\n'
                                           '[severity]\nword-count-limit = "error"\n')
    _write(tmp_path, "team/prompts/legacy/old.txt", WORD_LIMIT)
    _write(tmp_path, "team/prompts/new.txt", WORD_LIMIT)
    _write(tmp_path, "other/prompts/x.txt", WORD_LIMIT)
    _write(tmp_path, "docs/notes.md", "# Notes\n\nWrite in under 50 words.\n")  # not a prompt: a walk would skip it

    async def body():
        async with Session(tmp_path, initialization_options={"ruleDocsUrl": "https://docs.example/rules/{name}"}) as session:
            legacy = session.open("team/prompts/legacy/old.txt")
            new = session.open("team/prompts/new.txt")
            other = session.open("other/prompts/x.txt")
            notes = session.open("docs/notes.md", language="markdown")
            return [await session.diagnostics(uri, 1) for uri in (legacy, new, other, notes)]

    legacy, new, other, notes = run(body())
    assert legacy == [] and notes == []
    assert [d.severity for d in new] == [types.DiagnosticSeverity.Error]  # the team's severity override
    assert [d.severity for d in other] == [types.DiagnosticSeverity.Warning]  # another project: the default
    assert new[0].code_description.href == "https://docs.example/rules/word-count-limit"


def test_a_broken_file_is_a_parse_error_and_the_server_goes_on(tmp_path):
    _write(tmp_path, "app.py", "import anthropic\nclient = anthropic.Anthropic()\ndef f(:\n")
    _write(tmp_path, "prompts/a.txt", WORD_LIMIT)
    _write(tmp_path, ".advisor.toml", 'max-file-size = "2KiB"\n')

    async def body():
        async with Session(tmp_path) as session:
            broken = session.open("app.py", language="python")
            [diagnostic] = await session.diagnostics(broken, 1)
            assert diagnostic.code == "E001" and diagnostic.severity == types.DiagnosticSeverity.Error
            assert diagnostic.range.start.line == 2 and "invalid Python syntax" in diagnostic.message
            uri = session.open("prompts/a.txt")
            assert _codes(await session.diagnostics(uri, 1)) == ["O001"]
            version = session.change(broken, "\udcff\x00" * 3)  # not even text
            await session.diagnostics(broken, version)
            big = session.open("prompts/big.txt", WORD_LIMIT * 100)  # over max-file-size
            assert await session.diagnostics(big, 1) == []
            await session.message("prompts/big.txt: not linted: larger than max-file-size")
            assert await session.hover(uri, types.Position(line=0, character=25)) is not None

    run(body())


def test_a_crashing_rule_is_reported_and_the_server_goes_on(tmp_path):
    _write(tmp_path, "prompts/a.txt", WORD_LIMIT + "Reply in JSON.\n")
    bootstrap = (
        "from advisor import checks\n"
        "def boom(document, context):\n"
        "    raise RuntimeError('rule exploded')\n"
        "object.__setattr__(checks.get_rule('word-count-limit'), 'check', boom)\n"
    )

    async def body():
        async with Session(tmp_path, bootstrap=bootstrap) as session:
            uri = session.open("prompts/a.txt")
            diagnostics = await session.diagnostics(uri, 1)
            messages = await session.message("rule exploded")
            version = session.change(uri, "Summarize it.\n")
            await session.diagnostics(uri, version)  # still answering
            return diagnostics, messages

    diagnostics, messages = run(body())
    assert "O001" not in _codes(diagnostics)
    shown = [text for kind, text in messages if kind == "show"]
    logged = [text for kind, text in messages if kind == "log"]
    assert any("in rule word-count-limit" in text for text in shown)
    assert len([text for text in logged if "rule exploded" in text]) == 2  # logged at each lint, shown once
    assert len([text for text in shown if "rule exploded" in text]) == 1


def test_a_broken_configuration_is_told_not_fatal_and_its_fix_relints(tmp_path):
    _write(tmp_path, ".advisor.toml", "selct = ['ALL']\n")
    _write(tmp_path, "prompts/a.txt", WORD_LIMIT)

    async def body():
        async with Session(tmp_path) as session:
            uri = session.open("prompts/a.txt")
            assert await session.diagnostics(uri, 1) == []
            messages = await session.message("configuration error")
            assert any("did you mean `select`" in text for _, text in messages)
            # fixed in the editor: saving the configuration re-lints the open buffers
            mark = len(session.published)
            config = session.open(".advisor.toml", "select = ['ALL']\n")
            (tmp_path / ".advisor.toml").write_text("select = ['ALL']\n")
            session.save(config)
            assert _codes(await session.diagnostics(uri, 1, after=mark)) == ["O001"]
            # changed on disk by another tool: the watched-files notification re-lints them too
            await session.registered("workspace/didChangeWatchedFiles")
            mark = len(session.published)
            (tmp_path / ".advisor.toml").write_text("ignore = ['word-count-limit']\n")
            session.files_changed(".advisor.toml")
            assert await session.diagnostics(uri, 1, after=mark) == []

    run(body())

def test_lint_does_not_load_the_language_server(tmp_path):
    _write(tmp_path, "prompts/a.txt", WORD_LIMIT)
    code = ("import sys\nfrom advisor.cli import main\nsys.argv = ['advisor', 'lint', '--no-cache', 'prompts/a.txt']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "word-count-limit" in result.stdout
    assert result.stdout.strip().endswith("[]")
