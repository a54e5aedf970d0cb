"""Streamed TypeScript/JavaScript calls whose whole answer is collected before anything
reaches the user.

An Anthropic SDK stream (``messages.stream(...)``, ``create({stream: true})``) is *buffered*
when the function that opens it waits for the end -- ``await stream.finalMessage()`` /
``finalText()`` / ``done()``, or a ``for await`` loop that only accumulates -- and nothing
passes the text on: no ``.on(...)`` listener, no ``toReadableStream()``, no ``return`` of
the stream, no loop that sends each event on. An AI SDK ``streamText`` result is buffered
when the code awaits ``result.text`` (or ``.object``, ``.response``, ``consumeStream()``)
and never hands the stream out (``toDataStreamResponse()``, ``toTextStreamResponse()``,
``textStream``). Forwarding anywhere wins, as in the Python loader.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from ...model import CallApi, Field, PromptCall
from .bindings import outside
from .outline import Found
from .syntax import Positions, walk
from .values import name_of

if TYPE_CHECKING:
    from tree_sitter import Node

_FINAL = {"finalMessage", "finalText", "done", "text", "object", "response", "consumeStream", "usage",
          "finishReason", "steps"}
_FORWARD = {"on", "toReadableStream", "toDataStreamResponse", "toTextStreamResponse", "toUIMessageStreamResponse",
            "pipeDataStreamToResponse", "pipeTextStreamToResponse", "pipeUIMessageStreamToResponse",
            "toDataStream", "toUIMessageStream", "textStream", "fullStream", "partialObjectStream",
            "elementStream", "mergeIntoDataStream", "toAIStream", "toAIStreamResponse", "tee"}
_ACCUMULATE = {"push", "concat", "join"}


class Streams:
    def __init__(self, positions: Positions, root: "Node") -> None:
        self.positions = positions
        self.root = root
        self._uses: dict[str, list[tuple[int, str, Node]]] | None = None  # name -> (start, use, node), in order

    def buffered(self, found: Found, call: PromptCall) -> Field:
        if found.api is not CallApi.STREAM and not (found.api is CallApi.CREATE and call.stream.get() is True):
            return Field.absent()
        holder = _holder(found.node)
        if holder is None:
            return Field.absent()
        if not isinstance(holder, str):  # `await client.messages.stream({…}).finalMessage()`
            method = name_of(holder.child_by_field_name("property"))
            if method in _FINAL:
                return self._buffer(holder.parent if holder.parent is not None else holder)
            return Field.absent()
        scope = found.function.node if found.function is not None else self.root
        uses = self._all_uses().get(holder, [])
        low = bisect.bisect_left(uses, scope.start_byte, key=lambda use: use[0])
        high = bisect.bisect_left(uses, scope.end_byte, key=lambda use: use[0])
        evidence = [(kind, node) for _, kind, node in uses[low:high]]
        if any(kind == "forward" for kind, _ in evidence):
            return Field.absent()
        buffers = [node for kind, node in evidence if kind == "buffer"]
        if not buffers:
            return Field.absent()
        first = buffers[0]  # the call `stream.finalMessage()` rather than its callee
        return self._buffer(first.parent if first.parent is not None and first.parent.type == "call_expression" else first)

    def _all_uses(self) -> dict[str, list[tuple[int, str, "Node"]]]:
        """Every use of a name that could pass a stream on or wait for it, in source order:
        one walk of the file, made the first time a stream is kept in a name, so a module
        with many functions and streams is not walked once per stream."""
        if self._uses is None:
            self._uses = {}
            for node in walk(self.root):
                for name in _names_used(node):
                    kind = _use(node, name)
                    if kind is not None:
                        self._uses.setdefault(name, []).append((node.start_byte, kind, node))
        return self._uses

    def _buffer(self, node: "Node") -> Field:
        return Field.literal(True, self.positions.span(node), self.positions.expression(node))


def _holder(call: "Node") -> "Node | str | None":
    """The name a stream is kept in (``const stream = …``), or the member access chained on
    the call itself; None when the call's result goes elsewhere."""
    parent = outside(call, ("await_expression", "parenthesized_expression", "as_expression"))
    if parent is None:
        return None
    if parent.type == "member_expression":
        return parent
    if parent.type == "variable_declarator":
        name = parent.child_by_field_name("name")
        return name_of(name) if name is not None and name.type == "identifier" else None
    return None


def _names_used(node: "Node") -> list[str]:
    """The identifiers a node could use a stream through (see :func:`_use`)."""
    kind = node.type
    if kind == "member_expression":
        candidates = [node.child_by_field_name("object")]
    elif kind == "for_in_statement":
        candidates = [node.child_by_field_name("right")]
    elif kind in ("return_statement", "arguments"):
        candidates = list(node.named_children)
    elif kind == "pair":
        candidates = [node.child_by_field_name("value")]
    else:
        return []
    return [name_of(candidate) for candidate in candidates if candidate is not None and candidate.type == "identifier"]


def _use(node: "Node", name: str) -> str | None:
    """How one node uses the stream named ``name``: "buffer", "forward" or None."""
    kind = node.type
    if kind == "member_expression":
        obj = node.child_by_field_name("object")
        if obj is None or obj.type != "identifier" or name_of(obj) != name:
            return None
        prop = name_of(node.child_by_field_name("property"))
        if prop in _FORWARD:
            return "forward"
        return "buffer" if prop in _FINAL and _awaited_use(node) else None
    if kind == "for_in_statement":
        right = node.child_by_field_name("right")
        if right is None or right.type != "identifier" or name_of(right) != name:
            return None
        return "forward" if _loop_forwards(node) else "buffer"
    if kind == "return_statement" or kind == "arguments":
        return "forward" if any(child.type == "identifier" and name_of(child) == name for child in node.named_children) else None
    if kind == "pair":
        value = node.child_by_field_name("value")
        return "forward" if value is not None and value.type == "identifier" and name_of(value) == name else None
    return None


def _awaited_use(member: "Node") -> bool:
    """``await s.finalMessage()``, ``await s.text``, ``s.done().then(…)``: the code waits for the end."""
    parent = member.parent
    if parent is not None and parent.type == "call_expression":
        parent = parent.parent
    return parent is not None and parent.type in ("await_expression", "member_expression", "return_statement",
                                                  "variable_declarator", "expression_statement")


def _loop_forwards(loop: "Node") -> bool:
    """Whether a ``for await (const event of stream)`` body passes data on: a ``yield``, or a
    call (``controller.enqueue(…)``, ``res.write(…)``, ``send(…)``) that is not accumulation."""
    body = loop.child_by_field_name("body")
    if body is None:
        return False
    for node in walk(body):
        if node.type in ("yield_expression", "return_statement"):
            return True
        if node.type == "call_expression":
            function = node.child_by_field_name("function")
            method = name_of(function.child_by_field_name("property")) if function is not None and function.type == "member_expression" else name_of(function)
            arguments = node.child_by_field_name("arguments")
            if method not in _ACCUMULATE and method not in ("log", "debug") and arguments is not None \
                    and arguments.named_child_count:
                return True
    return False
