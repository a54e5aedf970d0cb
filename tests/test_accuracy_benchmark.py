"""The real-world accuracy benchmark (benchmarks/accuracy.py): its corpus stays well formed,
notebook labels are matched by cell, and its scores are split by source kind. The corpus's
third-party snapshots are not available here, so the end-to-end case builds its own small
git repository and scores the installed advisor on it."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("accuracy_benchmark", ROOT / "benchmarks" / "accuracy.py")
assert _spec is not None and _spec.loader is not None
accuracy = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = accuracy  # dataclasses resolve their module while the class is built
_spec.loader.exec_module(accuracy)


def test_every_batch_loads_and_notebook_labels_name_their_cell():
    repositories = accuracy.load_corpus(accuracy.CORPUS)
    assert repositories
    for repository in repositories:
        assert re.fullmatch(r"[0-9a-f]{40}", repository.commit), repository.repo
        for reviewed in repository.files:
            notebook = reviewed.path.endswith(".ipynb")
            for label in reviewed.flags:
                where = f"{repository.repo}:{reviewed.path}: {label.rule} {label.start}-{label.end}"
                # a line of the .ipynb JSON means nothing to a reviewer; a cell is required
                assert (label.cell is not None) == notebook, where
                assert 1 <= label.start <= label.end, where


def test_a_cell_label_is_met_only_by_a_finding_in_that_cell():
    label = accuracy.Label("deprecated-model", 2, 3, cell=17)  # the corpus counts cells from 0
    # advisor reports cell 18 (1-based, every cell counted) and counts `line` within it
    assert label.covers({"line": 2, "cell": 18})
    assert label.covers({"line": 3, "cell": 18})
    assert not label.covers({"line": 4, "cell": 18})
    assert not label.covers({"line": 2, "cell": 17})
    assert not label.covers({"line": 2})  # no cell: an installation that cannot read notebooks
    assert label.covers({"line": 40, "cell": 18, "cell_line": 2})  # an explicit line-in-cell wins
    assert accuracy.Label("deprecated-model", 2, 3).covers({"line": 3, "cell": 1})


@pytest.mark.parametrize(("path", "kind"), [
    ("app/chat.py", "python"),
    ("lessons/01 intro.ipynb", "notebook"),
    ("app/api/chat/route.ts", "ts/js"),
    ("src/Chat.TSX", "ts/js"),
    ("server/index.mjs", "ts/js"),
    ("configs/request.yml", "yaml/json"),
    ("bodies/request.json", "yaml/json"),
    ("prompts/system.txt", "prompt"),
    ("prompts/answer.md.j2", "prompt"),
])
def test_source_kind_follows_the_suffix(path, kind):
    assert accuracy.source_kind(path) == kind


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
                               "GIT_COMMITTER_EMAIL": "t@example.org", "PATH": "/usr/bin:/bin", "HOME": str(folder)})
    return done.stdout.strip()


def test_scores_are_split_by_source_kind(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "ask.py").write_text(
        "import anthropic\n"
        "\n"
        "client = anthropic.Anthropic()\n"
        "reply = client.messages.create(\n"
        '    model="claude-3-opus-20240229",\n'
        "    max_tokens=300,\n"
        '    messages=[{"role": "user", "content": "Explain the refund policy."}],\n'
        ")\n",
        encoding="utf-8",
    )
    (work / "route.ts").write_text("export const answer = 42;\n", encoding="utf-8")
    _git(work, "init", "-q")
    _git(work, "add", ".")
    _git(work, "commit", "-q", "-m", "sample")
    commit = _git(work, "rev-parse", "HEAD")
    snapshots = tmp_path / "snapshots"
    (snapshots / "someone+sample").mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(snapshots / "someone+sample" / "repo")], check=True)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "batch-1.yaml").write_text(
        "- repo: someone/sample\n"
        f"  commit: {commit}\n"
        "  kind: test\n"
        "  files:\n"
        "    - path: ask.py\n"
        "      flag:\n"
        '        - {rule: deprecated-model, lines: [5, 5], note: "retired"}\n'
        "    - path: route.ts\n"
        "      flag:\n"
        '        - {rule: non-streaming-ui-call, lines: [1, 1], note: "a label no finding can meet"}\n',
        encoding="utf-8",
    )
    report_path = tmp_path / "report.json"
    assert accuracy.main(["--snapshots", str(snapshots), "--corpus", str(corpus), "--json", str(report_path)]) == 0
    report = next(iter(json.loads(report_path.read_text(encoding="utf-8")).values()))
    assert report["_sources"]["python"] == {"tp": 1, "fp": 0, "fn": 0}
    assert report["_sources"]["ts/js"] == {"tp": 0, "fp": 0, "fn": 1}
    assert report["deprecated-model"]["tp"] == 1
