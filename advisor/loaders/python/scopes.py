"""Name binding: which names of a module are bound exactly once, and to what.

A value is followed through names only when the code makes it plain (a name bound once, in
the scope Python would look it up in); any other binding -- a loop target, a parameter, a
second assignment, a ``global`` rebinding -- makes the name dynamic. Built iteratively:
deeply nested code must not recurse.
"""

from __future__ import annotations

import ast

from .nodes import LEAVES, base_name, children, is_str

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
        self.cache_marker: ast.AST | None = None  # first `x["cache_control"] = ...` target

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


def build_scopes(tree: ast.Module) -> tuple[Scope, dict[int, Scope]]:
    """Binds every name of the module in its scope; returns the module scope and the scope of
    every function, lambda and class body by ``id`` of its node."""
    module = Scope(None)
    scopes: dict[int, Scope] = {id(tree): module}
    mutations: list[tuple[Scope, str]] = []
    stack: list[tuple[ast.AST, Scope]] = [(tree, module)]
    pop, extend, binding = stack.pop, stack.extend, _BINDING
    while stack:
        node, scope = pop()
        cls = node.__class__
        if cls in binding:
            extend(_bind(node, scope, scopes, mutations))
        elif cls not in LEAVES:  # most nodes bind nothing: straight to their children
            extend([(child, scope) for child in children(node)])
    for scope in scopes.values():
        for name, how in scope.declared.items():
            scope.bindings.pop(name, None)
            target = module if how == "global" else (scope.parent and scope.parent.owner(name))
            if target is not None:
                target.bind(name, None)
    for scope, name in mutations:
        owner = scope.owner(name)
        if owner is not None:
            owner.mutated.add(name)
    return module, scopes


# The node types `_bind` looks at; any other node only passes its scope on to its children.
_BINDING = frozenset({
    ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Assign, ast.AnnAssign, ast.NamedExpr,
    ast.withitem, ast.Global, ast.Nonlocal, ast.Name, ast.Import, ast.ImportFrom, ast.ExceptHandler, ast.MatchAs,
    ast.MatchStar, ast.MatchMapping, ast.comprehension, ast.Subscript, ast.Call,
})


def _bind(node: ast.AST, scope: Scope, scopes: dict[int, Scope],
          mutations: list[tuple[Scope, str]]) -> list[tuple[ast.AST, Scope]]:
    """Records the bindings ``node`` (one of `_BINDING`) makes in ``scope``; returns the
    children still to visit."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
        return _enter(node, scope, scopes)
    if isinstance(node, ast.Assign):
        later: list[tuple[ast.AST, Scope]] = [(node.value, scope)]
        for target in node.targets:
            if isinstance(target, ast.Name):
                scope.bind(target.id, node.value)
            else:
                later.append((target, scope))
        return later
    if isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and isinstance(node.target, ast.Name):
        if node.value is not None:
            scope.bind(node.target.id, node.value)
            return [(node.value, scope)]
        return []
    if isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name):
        scope.bind(node.optional_vars.id, node.context_expr)
        return [(node.context_expr, scope)]
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        how = "global" if isinstance(node, ast.Global) else "nonlocal"
        scope.declared.update(dict.fromkeys(node.names, how))
    elif isinstance(node, ast.Name):
        if not isinstance(node.ctx, ast.Load):
            scope.bind(node.id, None)
        return []
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            if alias.name != "*":
                scope.bind(alias.asname or alias.name.split(".")[0], None)
    elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
        scope.bind(node.name, None)
    elif isinstance(node, ast.MatchMapping) and node.rest:
        scope.bind(node.rest, None)
    elif isinstance(node, ast.comprehension):  # its target belongs to the comprehension
        return [(child, scope) for child in (node.iter, *node.ifs)]
    elif isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load):
        _note_subscript_store(node, scope, mutations)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _MUTATORS:
        base = base_name(node.func.value)
        if base:
            mutations.append((scope, base))
    return [(child, scope) for child in children(node)]


def _enter(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef, scope: Scope,
           scopes: dict[int, Scope]) -> list[tuple[ast.AST, Scope]]:
    """A new scope: its header is evaluated outside it, its body inside."""
    if isinstance(node, ast.ClassDef):
        scope.bind(node.name, None)
        inner = Scope(scope, is_class=True)
        outside = [*node.decorator_list, *node.bases, *node.keywords]
    else:
        if not isinstance(node, ast.Lambda):
            scope.bind(node.name, None)
        inner = Scope(scope.enclosing())
        arguments = node.args
        for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                    arguments.vararg, arguments.kwarg):
            if arg is not None:
                inner.bind(arg.arg, None)
        outside = [arguments, *getattr(node, "decorator_list", ())]
        returns = getattr(node, "returns", None)  # a lambda has no annotation
        if returns is not None:
            outside.append(returns)
    scopes[id(node)] = inner
    body = node.body if isinstance(node.body, list) else [node.body]
    return [*((child, scope) for child in outside), *((child, inner) for child in body)]


def _note_subscript_store(node: ast.Subscript, scope: Scope, mutations: list[tuple[Scope, str]]) -> None:
    base = base_name(node.value)
    if base:
        mutations.append((scope, base))
    if scope.cache_marker is None and is_str(node.slice, "cache_control"):
        scope.cache_marker = node
