"""The run directory of `advisor ab`: ``plan.json``, ``trials.jsonl`` and ``summary.json``.

Every trial is appended to the JSONL log (flushed and synced) the moment it completes, so
a crash, a kill or Ctrl-C loses at most the trials in flight, and ``--resume DIR`` can
pick up from the log. Everything written passes through the :class:`Redactor`.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from ..discovery import RUN_MARKER  # marks the run directory so `advisor lint` skips it
from .redact import Redactor

PLAN_FILE = "plan.json"
TRIALS_FILE = "trials.jsonl"
SUMMARY_FILE = "summary.json"


class RunLogError(ValueError):
    """The directory cannot hold (or does not hold) a run; the message says why."""


class RunLog:
    def __init__(self, directory: Path, redactor: Redactor) -> None:
        self.directory = directory
        self.redactor = redactor
        self._lock = threading.Lock()

    @classmethod
    def create(cls, directory: Path, redactor: Redactor) -> "RunLog":
        """A new run in ``directory``; refuses one that already holds a run, so a second
        run can never mix its trials into the first one's log."""
        if (directory / TRIALS_FILE).exists() or (directory / PLAN_FILE).exists():
            raise RunLogError(
                f"{directory} already holds a run: continue it with --resume {directory} or choose another --out"
            )
        directory.mkdir(parents=True, exist_ok=True)
        (directory / RUN_MARKER).write_text("advisor ab run directory: advisor lint skips it.\n", encoding="utf-8")
        return cls(directory, redactor)

    @classmethod
    def existing(cls, directory: Path, redactor: Redactor) -> "RunLog":
        if not (directory / PLAN_FILE).is_file():
            raise RunLogError(f"{directory} holds no run to resume (no {PLAN_FILE})")
        return cls(directory, redactor)

    @property
    def trials_path(self) -> Path:
        return self.directory / TRIALS_FILE

    @property
    def summary_path(self) -> Path:
        return self.directory / SUMMARY_FILE

    def write_plan(self, plan: dict[str, Any]) -> None:
        self._write_json(self.directory / PLAN_FILE, plan)

    def read_plan(self) -> dict[str, Any]:
        return json.loads((self.directory / PLAN_FILE).read_text(encoding="utf-8"))

    def write_summary(self, summary: dict[str, Any]) -> None:
        self._write_json(self.summary_path, summary)

    def append(self, record: dict[str, Any]) -> None:
        line = json.dumps(self.redactor.scrub(record), ensure_ascii=False) + "\n"
        with self._lock, open(self.trials_path, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def load_trials(self) -> list[dict[str, Any]]:
        """The logged trials, for resuming. Lines are split on ``\n`` only (answers are
        written with ``ensure_ascii=False``, so U+2028, U+2029 and U+0085 occur inside a
        line and must not end it). A last line cut short by a kill is dropped from the file
        (that trial is simply run again), so new lines append cleanly; a damaged line
        elsewhere is skipped, its trial run again, and listed in `skipped_lines`."""
        self.skipped_lines: list[int] = []
        if not self.trials_path.exists():
            return []
        text = self.trials_path.read_text(encoding="utf-8", errors="replace")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        records: list[dict[str, Any]] = []
        for number, line in enumerate(lines, 1):
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if _is_trial(record) and all(record["seq"] != r["seq"] for r in records):
                records.append(record)
            elif number < len(lines) or text.endswith("\n"):
                self.skipped_lines.append(number)
        if text and not text.endswith("\n"):
            self.trials_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        return records

    def _write_json(self, path: Path, data: dict[str, Any]) -> None:
        """Write via a temporary file and rename, so a reader never sees half a file."""
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(self.redactor.scrub(data), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(temporary, path)


def _is_trial(record: Any) -> bool:
    """A logged trial as `advisor ab` writes it: what resuming relies on has its type."""
    if not isinstance(record, dict):
        return False
    seq, cost = record.get("seq"), record.get("cost_usd")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        return False
    return cost is None or (isinstance(cost, (int, float)) and not isinstance(cost, bool) and 0 <= cost < 1e9)
