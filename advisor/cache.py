"""The result cache: per-file results keyed by file, configuration and advisor's code.

One SQLite database (the standard library's ``sqlite3``) in the cache folder holds one row
per file and run key (advisor version + settings + rule pack + code + enabled rules), so a
run reads only the rows of the files it lints and writes only the rows that changed: a
pre-commit hook on one file touches one row of a 30,000-file cache, and concurrent runs
are serialised by SQLite's own locking. A file is keyed by its path (relative to the
project root), so the same file walked in a directory and named on the command line is
one entry: the row holds the file's result as if named, and whether a walk would keep it.

Before hashing a file, its size, modification time and inode are compared with the row's:
when they match (and the file was already older than `RACY_NS` when its row was written,
so a write in the same clock tick cannot hide), the file is not even read. Otherwise its
bytes are hashed and compared. Rows of files that no longer exist are pruned after a run
that walked a directory, and rows of all but the `KEEP_RUN_KEYS` most recent run keys are
dropped.

The cache never changes results, only how fast they come: any problem reading it is a
miss, and a problem writing it is reported as a note.

The cache lives inside the linted repository, so a pull request can commit one. Every
row is therefore sealed with a secret key kept outside the repository (in the user's cache
folder, created on first use): a row is used only if its seal is one this machine made for
exactly that row (run key, path, where links may be read, file stat and digest, result),
so a committed cache is a miss everywhere, never a way to add, hide or move findings.
Rows must also have the shape advisor writes, the database must hold exactly advisor's
schema (no triggers or views of someone else's), and findings must point at the file the
row is for. Nothing is written through a symbolic link: the folder, the database and its
journal must be real files.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any, NamedTuple

from . import ruledata
from .digests import blake2b
from .files import SkippedFile, read_regular
from .results import FileReport
from .secrets import redact

MAX_CACHE_BYTES = 1 << 30  # past this a database is not advisor's own
DATABASE = "results.sqlite3"
SCHEMA_VERSION = 5  # 5: a report as a positional JSON array, its calls after a line break
KEEP_RUN_KEYS = 4  # configurations (or advisor builds) whose rows are kept
RACY_NS = 2_000_000_000  # a file modified this close to its row being written is hashed, not trusted by stat
FLUSH_EVERY = 500  # rows written per transaction while a run goes on
TOUCH_NS = 3600 * 1_000_000_000  # a run key's last use is noted at most this often by a run that changes nothing
_README = "This directory is advisor's result cache; it is safe to delete.\n"
_TAG = "Signature: 8a477f597d28d172789f06886806bc55\n# advisor result cache (https://bford.info/cachedir/)\n"
_SCHEMA = (
    "CREATE TABLE entries (run_key TEXT NOT NULL, path TEXT NOT NULL, display TEXT NOT NULL, tree TEXT NOT NULL, "
    "size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, inode INTEGER NOT NULL, checked_ns INTEGER NOT NULL, "
    "digest TEXT NOT NULL, relevant INTEGER NOT NULL, report TEXT, seal TEXT NOT NULL, "
    "PRIMARY KEY (run_key, path)) WITHOUT ROWID",
    "CREATE TABLE run_keys (run_key TEXT NOT NULL PRIMARY KEY, used_ns INTEGER NOT NULL) WITHOUT ROWID",
)
_COLUMNS = "display, tree, size, mtime_ns, inode, checked_ns, digest, relevant, report, seal"


@functools.cache
def code_digest() -> str:
    """A digest of the rule pack and of advisor's own code, part of every cache key:
    results cached by one build are never served by another (an editable install changes
    code without a new version). Names, sizes and modification times stand for the bytes,
    which every run would otherwise read and hash."""
    digest = blake2b(digest_size=12)
    package = Path(__file__).resolve().parent
    for folder, pattern in ((ruledata.rules_dir(), ".yaml"), (package, ".py")):
        for path in _files_below(folder, pattern):
            try:
                status = os.stat(path)
            except OSError:
                continue
            digest.update(f"{path}\0{status.st_size}\0{status.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def _files_below(folder: Path, suffix: str) -> list[str]:
    found: list[str] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return found
    for entry in entries:
        if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
            found.extend(_files_below(Path(entry.path), suffix))
        elif entry.name.endswith(suffix):
            found.append(entry.path)
    return found


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
    import secrets  # once per machine

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


class FileState(NamedTuple):
    """What the stat shortcut compares: a file with the same size, modification time and
    inode as when it was hashed is taken to have the same bytes. (A named tuple: a warm
    run makes one per file, and a frozen dataclass costs several times as much to make.)"""

    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, path: str | Path) -> FileState | None:
        try:
            status = os.stat(path)
        except OSError:
            return None
        return cls(status.st_size, status.st_mtime_ns, status.st_ino)


class Entry(NamedTuple):
    """One file's cached result: whether a walk would lint it (`relevant`) and its
    report as a named file (None when a walk skipped it, so it was never computed)."""

    relevant: bool
    report: FileReport | None
    digest: str
    state: FileState
    trusted_by_stat: bool  # the file was old enough when hashed for its stat to stand for its bytes


class ResultCache:
    """Rows of one run key. `get` answers from the database; `put` queues a row, written
    in batches and by `save`, which also prunes."""

    def __init__(self, directory: Path, key: str, root: Path | None = None) -> None:
        self.directory = directory
        self.root = root
        self._root_prefix = os.path.join(str(root), "") if root is not None else ""  # root and a separator
        self.run_key = blake2b(key.encode(), digest_size=10).hexdigest()
        self._connection: sqlite3.Connection | None = None
        self._unusable: str | None = None  # why the database cannot be used in this run
        self._absent = False  # no database yet (nothing to read until a row is written)
        self._pending: list[tuple[Any, ...]] = []
        self._seen: set[str] = set()
        self._walked = False
        self._now_ns: int | None = None  # the file system's clock, read on the first write
        self._rows: dict[str, tuple[Any, ...]] | None = None  # this run key's rows, read at once for a walk
        self._error: str | None = None
        self._wrote = False

    # -- keys and seals ----------------------------------------------------------------------

    def path_key(self, absolute: str | Path) -> str:
        """The file's key: relative to the project root where it is inside it (so the cache
        survives moving the checkout), else absolute. Like everything the cache stores, with
        API keys masked (a file named after a key is then never a hit: its findings name it
        in full)."""
        text = str(absolute)
        if self._root_prefix and text.startswith(self._root_prefix):
            text = text[len(self._root_prefix):]
        return redact(text.replace(os.sep, "/") if os.sep != "/" else text)

    def _seal(self, path: str, display: str, tree: str, state: FileState, checked_ns: int, digest: str,
              relevant: bool, report: str | None) -> str:
        """Only this machine can compute it, and only for exactly these values."""
        text = "\0".join([self.run_key, path, display, tree, str(state.size), str(state.mtime_ns), str(state.inode),
                          str(checked_ns), digest, "1" if relevant else "0", "-" if report is None else "+" + report])
        return blake2b(text.encode("utf-8", "surrogatepass"), key=machine_key(), digest_size=16).hexdigest()

    # -- the database --------------------------------------------------------------------------

    @property
    def _database(self) -> Path:
        return self.directory / DATABASE

    def _refuse_links(self) -> str | None:
        """Why nothing may be read or written here, or None: the folder and every file
        SQLite opens must be real (a committed link would send writes elsewhere)."""
        if self.directory.is_symlink():
            return f"{self.directory} is a symbolic link; advisor writes only a real folder"
        for suffix in ("", "-journal", "-wal", "-shm"):
            path = Path(f"{self._database}{suffix}")
            try:
                status = os.lstat(path)
            except FileNotFoundError:
                continue
            except OSError as error:
                return error.strerror or str(error)
            if not stat.S_ISREG(status.st_mode):
                return f"{path} is not a regular file; advisor writes only its own files"
            if status.st_size > MAX_CACHE_BYTES:
                return f"{path} is larger than advisor's cache can be"
        return None

    def _open(self, create: bool) -> sqlite3.Connection | None:
        """The connection, opened on first use; without ``create`` a missing database is
        not made (a run that only reads writes nothing)."""
        if self._connection is not None or self._unusable is not None or (self._absent and not create):
            return self._connection
        refused = self._refuse_links()
        if refused is not None:
            self._unusable = refused
            return None
        if not create and not self._database.exists():
            self._absent = True
            return None
        try:
            if create:
                self._prepare_directory()
            try:
                connection = self._checked_connection()
            except sqlite3.OperationalError:
                raise  # locked or unreadable: leave it to its owner
            except sqlite3.DatabaseError:  # not a database, or a damaged one: start again
                connection = None
            if connection is None:
                self._reset()
                connection = self._checked_connection()
                if connection is None:
                    raise sqlite3.DatabaseError("not advisor's result cache")
        except (OSError, sqlite3.Error) as error:
            self._unusable = _message(error)
            return None
        self._connection = connection
        return connection

    def _checked_connection(self) -> sqlite3.Connection | None:
        connection = self._connect()
        try:
            if self._schema_is_ours(connection):
                return connection
        except BaseException:
            connection.close()
            raise
        connection.close()
        return None

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self._database, timeout=10.0, isolation_level=None, check_same_thread=False)
        defensive = getattr(sqlite3, "SQLITE_DBCONFIG_DEFENSIVE", None)
        if defensive is not None:  # Python 3.12+: no writes that could damage the file's structure
            connection.setconfig(defensive, True)  # type: ignore[attr-defined]
        connection.execute("PRAGMA trusted_schema = OFF")
        connection.execute("PRAGMA synchronous = OFF")  # a torn row fails its seal: a miss, never a wrong result
        return connection

    def _schema_is_ours(self, connection: sqlite3.Connection) -> bool:
        """Exactly advisor's two tables (created here if the database is new)."""
        found = connection.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
        if not found:
            connection.execute("BEGIN IMMEDIATE")
            try:
                if not connection.execute("SELECT 1 FROM sqlite_master").fetchall():  # another run may have won
                    for statement in _SCHEMA:
                        connection.execute(statement)
                    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                connection.execute("COMMIT")
            except sqlite3.Error:
                connection.execute("ROLLBACK")
                raise
            found = connection.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
        expected = {("table", statement.split()[2], statement) for statement in _SCHEMA}
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        return set(found) == expected and len(found) == len(expected) and version == SCHEMA_VERSION

    def _reset(self) -> None:
        """Remove a database that is not advisor's (or an older layout): unlinking never
        follows a link."""
        for suffix in ("", "-journal", "-wal", "-shm"):
            try:
                os.unlink(f"{self._database}{suffix}")
            except FileNotFoundError:
                pass

    def _prepare_directory(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        for name, content in (("CACHEDIR.TAG", _TAG), (".gitignore", "*\n"), ("README", _README)):
            marker = self.directory / name
            if not marker.exists() and not marker.is_symlink():
                descriptor = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
                with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                    out.write(content)
        for old in self.directory.glob("results-*.json"):  # the single-file layout before this one
            old.unlink()

    # -- reading ---------------------------------------------------------------------------

    def get(self, absolute: str | Path, display: str, tree: Path | None) -> Entry | None:
        """The file's sealed entry, or None (no row, a row of the wrong shape, a seal this
        machine did not make, findings about another file)."""
        path = self.path_key(absolute)
        self._seen.add(path)
        connection = self._open(create=False)
        if connection is None:
            return None
        try:
            if self._walked and self._rows is None:  # a walk asks for most rows: one query
                self._rows = {row[0]: row[1:] for row in connection.execute(
                    f"SELECT path, {_COLUMNS} FROM entries WHERE run_key = ?", (self.run_key,))}
            if self._rows is not None:
                row = self._rows.pop(path, None)
            else:
                row = connection.execute(f"SELECT {_COLUMNS} FROM entries WHERE run_key = ? AND path = ?",
                                         (self.run_key, path)).fetchone()
        except sqlite3.Error:
            return None
        if row is None:
            return None
        try:
            stored_display, stored_tree, size, mtime_ns, inode, checked_ns, digest, relevant, report_text, seal = row
            state = FileState(int(size), int(mtime_ns), int(inode))
            if stored_display != redact(display) or stored_tree != _tree_text(tree) or not isinstance(digest, str):
                return None
            if not isinstance(report_text, (str, type(None))) or relevant not in (0, 1):
                return None
            expected = self._seal(path, stored_display, stored_tree, state, int(checked_ns), digest, bool(relevant), report_text)
            if seal != expected:
                return None
            report = _report_from_text(report_text) if report_text is not None else None
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        if report is not None and (report.path != display or any(f.path != display for f in report.findings)):
            return None
        if report is None and relevant:
            return None
        trusted = int(checked_ns) - state.mtime_ns > RACY_NS
        return Entry(bool(relevant), report, digest, state, trusted)

    def walked(self) -> None:
        """This run walked a directory: rows of files that no longer exist are pruned."""
        self._walked = True

    # -- writing ---------------------------------------------------------------------------

    def put(self, absolute: str | Path, display: str, tree: Path | None, state: FileState, digest: str, relevant: bool,
            report: FileReport | None) -> None:
        """Queue a row (written in batches): ``report`` None means a walk skipped the file
        and it was never linted as named."""
        path = self.path_key(absolute)
        self._seen.add(path)
        # call summaries hold field values as written, keys included: mask them
        text = None if report is None else redact(_report_text(report))
        checked_ns = self._filesystem_now_ns()
        tree_text = _tree_text(tree)
        display = redact(display)
        seal = self._seal(path, display, tree_text, state, checked_ns, digest, relevant, text)
        self._pending.append((self.run_key, path, display, tree_text, state.size, state.mtime_ns, state.inode,
                              checked_ns, digest, int(relevant), text, seal))
        if len(self._pending) >= FLUSH_EVERY:
            self._flush()

    def _filesystem_now_ns(self) -> int:
        """Now by the clock that stamps the files (what `RACY_NS` compares file times with),
        read once per run off a file made in the cache folder and gone at once: a process
        clock that runs ahead of the file system's (a network file system, a faked date)
        would otherwise call a file rewritten in the same tick old enough to trust by stat.
        The process clock where the folder cannot be written (nothing is trusted then
        anyway: nothing is cached)."""
        if self._now_ns is None:
            self._now_ns = time.time_ns()
            if self._open(create=True) is not None:
                # a file of this process's own, made and removed at once (not `tempfile`,
                # whose import costs a one-file run about 3 ms)
                probe = self.directory / f".clock-{os.getpid()}-{self._now_ns}"
                try:
                    descriptor = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
                    try:
                        self._now_ns = os.fstat(descriptor).st_mtime_ns
                    finally:
                        os.close(descriptor)
                        os.unlink(probe)
                except OSError:
                    pass
        return self._now_ns

    def _flush(self) -> None:
        if not self._pending or self._error is not None:
            return
        connection = self._open(create=True)
        if connection is None:
            self._error = self._unusable
            return
        rows, self._pending = self._pending, []
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(f"INSERT OR REPLACE INTO entries (run_key, path, {_COLUMNS}) "
                                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            connection.execute("COMMIT")
            self._wrote = True
        except sqlite3.Error as error:
            _rollback(connection)
            self._error = _message(error)

    def save(self) -> str | None:
        """Write what is queued and prune; returns an error message instead of raising."""
        if self._pending:
            self._flush()
        connection = self._connection
        if connection is not None and self._error is None:
            try:
                self._prune(connection)
            except sqlite3.Error as error:
                _rollback(connection)
                self._error = _message(error)
        failure = self._error
        self.close()
        return failure

    def _prune(self, connection: sqlite3.Connection) -> None:
        """Note this run key's use; drop the rows of old run keys, and after a walk the
        rows of files that are gone."""
        now = time.time_ns()
        gone: list[tuple[str, str]] = []
        if self._walked:
            if self._rows is not None:  # what the walk did not ask for
                stored = list(self._rows)
            else:
                stored = [path for (path,) in connection.execute("SELECT path FROM entries WHERE run_key = ?", (self.run_key,))]
            for path in stored:
                if path not in self._seen and not os.path.lexists(self._absolute(path)):
                    gone.append((self.run_key, path))
        used = connection.execute("SELECT used_ns FROM run_keys WHERE run_key = ?", (self.run_key,)).fetchone()
        if not gone and not self._wrote and used is not None and isinstance(used[0], int) and now - used[0] < TOUCH_NS:
            return  # nothing to change: a warm run writes nothing
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT OR REPLACE INTO run_keys (run_key, used_ns) VALUES (?, ?)", (self.run_key, now))
        old = [key for (key,) in connection.execute(
            "SELECT run_key FROM run_keys ORDER BY used_ns DESC LIMIT -1 OFFSET ?", (KEEP_RUN_KEYS,))]
        for key in old:
            connection.execute("DELETE FROM entries WHERE run_key = ?", (key,))
            connection.execute("DELETE FROM run_keys WHERE run_key = ?", (key,))
        connection.executemany("DELETE FROM entries WHERE run_key = ? AND path = ?", gone)
        connection.execute("COMMIT")

    def _absolute(self, path: str) -> Path:
        return Path(path) if self.root is None or path.startswith("/") or os.path.isabs(path) else self.root / path

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _report_text(report: FileReport) -> str:
    """A report as a row holds it: the report as one compact JSON array (`_report_row`), a
    line break, then the calls as a JSON array. Compact JSON never holds a raw line break,
    so the first one splits the two, and a warm run decodes the calls only if its output
    shows them."""
    return json.dumps(_report_row(report), separators=(",", ":")) + "\n" + json.dumps(report.calls, separators=(",", ":"))


def _report_row(report: FileReport) -> list[Any]:
    """Positional, not keyed: a warm run decodes every cached report, and keys were half
    of what it parsed. A finding's path is left out (null) when it is the report's own."""
    findings = []
    for finding in report.findings:
        span, fix = finding.span, finding.fix
        findings.append([
            finding.rule, finding.code, finding.severity.value, None if finding.path == report.path else finding.path,
            span.line, span.column, span.end_line, span.end_column, finding.message, finding.suggestion,
            None if fix is None else [fix.description, fix.safety, [[e.start, e.end, e.replacement] for e in fix.edits]],
            finding.estimate, list(finding.also),
        ])
    cells = report.cells.to_dict() if report.cells is not None else None
    return [report.path, report.kind, report.tokens, findings, report.suppressed, report.dependencies, report.omitted, cells]


def _report_from_text(text: str) -> FileReport:
    """The report `_report_text` wrote, its calls left undecoded (ValueError, TypeError or
    KeyError if the text is not of that shape)."""
    from .model import CellIndex, Finding, Span
    from .model.findings import Edit, Fix, severity_named

    head, newline, calls = text.partition("\n")
    if not newline or not (calls.startswith("[") and calls.endswith("]")):
        raise ValueError("not a cached report")
    path, kind, tokens, rows, suppressed, dependencies, omitted, cells = json.loads(head)
    findings = []
    for rule, code, severity, other_path, line, column, end_line, end_column, message, suggestion, fix, estimate, also in rows:
        if fix is not None:
            fix = Fix(fix[0], fix[1], tuple(Edit(start, end, replacement) for start, end, replacement in fix[2]))
        findings.append(Finding(rule, code, severity_named(severity), path if other_path is None else other_path,
                                Span(line, column, end_line, end_column), message, suggestion, fix, estimate, tuple(also)))
    report = FileReport(path, kind, tokens, findings, [], suppressed, dependencies,
                        {str(rule): int(count) for rule, count in omitted.items()},
                        cells=CellIndex.from_dict(cells) if cells else None)
    report.defer_calls(calls)
    return report


def _tree_text(tree: Path | None) -> str:
    return "" if tree is None else redact(str(tree))


def _message(error: Exception) -> str:
    if isinstance(error, OSError):
        return error.strerror or str(error)
    return str(error) or type(error).__name__


def _rollback(connection: sqlite3.Connection) -> None:
    try:
        connection.execute("ROLLBACK")
    except sqlite3.Error:
        pass
