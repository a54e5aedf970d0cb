"""One walk over the module: its functions, every call with the frame it sits in, imports.

The frame of a node says which scope and function it belongs to, whether it repeats (a loop
body, a comprehension) and whether it is in the ``if __name__ == "__main__":`` block; the
Messages API calls are picked out on the way.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Iterator

from ...model import CallApi
from .nodes import LEAVES, children, is_str, unwrap_formatting
from .scopes import BINDING, Binder, Scope

_API_METHODS = {"create": CallApi.CREATE, "stream": CallApi.STREAM, "count_tokens": CallApi.COUNT_TOKENS}
_RESPONSE_WRAPPERS = {"with_raw_response", "with_streaming_response"}
_REQUEST_KEYS = {"model", "messages", "max_tokens", "system"}  # tells Claude from e.g. Twilio
_NOTED = frozenset({ast.Await, ast.Call, ast.BinOp, ast.Import, ast.ImportFrom})  # what `Walker._note` records
_FRAMING = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.For, ast.AsyncFor,
                      ast.While, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp, ast.If})


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class Function:
    """A function or method of the module, with the scope it binds names in and the function
    it is defined in."""

    node: ast.FunctionDef | ast.AsyncFunctionDef
    qualname: str  # ``ChatView.post``, ``outer.inner``
    scope: Scope
    class_node: ast.ClassDef | None  # for methods
    parent: Function | None  # the function this one is defined in


@dataclass(frozen=True, eq=False, repr=False, slots=True)  # internal: never compared or printed (cheaper to define)
class Frame:
    """Where a node sits: its scope, enclosing function and class, loop and main-guard state."""

    scope: Scope
    function: Function | None = None
    class_node: ast.ClassDef | None = None
    prefix: str = ""
    in_loop: bool = False
    guard: ast.If | None = None  # module-level `if __name__ == "__main__":`

    def looping(self) -> Frame:
        """This frame in a loop body or comprehension: made directly (`dataclasses.replace`
        costs several times more, and real modules have dozens of loops), or this frame
        itself when it already repeats (frames are immutable)."""
        if self.in_loop:
            return self
        return Frame(self.scope, self.function, self.class_node, self.prefix, True, self.guard)

    def function_scope(self) -> Scope:
        """The scope of the function this node is in (the module's for module-level code)."""
        if self.function is not None:
            return self.function.scope
        scope = self.scope
        while scope.parent is not None:
            scope = scope.parent
        return scope


@dataclass(frozen=True, eq=False, repr=False, slots=True)  # internal: never compared or printed (cheaper to define)
class Found:
    """A Messages API call: the node, where it sits, which method, whether it is awaited."""

    node: ast.Call
    frame: Frame
    api: CallApi
    awaited: bool


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class Outline:
    """What one walk over the module finds."""

    functions: list[Function] = field(default_factory=list)  # parents before children
    defs: dict[tuple[int, int, str], Function] = field(default_factory=dict)  # (parent, class, name)
    calls: list[tuple[ast.Call, Frame]] = field(default_factory=list)
    api_calls: list[Found] = field(default_factory=list)
    imports: dict[str, ast.stmt] = field(default_factory=dict)  # top-level package -> first import
    format_names: set[str] = field(default_factory=set)  # names used as `NAME.format(...)`
    percent_names: set[str] = field(default_factory=set)  # names used as `NAME % ...`
    awaited: set[int] = field(default_factory=set)  # id() of every awaited expression
    # (id(scope), local name) -> (module as written, relative level, imported name or None
    # for a module): what each import statement binds, for values held by other modules
    import_bindings: dict[tuple[int, str], tuple[str, int, str | None]] = field(default_factory=dict)

    def callee(self, node: ast.expr, frame: Frame) -> Function | None:
        """The function of this module a call or reference names: ``helper`` or ``self.helper``."""
        if isinstance(node, ast.Name):
            function = frame.function
            while True:
                found = self.defs.get((id(function) if function else 0, 0, node.id))
                if found is not None or function is None:
                    return found
                function = function.parent
        caller = frame.function
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
                and caller is not None and caller.class_node is not None):
            return self.defs.get((id(caller.parent) if caller.parent else 0, id(caller.class_node), node.attr))
        return None


def api_of(call: ast.Call) -> CallApi | None:
    """The Messages API method a call invokes: ``<anything>.messages[.with_raw_response].create``."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in _API_METHODS:
        return None
    owner = func.value
    if isinstance(owner, ast.Attribute) and owner.attr in _RESPONSE_WRAPPERS:
        owner = owner.value
    if not (isinstance(owner, ast.Attribute) and owner.attr == "messages"):
        return None
    if not any(keyword.arg is None or keyword.arg in _REQUEST_KEYS for keyword in call.keywords):
        return None
    return _API_METHODS[func.attr]


def is_main_guard(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(side, ast.Name) and side.id == "__name__" for side in sides) and any(
        is_str(side, "__main__") for side in sides)


class Walker:
    """One pre-order walk that tracks the frame of every node (iteratively), and hands the
    nodes that bind names to the module's `Binder` on the way: the scopes are built by the
    same walk, each scope made when its function or class is reached, before its body.

    Most nodes neither change the frame nor are noted, so the walk asks a node's type once
    (a set lookup) before any closer test, and reads children with `nodes.children`."""

    def __init__(self, binder: Binder) -> None:
        self.binder = binder
        self.scopes = binder.scopes
        self.outline = Outline()

    def walk(self, tree: ast.Module) -> Outline:
        awaited = self.outline.awaited
        note_binding = self.binder.note
        # (node, frame, whether it may bind: not inside a child `Binder.note` set aside)
        stack: list[tuple[ast.AST, Frame, bool]] = [(tree, Frame(self.binder.module), True)]
        pop, extend = stack.pop, stack.extend
        noted, framing = _NOTED, _FRAMING
        while stack:
            node, frame, binds = pop()
            cls = node.__class__
            inert: tuple[ast.AST, ...] = ()
            if cls in BINDING and (binds or cls is ast.Lambda):
                # a lambda needs its scope wherever it is (in an annotation, in a
                # comprehension's target), and making one binds nothing around it
                inert = note_binding(node, frame.scope)
            if cls in LEAVES:
                continue
            if cls in noted:
                self._note(node, frame, awaited)
            if cls in framing:
                pairs = self._children(node, frame)
                extend([(child, child_frame, binds and all(child is not other for other in inert))
                        for child, child_frame in reversed(pairs)])
            elif inert or not binds:
                extend([(child, frame, binds and all(child is not other for other in inert))
                        for child in reversed(children(node))])
            else:
                extend([(child, frame, True) for child in reversed(children(node))])
        return self.outline

    def _note(self, node: ast.AST, frame: Frame, awaited: set[int]) -> None:
        outline = self.outline
        if isinstance(node, ast.Await):
            awaited.add(id(node.value))
        elif isinstance(node, ast.Call):
            outline.calls.append((node, frame))
            base, mode = unwrap_formatting(node)
            if mode and isinstance(base, ast.Name):
                outline.format_names.add(base.id)
            api = api_of(node)
            if api is not None:
                outline.api_calls.append(Found(node, frame, api, id(node) in awaited))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Name):
            outline.percent_names.add(node.left.id)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                outline.imports.setdefault(alias.name.split(".")[0], node)
                local = alias.asname or alias.name.split(".")[0]
                outline.import_bindings[(id(frame.scope), local)] = (alias.name if alias.asname else local, 0, None)
        elif isinstance(node, ast.ImportFrom):
            if node.module and not node.level:
                outline.imports.setdefault(node.module.split(".")[0], node)
            for alias in node.names:
                if alias.name != "*":
                    outline.import_bindings[(id(frame.scope), alias.asname or alias.name)] = (
                        node.module or "", node.level, alias.name)

    def _children(self, node: ast.AST, frame: Frame) -> list[tuple[ast.AST, Frame]]:
        """The children of a node that may change the frame (`_FRAMING`), in order."""
        return list(self._framed_children(node, frame))

    def _framed_children(self, node: ast.AST, frame: Frame) -> Iterator[tuple[ast.AST, Frame]]:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = self._define(node, frame)
            header = [*node.decorator_list, node.args, *([node.returns] if node.returns else [])]
            inner = Frame(function.scope, function, None, function.qualname + ".")
            yield from ((child, frame) for child in header)
            yield from ((child, inner) for child in node.body)
        elif isinstance(node, ast.ClassDef):
            inner = Frame(self.scopes[id(node)], frame.function, node, frame.prefix + node.name + ".")
            yield from ((child, frame) for child in (*node.decorator_list, *node.bases, *node.keywords))
            yield from ((child, inner) for child in node.body)
        elif isinstance(node, ast.Lambda):
            yield node.args, frame
            yield node.body, Frame(self.scopes[id(node)], frame.function, frame.class_node, frame.prefix, False, frame.guard)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            yield from self._loop_children(node, frame)
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            yield from self._comprehension_children(node, frame)
        elif isinstance(node, ast.If) and frame.scope.parent is None and is_main_guard(node.test):
            yield node.test, frame
            guarded = Frame(frame.scope, frame.function, frame.class_node, frame.prefix, frame.in_loop, node)
            yield from ((child, guarded) for child in node.body)
            yield from ((child, frame) for child in node.orelse)
        else:
            yield from ((child, frame) for child in children(node))

    @staticmethod
    def _loop_children(node: ast.For | ast.AsyncFor | ast.While, frame: Frame) -> Iterator[tuple[ast.AST, Frame]]:
        """The body (and a while test) repeat; a for's iterable and the else clause run once."""
        looping = frame.looping()
        if isinstance(node, ast.While):
            yield node.test, looping
        else:
            yield node.target, frame
            yield node.iter, frame
        yield from ((child, looping) for child in node.body)
        yield from ((child, frame) for child in node.orelse)

    @staticmethod
    def _comprehension_children(node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp, frame: Frame) -> Iterator[tuple[ast.AST, Frame]]:
        """Only the first iterable of a comprehension is evaluated once."""
        looping = frame.looping()
        first, *rest = node.generators
        yield first.iter, frame
        yield first.target, looping
        yield from ((condition, looping) for condition in first.ifs)
        for generator in rest:
            yield generator, looping
        elements = (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,)
        yield from ((element, looping) for element in elements)

    def _define(self, node: ast.FunctionDef | ast.AsyncFunctionDef, frame: Frame) -> Function:
        function = Function(node, frame.prefix + node.name, self.scopes[id(node)], frame.class_node, frame.function)
        key = (id(frame.function) if frame.function else 0, id(frame.class_node) if frame.class_node else 0, node.name)
        self.outline.defs[key] = function
        self.outline.functions.append(function)
        return function
