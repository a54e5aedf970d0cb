"""A repository full of bad and hostile files, linted by the real command in a real process:
every bad file is reported (a parse-error or a skip note naming it), nothing is executed,
nothing hangs, no traceback reaches the user, and the good file is still linted."""

import json
import os
import subprocess
import sys

MARKER = "advisor-hostile-marker"


def test_hostile_repository(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("in 50 words")
    repo = tmp_path / "repo"
    files = {
        "prompts/good.txt": "Summarize the ticket in no more than 120 words.\n",
        "prompts/latin1.txt": "r\xe9sum\xe9 en 50 mots".encode("latin-1"),
        "prompts/binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00",
        "prompts/huge.txt": "word " * 400_000,
        "configs/evil.yaml": f"model: m\nmax_tokens: 1\nmessages: !!python/object/apply:os.system ['touch {tmp_path / MARKER}']\n",
        "configs/recursive.yaml": "a: &a [*a]\nmodel: m\nmessages: []\n",
        "configs/bomb.yaml": "\n".join(
            [f"l0: &l0 [{', '.join(['x'] * 10)}]"]
            + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 40)]
            + ["model: m", "max_tokens: 1", "messages: *l39"]
        ),
        "configs/deep.json": "{\"model\": \"m\", \"messages\": " + "[" * 100_000 + "]" * 100_000 + "}",
        "templates/escape.j2": "{{ ''.__class__.__mro__[1].__subclasses__() }}{{ cycler.__init__.__globals__.os.system('touch "
        + str(tmp_path / MARKER) + "') }}",
        "templates/broken.j2": "{% for x in %}\n",
        "app/syntax.py": "import anthropic\ndef f(:\n",
        "app/deep.py": "import anthropic\nx = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
    }
    for name, content in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    os.symlink(outside / "secret.txt", repo / "prompts" / "link.txt")
    os.symlink(outside, repo / "prompts" / "linked-dir")
    (repo / ".advisor.toml").write_text('[variables]\nn = 1\n')

    proc = subprocess.run(
        [sys.executable, "-m", "advisor", "lint", ".", "--format", "json", "--no-cache"],
        cwd=repo, capture_output=True, text=True, timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    errors = {f["path"] for f in data["findings"] if f["rule"] == "parse-error"}
    assert {"prompts/latin1.txt", "configs/evil.yaml", "configs/deep.json", "templates/broken.j2",
            "app/syntax.py", "app/deep.py"} <= errors
    notes = {n["path"]: n["reason"] for n in data["notes"]}
    assert "binary" in notes["prompts/binary.txt"]
    assert "max-file-size" in notes["prompts/huge.txt"]
    assert "outside the tree" in notes["prompts/link.txt"] and "outside the tree" in notes["prompts/linked-dir"]
    assert any(f["path"] == "prompts/good.txt" and f["rule"] == "word-count-limit" for f in data["findings"])
    # self-referencing and exponentially aliased YAML are read once, in linear time
    assert {"configs/recursive.yaml", "configs/bomb.yaml"} <= {f["path"] for f in data["files"]}
    assert not (tmp_path / MARKER).exists(), "something from the repository was executed"
    assert all(f["path"] != "prompts/link.txt" for f in data["findings"])
