"""How fast is `advisor lint` next to the least any linter must do?

The floor is reading every file once and encoding it once with tiktoken (the same bundled
cl100k_base advisor counts with). Against it, in the same process:

* cold: a full lint with the result cache off (``--no-cache``);
* warm: a lint whose result cache is already filled (nothing changed since).

Targets from the issue, at 3,000 files: cold <= 3x the floor, warm <= 1x the floor.
Each figure is the median of several interleaved rounds, because these machines are noisy;
the first cold run (which also compiles the rule pack's patterns) is printed separately.

    python benchmarks/lint_speed.py [N_FILES] [ROUNDS]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_repo  # noqa: E402

from advisor import tokens  # noqa: E402
from advisor.config import Settings  # noqa: E402
from advisor.engine import Linter  # noqa: E402


def floor(root: Path) -> float:
    """Read every file once and encode it once."""
    start = time.perf_counter()
    for directory, _, names in os.walk(root):
        for name in names:
            text = (Path(directory) / name).read_bytes().decode("utf-8")
            tokens.raw_count(text)
    return time.perf_counter() - start


def lint(root: Path, *, cache: bool) -> tuple[float, int]:
    settings = Settings(root=root)
    start = time.perf_counter()
    result = Linter(settings, use_cache=cache).lint_paths([root])
    return time.perf_counter() - start, len(result.files)


def cli_times(repo: Path, runs: int = 3) -> float:
    """Median wall time of the real command in a fresh process (what a user waits for)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "advisor", "lint", "--no-cache", "-q", "--format", "json", "."],
                       cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    n_files = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    workdir = Path(tempfile.mkdtemp(prefix="advisor-bench-"))
    try:
        repo = workdir / "repo"
        make_repo(repo, n_files)
        os.chdir(repo)
        tokens.raw_count("load the encoder before timing anything")
        first_cold, linted = lint(repo, cache=False)
        lint(repo, cache=True)  # fill the result cache
        floors, colds, warms = [], [], []
        for _ in range(rounds):
            floors.append(floor(repo))
            colds.append(lint(repo, cache=False)[0])
            warms.append(lint(repo, cache=True)[0])
        base = statistics.median(floors)
        cold = statistics.median(colds)
        warm = statistics.median(warms)
        print(f"files: {n_files} written, {linted} linted; rounds: {rounds}")
        print(f"floor (read + tiktoken encode): {base:.3f} s")
        print(f"cold lint (--no-cache):         {cold:.3f} s  = {cold / base:.2f}x floor  (target <= 3x)")
        print(f"warm lint (cache filled):       {warm:.3f} s  = {warm / base:.2f}x floor  (target <= 1x)")
        print(f"first cold run in this process: {first_cold:.3f} s  (includes compiling the rule pack)")
        command = cli_times(repo)
        print(f"`advisor lint --no-cache` as a command (interpreter start, imports, lint): {command:.3f} s"
              f"  = {command / base:.2f}x floor")
    finally:
        os.chdir("/")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
