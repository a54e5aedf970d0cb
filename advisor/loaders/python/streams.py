"""Streamed calls whose whole answer is collected before anything reaches the user.

A call opened with ``messages.stream(...)`` or ``create(..., stream=True)`` is *buffered*
when the function that makes it collects the stream -- ``get_final_message()``,
``get_final_text()``, ``until_done()``, ``"".join(stream.text_stream)``, or a loop over the
stream that only accumulates -- and nothing passes the text on: no ``yield`` or forwarding
call inside a loop over it, no ``return`` of the stream, no hand-over to a streaming
response. Forwarding anywhere wins (a stream shown as it arrives and then finalised is not
buffered); a stream handed to a function we cannot see is *dynamic*.
"""

from __future__ import annotations

import ast
from typing import NamedTuple, cast

from ...model import CallApi, Field, PromptCall
from .nodes import children, dotted, is_str, last_name
from .outline import Found
from .positions import Located, Positions
from .scopes import Scope, resolve

_FINAL_METHODS = {"get_final_message", "get_final_text", "until_done"}
_COLLECTORS = {"list", "tuple"}
_PASS_THROUGH = {"iter", "aiter", "enumerate"}
_SINKS = {"StreamingResponse", "Response", "EventSourceResponse", "StreamingHttpResponse", "write_stream",
          "stream_with_context", "ServerSentEvent"}
_ACCUMULATORS = {"append", "extend", "insert", "appendleft", "add"}
_PURE = {  # calls that neither show nor pass on what they are given
    "isinstance", "len", "str", "repr", "int", "float", "bool", "getattr", "hasattr", "type", "max", "min", "sum",
    "any", "all", "sorted", "round", "abs", "dict", "set", "frozenset", "format", "get", "strip", "lstrip",
    "rstrip", "startswith", "endswith", "lower", "upper", "casefold", "split", "rsplit", "splitlines", "replace",
    "join", "encode", "decode", "count", "find", "rfind", "removeprefix", "removesuffix", "partition", "loads",
    "dumps", "model_dump", "items", "keys", "values", "copy", "sleep", "time", "monotonic",
    "perf_counter",
}
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_MAX_USES = 500  # stream expressions followed for one call


class _Evidence(NamedTuple):
    kind: str  # "forward", "unknown" or "buffer"
    node: ast.AST  # where it is (the start of the span)
    last: ast.AST | None = None  # where the span ends, when not at the end of `node`


def _position(node: ast.AST) -> tuple[int, int]:
    located = cast(Located, node)  # evidence is always an expression or statement
    return located.lineno, located.col_offset


def _is_join(func: ast.expr) -> bool:
    """``"".join`` (any string literal) or ``str.join``."""
    if isinstance(func, ast.Attribute) and func.attr == "join" and is_str(func.value):
        return True
    return dotted(func) == "str.join"


class Streams:
    """Decides, per streamed call, whether its function buffers the stream."""

    def __init__(self, tree: ast.Module, positions: Positions, scopes: dict[int, Scope]) -> None:
        self.tree = tree
        self.positions = positions
        self.scopes = scopes
        self._parents: dict[int, dict[int, ast.AST]] = {}

    def buffered(self, found: Found, call: PromptCall) -> Field:
        if found.api is not CallApi.STREAM and not (found.api is CallApi.CREATE and call.stream.get() is True):
            return Field.absent()
        root = found.frame.function.node if found.frame.function is not None else self.tree
        usage = _Usage(root, self._parents_of(root), found.frame.scope, self.scopes)
        evidence = usage.follow(found.node)
        if any(item.kind == "forward" for item in evidence):
            return Field.absent()
        unknown = next((item for item in evidence if item.kind == "unknown"), None)
        if unknown is not None:
            return Field.dynamic(self.positions.span(unknown.node), self.positions.expression(unknown.node))
        buffers = sorted((item for item in evidence if item.kind == "buffer"), key=lambda item: _position(item.node))
        if not buffers:
            return Field.absent()
        first = buffers[0]
        span = (self.positions.span_between(first.node, first.last) if first.last is not None
                else self.positions.span(first.node))
        return Field.literal(True, span, self.positions.expression(first.node, first.last))

    def _parents_of(self, root: ast.AST) -> dict[int, ast.AST]:
        parents = self._parents.get(id(root))
        if parents is None:
            parents = {}
            stack = [root]
            while stack:
                node = stack.pop()
                for child in children(node):
                    parents[id(child)] = node
                    stack.append(child)
            self._parents[id(root)] = parents
        return parents


class _Usage:
    """Follows one stream through the function that opens it: aliases, loops, hand-overs."""

    def __init__(self, root: ast.AST, parents: dict[int, ast.AST], scope: Scope, scopes: dict[int, Scope]) -> None:
        self.root = root
        self.parents = parents
        self.scope = scope
        self.scopes = scopes
        self.names: set[str] = set()  # names the stream (or its text_stream) is bound to
        self.evidence: list[_Evidence] = []
        self._queue: list[ast.AST] = []

    def follow(self, call: ast.Call) -> list[_Evidence]:
        self._queue.append(call)
        seen: set[int] = set()
        while self._queue and len(seen) < _MAX_USES:
            node = self._queue.pop()
            if id(node) not in seen:
                seen.add(id(node))
                self._climb(node)
        return self.evidence

    def _climb(self, node: ast.AST) -> None:
        """Walks up from an expression that evaluates to the stream to what is done with it."""
        current = node
        while (parent := self.parents.get(id(current))) is not None:
            if isinstance(parent, ast.Attribute):
                if parent.attr == "text_stream":
                    current = parent
                    continue
                grand = self.parents.get(id(parent))
                if parent.attr in _FINAL_METHODS and isinstance(grand, ast.Call) and grand.func is parent:
                    self.evidence.append(_Evidence("buffer", grand))
                return
            if isinstance(parent, (ast.Await, ast.Starred, ast.keyword, ast.Tuple, ast.List, ast.IfExp, ast.BoolOp)):
                current = parent
                continue
            if isinstance(parent, ast.comprehension):
                if parent.iter is not current:
                    return
                current = self.parents[id(parent)]  # the generator expression or comprehension
                continue
            if isinstance(parent, ast.Call):
                if parent.func is current:
                    return
                name = last_name(parent.func)
                if name in _PASS_THROUGH:
                    current = parent
                    continue
                if _is_join(parent.func) or name in _COLLECTORS:
                    self.evidence.append(_Evidence("buffer", parent))
                else:
                    self.evidence.append(_Evidence("forward" if name in _SINKS else "unknown", parent))
                return
            if isinstance(parent, (ast.For, ast.AsyncFor)):
                if parent.iter is current:
                    self._loop(parent)
                return
            if isinstance(parent, (ast.Return, ast.Yield, ast.YieldFrom)):
                self.evidence.append(_Evidence("forward", parent))
                return
            self._bound(parent, current)
            return

    def _bound(self, parent: ast.AST, current: ast.AST) -> None:
        """``with <stream> as s``, ``s = <stream>``: follow the name."""
        targets: list[ast.expr] = []
        if isinstance(parent, ast.withitem) and parent.context_expr is current:
            targets = [parent.optional_vars] if parent.optional_vars is not None else []
        elif isinstance(parent, ast.Assign) and parent.value is current:
            targets = parent.targets
        elif isinstance(parent, (ast.AnnAssign, ast.NamedExpr)) and parent.value is current:
            targets = [parent.target]
        for target in targets:
            if isinstance(target, ast.Name):
                self.names.add(target.id)
                self._queue.extend(self._uses(target))

    def _uses(self, binding: ast.Name) -> list[ast.Name]:
        """The reads of a name after it is bound here and before it is bound again."""
        name, start = binding.id, _position(binding)
        loads: list[ast.Name] = []
        stores: list[ast.Name] = []
        stack: list[ast.AST] = [self.root]
        while stack:
            node = stack.pop()
            for child in children(node):
                if isinstance(child, _SCOPES) and name in getattr(self.scopes.get(id(child)), "bindings", {}):
                    continue  # a nested function with a name of its own
                if isinstance(child, ast.Name) and child.id == name:
                    (loads if isinstance(child.ctx, ast.Load) else stores).append(child)
                stack.append(child)
        end = min((_position(store) for store in stores if _position(store) > start), default=None)
        return [load for load in loads if _position(load) > start and (end is None or _position(load) < end)]

    def _loop(self, loop: ast.For | ast.AsyncFor) -> None:
        """A loop over the stream: forwarding inside it, or only accumulating (buffering)."""
        body = [node for statement in loop.body for node in _walk_here(statement)]
        data = set(self.names)
        data.update(node.id for node in ast.walk(loop.target) if isinstance(node, ast.Name))
        for node in body:
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                data.update(target.id for target in targets if isinstance(target, ast.Name))
        accumulates = False
        for node in body:
            if isinstance(node, (ast.Yield, ast.YieldFrom)):
                self.evidence.append(_Evidence("forward", node))
                return
            if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                accumulates = True
            elif isinstance(node, ast.Call):
                kind = self._call_kind(node, data)
                if kind == "forward":
                    self.evidence.append(_Evidence("forward", node))
                    return
                accumulates = accumulates or kind == "accumulate"
        if accumulates:
            self.evidence.append(_Evidence("buffer", loop, loop.iter))

    def _call_kind(self, call: ast.Call, data: set[str]) -> str:
        """"accumulate" (``parts.append(t)``, a StringIO write), "forward" (passes loop data on,
        or is awaited), or "other"."""
        func, name = call.func, last_name(call.func)
        if isinstance(func, ast.Attribute) and name in _ACCUMULATORS:
            return "accumulate"
        if isinstance(func, ast.Attribute) and name == "write" and self._is_buffer(func.value):
            return "accumulate"
        if name in _PURE:
            return "other"
        arguments = [*call.args, *(keyword.value for keyword in call.keywords)]
        passes_data = any(isinstance(node, ast.Name) and node.id in data
                          for argument in arguments for node in ast.walk(argument))
        return "forward" if passes_data or isinstance(self.parents.get(id(call)), ast.Await) else "other"

    def _is_buffer(self, node: ast.expr) -> bool:
        target = resolve(node, self.scope)[0]
        return isinstance(target, ast.Call) and last_name(target.func) in ("StringIO", "BytesIO")


def _walk_here(node: ast.AST) -> list[ast.AST]:
    """The nodes of a statement, not descending into nested functions or classes."""
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(child for child in children(current) if not isinstance(child, _SCOPES))
    return found
