"""The finish stage: from a loaded Document to the model every command sees.

A loader reads one file; finishing adds what needs the file's surroundings or the token
counter: the prompt files its calls read (`links.py`, bounded to the file's tree), the
project's `anthropic` pin for Python with calls (`sdk_pin.py`), and a token count for every
text. `lint` checks the finished document and `tokens` reports it, so both give the same
counts, calls and links for the same file. The linked and pin files read become the
result's dependencies, so a cached result is re-checked when one of them changes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping

from . import tokens
from .catalog import Catalog
from .digests import blake2b
from .discovery import tree_of
from .loaders import load_document
from .model import Document, Kind, PromptText, RunsIn, template_slots

if TYPE_CHECKING:
    from .modules import ProjectIndexes

# Linked prompt files (`links`), sibling modules (`modules`) and the SDK pin (`sdk_pin`)
# concern only files whose calls read other files or Python files with calls: each is
# imported where it is needed, so a pre-commit run on one YAML or text file does not load them.


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class Finished:
    """A finished document, the files read on its behalf (path -> digest) and the file's
    calibrated token count (what it sends, linked prompt files included)."""

    document: Document
    dependencies: dict[str, str] = field(default_factory=dict)
    tokens: int = 0


class Finisher:
    """Finishes documents for one run's settings (variables, size limit, roots)."""

    def __init__(self, *, variables: Mapping[str, Any], max_file_size: int, root: Path, cwd: Path, catalog: Catalog):
        self.variables = variables
        self.max_file_size = max_file_size
        self.root = root
        self.cwd = cwd
        self.catalog = catalog

    @functools.cached_property
    def indexes(self) -> ProjectIndexes:
        """The sibling-module indexes, per run and process (see modules.py)."""
        from .modules import ProjectIndexes

        return ProjectIndexes(self.cwd, self.max_file_size)

    def finish(self, path: str, kind: Kind, source: str, *, absolute: str | Path | None = None,
               tree: Path | None = None) -> Finished:
        """Load and finish one decoded file. With ``absolute`` (where the file is on disk)
        the prompt files its calls read are resolved, inside ``tree`` (by default
        `discovery.tree_of` the file); without it nothing else is read."""
        document = load_document(kind, path, source, variables=self.variables)
        dependencies: dict[str, str] = {}
        # where the file is matters only to its calls: most files have none, and need no Path
        where = Path(absolute) if absolute is not None and document.calls else None
        if where is not None and kind is Kind.PYTHON:
            dependencies.update(self._across_modules(document, where, tree))
        document.parsed = None  # the syntax tree refers back to the document: free both now
        if where is not None and any(call.links for call in document.calls):
            from .links import LinkResolver, resolve_links

            resolver = LinkResolver(tree or tree_of(where, self.root, self.cwd), self.cwd,
                                    self.max_file_size, self.variables)
            resolve_links(document, where, resolver)
            dependencies.update(resolver.dependencies)
        dependencies.update(self._read_sdk_pin(document, where))
        _count_tokens(document)
        return Finished(document, dependencies, self._file_tokens(document))

    def _across_modules(self, document: Document, absolute: Path, tree: Path | None) -> dict[str, str]:
        """Values the calls take from sibling modules (`imported.py`) and handlers in other
        modules that reach them (`callers.py`); the module files read become dependencies of
        the cached result."""
        imports = any(call.imports for call in document.calls)
        unplaced = any(call.where.kind is not RunsIn.UI and call.function for call in document.calls)
        if not (imports or unplaced):
            return {}
        # imported here: only Python files with calls need them (a pre-commit run on one
        # YAML file does not pay for the Python loader)
        from .callers import CallerSearch
        from .imported import ImportResolver

        index = self.indexes.for_tree(tree or tree_of(absolute, self.root, self.cwd))
        resolver = ImportResolver(index, absolute, document.parsed)
        try:
            if imports:
                resolver.resolve(document)
            if unplaced:
                CallerSearch(resolver).place(document)
        except (RecursionError, MemoryError):
            pass  # a sibling nested too deeply to follow: what was resolved so far stands
        return resolver.dependencies

    def _read_sdk_pin(self, document: Document, absolute: Path | None) -> dict[str, str]:
        """The project's `anthropic` pin for a Python file with calls (the sampling rule
        judges by it) and the pins of the wrappers its calls go through (their defaults
        depend on the release), and the pin files as dependencies of the cached result."""
        if absolute is None or document.kind is not Kind.PYTHON or not document.calls:
            return {}
        from .sdk_pin import project_pin

        document.sdk_pin = project_pin(absolute)
        for package in sorted({call.via.name for call in document.calls if call.via is not None}):
            pin = project_pin(absolute, package)
            if pin is not None:
                document.wrapper_pins[package] = pin
        dependencies = {}
        for pin in (document.sdk_pin, *document.wrapper_pins.values()):
            try:
                data = Path(pin.source).read_bytes() if pin is not None else None
            except OSError:
                continue
            if data is not None:
                dependencies[pin.source] = blake2b(data, digest_size=16).hexdigest()
        return dependencies

    def _file_tokens(self, document: Document) -> int:
        models = [c.model.value for c in document.calls if c.model.is_literal and isinstance(c.model.value, str)]
        raw = sum(text.raw_tokens or 0 for text in sent_texts(document))
        return tokens.calibrated_tokens(raw, models[0] if models else None, self.catalog)


def sent_texts(document: Document) -> list[PromptText]:
    """A file's own prompt texts and those its calls read from other files, each once:
    what the file sends, as `lint` and `tokens` both count it."""
    texts = list(document.all_texts())
    for call in document.calls:
        texts += [t for t in call.linked_texts if all(t is not known for known in texts)]
    return texts


def _count_tokens(document: Document) -> None:
    """Token counts of every text, once; also marks ``{{ tags }}`` left in literal text
    (Jinja templates kept in YAML strings or Python constants) as dynamic parts."""
    linked = [t for call in document.calls for t in call.linked_texts]
    for text in [*document.all_texts(), *linked]:
        if not text.slots and "{{" in text.text:
            text.slots = template_slots(text.text)
        if text.raw_tokens is None:
            text.raw_tokens = tokens.raw_count(text.static_text)
