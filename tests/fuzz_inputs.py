"""Hypothesis strategies for hostile input of every source kind advisor reads, shared by the
suite's bounded fuzz test (tests/test_fuzz.py) and the longer run in benchmarks/fuzz.py.

Inputs are grown from small valid seeds of each kind by splicing in fragments that broke
parsers before (aliases, tags, deep nesting, template tags, NULs, BOMs, surrogates, huge
numbers, keys), plus plain random text, so most inputs get past the first parse and reach
the loaders and rules rather than stopping at a syntax error.
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

SEEDS: dict[str, list[str]] = {
    "prompts/p.txt": [
        "Summarize the ticket in no more than 120 words.\n",
        "You are a support bot.\n<document>\n{{ text }}\n</document>\nAnswer in 2 sentences.\n",
        "Réponds en 50 mots maximum.\n---\nExemple : oui\n",
    ],
    "prompts/p.md": ["# Prompt\n\nClassify the e-mail as spam or not. Answer with one word.\n"],
    "templates/t.j2": [
        "Hello {{ name }}, {% if x %}answer in {{ n }} words{% endif %}\n{% for i in items %}- {{ i }}\n{% endfor %}",
        "{% raw %}{{ literal }}{% endraw %} {# comment #} {{ user.name | upper }}\n",
    ],
    "prompts/t.prompty": [
        "---\nname: x\nmodel:\n  api: chat\n  configuration: {type: anthropic, name: claude-haiku-5-5}\n"
        "  parameters: {max_tokens: 100}\n---\nsystem:\nAnswer in 50 words.\nuser:\n{{ question }}\n",
    ],
    "configs/c.yaml": [
        "model: claude-haiku-5-5\nmax_tokens: 300\nsystem: You classify tickets.\n"
        "messages:\n  - role: user\n    content: \"Ticket: {{ text }}\"\n",
        "providers: [anthropic:messages:claude-sonnet-5-5]\nprompts: [\"Answer in 30 words: {{q}}\"]\n",
    ],
    "configs/c.json": [
        '{"model": "claude-opus-5-5", "max_tokens": 4096, "temperature": 0.2, '
        '"messages": [{"role": "user", "content": [{"type": "text", "text": "Answer yes or no."}]}]}',
    ],
    "app/a.py": [
        "import anthropic\nclient = anthropic.Anthropic()\n"
        "def reply(q):\n    return client.messages.create(model='claude-haiku-5-5', max_tokens=100,\n"
        "        system=open('prompts/p.txt').read(), messages=[{'role': 'user', 'content': q}])\n",
        "import anthropic\nfrom flask import Flask\napp = Flask(__name__)\nc = anthropic.AsyncAnthropic()\n"
        "@app.post('/chat')\nasync def chat():\n    async with c.messages.stream(model=M, max_tokens=2**10, "
        "messages=[]) as s:\n        return await s.get_final_message()\n",
        # fixable: an oversized budget, a retired model, a missing budget (fixes meet hostile text)
        "import anthropic\nc = anthropic.Anthropic()\nr = c.messages.create(\n    model=\"claude-3-opus-20240229\",\n"
        "    max_tokens=4096,\n    system=\"Réponds par oui ou non.\\tReply with one word: yes or no.\",\n"
        "    messages=[{\"role\": \"user\", \"content\": \"Is it é?\"}],\n)\n"
        "s = c.messages.create(model=\"claude-opus-5-5\", system=\"Answer in one word.\", messages=[])\n",
    ],
    "notebooks/n.ipynb": [
        '{"cells": [{"cell_type": "markdown", "source": ["# x\\n"]}, {"cell_type": "code", "outputs": [], '
        '"source": ["%pip install anthropic\\n", "import anthropic\\n", "c = anthropic.Anthropic()\\n", '
        '"c.messages.create(model=\\"claude-opus-5-5\\", max_tokens=4096,\\n", '
        '"    messages=[{\\"role\\": \\"user\\", \\"content\\": \\"Reply yes or no.\\"}])"]}], '
        '"metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
    ],
    "config/prod.env": ["# settings\nANTHROPIC_API_KEY=sk-ant-api03-" + "Q" * 40 + "\nDEBUG=1\n"],
    "app/route.ts": [
        'import Anthropic from "@anthropic-ai/sdk";\nconst client = new Anthropic();\nconst BASE = { model: "claude-haiku-5-5" };\n'
        "export async function POST(req: Request) {\n  const s = client.messages.stream({ ...BASE, max_tokens: 1_000,\n"
        "    system: `Answer in ${n} words.`, messages: [{ role: 'user', content: [{ type: 'text', text: q }] }] });\n"
        "  return Response.json(await s.finalMessage());\n}\n",
    ],
    "lib/ai.jsx": [
        'import { anthropic } from "@ai-sdk/anthropic";\nimport { generateText, streamText } from "ai";\n'
        'export const ask = async (p) => (await generateText({ model: anthropic("claude-sonnet-5-5"), maxTokens: 64000,\n'
        "  prompt: ['Reply in 2 sentences.', p].join('\\n'), providerOptions: { anthropic: { thinking: { type: 'enabled', "
        "budgetTokens: 2048 } } } })).text;\nexport const View = () => <div>{ask('x')}</div>; // advisor: ignore\n",
    ],
}

FRAGMENTS = [
    "&a ", "*a", "&a [*a, *a]", "!!python/object/apply:os.system ['true']", "!!binary", "? ", "- ", ": ",
    "[" * 200, "{" * 200, "- " * 300, "  " * 50, "{{", "}}", "{%", "%}", "{#", "{{ 'x' * 99999999 }}",
    "{{ ''.__class__.__mro__ }}", "{% for i in range(99999) %}", "\x00", "\ufeff", "\r", "\r\n", "\t",
    "\u2028", "\u202e", "\udcff", "1e400", "10**400", "-1", "NaN", ".inf", "9" * 500, "max_tokens: ",
    "model: ", "claude-", "sk-ant-api03-" + "Q" * 40, "in 300 words", "\"\"\"", "'''", "\\", "#", "---\n",
    "<document>", "</document>", "def f(:", "lambda: ", "async ", "await ", "(" * 100, ")" * 100,
    "`${", "${", "`", "/*", "*/", "//", "...", "=>", "<div>", "'use server';", "as const", "?.", "x" * 6000,
]

_glue = st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20))


@st.composite
def hostile_source(draw, path: str) -> str:
    """One input for a file at ``path``: a seed of that kind with fragments spliced in, or
    plain random text."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=400))
    text = draw(st.sampled_from(SEEDS[path]))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 8))
        text = text[:at] + draw(_glue) * draw(st.integers(1, 3)) + text[at + cut:]
    return text


@st.composite
def hostile_notebook(draw) -> str:
    """A well-formed notebook whose code cells are hostile Python (a source as one string
    or as a list of lines, IPython magics mixed in), so the cell handling and fixes meet
    it rather than stopping at the JSON parser."""
    cells = []
    for _ in range(draw(st.integers(1, 3))):
        code = draw(hostile_source("app/a.py"))
        if draw(st.booleans()):
            code = draw(st.sampled_from(["%%time\n", "!ls\n", "%matplotlib inline\n", "%%bash\n", "x = !ls\n", ""])) + code
        source = code.splitlines(keepends=True) if draw(st.booleans()) else code
        cells.append({"cell_type": draw(st.sampled_from(["code", "code", "markdown"])), "metadata": {},
                      "outputs": [], "source": source})
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
                      indent=draw(st.sampled_from([None, 1, 2])), ensure_ascii=draw(st.booleans()))
