"""advisor holds itself to what it asks of others: its own code passes ruff and mypy with
the configuration in pyproject.toml. Run as tests so `.ci/run` (and anyone running the
README's test command) checks them on every change."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> list[str]:
    """The tool from this interpreter's environment (the test extra installs both)."""
    if shutil.which(name, path=str(Path(sys.executable).parent)) is None:
        pytest.fail(f"{name} is not installed: `pip install '.[test]'` installs it")
    return [sys.executable, "-m", name]


def test_ruff_finds_nothing():
    done = subprocess.run([*_tool("ruff"), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_finds_nothing(tmp_path):
    command = [*_tool("mypy"), "--cache-dir", str(tmp_path / "mypy-cache")]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_dataclass_has_a_docstring():
    """The dataclass decorator writes a docstring for a class that has none, with
    `inspect.signature`, every time the module is imported: every run pays for a missing
    one (docs/architecture.md, "Where a run spends its time")."""
    import ast

    missing = []
    for path in sorted((ROOT / "advisor").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.ClassDef) and not ast.get_docstring(node)
                    and any("dataclass" in ast.unparse(decorator) for decorator in node.decorator_list)):
                missing.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert missing == []
