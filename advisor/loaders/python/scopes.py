"""Name binding: which names of a module are bound exactly once, and to what.

A value is followed through names only when the code makes it plain (a name bound once, in
the scope Python would look it up in); any other binding -- a loop target, a parameter, a
second assignment, a ``global`` rebinding -- makes the name dynamic. Built iteratively:
deeply nested code must not recurse.
"""

from __future__ import annotations

import ast

from .nodes import base_name, is_str

MAX_HOPS = 20  # `A = B` chains followed before a value counts as dynamic
_MUTATORS = {"append", "extend", "insert", "update", "setdefault", "pop", "popitem", "clear", "remove",
             "sort", "reverse", "__setitem__"}


class Scope:
    """The names bound in one function, class body or module, and what they were bound to.

    A name bound exactly once to an expression can be followed; any other binding (a loop
    target, a parameter, a second assignment) is recorded as None, making it dynamic. The
    target of ``with X as name`` is bound to ``X`` (a file or stream the block reads).
    """

    def __init__(self, parent: Scope | None, *, is_class: bool = False) -> None:
        self.parent = parent
        self.is_class = is_class
        self.bindings: dict[str, list[ast.expr | None]] = {}
        self.mutated: set[str] = set()  # `x.append(...)`, `x[k] = ...`: not the literal any more
        self.declared: dict[str, str] = {}  # name -> "global" / "nonlocal"
        self.cache_marker: ast.AST | None = None  # a `x["cache_control"] = ...` target (`Binder`)

    def bind(self, name: str, value: ast.expr | None) -> None:
        self.bindings.setdefault(name, []).append(value)

    def owner(self, name: str) -> Scope | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.bindings:
                return scope
            scope = scope.parent
        return None

    def enclosing(self) -> Scope:
        """The scope a function defined here looks names up in (class bodies are skipped)."""
        return self.parent if self.is_class and self.parent is not None else self


def resolve(node: ast.expr, scope: Scope) -> tuple[ast.expr, Scope, str | None]:
    """Follows names bound once; returns the value, the scope it was written in, the last name."""
    name = None
    for _ in range(MAX_HOPS):
        if not isinstance(node, ast.Name):
            break
        owner = scope.owner(node.id)
        values = owner.bindings[node.id] if owner else []
        if owner is None or len(values) != 1 or values[0] is None:
            break
        name, node, scope = node.id, values[0], owner
    return node, scope, name


class Binder:
    """Records the bindings of a module's nodes, one node at a time, in the order the outline
    walk (`outline.Walker`) visits them: one walk of the tree serves both.

    The walk hands over every node the binding rules look into, with the scope it sits in;
    `note` says which of the node's children bind nothing (a name bound to the value written
    beside it, a comprehension's target, an annotation), so the walk keeps them from `note`.
    Which value a name was bound to first never matters (a name bound twice is dynamic), and
    a scope's ``cache_marker`` is the last subscript store met in source order (that is the
    one the earlier walk, which went through siblings last to first, met first).
    """

    def __init__(self, tree: ast.Module) -> None:
        self.module = Scope(None)
        self.scopes: dict[int, Scope] = {id(tree): self.module}  # function, lambda and class bodies by id(node)
        self._mutations: list[tuple[Scope, str]] = []

    def note(self, node: ast.AST, scope: Scope) -> tuple[ast.AST, ...]:
        """Records the bindings ``node`` (one of `BINDING`) makes in ``scope``; returns the
        children that bind nothing. (The most frequent node types are asked first.)"""
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                scope.bind(node.id, None)
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr in _MUTATORS:
                base = base_name(node.func.value)
                if base:
                    self._mutations.append((scope, base))
        elif isinstance(node, ast.Subscript):
            if not isinstance(node.ctx, ast.Load):
                self._subscript_store(node, scope)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            self._enter(node, scope)
        elif isinstance(node, ast.Assign):
            named = tuple(target for target in node.targets if isinstance(target, ast.Name))
            for target in named:
                scope.bind(target.id, node.value)
            return named
        elif isinstance(node, ast.AnnAssign):
            if isinstance(node.target, ast.Name):
                if node.value is not None:
                    scope.bind(node.target.id, node.value)
                return node.target, node.annotation
        elif isinstance(node, ast.NamedExpr):
            if isinstance(node.target, ast.Name):
                scope.bind(node.target.id, node.value)
                return (node.target,)
        elif isinstance(node, ast.withitem):
            if isinstance(node.optional_vars, ast.Name):
                scope.bind(node.optional_vars.id, node.context_expr)
                return (node.optional_vars,)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            how = "global" if isinstance(node, ast.Global) else "nonlocal"
            scope.declared.update(dict.fromkeys(node.names, how))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name != "*":
                    scope.bind(alias.asname or alias.name.split(".")[0], None)
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
            if node.name:
                scope.bind(node.name, None)
        elif isinstance(node, ast.MatchMapping):
            if node.rest:
                scope.bind(node.rest, None)
        elif isinstance(node, ast.comprehension):  # its target belongs to the comprehension
            return (node.target,)
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            # the outline walk visits the first generator's parts, not the generator itself
            return tuple(generator.target for generator in node.generators)
        return ()

    def finish(self) -> tuple[Scope, dict[int, Scope]]:
        """After the walk: ``global``/``nonlocal`` names bound where they live, mutated names
        marked; the module scope and the scopes by node."""
        module = self.module
        for scope in self.scopes.values():
            for name, how in scope.declared.items():
                scope.bindings.pop(name, None)
                target = module if how == "global" else (scope.parent and scope.parent.owner(name))
                if target is not None:
                    target.bind(name, None)
        for scope, name in self._mutations:
            owner = scope.owner(name)
            if owner is not None:
                owner.mutated.add(name)
        return module, self.scopes

    def _enter(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef, scope: Scope) -> None:
        """A new scope for the body (the walk evaluates the header outside it)."""
        if isinstance(node, ast.ClassDef):
            scope.bind(node.name, None)
            inner = Scope(scope, is_class=True)
        else:
            if not isinstance(node, ast.Lambda):
                scope.bind(node.name, None)
            inner = Scope(scope.enclosing())
            arguments = node.args
            for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                        arguments.vararg, arguments.kwarg):
                if arg is not None:
                    inner.bind(arg.arg, None)
        self.scopes[id(node)] = inner

    def _subscript_store(self, node: ast.Subscript, scope: Scope) -> None:
        base = base_name(node.value)
        if base:
            self._mutations.append((scope, base))
        if is_str(node.slice, "cache_control"):
            scope.cache_marker = node


# The node types `Binder.note` looks at; any other node binds nothing itself.
BINDING = frozenset({
    ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Assign, ast.AnnAssign, ast.NamedExpr,
    ast.withitem, ast.Global, ast.Nonlocal, ast.Name, ast.Import, ast.ImportFrom, ast.ExceptHandler, ast.MatchAs,
    ast.MatchStar, ast.MatchMapping, ast.comprehension, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp,
    ast.Subscript, ast.Call,
})
