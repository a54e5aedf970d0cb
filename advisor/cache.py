"""The result cache: per-file findings keyed by file content, configuration and version.

One JSON file per cache key (advisor version + settings + rule pack + enabled rules) holds
every file's result, so a warm run reads one file instead of thousands. Entries are
checked against a digest of the file's bytes; a changed file is simply re-linted. The cache
never changes results, only how fast they come: any problem reading it is a cache miss, and
a problem writing it is reported as a note.

The cache lives inside the linted repository, so a pull request can commit one. Its entries
are therefore sealed with a secret key kept outside the repository (in the user's cache
folder, created on first use): an entry is used only if its seal is one this machine made
for these exact bytes, so a committed cache is a miss everywhere, never a way to add,
hide or move findings. Entries must also have the shape advisor writes (anything else is a
miss), and their findings must point at the file the entry is for. Nothing is written
through a symbolic link.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from . import ruledata
from .files import SkippedFile, read_regular
from .results import FileReport
from .secrets import redact

MAX_CACHE_BYTES = 1 << 30  # past this a results file is not advisor's own
_README = "This directory is advisor's result cache; it is safe to delete.\n"
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# advisor result cache (https://bford.info/cachedir/)\n"


def code_digest() -> str:
    """A digest of the rule pack and of advisor's own code, part of every cache key:
    results cached by one build are never served by another (an editable install changes
    code without a new version)."""
    digest = hashlib.blake2b(digest_size=12)
    package = Path(__file__).resolve().parent
    for path in [*sorted(ruledata.rules_dir().glob("*.yaml")), *sorted(package.rglob("*.py"))]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _key_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "advisor" / "cache-key"


@functools.lru_cache(maxsize=1)
def machine_key() -> bytes:
    """This machine's secret for sealing cache entries: read from the user's cache folder,
    created there on first use (readable by the user only). Where it cannot be kept (no
    writable home), a key for this process alone: the cache then never hits across runs,
    which is slow but never wrong."""
    path = _key_file()
    try:
        key = read_regular(path, 1024)
        if len(key) >= 32:
            return key[:64]
    except (OSError, SkippedFile):
        pass
    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(descriptor, "wb") as out:
            out.write(key)
    except FileExistsError:  # another run made it first: use theirs
        try:
            key = read_regular(path, 1024)[:64] or key
        except (OSError, SkippedFile):
            pass
    except OSError:
        pass
    return key


class ResultCache:
    def __init__(self, directory: Path, key: str) -> None:
        self.directory = directory
        self.name = "results-" + hashlib.blake2b(key.encode(), digest_size=10).hexdigest() + ".json"
        self.entries: dict[str, dict[str, Any]] | None = None
        self.dirty = False

    @staticmethod
    def seal(digest: str) -> str:
        """What an entry stores for a file whose bytes have ``digest``: only this machine
        can compute it."""
        return hashlib.blake2b(digest.encode(), key=machine_key(), digest_size=16).hexdigest()

    def _load(self) -> dict[str, dict[str, Any]]:
        if self.entries is None:
            try:
                data = json.loads(read_regular(self.directory / self.name, MAX_CACHE_BYTES))
                self.entries = data if isinstance(data, dict) else {}
            except (OSError, ValueError, SkippedFile):
                self.entries = {}
        return self.entries

    def get(self, path: str, digest: str) -> tuple[bool, FileReport | None]:
        """(hit, report): a hit may carry no report, for a file that is not a prompt file
        (a YAML file without a request body), so it is not even decoded again."""
        entry = self._load().get(path)
        if not isinstance(entry, dict) or entry.get("digest") != self.seal(digest):
            return False, None
        try:
            data = entry["report"]
            report = FileReport.from_dict(data) if data is not None else None
        except (KeyError, TypeError, ValueError, AttributeError):
            return False, None
        if report is not None and (report.path != path or any(f.path != path for f in report.findings)):
            return False, None
        return True, report

    def put(self, path: str, digest: str, report: FileReport | None) -> None:
        self._load()[path] = {"digest": self.seal(digest), "report": report.to_dict() if report is not None else None}
        self.dirty = True

    def save(self) -> str | None:
        """Write the cache atomically; returns an error message instead of raising."""
        if not self.dirty or self.entries is None:
            return None
        try:
            if self.directory.is_symlink():
                return f"{self.directory} is a symbolic link; advisor writes only a real folder"
            self.directory.mkdir(parents=True, exist_ok=True)
            for name, content in (("CACHEDIR.TAG", _TAG), (".gitignore", "*\n"), ("README", _README)):
                marker = self.directory / name
                if not marker.exists() and not marker.is_symlink():
                    descriptor = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
                    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                        out.write(content)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".results-", suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                # call summaries hold field values as written, keys included: mask them
                out.write(redact(json.dumps(self.entries, separators=(",", ":"))))
            os.replace(temporary, self.directory / self.name)
        except OSError as error:
            return error.strerror or str(error)
        self.dirty = False
        return None
