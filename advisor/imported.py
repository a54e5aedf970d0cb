"""Values a call takes from other modules of the project: resolved in the finish stage.

The Python loader reads one file, so ``model=MODEL`` after ``from config import MODEL`` is
only a name there; it records an :class:`~advisor.model.ImportedValue`. Here, with the
project index (`modules.py`), the name is followed into the module that defines it (through
re-exports and chains of imports, a function that returns a constant, a class attribute,
an environment default) with that module's own loader machinery, never by importing it.

Where a finding about such a value points: at the name in the linted file, where the value
is *used* (``model=MODEL``), and its message names where the value is written
("[`MODEL` in config.py:3]"). A finding must belong to the file linted (the result cache and
every output key findings by file), a module like ``config.py`` often has no call of its own
to be linted with, and the same constant used by two files is judged for each use; the fix is
refused (the literal is in the other file, `Origin.editable`). Prompt text defined in another
module (``system=prompts.SYSTEM``) joins the call like a linked prompt file: judged with the
call, with its own path, so findings inside it name ``prompts.py``.

Every module file read becomes a dependency of the linted file's cached result, so editing
``config.py`` re-lints the files that took a value from it. Resolution is bounded:
`MAX_HOPS` import hops per value, each (module, name) visited once (cycles end), and the
index's own limits on files.
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .loaders.python.module import ParsedModule
from .loaders.python.nodes import literal
from .loaders.python.scopes import Scope
from .loaders.python.values import Imported, single_return
from .model import Document, Field, ImportedValue, Origin, PromptCall, Role
from .modules import ProjectIndex
from .parameters import PARAMETERS, Parameter

MAX_HOPS = 8
_EFFORT = Parameter("effort", (str,))


@dataclass(frozen=True, eq=False, repr=False, slots=True)  # internal: never compared or printed (cheaper to define)
class _Definition:
    """Where a name is defined: the expression, the scope to read it in, its module."""

    parsed: ParsedModule
    path: Path
    node: ast.expr
    scope: Scope
    name: str


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class ImportResolver:
    """Resolves the imported values of one document's calls; remembers the files read."""

    index: ProjectIndex
    absolute: Path  # the file being finished: never its own dependency
    own: ParsedModule | None = None  # its parse, from the loader: never parsed twice
    dependencies: dict[str, str] = field(default_factory=dict)  # display path -> digest

    def resolve(self, document: Document) -> None:
        for call in document.calls:
            for imported in call.imports:
                if imported.role:
                    self._text(call, imported)
                else:
                    self._scalar(call, imported)

    def _chase(self, imported: ImportedValue, step: Callable[[_Definition], Imported | None]) -> None:
        """Follows an imported name from definition to definition: ``step`` settles the
        value (or gives up) and returns None, or names the next import to follow."""
        seen: set[tuple[Path, tuple[str, ...], bool]] = set()
        following = Imported(imported.module, imported.level, imported.names, imported.called)
        importer = self.absolute
        for _ in range(MAX_HOPS):
            definition = self._definition(importer, following.module, following.level, following.names,
                                          following.called, seen)
            if definition is None:
                return
            next_ = step(definition)
            if next_ is None:
                return
            importer, following = definition.path, next_

    # -- scalars ----------------------------------------------------------------------------

    def _scalar(self, call: PromptCall, imported: ImportedValue) -> None:
        current = getattr(call, imported.parameter, None)
        if not isinstance(current, Field) or not current.is_dynamic or current.span != imported.span:
            return  # the loader settled it otherwise
        parameter = PARAMETERS.get(imported.parameter, _EFFORT)

        def step(definition: _Definition) -> Imported | None:
            followed = definition.parsed.values.follow(definition.node, definition.scope, parameters=False)
            if followed is None or followed.imported is not None:
                return followed.imported if followed is not None else None
            if followed.choice is None:
                return None
            typed, value = parameter.coerce(literal(followed.choice.node))
            if typed:
                path = definition.parsed.document.path
                where = f"{path}:{definition.parsed.positions.span(followed.choice.node).line}"
                what = f"{followed.choice.description} in {where}" if followed.choice.via else f"`{definition.name}` in {where}"
                setattr(call, imported.parameter, Field.literal(value, imported.span, imported.expression,
                                                                  Origin(what, path, imported.span)))
            return None

        self._chase(imported, step)

    # -- prompt text ----------------------------------------------------------------------------

    def _text(self, call: PromptCall, imported: ImportedValue) -> None:
        role = Role(imported.role)

        def step(definition: _Definition) -> Imported | None:
            parsed = definition.parsed
            text = parsed.texts.text(definition.node, definition.scope, role, formatting=imported.formatting)
            if text.text is None:
                found = parsed.values.imported(definition.node, definition.scope) if text.dynamic else None
                return found[0] if found is not None else None
            # a copy: the module's text object is shared by every file that imports it
            linked = dataclasses.replace(text.text, role=role, memo={}, earlier_turn=False)
            linked.name = linked.name or definition.name
            call.linked_texts.append(linked)
            if imported.whole and imported.parameter == "system" and not text.dynamic:
                call.system_dynamic = False
            return None

        self._chase(imported, step)

    # -- names to definitions ------------------------------------------------------------------

    def _definition(self, importer: Path, module: str, level: int, names: tuple[str, ...], called: bool,
                    seen: set[tuple[Path, tuple[str, ...], bool]]) -> _Definition | None:
        """The expression defining ``module.names`` (a constant, or what a function returns
        when ``called``), seen from ``importer``; None when the project does not show it."""
        found = self.target(importer, module, level, names, seen, called)
        if found is None:
            return None
        parsed, path, attributes = found
        if len(attributes) == 2 and not called:  # a class's or a settings object's attribute
            attribute = ast.Attribute(ast.Name(attributes[0], ast.Load()), attributes[1], ast.Load())
            return _Definition(parsed, path, attribute, parsed.module, ".".join(attributes))
        value = parsed.module.bindings[attributes[0]][0]
        if value is not None:
            if called or len(attributes) > 1:
                return None
            return _Definition(parsed, path, value, parsed.module, attributes[0])
        return self._defined(parsed, path, attributes, called)

    def target(self, importer: Path, module: str, level: int, names: tuple[str, ...],
               seen: set[tuple[Path, tuple[str, ...], bool]] | None = None,
               called: bool = False) -> tuple[ParsedModule, Path, tuple[str, ...]] | None:
        """The module that binds ``module.names`` itself (re-exports followed: ``from
        .chat import ask`` in a package's ``__init__``), and the attribute path in it; None
        when no module of the project binds it exactly once."""
        seen = set() if seen is None else seen
        for _ in range(MAX_HOPS):
            found = self._module_of(importer, module, level, names)
            if found is None:
                return None
            path, attributes = found
            key = (self.index.resolved(path), attributes, called)
            if key in seen:
                return None  # an import cycle
            seen.add(key)
            parsed = self.read(path)
            if parsed is None or len(parsed.module.bindings.get(attributes[0], [])) != 1:
                return None
            rebound = parsed.outline.import_bindings.get((id(parsed.module), attributes[0]))
            if rebound is None:
                return parsed, path, attributes
            module, level, attribute = rebound
            names = ((attribute,) if attribute else ()) + attributes[1:]
            importer = path
        return None

    @staticmethod
    def _defined(parsed: ParsedModule, path: Path, attributes: tuple[str, ...], called: bool) -> _Definition | None:
        """A function's returned constant (``get_instructions()``)."""
        name = attributes[0]
        function = parsed.outline.defs.get((0, 0, name))
        if function is None or not called or len(attributes) != 1:
            return None
        returned = single_return(function.node)
        return _Definition(parsed, path, returned, function.scope, f"{name}()") if returned is not None else None

    def _module_of(self, importer: Path, module: str, level: int,
                   names: tuple[str, ...]) -> tuple[Path, tuple[str, ...]] | None:
        """The module file and the attribute path left in it: ``import app`` then
        ``app.prompts.SYSTEM`` is ``app/prompts.py`` and ``("SYSTEM",)`` when that file
        exists, else ``app/__init__.py`` and ``("prompts", "SYSTEM")``."""
        for cut in range(len(names) - 1, -1, -1):
            full = ".".join(part for part in (module, *names[:cut]) if part)
            if not full and not level:
                continue
            path = self.index.find(full, level, importer)
            if path is not None:
                return path, names[cut:]
        return None

    def read(self, path: Path) -> ParsedModule | None:
        """The parsed module at ``path``, its file recorded as a dependency."""
        if self.index.resolved(path) == self.index.resolved(self.absolute):
            return self.own if self.own is not None else self.index.parsed(path)
        parsed = self.index.parsed(path)
        digest = self.index.digest(path)
        if digest is not None:
            self.dependencies[self.index.display(path)] = digest
        return parsed
