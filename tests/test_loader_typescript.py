"""The TypeScript/JavaScript loader: calls of the Anthropic SDK and the Vercel AI SDK read
into the same fields as Python calls, prompt text with positions, and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from advisor.loaders.typescript import imports_claude_client, load
from advisor.model import CallApi, Kind, Role, RunsIn, Span

from helpers import lint_text, source_span

SDK = 'import Anthropic from "@anthropic-ai/sdk";\nconst client = new Anthropic();\n'
AI = 'import { anthropic, createAnthropic } from "@ai-sdk/anthropic";\nimport { generateText, streamText } from "ai";\n'


def _load(source: str, path: str = "src/app.ts"):
    document = load(path, textwrap.dedent(source))
    assert document.problems == []
    return document


def _call(source: str, path: str = "src/app.ts"):
    [call] = _load(source, path).calls
    return call


def test_sdk_fields_are_literal_with_the_span_of_their_value():
    source = SDK + 'const MODEL = "claude-haiku-5-5";\nawait client.messages.create({ model: MODEL, max_tokens: 1_024, stream: false, temperature: -0.5, messages: [] });\n'
    call = _call(source)
    assert call.api is CallApi.CREATE and call.callee == "messages.create"
    assert (call.model.value, call.model.span) == ("claude-haiku-5-5", source_span(source, '"claude-haiku-5-5"'))
    assert (call.max_tokens.value, call.max_tokens.span) == (1024, source_span(source, "1_024"))
    assert call.stream.value is False and call.temperature.value == -0.5
    assert call.top_p.is_absent and call.is_async and call.where.kind is RunsIn.UNKNOWN


def test_computed_values_spreads_and_changed_objects_are_dynamic_never_absent():
    source = SDK + textwrap.dedent("""
        let budget = 100;
        budget = 200;
        const base = { model: "claude-haiku-5-5" };
        base.max_tokens = 10;
        export async function ask(options, q) {
          return client.messages.create({ ...options, model: process.env.MODEL ?? "claude-haiku-5-5", max_tokens: budget, messages: [] });
        }
        export const again = () => client.messages.create({ ...base, messages: [] });
    """)
    first, second = _load(source).calls
    assert first.model.is_dynamic and first.model.source == 'process.env.MODEL ?? "claude-haiku-5-5"'
    assert first.max_tokens.is_dynamic and first.max_tokens.source == "budget"
    assert first.temperature.is_dynamic and first.temperature.source == "...options"  # the spread may carry it
    assert second.model.is_dynamic and second.max_tokens.is_dynamic  # `base` is changed after its declaration


def test_template_literal_substitutions_are_slots_mapped_back_to_the_file():
    source = SDK + 'const r = await client.messages.create({ model: "m", max_tokens: 5, system: `Answer about ${topic} in two sentences.\\nBe kind.`, messages: [{ role: "user", content: "Hi \\u00e9t\\u00e9" }] });\n'
    call = _call(source)
    [system] = call.system
    assert system.text == "Answer about {{ topic }} in two sentences.\nBe kind." and system.role == Role.SYSTEM
    assert [slot.expression for slot in system.slots] == ["topic"] and call.system_dynamic
    start = system.text.index("two sentences")
    assert system.span(start, start + len("two sentences")) == source_span(source, "two sentences")
    assert system.span(system.slots[0].start, system.slots[0].end) == source_span(source, "${topic}")
    [user] = call.messages
    assert user.text == "Hi été" and user.role == Role.USER and not call.messages_dynamic


def test_prompt_constants_joined_trimmed_and_dedented():
    source = AI + textwrap.dedent("""
        const SYSTEM_PROMPT = ["You sort tickets.", "Reply with one word."].join("\\n");
        const USER_TEMPLATE = dedent`
            Ticket:
            ${ticket}`;
        const INSTRUCTIONS = "  Be brief.  ".trim();
        await generateText({ model: anthropic("claude-haiku-5-5"), system: SYSTEM_PROMPT, prompt: INSTRUCTIONS });
    """)
    document = _load(source)
    texts = {text.name: text.text for text in document.texts}
    assert texts["SYSTEM_PROMPT"] == "You sort tickets.\nReply with one word."
    assert texts["USER_TEMPLATE"].endswith("{{ ticket }}")
    assert texts["INSTRUCTIONS"] == "Be brief."
    [call] = document.calls
    assert call.system[0] is next(t for t in document.texts if t.name == "SYSTEM_PROMPT")  # shared, counted once


def test_ai_sdk_options_map_onto_the_messages_api_fields():
    source = AI + textwrap.dedent("""
        const claude = createAnthropic({ apiKey: process.env.KEY });
        export const summarise = (doc: string) => streamText({
          model: claude.languageModel("claude-sonnet-5-5"),
          maxTokens: 3000,
          topP: 0.9,
          system: "Summarise.",
          messages: [{ role: "user", content: [{ type: "text", text: doc }, { type: "image", image: url }] }],
          providerOptions: { anthropic: { thinking: { type: "enabled", budgetTokens: 2048 }, cacheControl: { type: "ephemeral" } } },
        });
    """)
    call = _call(source)
    assert call.api is CallApi.STREAM and call.callee == "streamText"
    assert call.model.value == "claude-sonnet-5-5" and call.max_tokens.value == 3000 and call.top_p.value == 0.9
    assert call.spelling == {"max_tokens": "maxTokens", "top_p": "topP"}
    assert call.extra["thinking"].value == {"type": "enabled", "budget_tokens": 2048}
    assert call.cache_control.is_literal and call.messages_dynamic  # `doc` is computed; the image is skipped


def test_gateway_model_ids_and_other_providers():
    gateway = _call(AI + 'await generateText({ model: "anthropic/claude-haiku-5-5", prompt: "hi" });\n')
    assert gateway.model.value == "claude-haiku-5-5" and gateway.spelling["max_tokens"] == "maxOutputTokens"
    other = 'import { openai } from "@ai-sdk/openai";\n' + AI + "await generateText({ model: pick(), prompt: 'hi' });\n"
    assert _load(other).calls == []  # a computed model in a module that also uses OpenAI may not be Claude


@pytest.mark.parametrize("path", ["src/a.js", "src/a.jsx", "src/a.mjs", "src/a.cjs", "src/a.tsx", "src/a.mts"])
def test_every_suffix_parses_with_its_grammar(path):
    jsx = "export const View = () => <div className=\"x\">{text}</div>;\n"
    source = SDK + "await client.messages.create({ model: 'claude-haiku-5-5', max_tokens: 5, messages: [] });\n"
    if "x" in path.rsplit(".", 1)[1]:
        source += jsx
    document = _load(source, path)
    assert document.kind is (Kind.TYPESCRIPT if ".t" in path or path.endswith(".mts") else Kind.JAVASCRIPT)
    assert [call.max_tokens.value for call in document.calls] == [5]


def test_beta_messages_count_tokens_and_loops():
    source = SDK + textwrap.dedent("""
        for (const item of items) {
          await client.beta.messages.create({ model: "claude-haiku-5-5", max_tokens: 5, messages: [] });
        }
        await Promise.all(items.map((item) => client.messages.countTokens({ model: "claude-haiku-5-5", messages: [] })));
    """)
    create, count = _load(source).calls
    assert create.api is CallApi.CREATE and create.in_loop
    assert count.api is CallApi.COUNT_TOKENS and count.in_loop


def test_non_ascii_text_before_a_call_keeps_columns_in_characters():
    source = SDK + '// héllo wörld 🎉\nconst note = "💬"; await client.messages.create({ model: "claude-haiku-5-5", max_tokens: 7, messages: [] });\n'
    call = _call(source)
    where = source_span(source, "7, messages")
    assert call.max_tokens.span == Span(where.line, where.column, where.line, where.column + 1)
    assert call.model.span == source_span(source, '"claude-haiku-5-5"')


def test_syntax_errors_give_a_parse_error_and_a_partial_lint():
    source = SDK + "await client.messages.create({ model: 'claude-haiku-5-5', max_tokens: 5, messages: [] });\nfunction broken( {\n"
    document = load("src/broken.ts", source)
    assert document.problems and "invalid TypeScript syntax" in document.problems[0].message
    assert document.problems[0].span.line >= 4
    assert [call.max_tokens.value for call in document.calls] == [5]


@pytest.mark.parametrize("source", [
    "\x00\x01\x02 garbage",
    "(" * 20_000 + ")" * 20_000,
    "`${" * 5_000,
    '"use server"; ' + "a." * 10_000 + "b",
    "const x = " + "[" * 3_000 + "]" * 3_000 + ";",
    "\ud800 lone surrogate: client.messages.create({model: 'x'})",
])
def test_hostile_input_never_raises(source):
    document = load("src/hostile.ts", SDK + source)
    assert document.kind is Kind.TYPESCRIPT  # problems or not, a Document comes back


def test_a_minified_bundle_is_a_problem_not_a_parse():
    document = load("public/app.min.js", SDK + "var a=1;" * 1_000)
    assert [problem.message for problem in document.problems] == [
        "a line longer than 5,000 characters: a minified bundle, not linted"]


def test_minified_means_a_line_longer_than_the_limit_in_text_and_bytes():
    from advisor.loaders.typescript.document import MAX_LINE, is_minified

    for at_limit, over in [("a" * MAX_LINE, "a" * (MAX_LINE + 1))]:
        for before, after in [("", ""), ("x\n", ""), ("", "\ny"), ("short\n" * 50, "\n" + "line\n" * 50)]:
            assert not is_minified(before + at_limit + after)
            assert is_minified(before + over + after)
            assert is_minified((before + over + after).encode())
            assert not is_minified((before + at_limit + after).encode())
    assert not is_minified("") and not is_minified(b"\n\n")


@pytest.mark.parametrize(("source", "relevant"), [
    ('import Anthropic from "@anthropic-ai/sdk";', True),
    ("import { anthropic } from '@ai-sdk/anthropic'", True),
    ('const Anthropic = require("@anthropic-ai/sdk");', True),
    ('const { Anthropic } = await import("@anthropic-ai/sdk");', True),
    ('import type { MessageParam } from "@anthropic-ai/sdk/resources/messages";', True),
    ('import OpenAI from "openai";', False),
    ('const name = "anthropic-ai/sdk";', False),
])
def test_relevance_sniff(source, relevant):
    assert imports_claude_client(source) is relevant


def test_the_fixed_file_reparses_and_only_the_literal_changed(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from advisor.cli import cli

    monkeypatch.chdir(tmp_path)
    before = SDK + "export const r = await client.messages.create({\n  model: 'claude-haiku-5-5',\n  messages: [{ role: 'user', content: 'Reply yes or no.' }],\n});\n"
    (tmp_path / "a.ts").write_text(before, encoding="utf-8")
    CliRunner().invoke(cli, ["lint", "--no-cache", "--isolated", "--fix", "--select", "missing-max-tokens", "a.ts"],
                       catch_exceptions=False)
    after = (tmp_path / "a.ts").read_text(encoding="utf-8")
    assert after == before.replace("({\n  model", "({\n  max_tokens: 16,\n  model")
    [call] = _load(after, "a.ts").calls
    assert call.max_tokens.value == 16 and call.model.value == "claude-haiku-5-5"
    assert lint_text("a.ts", after, select=["missing-max-tokens"], dedent=False) == []


def test_a_python_only_run_never_imports_tree_sitter(tmp_path):
    (tmp_path / "app.py").write_text("import anthropic\nclient = anthropic.Anthropic()\n"
                                     "client.messages.create(model='claude-haiku-5-5', messages=[])\n")
    (tmp_path / "notes.ts").write_text("export const x = 1;\n")  # walked, sniffed, not loaded
    script = ("import sys, advisor; advisor.lint([sys.argv[1]], isolated=True); "
              "print(sorted(m for m in sys.modules if m.startswith('tree_sitter')))")
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_walk_lints_files_that_import_a_claude_client_and_skips_build_output(make_repo, monkeypatch):
    import advisor

    call = "await client.messages.create({ model: 'claude-haiku-5-5', messages: [] });\n"
    root = make_repo({
        "app/api/chat/route.ts": SDK + call,
        "lib/util.ts": "export const add = (a: number, b: number) => a + b;\n",
        "node_modules/@anthropic-ai/sdk/index.js": SDK + call,
        ".next/server/app/api/chat/route.js": SDK + call,
        "dist/route.js": SDK + call,
        "public/bundle.js": SDK + "var a=1;" * 1_000,
        "big/huge.js": SDK + "// padding\n" * 200_000,
    })
    monkeypatch.chdir(root)
    result = advisor.lint(["."], isolated=True, use_cache=False, today="2026-12-07")
    assert [report.path for report in result.files] == ["app/api/chat/route.ts"]
    notes = {note.path: note.reason for note in result.notes}
    assert notes["public/bundle.js"] == "skipped: minified bundle (a line longer than 5,000 characters)"
    assert any(note.path == "big/huge.js" and "skipped" in note.reason for note in result.notes)


def test_code_nested_past_the_limit_is_a_problem_not_a_slow_analysis():
    deep = "async function g(){ const s = client.messages.stream({ model: 'm', max_tokens: 1 }); await s.finalMessage();\n"
    document = load("src/deep.ts", SDK + deep * 500 + "}\n" * 500)
    assert [problem.message for problem in document.problems] == ["code nested more than 400 brackets deep: not analysed"]
    within = load("src/deep.ts", SDK + deep * 100 + "}\n" * 100)
    assert within.problems == [] and len(within.calls) == 100 and all(call.buffered.value for call in within.calls)


def test_prompt_files_read_with_fs_are_links_and_computed_paths_stay_dynamic():
    document = _load(SDK + """\
        import fs from "node:fs";
        import { readFile } from "fs/promises";
        import path from "path";
        const SYSTEM = fs.readFileSync("prompts/support.txt", "utf8");
        const RULES = fs.readFileSync(path.resolve(process.cwd(), "prompts", "rules.md")).toString();
        export async function answer(q: string, name: string) {
          const intro = (await readFile(path.join(__dirname, "..", "prompts", "intro.txt"), "utf-8")).trim();
          await client.messages.create({ model: "claude-haiku-5-5", max_tokens: 50, system: SYSTEM,
            messages: [{ role: "user", content: intro }, { role: "user", content: RULES }] });
          const other = await fs.promises.readFile(`prompts/${name}.txt`, "utf8");
          await client.messages.create({ model: "claude-haiku-5-5", max_tokens: 50, system: other, messages: [] });
        }
    """)
    linked, computed = document.calls
    assert [(link.name, link.role, link.relative_to_file) for link in linked.links] == [
        ("prompts/support.txt", Role.SYSTEM, False), ("../prompts/intro.txt", Role.USER, True),
        ("prompts/rules.md", Role.USER, False)]
    assert not linked.system_dynamic and not linked.messages_dynamic
    assert computed.links == [] and computed.system_dynamic


def test_lint_json_counts_a_prompt_file_read_with_fs_in_the_call(make_repo, monkeypatch):
    """A route that reads its system prompt with `fs.readFileSync` sends the same tokens as
    one that writes it out, and the length the file asks for is judged against the budget."""
    from click.testing import CliRunner

    from advisor.cli import cli

    prompt = "You answer questions about Acme routers. Write about 400 words, with headings.\n"
    route = SDK + """\
        import fs from "fs";
        import { readFile } from "node:fs/promises";
        import path from "node:path";
        const SYSTEM = fs.readFileSync("prompts/support.txt", "utf8");
        export async function POST(req: Request) {
          const intro = await readFile(path.join(__dirname, "intro.txt"), "utf-8");
          const m = await client.messages.create({ model: "claude-haiku-5-5", max_tokens: 100, system: SYSTEM,
            messages: [{ role: "user", content: intro }] });
          return Response.json(m);
        }
    """
    inline = route.replace('fs.readFileSync("prompts/support.txt", "utf8")', repr(prompt).replace("'", '"')).replace(
        'await readFile(path.join(__dirname, "intro.txt"), "utf-8")', '"Which router fits a flat?\\n"')
    root = make_repo({"prompts/support.txt": prompt, "app/api/chat/intro.txt": "Which router fits a flat?\n",
                      "app/api/chat/route.ts": route, "app/api/inline/route.ts": inline})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["lint", "--no-cache", "--format", "json", "--today", "2026-12-07", "."])
    data = json.loads(result.stdout)
    calls = {call["path"]: call for call in data["calls"]}
    linked, written = calls["app/api/chat/route.ts"], calls["app/api/inline/route.ts"]
    assert linked["linked_files"] == ["app/api/chat/intro.txt", "prompts/support.txt"]
    assert written["linked_files"] == [] and not linked["input_is_partial"]
    assert linked["input_tokens"] == written["input_tokens"] > 20
    truncated = {f["path"] for f in data["findings"] if f["rule"] == "max-tokens-truncation-risk"}
    assert truncated == {"app/api/chat/route.ts", "app/api/inline/route.ts"}
    word_limits = [(f["path"], f["line"]) for f in data["findings"] if f["rule"] == "word-count-limit"]
    assert ("prompts/support.txt", 1) in word_limits
