"""API keys planted in every shape a repository can hold them never reach any output of
advisor, nor any file it writes: every format, -o files, the fix diff, `tokens`, the
report and the result cache. The real command, in a real process, greps everything."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys

import pytest


def _key(kind: str, seed: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    rng = random.Random(seed)
    return f"sk-ant-{kind}-" + "".join(rng.choice(alphabet) for _ in range(95))


KEYS = [_key("api03", n) for n in range(8)] + [_key("admin01", 9)] + [_key("api03", n) for n in (10, 11, 12)]


def _windows(key: str, width: int = 12) -> list[str]:
    body = key.split("-", 3)[3]
    return [body[i:i + width] for i in range(0, len(body) - width + 1, 6)]


def _files() -> dict[str, str]:
    k = KEYS
    long_prompt = f"Reference: {k[6]} is the account.\n" + "Refunds are possible within thirty days of purchase. " * 200
    return {
        "configs/comment.yaml": f"# staging key: {k[0]}\nmodel: claude-haiku-5-5\nmax_tokens: 100000\n"
                                "messages: [{role: user, content: 'Answer yes or no.'}]\n",
        "configs/fields.json": json.dumps({"model": k[1], "max_tokens": k[2], "messages": [{"role": "user", "content": "hi"}]}),
        "configs/folded.yaml": f"model: claude-haiku-5-5\nmax_tokens: 5\nmetadata:\n  key: >-\n    {k[3][:40]}\n    {k[3][40:]}\n"
                               "messages: [{role: user, content: 'Answer in 50 words.'}]\n",
        "app/split.py": (
            "import anthropic\n"
            f"KEY = ('{k[4][:30]}'\n       '{k[4][30:]}')\n"
            f"OTHER = '{k[5][:7]}' + '{k[5][7:]}'\n"
            "client = anthropic.Anthropic(api_key=KEY)\n"
            f"def ask(q):\n    return client.messages.create(model='claude-sonnet-4-5', max_tokens=4096,\n"
            f"        system=f'Bearer {k[7]} {{q}} Answer in 50 words.', messages=[{{'role': 'user', 'content': q}}])\n"
        ),
        "prompts/long.txt": long_prompt,
        f"prompts/{k[8]}.txt": "Answer in 40 words.\n",
        ".advisor.toml": "[rules.prompt-too-long]\nmax-tokens = 50\n",
        # a notebook: a key in a code cell (next to a fixable call) and one printed in an output
        "notebooks/n.ipynb": json.dumps({"cells": [
            {"cell_type": "code", "metadata": {}, "execution_count": 1,
             "outputs": [{"output_type": "stream", "name": "stdout", "text": [f"using {k[10]}\n"]}],
             "source": ["import anthropic\n", f"client = anthropic.Anthropic(api_key=\"{k[9]}\")\n",
                        "r = client.messages.create(model='claude-sonnet-4-5', max_tokens=4096,\n",
                        "    system='Answer yes or no.', messages=[])\n"]}],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1),
        ".env": f"ANTHROPIC_API_KEY={k[11]}\n",
    }


@pytest.fixture
def planted(tmp_path):
    repo = tmp_path / "repo"
    for name, content in _files().items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return repo


def _run(repo, env, *args):
    proc = subprocess.run([sys.executable, "-m", "advisor", *args], cwd=repo, capture_output=True, text=True,
                          timeout=120, env=env)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stdout + proc.stderr


def test_no_key_reaches_any_output_or_written_file(planted, tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "home")}
    outputs = {}
    for fmt in ("text", "json", "sarif", "github"):
        outputs[f"lint {fmt}"] = _run(planted, env, "lint", ".", "--format", fmt)
    outputs["lint -o"] = _run(planted, env, "lint", ".", "--format", "json", "-o", str(tmp_path / "out.json"))
    outputs["diff"] = _run(planted, env, "lint", ".", "--diff", "--unsafe-fixes", "--no-cache")
    outputs["tokens"] = _run(planted, env, "tokens", ".")
    outputs["tokens json"] = _run(planted, env, "tokens", ".", "--format", "json")
    outputs["tokens explain"] = _run(planted, env, "tokens", ".", "--explain")
    outputs["report"] = _run(planted, env, "report", ".", "-o", str(tmp_path / "report.html"))
    written = [tmp_path / "out.json", tmp_path / "report.html", *(p for p in (planted / ".advisor_cache").rglob("*") if p.is_file())]
    for path in written:
        outputs[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    # the outputs are not empty: the planted files were linted and reported
    assert "hardcoded-api-key" in outputs["lint text"] and "prompt-too-long" in outputs["lint text"]
    assert "notebooks/n.ipynb:cell 1:2:" in outputs["lint text"] and ".env:1:" in outputs["lint text"]
    assert "configs/fields.json" in outputs["lint json"] and "sk-ant-…[redacted]" in outputs["lint json"]
    assert any(p.name.startswith("results.") for p in written)
    leaks = [(where, key[:20]) for where, text in outputs.items() for key in KEYS for w in _windows(key) if w in text]
    assert leaks == []


def test_keys_assembled_from_pieces_are_reported(planted, tmp_path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "home")}
    data = json.loads(_run_json(planted, env))
    found = {(f["path"], f["line"]) for f in data["findings"] if f["rule"] == "hardcoded-api-key"}
    # implicit concatenation over two lines, 'sk-ant-' + '…', a folded YAML scalar
    assert {("app/split.py", 2), ("app/split.py", 4), ("configs/folded.yaml", 5)} <= found
    # a notebook's code cell (line 2 of cell 1), its output (line 1, outside the cells), a .env file
    assert {("notebooks/n.ipynb", 2), ("notebooks/n.ipynb", 1), (".env", 1)} <= found
    assert all("108 characters" in f["message"] for f in data["findings"] if f["rule"] == "hardcoded-api-key")


def _run_json(repo, env):
    proc = subprocess.run([sys.executable, "-m", "advisor", "lint", ".", "--format", "json", "--no-cache"],
                          cwd=repo, capture_output=True, text=True, timeout=120, env=env)
    return proc.stdout
