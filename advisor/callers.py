"""Where a call runs, when the handler that reaches it is in another module.

A Flask route in ``routes.py`` calls ``ask()`` in ``services/chat.py``, which calls
``client.messages.create``: the loader, reading ``chat.py`` alone, cannot tell a person waits
on that call. Here (the finish stage) the project index (`modules.py`) is asked who calls the
function holding the call: the modules whose import statements name its module or the
function (a cheap scan of each file's import lines, once per process), then, parsed, the call
sites that really name it -- through ``from .services.chat import ask``, ``import
services.chat as chat`` and a package ``__init__`` re-exporting it. A caller whose own
module shows it is a handler (a route decorator, a class-based view's ``post``, a Gradio
event, a Streamlit script: `runs_in.Contexts`) makes the call a UI call; otherwise its own
callers are asked in turn, up to `MAX_LEVELS` levels, in this module and across modules.
The reason names the route and the path to the call ("Flask route `chat` in routes.py:6 →
`ask()` in services/chat.py"), so the finding says which route reaches it.

Across modules, top-level functions are followed, and methods of top-level classes called
on an object made from the class (``Chat().ask()``, ``chat = Chat(); chat.ask()``, a
module's ``chat = Chat()`` imported elsewhere, a name annotated with the class: ``agent:
Optional[Agent] = None`` set at startup, ``service: Chat = Depends(...)``); an object held in an attribute
(``self.chat.ask()``) is not traced. The callers' files read become
dependencies of the cached result, so editing the route re-lints the call; a file that did
not import the module at all when the result was cached is not watched (it is seen on the
next lint without the cache, or once the called module changes).
"""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from .imported import ImportResolver
from .loaders.python.module import ParsedModule
from .loaders.python.nodes import dotted
from .loaders.python.outline import Frame, Function
from .loaders.python.scopes import Scope, resolve
from .model import Document, RunsIn, Where

MAX_LEVELS = 4  # caller hops followed from the function holding the call


@dataclass(frozen=True, eq=False, repr=False, slots=True)  # internal: never compared or printed (cheaper to define)
class _Node:
    """A function on the way from a handler to the call: its file, qualified name and the
    hops below it (from it down to the function holding the call)."""

    path: Path
    qualname: str
    below: tuple[str, ...]


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class CallerSearch:
    """Finds, for the calls of one document, a handler in the project that reaches them."""

    resolver: ImportResolver  # its index reads the files, its dependencies record them

    def place(self, document: Document) -> None:
        reached: dict[str, Where | None] = {}
        for call in document.calls:
            if call.where.kind is RunsIn.UI or call.function is None:
                continue
            if call.function not in reached:
                reached[call.function] = self._reach(self.resolver.absolute, call.function)
            found = reached[call.function]
            if found is not None:
                call.where = found

    def _reach(self, start: Path, qualname: str) -> Where | None:
        """Breadth first from the function holding the call: the nearest handler wins."""
        index = self.resolver.index
        queue = deque([(_Node(start, qualname, ()), 0)])
        seen = {(index.resolved(start), qualname)}
        while queue:
            node, level = queue.popleft()
            here = f"`{node.qualname}()` in {index.display(node.path)}"
            for path, caller, call, frame in self._callers(node):
                where = caller.contexts.where(frame)
                if where.kind is RunsIn.UI:
                    line = caller.positions.span(call).line
                    chain = " → ".join((here, *node.below))
                    return Where(RunsIn.UI, f"{where.reason} in {caller.document.path}:{line} → {chain}")
                function = frame.function
                if function is None or level + 1 >= MAX_LEVELS or (index.resolved(path), function.qualname) in seen:
                    continue
                seen.add((index.resolved(path), function.qualname))
                queue.append((_Node(path, function.qualname, (here, *node.below)), level + 1))
        return None

    def _callers(self, node: _Node) -> list[tuple[Path, ParsedModule, ast.Call, Frame]]:
        """Call sites of the function ``node`` names: in its own module, and in modules
        that import it (top-level functions, and methods of top-level classes called on an
        object made from the class)."""
        own = self.resolver.read(node.path)
        if own is None:
            return []
        function = next((f for f in own.outline.functions if f.qualname == node.qualname), None)
        if function is None or function.parent is not None:
            return []
        found = [(node.path, own, call, frame) for call, frame in own.outline.calls
                 if frame.function is not function and (own.outline.callee(call.func, frame) is function
                                                         or self._calls_method(own, node.path, call, frame, function, node.path))]
        if function.class_node is not None and function.class_node not in own.tree.body:
            return found
        owner_name = function.class_node.name if function.class_node is not None else function.node.name
        module_word = node.path.parent.name if node.path.name == "__init__.py" else node.path.stem
        index = self.resolver.index
        target = index.resolved(node.path)
        for path in index.importers({module_word, owner_name}):
            if index.resolved(path) == target:
                continue
            caller = self.resolver.read(path)
            if caller is None:
                continue
            for call, frame in caller.outline.calls:
                if function.class_node is not None:
                    matched = self._calls_method(caller, path, call, frame, function, node.path)
                else:
                    matched = self._names(caller, path, call.func, frame.scope, target, function.node.name)
                if matched:
                    found.append((path, caller, call, frame))
        return found

    def _calls_method(self, caller: ParsedModule, path: Path, call: ast.Call, frame: Frame, method: Function,
                      class_path: Path) -> bool:
        """Whether ``call`` (in ``caller``, the file ``path``) is ``method`` (of a class in
        ``class_path``) called on an object of its class: ``Chat().ask()``, ``chat = Chat();
        chat.ask()``, or an object another module makes (``from services import chat``)."""
        class_node = method.class_node
        func = call.func
        if class_node is None or not isinstance(func, ast.Attribute) or func.attr != method.node.name:
            return False
        made, scope, _ = resolve(func.value, frame.scope)
        if isinstance(made, ast.Call):
            return self._is_class(caller, path, made.func, scope, class_path, class_node)
        if not isinstance(made, ast.Name):
            return False
        owner = scope.owner(made.id)
        annotated = _annotated_class(caller, made.id, owner) if owner is not None else None
        if annotated is not None and owner is not None:  # agent: Optional[Agent] = None, set at startup
            return self._is_class(caller, path, annotated, owner.parent or owner, class_path, class_node)
        imported = caller.outline.import_bindings.get((id(owner), made.id)) if owner is not None else None
        if imported is None:
            return False
        module, level, attribute = imported
        found = self.resolver.target(path, module, level, (attribute,) if attribute else ())
        if found is None or len(found[2]) != 1:
            return False
        parsed, object_path, (name,) = found
        value = parsed.module.bindings[name][0]
        return isinstance(value, ast.Call) and self._is_class(parsed, object_path, value.func, parsed.module,
                                                              class_path, class_node)

    def _is_class(self, parsed: ParsedModule, path: Path, func: ast.expr, scope: Scope, class_path: Path,
                  class_node: ast.ClassDef) -> bool:
        """Whether ``func`` names ``class_node`` (of ``class_path``): defined in the same
        module, or imported."""
        index = self.resolver.index
        if isinstance(func, ast.Name) and index.resolved(path) == index.resolved(class_path):
            owner = scope.owner(func.id)
            return owner is not None and owner.parent is None and func.id == class_node.name and (
                owner.bindings[func.id] == [None] and (id(owner), func.id) not in parsed.outline.import_bindings)
        return self._names(parsed, path, func, scope, index.resolved(class_path), class_node.name)

    def _names(self, caller: ParsedModule, path: Path, func: ast.expr, scope: Scope, target: Path, name: str) -> bool:
        """Whether ``func`` (in ``caller``) is the top-level ``name`` of ``target``, as
        imported: ``ask``, ``chat.ask``, ``services.chat.ask``."""
        attributes: list[str] = []
        while isinstance(func, ast.Attribute):
            attributes.append(func.attr)
            func = func.value
        if not isinstance(func, ast.Name) or len(attributes) > 4:
            return False
        owner = scope.owner(func.id)
        if owner is None or owner.bindings[func.id] != [None]:
            return False
        imported = caller.outline.import_bindings.get((id(owner), func.id))
        if imported is None:
            return False
        module, level, attribute = imported
        names = ((attribute,) if attribute else ()) + tuple(reversed(attributes))
        found = self.resolver.target(path, module, level, names)
        return found is not None and self.resolver.index.resolved(found[1]) == target and found[2] == (name,)


def _annotated_class(parsed: ParsedModule, name: str, owner: Scope) -> ast.expr | None:
    """The class a name is annotated with, where it is bound: a module-level ``agent:
    Optional[Agent] = None`` (set later, in a startup hook) or a parameter ``agent: Agent``
    (FastAPI's ``Depends``). ``Optional[X]`` and ``X | None`` are ``X``."""
    annotation: ast.expr | None = None
    if owner.parent is None:
        annotation = next((statement.annotation for statement in parsed.tree.body
                           if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                           and statement.target.id == name), None)
    else:
        function = next((f for f in parsed.outline.functions if f.scope is owner), None)
        if function is not None:
            arguments = function.node.args
            annotation = next((arg.annotation for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
                               if arg.arg == name), None)
    if isinstance(annotation, ast.Subscript) and dotted(annotation.value).rsplit(".", 1)[-1] == "Optional":
        annotation = annotation.slice
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        sides = [side for side in (annotation.left, annotation.right)
                 if not (isinstance(side, ast.Constant) and side.value is None)]
        annotation = sides[0] if len(sides) == 1 else None
    return annotation if isinstance(annotation, (ast.Name, ast.Attribute)) else None
