"""Per-file lint time of TypeScript next to Python of the same size and shape.

Builds one Python module and one TypeScript module holding the same handlers (a route, a
helper, a prompt constant and one Messages API call each), repeated until the file reaches
the size asked for, then lints each through the same engine (no result cache), interleaved,
and prints the median time per file and per KiB. The first TypeScript lint (which loads
tree-sitter and compiles the query) is printed separately.

    python benchmarks/script_speed.py [KIB ...] [ROUNDS]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from advisor.config import Settings
from advisor.engine import Linter
from advisor.model import Kind

PY_HEAD = "import anthropic\nfrom flask import Flask\napp = Flask(__name__)\nclient = anthropic.Anthropic()\n"
PY_UNIT = '''
SYSTEM_PROMPT_{i} = "You are a support agent. Answer in 3 sentences about order {i}."


def helper_{i}(question):
    reply = client.messages.create(model="claude-haiku-5-5", max_tokens=300, system=SYSTEM_PROMPT_{i},
                                   messages=[{{"role": "user", "content": f"Question: {{question}}"}}])
    return reply.content[0].text


@app.post("/ask/{i}")
def route_{i}():
    return {{"answer": helper_{i}(request.json["q"])}}
'''
TS_HEAD = 'import Anthropic from "@anthropic-ai/sdk";\nimport express from "express";\nconst app = express();\nconst client = new Anthropic();\n'
TS_UNIT = '''
const SYSTEM_PROMPT_{i} = "You are a support agent. Answer in 3 sentences about order {i}.";

async function helper_{i}(question: string) {{
  const reply = await client.messages.create({{ model: "claude-haiku-5-5", max_tokens: 300, system: SYSTEM_PROMPT_{i},
    messages: [{{ role: "user", content: `Question: ${{question}}` }}] }});
  return reply.content[0];
}}

app.post("/ask/{i}", async (req, res) => {{
  res.json({{ answer: await helper_{i}(req.body.q) }});
}});
'''


def build(head: str, unit: str, kib: int) -> str:
    parts, size, i = [head], len(head), 0
    while size < kib * 1024:
        piece = unit.format(i=i)
        parts.append(piece)
        size += len(piece)
        i += 1
    return "".join(parts)


def main() -> None:
    args = [int(a) for a in sys.argv[1:]]
    rounds = args.pop() if len(args) > 1 else 7
    sizes = args or [4, 64]
    linter = Linter(Settings(root=Path.cwd()), use_cache=False)
    linter.lint_source("first.py", Kind.PYTHON, build(PY_HEAD, PY_UNIT, 1))  # rule pack and catalog loaded
    start = time.perf_counter()
    linter.lint_source("first.ts", Kind.TYPESCRIPT, build(TS_HEAD, TS_UNIT, 1))
    print(f"first TypeScript lint (loads tree-sitter): {(time.perf_counter() - start) * 1000:.0f} ms")
    for kib in sizes:
        files = {"python": ("app.py", Kind.PYTHON, build(PY_HEAD, PY_UNIT, kib)),
                 "typescript": ("app.ts", Kind.TYPESCRIPT, build(TS_HEAD, TS_UNIT, kib))}
        times: dict[str, list[float]] = {name: [] for name in files}
        for _ in range(rounds):
            for name, (path, kind, text) in files.items():
                start = time.perf_counter()
                report = linter.lint_source(path, kind, text)
                times[name].append(time.perf_counter() - start)
                assert report.calls, f"{name}: no calls read"
        for name, (_, _, text) in files.items():
            median = statistics.median(times[name])
            print(f"{kib:>4} KiB {name:<10} {len(text) / 1024:7.1f} KiB  median {median * 1000:8.1f} ms/file"
                  f"  {median * 1000 / (len(text) / 1024):6.2f} ms/KiB")


if __name__ == "__main__":
    main()
