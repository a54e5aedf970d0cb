"""The long fuzz run and the hostile corpus: what the suite checks in a bounded way
(tests/test_fuzz.py, tests/test_hostile_*.py), at a size that finds rarer failures.

1. Fuzz: ``--examples`` inputs per source kind (tests/fuzz_inputs.py strategies) linted in
   process; prints how many inputs were tried, the slowest file, and every input that
   raised, reported an internal error or took over the time bound (saved to ``--save``).
2. Hostile corpus: one tree with every reproduction of the hostile-repository issue
   (deep YAML, alias bombs, a 1 MiB repeated prompt, huge numbers, FIFOs, keys...), run
   through ``advisor lint --format json`` and ``advisor report`` in child processes;
   prints wall time and peak memory of each (target: under 10 s and 500 MiB).

Usage::

    python benchmarks/fuzz.py [--examples 2000] [--seed 0] [--save DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from fuzz_inputs import SEEDS, hostile_source  # noqa: E402

SECONDS_PER_FILE = 10.0


def fuzz(examples: int, random_seed: int, save: Path | None) -> int:
    from advisor.config import Settings
    from advisor.engine import Linter
    from advisor.sources import kind_for

    linter = Linter(Settings(root=Path.cwd()), use_cache=False)
    tried = 0
    failures: list[tuple[str, str, str]] = []
    slowest = (0.0, "")

    for path in sorted(SEEDS):
        @seed(random_seed)
        @settings(max_examples=examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(data=st.data(), path=st.just(path))
        def run(data, path):
            nonlocal tried, slowest
            source = data.draw(hostile_source(path))
            tried += 1
            start = time.monotonic()
            try:
                report = linter.lint_source(path, kind_for(Path(path)), source)
                json.dumps(report.to_dict(), allow_nan=False)
                problem = report.errors[0] if report.errors else None
            except Exception:
                problem = traceback.format_exc(limit=3)
            took = time.monotonic() - start
            if took > slowest[0]:
                slowest = (took, path)
            if took > SECONDS_PER_FILE:
                problem = f"took {took:.1f} s"
            if problem:
                failures.append((path, problem, source))

        run()
    print(f"fuzz: {tried} inputs over {len(SEEDS)} source kinds; slowest file {slowest[0] * 1000:.0f} ms ({slowest[1]})")
    for index, (path, problem, source) in enumerate(failures):
        print(f"  FAIL {path}: {problem.strip().splitlines()[-1][:200]}")
        if save is not None:
            save.mkdir(parents=True, exist_ok=True)
            (save / f"{index}-{Path(path).name}").write_text(source, encoding="utf-8", errors="surrogateescape")
    print(f"fuzz: {len(failures)} failing input(s)")
    return len(failures)


def hostile_tree(root: Path) -> None:
    bomb = "\n".join(["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
                     + [f"{x}: &{x} [{', '.join([f'*{p}'] * 10)}]" for p, x in zip("abcdefgh", "bcdefghi")])
    files = {
        "configs/dashes.yaml": "model: claude-haiku-5-5\nmessages:\n" + "- " * 30_000 + "x\n",
        "configs/questions.yaml": "model: claude-haiku-5-5\nmessages: []\nmetadata:\n" + "? " * 30_000 + "x\n",
        "prompts/deep.prompty": "---\nname: x\nsample:\n" + "- " * 30_000 + "x\n---\nuser:\nHi\n",
        "configs/bomb.yaml": bomb + "\nmodel: claude-haiku-5-5\nmax_tokens: *i\nmetadata: *h\nmessages: *i\n",
        "configs/huge.yaml": "model: claude-haiku-5-5\nmax_tokens: 1e400\ntemperature: 1" + "0" * 400 + "\nmessages: []\n",
        "configs/dup.json": '{"model": "claude-haiku-5-5", "max_tokens": 10, "messages": [], "model": "claude-opus-5-5"}',
        "prompts/many.txt": "Answer in 300 words.\n" * 48_000,
        "app/many.py": "import anthropic\nc = anthropic.Anthropic()\nP = '''" + "Answer in 300 words.\n" * 40_000
        + "'''\nc.messages.create(model='claude-haiku-5-5', max_tokens=10**400, messages=[{'role': 'user', 'content': P}])\n",
        "templates/abuse.j2": "{{ 'x' * 300000000 }}{{ name | center(999999999) }}{{ 9 ** (9 ** 9) }}\n",
        "prompts/keys.txt": "Use sk-ant-api03-" + "Z" * 95 + " here.\n",
        "prompts/good.txt": "Summarize the ticket in no more than 120 words.\n",
    }
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    os.mkfifo(root / "prompts" / "pipe.txt")
    (root / ".advisor.toml").write_text('[variables]\nname = "Ada"\n')


def child_peak(command: list[str], cwd: Path) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB, exit code) of one child process, measured alone:
    each run in its own grandchild so RUSAGE_CHILDREN holds only it."""
    probe = (
        "import resource, subprocess, sys, time, json\n"
        "start = time.monotonic()\n"
        f"code = subprocess.run({command!r}, cwd={str(cwd)!r}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode\n"
        "print(json.dumps([time.monotonic() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, code]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    wall, peak, code = json.loads(done.stdout)
    return wall, peak, code


def hostile(python: str) -> None:
    with tempfile.TemporaryDirectory(prefix="advisor-hostile-") as scratch:
        root = Path(scratch)
        hostile_tree(root)
        baseline = child_peak([python, "-c", "import advisor.cli"], root)
        print(f"hostile corpus: floor (python + import advisor.cli): {baseline[0]:.2f} s, {baseline[1]:.0f} MiB")
        for label, args in (("lint --format json", ["lint", ".", "--no-cache", "--format", "json"]),
                            ("report", ["report", ".", "--no-cache", "-o", str(root / "r.html")])):
            wall, peak, code = child_peak([python, "-m", "advisor", *args], root)
            verdict = "ok" if wall < 10 and peak < 500 and code in (0, 1) else "OVER TARGET"
            print(f"hostile corpus: {label}: {wall:.2f} s wall, {peak:.0f} MiB peak, exit {code}  [{verdict}]")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="inputs per source kind")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", type=Path, help="folder to write failing inputs to")
    parser.add_argument("--python", default=sys.executable, help="the installation to run the hostile corpus with")
    args = parser.parse_args()
    failures = fuzz(args.examples, args.seed, args.save)
    hostile(args.python)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
