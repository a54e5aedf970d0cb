"""Real-world accuracy: per-rule precision and recall on a labelled corpus of public code.

The corpus (``benchmarks/corpus/*.yaml``) holds references only: repository, commit, the
files a reviewer read in full, and in each the spans a careful reviewer of the latency guide
would flag (``flag``) and the findings that would be wrong (``ok``, kept as documentation
of the trap). The third-party files themselves are never in this project: the script reads
them from git snapshots in a folder (by default ``/work/.mirror``, where the search tool's
``fetch`` puts them, one ``owner+name`` folder per repository), extracts each labelled
commit to a scratch directory and lints the labelled files there.

Scoring, per rule:
- a finding in a reviewed file whose line falls in a ``flag`` span of the same rule is a
  true positive (one per span: a second finding on the same span is noise, a false one);
- any other finding in a reviewed file is a false positive (the reviewer read the whole
  file, so an unlabelled finding is one they would not have asked for);
- a ``flag`` span no finding reached is a miss;
- a finding that also reports another rule's problem (its JSON ``also``: deprecated-model
  naming the faster model a simple task needs) meets that rule's label on the span too.

The same tallies are also given per source kind (Python, notebooks, TypeScript/JavaScript,
YAML/JSON request configs, prompt files), by the reviewed file's suffix, so a new loader's
precision and recall can be read apart from the rest.

Notebook labels name a cell: ``cell`` is the 0-based index among all the notebook's cells
(markdown counted, as in the ``.ipynb`` JSON list) and ``lines`` are 1-based lines within that
cell's source; lines of the ``.ipynb`` file itself mean nothing to a reviewer. A notebook
finding is matched through its JSON ``cell`` (the 1-based cell number advisor reports, every
cell counted) and its ``line``, which advisor then counts within the cell; a finding without a
cell (an installation that does not read notebooks by cell) cannot meet a cell label.

Usage::

    python benchmarks/accuracy.py [--snapshots DIR] [--python PYTHON] [--json OUT] [--details]

``--python`` runs another installation of advisor (a baseline checkout's venv, say) so a
before/after table comes from one corpus in one run. CI cannot fetch snapshots, so this is
a benchmark, not a test; a repository whose snapshot is absent is reported and skipped.
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

CORPUS = Path(__file__).parent / "corpus"
TODAY = "2026-12-02"  # the date the corpus was labelled on: lifecycle verdicts depend on it


@dataclass
class Label:
    rule: str
    start: int
    end: int
    note: str = ""
    matched: int = 0
    cell: int | None = None  # notebooks: 0-based cell index; start/end are lines within it

    def covers(self, finding: dict) -> bool:
        """Whether the finding's position falls in this span (a cell's lines for notebooks)."""
        if self.cell is None:
            return self.start <= finding["line"] <= self.end
        position = _cell_position(finding)
        return position is not None and position[0] == self.cell and self.start <= position[1] <= self.end


# advisor numbers notebook cells from 1 in its outputs (as ruff and its text format
# ``nb.ipynb:cell 4:12:5`` do); the corpus indexes the JSON cell list from 0
_FINDING_CELL_BASE = 1


def _cell_position(finding: dict) -> tuple[int, int] | None:
    """(0-based cell index, 1-based line in the cell) of a notebook finding, if it has one.

    advisor's JSON gives a notebook finding a ``cell`` and counts its ``line`` within that
    cell; a ``cell_line`` field, where present, is taken as the line in the cell instead."""
    cell = finding.get("cell")
    line = finding.get("cell_line", finding.get("line"))
    if not isinstance(cell, int) or not isinstance(line, int):
        return None
    return cell - _FINDING_CELL_BASE, line


@dataclass
class FileLabels:
    path: str
    flags: list[Label] = field(default_factory=list)


@dataclass
class Repository:
    repo: str
    commit: str
    kind: str
    files: list[FileLabels]
    source: str


def load_corpus(folder: Path) -> list[Repository]:
    """Every batch's entries; a repository labelled in several batches (more of its files
    reviewed later) is one repository, linted once. A file reviewed twice is an error."""
    yaml = YAML(typ="safe", pure=True)
    repositories: dict[tuple[str, str], Repository] = {}
    for batch in sorted(folder.glob("*.yaml")):
        for entry in yaml.load(batch.read_text(encoding="utf-8")) or []:
            files = []
            for item in entry.get("files") or []:
                flags = [Label(f["rule"], int(f["lines"][0]), int(f["lines"][-1]), f.get("note", ""),
                               cell=None if f.get("cell") is None else int(f["cell"]))
                         for f in item.get("flag") or []]
                files.append(FileLabels(item["path"], flags))
            key = (entry["repo"], str(entry["commit"]))
            if key not in repositories:
                repositories[key] = Repository(entry["repo"], key[1], entry.get("kind", ""), files, batch.name)
                continue
            known = repositories[key]
            twice = {f.path for f in known.files} & {f.path for f in files}
            if twice:
                raise SystemExit(f"{batch.name}: {entry['repo']}: already reviewed in {known.source}: {', '.join(sorted(twice))}")
            known.files.extend(files)
            known.source += f", {batch.name}"
    return list(repositories.values())


def git_dir(snapshots: Path, repo: str) -> Path | None:
    """The git directory of a fetched snapshot: a bare ``repo/`` or a clone's ``repo/.git``."""
    folder = snapshots / repo.replace("/", "+")
    for candidate in (folder / "repo" / ".git", folder / "repo"):
        if (candidate / "HEAD").is_file():
            return candidate
    return None


_MAX_BLOB = 4 * 1024 * 1024  # snapshots lack larger files anyway


def extract(git: Path, commit: str, into: Path) -> None:
    """The commit's tree in ``into``. Snapshots lack their largest files, which makes
    ``git archive`` fail; then every blob that is present is written one by one."""
    done = subprocess.run(["git", f"--git-dir={git}", "archive", commit], capture_output=True)
    if done.returncode == 0:
        with tarfile.open(fileobj=BytesIO(done.stdout)) as tar:
            tar.extractall(into, filter="data")
        return
    listing = subprocess.run(["git", f"--git-dir={git}", "ls-tree", "-r", "-l", "-z", commit], check=True, capture_output=True).stdout
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, sha, size = meta.split()
        if kind != b"blob" or mode == b"120000" or not size.isdigit() or int(size) > _MAX_BLOB:
            continue
        blob = subprocess.run(["git", f"--git-dir={git}", "cat-file", "blob", sha.decode()], capture_output=True)
        if blob.returncode != 0:
            continue
        target = into / name.decode("utf-8", "replace")
        if ".." in Path(name.decode("utf-8", "replace")).parts:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob.stdout)


def lint(python: str, tree: Path, paths: list[str]) -> dict:
    """Lint the whole tree as a user would (``advisor lint .``: discovery decides what is a
    prompt), then keep what concerns the reviewed files. A reviewed file discovery skips
    still counts: its flagged spans become misses."""
    present = [p for p in paths if (tree / p).is_file()]
    command = [*_clock(python), python, "-m", "advisor", "lint", ".", "--isolated", "--no-cache", "--format", "json", "--fail-on", "never"]
    if _knows_today(python):
        command += ["--today", TODAY]
    done = subprocess.run(command, cwd=tree, capture_output=True, text=True)
    if done.returncode != 0:
        return {"findings": [], "errors": [done.stderr.strip() or f"exit {done.returncode}"], "missing": []}
    result = json.loads(done.stdout)
    result["missing"] = [p for p in paths if p not in present]
    return result


@functools.lru_cache(maxsize=None)
def _knows_today(python: str) -> bool:
    """Installations from before the clock was an input have no ``--today``."""
    # run outside this checkout: `-m advisor` from here would import the checkout, not the installation
    done = subprocess.run([python, "-m", "advisor", "lint", "--help"], capture_output=True, text=True, cwd=tempfile.gettempdir())
    return "--today" in done.stdout


def _clock(python: str) -> list[str]:
    """For an installation without ``--today``, the command prefix that pins its clock
    (libfaketime), so lifecycle verdicts are judged on the same day as the labels."""
    if _knows_today(python):
        return []
    if shutil.which("faketime") is None:
        print(f"warning: {python} has no --today and faketime is not installed: its lifecycle verdicts use today's date",
              file=sys.stderr)
        return []
    return ["env", "FAKETIME_DONT_FAKE_MONOTONIC=1", "faketime", f"{TODAY} 12:00:00"]


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def _open_label(labels: FileLabels, rule: str, finding: dict) -> Label | None:
    return next((label for label in labels.flags if label.rule == rule and label.covers(finding)
                 and not label.matched), None)


SOURCE_KINDS = (
    ("python", (".py", ".pyi")),
    ("notebook", (".ipynb",)),
    ("ts/js", (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")),
    ("yaml/json", (".yaml", ".yml", ".json")),
)


def source_kind(path: str) -> str:
    """The kind of source a reviewed file is, by its suffix; anything else is a prompt file
    (plain text, Markdown, Jinja, prompty...)."""
    suffix = Path(path).suffix.lower()
    return next((kind for kind, suffixes in SOURCE_KINDS if suffix in suffixes), "prompt")


def score(repositories: list[Repository], snapshots: Path, python: str, details: bool) -> tuple[dict[str, Tally], dict[str, Tally], dict[str, Any]]:
    """Tallies per rule and per source kind, and what was linted, skipped or failed."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    by_source: dict[str, Tally] = defaultdict(Tally)
    coverage: dict[str, Any] = {"repositories": 0, "files": 0, "skipped": [], "errors": []}
    with tempfile.TemporaryDirectory(prefix="advisor-accuracy-") as scratch:
        for index, repository in enumerate(repositories):
            git = git_dir(snapshots, repository.repo)
            if git is None:
                coverage["skipped"].append(f"{repository.repo}: no snapshot in {snapshots}")
                continue
            tree = Path(scratch) / str(index)
            try:
                extract(git, repository.commit, tree)
            except subprocess.CalledProcessError as error:
                coverage["skipped"].append(f"{repository.repo}: cannot extract {repository.commit}: {error.stderr.decode(errors='replace').strip()}")
                continue
            labelled = {f.path: f for f in repository.files}
            result = lint(python, tree, list(labelled))
            coverage["repositories"] += 1
            coverage["files"] += len(labelled) - len(result["missing"])
            coverage["errors"] += [f"{repository.repo}: {e}" for e in result["errors"]]
            coverage["skipped"] += [f"{repository.repo}: {p}: not in the snapshot" for p in result["missing"]]
            for finding in result["findings"]:
                labels = labelled.get(finding["path"])
                if labels is None:
                    continue  # a linked file outside the reviewed set
                kind = by_source[source_kind(labels.path)]
                hit = _open_label(labels, finding["rule"], finding)
                if hit is not None:
                    hit.matched += 1
                    tallies[finding["rule"]].tp += 1
                    kind.tp += 1
                    # one finding that reports another rule's problem too (`also`) meets
                    # that rule's label on the span as well
                    for other in finding.get("also", []):
                        covered = _open_label(labels, other, finding)
                        if covered is not None:
                            covered.matched += 1
                            tallies[other].tp += 1
                            kind.tp += 1
                else:
                    tallies[finding["rule"]].fp += 1
                    kind.fp += 1
                    if details:
                        print(f"FP  {repository.repo}:{finding['path']}:{_where(finding)} {finding['rule']}: {finding['message'][:120]}")
            for labels in labelled.values():
                for label in labels.flags:
                    if not label.matched:
                        tallies[label.rule].fn += 1
                        by_source[source_kind(labels.path)].fn += 1
                        if details:
                            where = label.start if label.cell is None else f"cell {label.cell}:{label.start}"
                            print(f"MISS {repository.repo}:{labels.path}:{where} {label.rule}: {label.note[:120]}")
                    label.matched = 0  # the corpus can be scored again by another installation
    return tallies, by_source, coverage


def _where(finding: dict) -> str:
    position = _cell_position(finding)
    return str(finding["line"]) if position is None else f"cell {position[0]}:{position[1]}"


def _percent(value: float | None) -> str:
    return "    -" if value is None else f"{100 * value:5.1f}"


def table(tallies: dict[str, Tally], heading: str = "rule", files: dict[str, int] | None = None) -> str:
    """One row per key (rule or source kind) and a total; ``files`` adds a reviewed-files column."""
    count = (lambda key: f" {files.get(key, 0):5}") if files is not None else (lambda key: "")
    rows = [f"{heading:32}{' files' if files is not None else ''} {'TP':>4} {'FP':>4} {'miss':>4} {'prec%':>6} {'recall%':>7}"]
    total = Tally()
    keys = sorted(set(tallies) | set(files or {}))
    for key in keys:
        t = tallies.get(key, Tally())
        total.tp, total.fp, total.fn = total.tp + t.tp, total.fp + t.fp, total.fn + t.fn
        rows.append(f"{key:32}{count(key)} {t.tp:4} {t.fp:4} {t.fn:4} {_percent(t.precision()):>6} {_percent(t.recall()):>7}")
    everything = f" {sum(files.values()):5}" if files is not None else ""
    rows.append(f"{'ALL':32}{everything} {total.tp:4} {total.fp:4} {total.fn:4} {_percent(total.precision()):>6} {_percent(total.recall()):>7}")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--snapshots", type=Path, default=Path("/work/.mirror"), help="folder of fetched snapshots (owner+name/)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--python", action="append", default=None, help="interpreter with advisor installed (repeat to compare; default: this one)")
    parser.add_argument("--json", type=Path, help="also write the tallies as JSON")
    parser.add_argument("--details", action="store_true", help="print every false positive and miss")
    args = parser.parse_args(argv)
    repositories = load_corpus(args.corpus)
    labelled_files = sum(len(r.files) for r in repositories)
    print(f"corpus: {len(repositories)} repositories, {labelled_files} reviewed files, "
          f"{sum(len(f.flags) for r in repositories for f in r.files)} flagged spans")
    files_per_kind: dict[str, int] = defaultdict(int)
    for repository in repositories:
        for reviewed in repository.files:
            files_per_kind[source_kind(reviewed.path)] += 1
    report = {}
    for python in args.python or [sys.executable]:
        tallies, by_source, coverage = score(repositories, args.snapshots, python, args.details)
        print(f"\n== {python}: {coverage['repositories']} repositories, {coverage['files']} files linted")
        for line in coverage["skipped"] + coverage["errors"]:
            print(f"   skipped/error: {line}")
        print(table(tallies))
        print()
        print(table(by_source, heading="source", files=files_per_kind))
        report[python] = ({rule: vars(t) for rule, t in tallies.items()}
                          | {"_sources": {kind: vars(t) for kind, t in by_source.items()}, "_coverage": coverage})
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
