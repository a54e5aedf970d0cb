"""How long `advisor report` takes on a big repository, next to `advisor lint`.

Builds the synthetic repository (benchmarks/synthetic.py), then in one process, cold
(no result cache): lints it with the engine, and turns that result into the HTML report
(context + render + write). The report command is lint + render, so the figure that
matters is (lint + render) / lint, which should stay at or under 1.5.

    python benchmarks/report_speed.py [N_FILES] [--keep DIR]

Prints the times, the ratio and the size of the HTML. Lint is timed before and after the
render too, so a noisy machine shows up as a spread rather than a wrong ratio.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_repo  # noqa: E402

from advisor.engine import Linter  # noqa: E402
from advisor.report.command import generate, write_atomically  # noqa: E402
from advisor.run import load_run_settings  # noqa: E402


def lint_once(root: Path):
    """`advisor lint .` in-process: the same settings lookup, the engine, no cache."""
    started = time.perf_counter()
    settings = load_run_settings(["."], None, isolated=False)
    result = Linter(settings, use_cache=False).lint_paths(["."])
    return result, time.perf_counter() - started


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv and argv[0].isdigit() else 3000
    keep = Path(argv[argv.index("--keep") + 1]) if "--keep" in argv else None
    with tempfile.TemporaryDirectory(prefix="advisor-report-bench-") as scratch:
        root = keep or Path(scratch) / "repo"
        root.mkdir(parents=True, exist_ok=True)
        make_repo(root, count, seed=7)
        previous = Path.cwd()
        os.chdir(root)  # finding paths are relative to the working directory, as in the CLI
        try:
            lint_times = []
            result, elapsed = lint_once(root)
            lint_times.append(elapsed)
            started = time.perf_counter()
            html = generate(result, paths=["."])
            rendered = time.perf_counter()
            target = Path(scratch) / "advisor-report.html"
            write_atomically(target, html)
            written = time.perf_counter()
            _, elapsed = lint_once(root)
            lint_times.append(elapsed)
        finally:
            os.chdir(previous)
        lint_s = statistics.median(lint_times)
        render_s = written - started
        size = target.stat().st_size
        print(f"files: {count:,} ({len(result.files):,} linted), findings: {len(result.findings):,}, calls: {len(result.calls):,}")
        print(f"lint (cold, engine in-process): {lint_s:.3f} s  (runs: {', '.join(f'{t:.3f}' for t in lint_times)})")
        print(f"render (context + HTML + write): {render_s:.3f} s  (of which writing {written - rendered:.3f} s)")
        print(f"report / lint = (lint + render) / lint: {(lint_s + render_s) / lint_s:.2f}  (budget 1.50)")
        print(f"HTML size: {size:,} bytes ({size / 1024 / 1024:.2f} MiB, {size / count:,.0f} bytes per file)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
