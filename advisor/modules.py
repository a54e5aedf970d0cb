"""The Python modules of one project: found by import name, read bounded, parsed once.

Cross-module questions ("what is `config.MODEL`?", "which route calls `services.chat.ask`?")
are asked by the finish stage (`imported.py`, `callers.py`) of many files in a run, so the
answers come from one index per project tree that reads and parses each module at most once
(and again only if the file changed on disk, as in ``--fix`` or a long-lived process).

How an import name becomes a file, the way Python itself would find it in this checkout
(no ``sys.path`` of any environment is consulted, nothing is imported or executed):

* relative imports (``from .services.chat import ask``) start at the importing file's
  package, climbing one folder per extra dot;
* absolute imports (``from config import MODEL``) are looked for in the folder that holds
  the importing file's top-level package (the file's own folder when it is no package:
  the folder a script runs from), then ``src/`` and the tree's root;
* standard-library names (``json``, ``os``) are never project modules, and a name inside a
  package never resolves to a sibling (``import redis`` in ``app/cache.py`` beside
  ``app/redis.py`` is the third-party package, as in Python 3).

Only regular files inside the tree (`discovery.tree_of` the linting file) are read, through
`files.read_regular`, within `max-file-size`; at most `MAX_MODULES` are parsed and
`MAX_FILES` listed per tree. Nothing is shared between processes: forked workers each fill
their own copy, which is always correct (the index is a cache of the disk, never a source).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from .digests import blake2b
from .discovery import display_path
from .files import SkippedFile, is_regular, read_regular
from .loaders import decode
from .model import Problem

if TYPE_CHECKING:
    from .loaders.python.module import ParsedModule

MAX_MODULES = 400  # modules parsed per tree and process (a run reads far fewer)
MAX_FILES = 5_000  # Python files listed per tree when looking for callers
_IDENTIFIER = re.compile(r"^[A-Za-z_]\w*$")
_SKIP_DIRS = {"__pycache__", "node_modules", "site-packages", "dist-packages", "build", "dist"}
_IMPORT_LINE = re.compile(rb"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+)?import[ \t]+(\([^)]*\)|[^\n#;]*)", re.MULTILINE)
_WORD = re.compile(rb"[A-Za-z_]\w*")


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class _Entry:
    """A sibling module as last parsed, and the file signature and digest it was parsed at."""

    signature: tuple[int, int]  # (mtime in ns, size): re-read when it changes
    digest: str
    parsed: ParsedModule | None


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class ProjectIndex:
    """The modules of one tree, for one process; every file read is remembered with its
    digest so callers can record it as a dependency of the file they finish."""

    tree: Path  # resolved
    cwd: Path
    max_file_size: int
    _entries: dict[Path, _Entry] = field(default_factory=dict)
    _importers: dict[bytes, list[Path]] | None = None  # a word of an import line -> files
    _files: list[Path] | None = None
    _resolved: dict[Path, Path] = field(default_factory=dict)

    def resolved(self, path: Path) -> Path:
        """``path.resolve()``, once per path (each call costs a system call per folder)."""
        found = self._resolved.get(path)
        if found is None:
            found = self._resolved[path] = path.resolve()
        return found

    # -- import names to files ---------------------------------------------------------------

    def find(self, module: str, level: int, importer: Path) -> Path | None:
        """The file of ``module`` (as written after ``from``/``import``, ``level`` dots) seen
        from ``importer``; None when it is not a module of this tree."""
        parts = module.split(".") if module else []
        if any(not _IDENTIFIER.match(part) for part in parts):
            return None
        if level:
            base = importer.parent
            for _ in range(level - 1):
                base = base.parent
            return self._module_file(base, parts)
        if not parts or parts[0] in sys.stdlib_module_names:
            return None
        for root in self._roots(importer):
            found = self._module_file(root, parts)
            if found is not None:
                return found
        return None

    def _roots(self, importer: Path) -> list[Path]:
        folder = importer.parent
        while (folder / "__init__.py").is_file() and folder != self.tree and self.tree in folder.parents:
            folder = folder.parent
        return list(dict.fromkeys([folder, self.tree / "src", self.tree]))

    def _module_file(self, base: Path, parts: list[str]) -> Path | None:
        target = base.joinpath(*parts) if parts else base
        for candidate in (target.with_suffix(".py") if parts else None, target / "__init__.py"):
            if candidate is not None and is_regular(candidate) and self.inside(candidate):
                return candidate
        return None

    def inside(self, path: Path) -> bool:
        try:
            return self.tree in self.resolved(path).parents
        except (OSError, RuntimeError):
            return False

    # -- reading and parsing -----------------------------------------------------------------

    def parsed(self, path: Path) -> ParsedModule | None:
        """The parsed module at ``path`` (None when unreadable, too large or not Python),
        parsed at most once while the file is unchanged."""
        entry = self._entry(path)
        return entry.parsed if entry is not None else None

    def digest(self, path: Path) -> str | None:
        entry = self._entry(path)
        return entry.digest if entry is not None else None

    def display(self, path: Path) -> str:
        return display_path(self.resolved(path), self.cwd)

    def _entry(self, path: Path) -> _Entry | None:
        if path.suffix != ".py" or not self.inside(path):
            return None  # a notebook or other source is never an importable module here
        key = self.resolved(path)
        try:
            status = key.stat()
        except OSError:
            return None
        signature = (status.st_mtime_ns, status.st_size)
        entry = self._entries.get(key)
        if entry is not None and entry.signature == signature:
            return entry
        if entry is None and len(self._entries) >= MAX_MODULES:
            return None
        try:
            data = read_regular(key, self.max_file_size)
        except (OSError, SkippedFile):
            return None
        source, _ = decode(data)
        parsed = None
        if source is not None:
            # imported here: a run that lints no Python file never loads the Python loader
            from .loaders.python.module import new_document, parse_module

            result = parse_module(new_document(self.display(key), source))
            parsed = None if isinstance(result, Problem) else result
        entry = self._entries[key] = _Entry(signature, blake2b(data, digest_size=16).hexdigest(), parsed)
        return entry

    # -- who imports what (for callers) -------------------------------------------------------

    def importers(self, words: set[str]) -> list[Path]:
        """The Python files of the tree whose import statements name one of ``words`` (a
        module's last name, a function's name): the only files that can call into it."""
        if self._importers is None:
            self._importers = {}
            for path in self.python_files():
                for word in self._import_words(path):
                    self._importers.setdefault(word, []).append(path)
        found = [path for word in sorted(words) for path in self._importers.get(word.encode(), [])]
        return list(dict.fromkeys(found))

    def python_files(self) -> list[Path]:
        if self._files is None:
            self._files = []
            for folder, dirs, names in os.walk(self.tree):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP_DIRS
                                 and not os.path.exists(os.path.join(folder, d, "pyvenv.cfg")))
                for name in sorted(names):
                    if name.endswith(".py") and not os.path.islink(os.path.join(folder, name)):
                        self._files.append(Path(folder) / name)  # a link may lead out of the tree
                if len(self._files) >= MAX_FILES:
                    del self._files[MAX_FILES:]
                    break
        return self._files

    def _import_words(self, path: Path) -> set[bytes]:
        try:
            data = read_regular(path, self.max_file_size)
        except (OSError, SkippedFile):
            return set()
        found: set[bytes] = set()
        for match in _import_lines(data):
            for group in match.groups():
                if group:
                    found.update(_WORD.findall(group))
        return found


def _import_lines(data: bytes) -> Iterator[re.Match[bytes]]:
    """`_IMPORT_LINE.finditer(data)`, with the pattern tried only at the start of a line that
    says "import" (found with `bytes.find`, in C): tried at every position, it cost most of
    listing a tree's importers, every Python file of the tree read once per run."""
    position = 0
    while True:
        found = data.find(b"import", position)
        if found == -1:
            return
        start = data.rfind(b"\n", 0, found) + 1
        match = _IMPORT_LINE.match(data, start) if start >= position else None  # a line a match began is done
        if match is None:
            end = data.find(b"\n", found)
            if end == -1:
                return
            position = end + 1
            continue
        yield match
        position = match.end()


class ProjectIndexes:
    """One index per tree, for one run in one process (a Finisher owns it)."""

    def __init__(self, cwd: Path, max_file_size: int) -> None:
        self.cwd = cwd
        self.max_file_size = max_file_size
        self._indexes: dict[Path, ProjectIndex] = {}
        self._trees: dict[Path, Path] = {}  # tree as given -> resolved (a system call per folder)

    def for_tree(self, tree: Path) -> ProjectIndex:
        resolved = self._trees.get(tree)
        if resolved is None:
            resolved = self._trees[tree] = tree.resolve()
        index = self._indexes.get(resolved)
        if index is None:
            index = self._indexes[resolved] = ProjectIndex(resolved, self.cwd, self.max_file_size)
        return index
