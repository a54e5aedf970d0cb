"""The result cache: per-file findings keyed by file content, configuration and version.

One JSON file per cache key (advisor version + settings + rule pack + enabled rules) holds
every file's result, so a warm run reads one file instead of thousands. Entries are
checked against a digest of the file's bytes; a changed file is simply re-linted. The cache
never changes results, only how fast they come: any problem reading it is a cache miss, and
a problem writing it is reported as a note.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import FileReport

_README = "This directory is advisor's result cache; it is safe to delete.\n"
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# advisor result cache (https://bford.info/cachedir/)\n"


class ResultCache:
    def __init__(self, directory: Path, key: str) -> None:
        self.directory = directory
        self.name = "results-" + hashlib.blake2b(key.encode(), digest_size=10).hexdigest() + ".json"
        self.entries: dict[str, dict[str, Any]] | None = None
        self.dirty = False

    def _load(self) -> dict[str, dict[str, Any]]:
        if self.entries is None:
            try:
                with open(self.directory / self.name, encoding="utf-8") as handle:
                    data = json.load(handle)
                self.entries = data if isinstance(data, dict) else {}
            except (OSError, ValueError):
                self.entries = {}
        return self.entries

    def get(self, path: str, digest: str) -> tuple[bool, "FileReport | None"]:
        """(hit, report): a hit may carry no report, for a file that is not a prompt file
        (a YAML file without a request body), so it is not even decoded again."""
        from .engine import FileReport

        entry = self._load().get(path)
        if not entry or entry.get("digest") != digest:
            return False, None
        try:
            report = entry["report"]
            return True, (FileReport.from_dict(report) if report is not None else None)
        except (KeyError, TypeError, ValueError):
            return False, None

    def put(self, path: str, digest: str, report: "FileReport | None") -> None:
        self._load()[path] = {"digest": digest, "report": report.to_dict() if report is not None else None}
        self.dirty = True

    def save(self) -> str | None:
        """Write the cache atomically; returns an error message instead of raising."""
        if not self.dirty or self.entries is None:
            return None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            for name, content in (("CACHEDIR.TAG", _TAG), (".gitignore", "*\n"), ("README", _README)):
                marker = self.directory / name
                if not marker.exists():
                    marker.write_text(content, encoding="utf-8")
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".results-", suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(self.entries, out, separators=(",", ":"))
            os.replace(temporary, self.directory / self.name)
        except OSError as error:
            return error.strerror or str(error)
        self.dirty = False
        return None
