"""The installed package, not the source tree: a non-editable wheel must carry the rule
pack and the templates, and its console script must lint the example repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(PROJECT), "--no-deps", "--no-build-isolation", "-q", "-w", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    (built,) = out.glob("advisor-*.whl")
    return built


def test_wheel_ships_the_rule_pack(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for rule_file in (PROJECT / "rules").glob("*.yaml"):
        assert f"advisor/_rules/{rule_file.name}" in names
    assert not any(name.startswith("rules/") for name in names), "the pack belongs inside the package"
    assert not any(name.startswith("tests/") for name in names)


def test_installed_console_script_lints_the_examples(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, text=True)
    # The dependencies come from the test environment, added only after the install (pip
    # must not see an advisor there and skip the wheel) and after the new venv's own
    # site-packages, so the wheel's advisor wins over any advisor installed outside.
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    outer = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "_test_dependencies.pth").write_text("\n".join(sorted(outer)) + "\n")
    examples = tmp_path / "work" / "examples"
    shutil.copytree(PROJECT / "examples", examples)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["ADVISOR_RULES_CACHE"] = "off"
    proc = subprocess.run(
        [str(env_dir / "bin" / "advisor"), "lint", "examples", "--format", "json", "--no-cache"],
        cwd=tmp_path / "work", capture_output=True, text=True, env=env,
    )
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    rules = {f["rule"] for f in data["findings"]}
    assert {"word-count-limit", "missing-max-tokens", "non-streaming-ui-call", "oversized-model"} <= rules
    where = subprocess.run(
        [str(python), "-c", "import advisor.ruledata as r; print(r.rules_dir())"],
        cwd=tmp_path, capture_output=True, text=True, env=env,
    )
    assert "site-packages/advisor/_rules" in where.stdout, where.stdout + where.stderr
