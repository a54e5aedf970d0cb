"""Resolving the prompt files a call reads, so call rules judge the whole prompt.

A Python call whose system prompt is ``Path("prompts/triage.txt").read_text()`` or a Jinja
``env.get_template("reply.j2")`` says nothing about its task in the Python file itself; the
task is in the other file. The loaders record such reads as :class:`~advisor.model.Link`;
this module finds the file (next to the calling file, at the project root, or in a Jinja
loader's folders), loads it with the loader its extension calls for, and attaches its text
to the call. Text rules still lint that file on its own, under its own path.

Only regular files inside the calling file's tree (`discovery.tree_of`: its repository, or
the project folder holding it) are read, never through a link out of it, never above the
size limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from .digests import blake2b
from .discovery import display_path
from .files import SkippedFile, is_regular, read_regular
from .loaders import decode, is_binary, load_document
from .model import Document, Kind, Link, PromptText
from .sources import kind_for


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class LinkResolver:
    """Loads linked files once per file being linted, remembering what was read (the
    result cache must be invalidated when a linked file changes)."""

    root: Path  # the tree reads stay in (`discovery.tree_of` the calling file)
    cwd: Path
    max_file_size: int
    variables: Mapping[str, Any] | None = None
    dependencies: dict[str, str] = field(default_factory=dict)  # display path -> digest
    _loaded: dict[Path, PromptText | None] = field(default_factory=dict)

    def candidates(self, link: Link, calling_file: Path) -> list[Path]:
        here = calling_file.parent
        bases = [here] if link.relative_to_file else [here, self.root, self.cwd]
        found = [base / link.name for base in bases]
        for folder in link.search_dirs:
            for base in ([here] if link.relative_to_file else [here, self.root, self.cwd]):
                found.append(base / folder / link.name)
        return found

    def _allowed(self, path: Path, tree: Path) -> bool:
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            return False
        return tree in resolved.parents

    def resolve(self, link: Link, calling_file: Path) -> PromptText | None:
        tree = self.root.resolve()
        for candidate in self.candidates(link, calling_file):
            if is_regular(candidate) and self._allowed(candidate, tree):
                return self._load(candidate, link)
        return None

    def _load(self, path: Path, link: Link) -> PromptText | None:
        key = path.resolve()
        if key not in self._loaded:
            self._loaded[key] = self._read(path, link)
        return self._loaded[key]

    def _read(self, path: Path, link: Link) -> PromptText | None:
        try:
            data = read_regular(path, self.max_file_size)
        except (OSError, SkippedFile):
            return None
        display = display_path(path.resolve(), self.cwd)
        self.dependencies[display] = blake2b(data, digest_size=16).hexdigest()
        if is_binary(data):
            return None
        source, _ = decode(data)
        if source is None:
            return None
        kind = kind_for(path)
        if kind not in (Kind.PROMPT, Kind.TEMPLATE):
            kind = Kind.PROMPT  # a prompt read from a file is prompt text, whatever its name
        document: Document = load_document(kind, display, source, variables=self.variables)
        if not document.texts:
            return None
        text = document.texts[0]
        text.role = link.role
        return text


def resolve_links(document: Document, calling_file: Path | None, resolver: LinkResolver | None) -> None:
    """Attach the text of every resolvable link to its call (``call.linked_texts``)."""
    if calling_file is None or resolver is None:
        return
    for call in document.calls:
        for link in call.links:
            text = resolver.resolve(link, calling_file)
            if text is not None and all(text is not t for t in call.linked_texts):
                call.linked_texts.append(text)
