"""Fuzzing every source kind (bounded so the suite stays fast; benchmarks/fuzz.py runs the
long version): no exception escapes, no rule or loader reports an internal error, findings
stay in their file, and each file is linted within a time bound. Then whole trees of such
files through the real command: exit 0 or 1, every other file still linted."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.config import Settings
from advisor.engine import Linter
from advisor.fixes import apply_fixes
from advisor.sources import kind_for

from fuzz_inputs import SEEDS, hostile_notebook, hostile_source

SECONDS_PER_FILE = 10  # the bound; typical inputs take milliseconds
_linter = Linter(Settings(root=Path.cwd()), use_cache=False)


@pytest.mark.parametrize("path", sorted(SEEDS))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_no_input_breaks_a_loader_or_a_rule(path, data):
    source = data.draw(hostile_source(path))
    start = time.monotonic()
    report = _linter.lint_source(path, kind_for(Path(path)), source)
    assert time.monotonic() - start < SECONDS_PER_FILE
    assert report.errors == [], (report.errors, source[:300])
    for finding in report.findings:
        assert finding.path == path
    json.dumps(report.to_dict(), allow_nan=False)  # what the cache and JSON output write


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_every_fix_in_a_notebook_leaves_a_valid_notebook(data):
    """A fix's edits in a notebook apply to its JSON: the result is still JSON with the same
    cells, and only code cells' sources changed."""
    text = data.draw(hostile_notebook())
    report = _linter.lint_source("n.ipynb", kind_for(Path("n.ipynb")), text)
    assert report.errors == [], (report.errors, text[:300])
    before = json.loads(text)
    for finding in report.findings:
        if finding.fix is None:
            continue
        after = json.loads(apply_fixes(text, [finding.fix])[0])
        assert len(after["cells"]) == len(before["cells"])
        for old, new in zip(before["cells"], after["cells"]):
            assert {k: v for k, v in old.items() if k != "source"} == {k: v for k, v in new.items() if k != "source"}
            assert type(old["source"]) is type(new["source"])
            if old["cell_type"] != "code":
                assert old == new


GOOD = "Summarize the ticket in no more than 120 words.\n"


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_trees_of_hostile_files_through_the_real_command(tmp_path_factory, data):
    root = tmp_path_factory.mktemp("fuzz")
    names = []
    for index, path in enumerate(sorted(SEEDS)):
        folder, name = path.split("/")
        target = root / folder / f"{index}-{name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.draw(hostile_source(path)).encode("utf-8", "surrogateescape"))
        names.append(target.relative_to(root).as_posix())
    (root / "good" / "prompt.txt").parent.mkdir()
    (root / "good" / "prompt.txt").write_text(GOOD)
    proc = subprocess.run([sys.executable, "-m", "advisor", "lint", ".", "--isolated", "--no-cache", "--format", "json"],
                          cwd=root, capture_output=True, timeout=60 + SECONDS_PER_FILE * len(names))
    stderr = proc.stderr.decode("utf-8")
    assert proc.returncode in (0, 1) and "Traceback" not in stderr, stderr
    result = json.loads(proc.stdout.decode("utf-8"))
    assert any(f["path"] == "good/prompt.txt" for f in result["findings"])
    assert result["errors"] == []
