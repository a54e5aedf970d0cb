"""Which files a run lints, and as what.

Walking a directory applies include/exclude globs (gitignore syntax, relative to the
project root), the repository's ``.gitignore`` files and a few safety limits. A file named
explicitly on the command line is always linted as its extension says, unless
``--force-exclude`` asks for the exclude globs to apply to it as well: pre-commit passes
every staged file by name, and a user's ``exclude`` must still win there.

Skipped files are reported as notes, never silently: a prompt file nobody linted is a
finding nobody saw.
"""

from __future__ import annotations

import functools
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from .config import CONFIG_FILES, ConfigError, Settings, read_config_table
from .files import SkippedFile, is_regular, read_regular
from .model import Kind
from .sources import kind_for

if TYPE_CHECKING:  # imported on first use: a run on named files may never match a pattern
    import pathspec

RUN_MARKER = ".advisor-run"  # written by `advisor ab` into its run directories


@dataclass(frozen=True, eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class Candidate:
    """A file a run will lint: where it is, how it is shown, its kind, and how it was found."""

    location: str  # absolute, as text: a warm walk of 30,000 files never needs it as a Path
    display: str  # relative to the working directory, '/' separators
    kind: Kind
    explicit: bool  # named on the command line (not found by walking)
    tree: Path | None = None  # what reads on this file's behalf may not leave (`tree_of`)

    @functools.cached_property
    def path(self) -> Path:
        """The absolute path, made on first use: building a Path is most of what a walk
        spends per file, and a file the result cache answers by its stat needs none."""
        return Path(self.location)


@dataclass(frozen=True)
class Note:
    """A file that was skipped, with the reason (shown to the user, not a finding)."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


def display_path(path: Path, cwd: Path) -> str:
    """Relative to the working directory where possible, always with '/' separators."""
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, cwd)).as_posix() if path.anchor == cwd.anchor else path.as_posix()


_MAX_GITIGNORE_BYTES = 4 * 1024 * 1024


def _exists(path: Path) -> bool:
    """``path.exists()`` that answers False for a path in a folder it may not look into
    (pathlib raises PermissionError there)."""
    try:
        return path.exists()
    except OSError:
        return False


def _repository_of(absolute: Path) -> Path | None:
    for folder in (absolute, *absolute.parents):
        if folder == Path(folder.anchor):
            return None
        if _exists(folder / ".git"):
            return folder.resolve()
    return None


def tree_of(path: Path, root: Path, cwd: Path, *, walked_from: Path | None = None) -> Path:
    """The tree a file belongs to, which nothing read on its behalf may leave (links out of
    it are not followed, prompt files it names are not read): its repository (the nearest
    folder with ``.git``), else the directory it was found by walking, else the project
    root or working directory holding it, else its own folder. The filesystem root is never
    a tree: run from ``/``, ``../../etc/shadow`` stays out of reach."""
    absolute = Path(os.path.abspath(path))
    repository = _repository_of(absolute.parent)
    if repository is not None:
        return repository
    if walked_from is not None:
        return Path(os.path.abspath(walked_from)).resolve()
    for base in (root, cwd):
        base = Path(os.path.abspath(base))
        if base != Path(base.anchor) and base in absolute.parents:
            return base.resolve()
    return absolute.parent.resolve()


class _GitIgnores:
    """The ``.gitignore`` files met while walking, each applying below its own directory."""

    def __init__(self) -> None:
        self._specs: dict[Path, pathspec.GitIgnoreSpec | None] = {}
        self._chains: dict[tuple[Path, Path], list[tuple[Path, pathspec.GitIgnoreSpec]]] = {}

    def known_absent(self, directory: Path) -> None:
        """The walk listed ``directory`` and it holds no ``.gitignore``."""
        self._specs.setdefault(directory, None)

    def _spec(self, directory: Path) -> pathspec.GitIgnoreSpec | None:
        if directory not in self._specs:
            spec = None
            ignore_file = directory / ".gitignore"
            if is_regular(ignore_file):
                try:
                    lines = read_regular(ignore_file, _MAX_GITIGNORE_BYTES).decode("utf-8", errors="replace").splitlines()
                    import pathspec

                    spec = pathspec.GitIgnoreSpec.from_lines(lines)
                except (OSError, ValueError, SkippedFile):
                    spec = None
            self._specs[directory] = spec
        return self._specs[directory]

    def _specs_between(self, top: Path, directory: Path) -> list[tuple[Path, pathspec.GitIgnoreSpec]]:
        """The .gitignore specs from ``top`` down to ``directory``, outermost first
        (cached per directory: every file of a folder shares them)."""
        key = (top, directory)
        cached = self._chains.get(key)
        if cached is None:
            if directory == top or top not in directory.parents:
                chain = []
            else:
                chain = list(self._specs_between(top, directory.parent))
            spec = self._spec(directory)
            if spec is not None:
                chain.append((directory, spec))
            self._chains[key] = cached = chain
        return cached

    def ignored(self, path: Path, is_dir: bool, top: Path) -> bool:
        """Whether a .gitignore between ``top`` (inclusive) and the path ignores it.
        The deepest file that has an opinion wins, as in git."""
        verdict = False
        for directory, spec in self._specs_between(top, path.parent):
            rel = path.relative_to(directory).as_posix() + ("/" if is_dir else "")
            result = spec.check_file(rel)
            if result.include is not None:
                verdict = result.include
        return verdict


class Discovery:
    """Finds the files to lint under the given paths."""

    def __init__(
        self, settings: Settings, *, cwd: Path | None = None, force_exclude: bool = False, nested_configs: bool = False
    ) -> None:
        self.settings = settings
        # With nested_configs, a walk does not enter a sub-directory that has a configuration
        # of its own: it is listed in `subprojects`, to be linted with that configuration.
        self.nested_configs = nested_configs
        self.subprojects: list[Path] = []
        self.cwd = (cwd or Path.cwd()).resolve()
        self.root = settings.root.resolve()
        self.force_exclude = force_exclude
        self.gitignores = _GitIgnores()
        self.notes: list[Note] = []
        self._git_tops: dict[Path, Path] = {}
        self._listed_without_git: set[Path] = set()  # walked folders whose listing has no .git
        self._tops_excluded: dict[Path, bool] = {}
        # The walk never enters an excluded directory, so for a walked file directory
        # patterns ("build/") can only match through a folder above the walk's top (checked
        # once per top), and patterns without a "/" (the default "*.html.j2") only through
        # its name: one match a file instead of three. Other patterns (or negations) need
        # the full check.
        patterns = [p.strip() for p in settings.all_exclude if p.strip() and not p.lstrip().startswith("#")]
        self._walked_files_by_name = not any(p.startswith("!") or "/" in p.rstrip("/") for p in patterns)
        self._name_patterns = tuple(p for p in patterns if not p.endswith("/"))

    @functools.cached_property
    def include(self) -> pathspec.PathSpec:
        import pathspec

        return pathspec.PathSpec.from_lines("gitignore", self.settings.all_include)

    @functools.cached_property
    def exclude(self) -> pathspec.PathSpec:
        import pathspec

        return pathspec.PathSpec.from_lines("gitignore", self.settings.all_exclude)

    @functools.cached_property
    def _name_exclude(self) -> pathspec.PathSpec:
        import pathspec

        return pathspec.PathSpec.from_lines("gitignore", self._name_patterns)

    @functools.cached_property
    def _include_any(self) -> Callable[[str], bool]:
        return _any_of(self.settings.all_include, lambda: self.include)

    @functools.cached_property
    def _name_exclude_any(self) -> Callable[[str], bool]:
        return _any_of(self._name_patterns, lambda: self._name_exclude)

    @functools.cached_property
    def _exclude_any(self) -> Callable[[str], bool]:
        return _any_of(self.settings.all_exclude, lambda: self.exclude)

    # -- helpers -------------------------------------------------------------------------

    def _relative(self, path: Path, base: Path) -> str | None:
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            return None

    def _excluded(self, path: Path, is_dir: bool, top: Path, *, markers: bool = True) -> bool:
        """The full check: the path relative to the root and to the walk's top, and its
        name, against the excludes; virtualenvs (unless ``markers`` is False: a walk reads
        them off the folder's own listing, `_left_out`); .gitignore (`_walk_files` has the
        fast path for walked files)."""
        for base in (self.root, top):
            rel = self._relative(path, base)
            if rel is not None and self._exclude_any(rel + ("/" if is_dir else "")):
                return True
        name = path.name + ("/" if is_dir else "")
        if self._exclude_any(name):
            return True
        if markers and is_dir and _has_marker(path, MARKER_FILES):
            return True  # a virtualenv under any name, or an `advisor ab` run directory
        return self._gitignored(path, is_dir, top)

    def _note_listing(self, folder: Path, folders: list[str], files: list[str]) -> None:
        """What a folder's listing proves absent, so that no system call asks again: no
        ``.git`` (not a repository's top) and no ``.gitignore`` (no patterns of its own)."""
        if ".git" not in folders and ".git" not in files:
            self._listed_without_git.add(folder)
        if ".gitignore" not in files:
            self.gitignores.known_absent(folder)

    def _left_out(self, folder: Path, names: list[str], subprojects: list[Path]) -> bool:
        """Whether a folder the walk has just listed is left out: a virtualenv or an
        `advisor ab` run directory, or (with nested configurations) a folder with a
        configuration of its own, added to ``subprojects``. Its listing (``names``, the
        files in it) says whether a marker or a configuration file may be there; asking
        before listing it cost two to four system calls for every folder of the tree."""
        if _has_marker(folder, [name for name in MARKER_FILES if name in names]):
            return True
        if self.nested_configs and any(name in names for name in CONFIG_FILES) and has_own_config(folder):
            subprojects.append(folder)
            return True
        return False

    def _top_excluded(self, top: Path) -> bool:
        """Whether a walk's top folder, or a folder between it and the project root, is
        excluded: then so is every file below it (as the full check would find)."""
        cached = self._tops_excluded.get(top)
        if cached is None:
            cached = False
            for folder in (top, *top.parents):
                if folder == self.root or self.root not in folder.parents:
                    break
                if self._exclude_any(folder.relative_to(self.root).as_posix() + "/"):
                    cached = True
                    break
            self._tops_excluded[top] = cached
        return cached

    def _gitignored(self, path: Path, is_dir: bool, top: Path) -> bool:
        if not self.settings.respect_gitignore:
            return False
        return self.gitignores.ignored(path, is_dir, self._git_top(path.parent, top))

    def _git_top(self, directory: Path, top: Path) -> Path:
        """Where .gitignore lookups start for files in ``directory``: the repository root
        when inside one (at or above ``top``), else ``top``. Cached per directory."""
        cached = self._git_tops.get(directory)
        if cached is None:
            if directory not in self._listed_without_git and _exists(directory / ".git"):
                cached = directory
            elif directory == top or directory == directory.parent:
                cached = self._repository_above(top)
            else:
                cached = self._git_top(directory.parent, top)
            self._git_tops[directory] = cached
        return cached

    def _repository_above(self, top: Path) -> Path:
        """The repository holding ``top`` (so a repository's root .gitignore applies when
        only a sub-directory is linted), or ``top`` itself outside any repository."""
        for directory in top.parents:
            if _exists(directory / ".git"):
                return directory
        return top

    def _included(self, path: Path, top: Path) -> bool:
        rel = self._relative(path, self.root) or self._relative(path, top) or path.name
        return self._include_any(rel) or self._include_any(path.name)

    def _note(self, path: Path, reason: str) -> None:
        self.notes.append(Note(display_path(path, self.cwd), reason))

    def _inside_tree(self, path: Path, tree: Path) -> bool:
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            return False
        return resolved == tree or tree in resolved.parents

    def would_walk(self, path: Path) -> bool:
        """Whether a walk of the project would reach this file: matched by the include
        globs and not excluded (exclude globs, ``.gitignore``). The language server asks
        this of a buffer, so an editor shows the findings `advisor lint .` would."""
        path = Path(os.path.abspath(path))
        top = self.root if self.root in path.parents else path.parent
        return self._included(path, top) and not self._excluded(path, False, top)

    # -- walking -------------------------------------------------------------------------

    def candidates(self, paths: list[Path]) -> Iterator[Candidate]:
        """Files named on the command line first, then the walked directories: a file that
        is both named and inside a named directory is linted as named (always, whatever
        its content), not dropped by the walk's relevance check."""
        seen: set[str] = set()  # absolute paths, as text
        directories: list[Path] = []
        for raw in paths:
            path = raw if raw.is_absolute() else self.cwd / raw
            path = Path(os.path.normpath(path))
            if not path.exists() and not path.is_symlink():
                self._note(path, "no such file or directory")
                continue
            if path.is_dir() and not path.is_symlink():
                directories.append(path)
            else:
                candidate = self._explicit(path)
                if candidate is not None and candidate.location not in seen:
                    seen.add(candidate.location)
                    yield candidate
        for directory in directories:
            found = 0
            subprojects = len(self.subprojects)
            for candidate in self._walk(directory, seen):
                found += 1
                yield candidate
            if not found and len(self.subprojects) == subprojects:
                self._note(directory, _nothing_to_lint(self.settings.all_include))

    def _explicit(self, path: Path) -> Candidate | None:
        tree = tree_of(path, self.root, self.cwd)
        if path.is_symlink() and not self._inside_tree(path, tree):
            self._note(path, "not followed: symbolic link to outside the tree")
            return None
        if path.is_dir():
            return None
        if self.force_exclude and self._excluded(path, False, self.root if self.root in path.parents else path.parent):
            return None
        kind = kind_for(path)
        if kind is None:
            if self.force_exclude:
                return None
            self._note(path, f"not a file type advisor reads ({path.suffix or 'no extension'})")
            return None
        return Candidate(str(path), display_path(path, self.cwd), kind, explicit=True, tree=tree)

    def _walk(self, top: Path, seen: set[str]) -> Iterator[Candidate]:
        tree = top.resolve()
        links_tree = _repository_of(tree) or tree

        def unreadable(error: OSError) -> None:
            where = Path(error.filename) if error.filename else top
            self._note(where, f"skipped: cannot read this directory ({error.strerror or error})")

        subprojects: list[Path] = []
        for here, dirnames, filenames, links in _scan(top, unreadable):
            self._note_listing(here, dirnames, filenames)
            if here is not top and self._left_out(here, filenames, subprojects):
                dirnames[:] = []
                continue
            kept = []
            for name in sorted(dirnames):
                sub = here / name
                if name in links:
                    if not self._inside_tree(sub, tree):
                        self._note(sub, "not followed: symbolic link to outside the tree")
                    continue  # links inside the tree lead to files the walk reaches anyway
                if self._excluded(sub, True, top, markers=False):
                    continue
                kept.append(name)
            dirnames[:] = kept
            yield from self._walk_files(here, sorted(filenames), links, top, tree, links_tree, seen)
        # found as each is listed (depth first); listed as when they were found from their
        # parent's listing: by the parent's place in the walk, then by name
        self.subprojects.extend(sorted(subprojects, key=lambda folder: (folder.parent.parts, folder.name)))

    def _walk_files(
        self, here: Path, names: list[str], links: set[str], top: Path, tree: Path, links_tree: Path, seen: set[str]
    ) -> Iterator[Candidate]:
        """The candidates among one folder's files. What does not depend on the file (its
        folder's paths relative to the root and the working directory, the .gitignore files
        that apply) is worked out once per folder: a walk of 30,000 files spends its time
        here."""
        folder_rel = self._relative(here, self.root)
        if folder_rel is None:
            folder_rel = self._relative(here, top)
        folder_display = display_path(here, self.cwd)
        by_name = self._walked_files_by_name
        if by_name and self._top_excluded(top):
            return
        gitignores = self.settings.respect_gitignore and bool(
            self.gitignores._specs_between(self._git_top(here, top), here)
        )
        folder_text = os.path.join(str(here), "")
        for name in names:
            rel = name if folder_rel in (None, ".") else f"{folder_rel}/{name}"
            if not (self._include_any(rel) or self._include_any(name)):
                continue
            location = folder_text + name
            if by_name:
                if self._name_exclude_any(name):
                    continue
                if gitignores and self._gitignored(here / name, False, top):
                    continue
            elif self._excluded(here / name, False, top):
                continue
            if name in links and not self._inside_tree(here / name, tree):
                self._note(here / name, "not followed: symbolic link to outside the tree")
                continue
            kind = kind_for(name)
            if kind is None or location in seen:
                continue
            seen.add(location)
            display = name if folder_display == "." else posixpath.join(folder_display, name)
            yield Candidate(location, display, kind, explicit=False, tree=links_tree)


def _scan(top: Path, onerror: Callable[[OSError], None]) -> Iterator[tuple[Path, list[str], list[str], set[str]]]:
    """``os.walk(top)`` (top-down, links not followed, the caller may prune the folder
    names it is given), also yielding which names are symbolic links: the folder listing
    says so, where asking afterwards costs a system call per file."""
    stack = [top]
    while stack:
        here = stack.pop()
        try:
            with os.scandir(here) as listing:
                entries = list(listing)
        except OSError as error:
            onerror(error)
            continue
        folders: list[str] = []
        files: list[str] = []
        links: set[str] = set()
        for entry in entries:
            try:
                is_folder = entry.is_dir()
            except OSError:
                is_folder = False
            (folders if is_folder else files).append(entry.name)
            try:
                if entry.is_symlink():
                    links.add(entry.name)
            except OSError:
                pass
        yield here, folders, files, links
        stack.extend(here / name for name in reversed(folders))


def _any_of(lines: Iterable[str], spec: Callable[[], pathspec.PathSpec]) -> Callable[[str], bool]:
    """``spec().match_file`` for a normalised relative POSIX path, as one regular expression
    when the patterns allow it (no negations, so "any pattern matches" is the answer):
    pathspec tries its patterns one by one in Python, twice for every file a walk meets.
    The expression is built from pathspec's own translation of each glob (`_translations`)
    and compiled through `derived`, both kept between runs, so a run that needs only this
    neither imports pathspec nor compiles the patterns one by one."""
    sources = []
    for regex, include in _translations(tuple(lines)):
        if include is None:
            continue  # blank or comment
        if include is False or not isinstance(regex, str) or "(?P<" in regex or "(?P=" in regex:
            return lambda path: spec().match_file(path)
        sources.append(regex)
    if not sources:
        return lambda path: False
    from . import derived

    search = derived.compile_pattern("|".join(f"(?:{source})" for source in sources), family="globcode").search
    endings = _suffix_globs(lines)

    def matches(path: str) -> bool:
        if path.startswith(("./", "/")) or "\\" in path:
            return spec().match_file(path)  # pathspec normalises these first
        if endings and path.endswith(endings) and not path.endswith("/"):
            return True  # `*.py` matches any file whose name ends in `.py`, at any depth
        return search(path) is not None

    return matches


def _suffix_globs(lines: Iterable[str]) -> tuple[str, ...]:
    """The literal endings of the plain ``*.ext`` globs among ``lines`` (no other wildcard,
    no slash, no escape): a file whose name ends in one matches that glob wherever it is, so
    most files of a walk need no regular expression. A path that does not end in one is
    still tried against every glob."""
    return tuple(glob[1:] for glob in lines
                 if glob.startswith("*") and len(glob) > 1 and not any(char in glob[1:] for char in "*?[]\\/! \t"))


def _translations(lines: tuple[str, ...]) -> list[tuple[str | None, bool | None]]:
    """pathspec's (regular expression, include) for each gitignore-style glob, kept between
    runs (`derived.made_text`) under the installed pathspec's own version file, so another
    pathspec translates afresh. Importing pathspec costs a one-file run about 8 ms."""
    import json

    from . import derived

    def translate() -> str:
        from pathspec.patterns.gitignore.basic import GitIgnoreBasicPattern

        return json.dumps([GitIgnoreBasicPattern.pattern_to_regex(line) for line in lines])

    stamp = _pathspec_stamp()
    if stamp is None:
        return [tuple(pair) for pair in json.loads(translate())]
    return [tuple(pair) for pair in json.loads(derived.made_text("globs", (lines, stamp), translate))]


@functools.cache
def _pathspec_stamp() -> str | None:
    """The installed pathspec, found as the import system would (the first entry of the
    import path holding it), by its version file's size and time; None if not found."""
    import sys

    for entry in sys.path:
        candidate = os.path.join(entry or ".", "pathspec", "_version.py")
        try:
            status = os.stat(candidate)
        except OSError:
            continue
        return f"{candidate}|{status.st_size}|{status.st_mtime_ns}"
    return None


MARKER_FILES = ("pyvenv.cfg", RUN_MARKER)  # a virtualenv under any name, an `advisor ab` run directory


def _has_marker(folder: Path, names: Iterable[str]) -> bool:
    return any(is_regular(folder / name) for name in names)


def has_own_config(directory: Path) -> bool:
    """Whether a directory holds a configuration of its own (an ``.advisor.toml``, or a
    ``pyproject.toml`` with ``[tool.advisor]``): files below it follow that one, as in
    ruff's hierarchical configuration. An unreadable one counts, so its error is shown
    when its settings are loaded instead of its files silently taking the parent's."""
    for name in CONFIG_FILES:
        candidate = directory / name
        if not is_regular(candidate):
            continue
        try:
            if read_config_table(candidate) is not None:
                return True
        except ConfigError:
            return True
    return False


def _nothing_to_lint(include: tuple[str, ...]) -> str:
    """The note for a walked directory where no file matched: the patterns it tried, so a
    user sees at once why their prompts were not found."""
    shown = ", ".join(include[:6]) + (f" and {len(include) - 6} more" if len(include) > 6 else "")
    return f"nothing to lint: no file here matches the include patterns ({shown}; see `advisor config`)"

