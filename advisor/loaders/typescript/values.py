"""Values the code writes out: literals (through names bound once) and prompt text.

A string, template literal, ``+`` concatenation, ``[...].join(sep)`` of strings, or a
``dedent`` / ``.trim()`` of one becomes one :class:`PromptText` whose source map points into
the file; each ``${…}`` substitution (and each computed operand) becomes a ``{{ expr }}``
slot, like an f-string field in Python. A constant's text is built once and shared by every
call that uses it. :func:`Values.literal` evaluates plain data (numbers, strings, booleans,
``null``, object and array literals) without running anything.
"""

from __future__ import annotations

import re
import textwrap
from typing import TYPE_CHECKING, Any, NamedTuple

from ...model import Document, PromptText, Role, TextBuilder
from ..python.strings import placeholder, squeeze
from .bindings import MAX_HOPS, Bindings, unwrap
from .syntax import Positions

if TYPE_CHECKING:
    from tree_sitter import Node

NOT_LITERAL = object()
_MAX_LITERAL_NODES = 2_000  # nodes evaluated for one literal value (a huge table is not a parameter)
_PROMPT_NAME = re.compile("PROMPT|TEMPLATE|SYSTEM|INSTRUCTION", re.IGNORECASE)
_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_TRIMS = {"trim": str.strip, "trimStart": str.lstrip, "trimEnd": str.rstrip, "trimLeft": str.lstrip,
          "trimRight": str.rstrip}
_DEDENTS = {"dedent", "outdent", "stripIndent"}
_NUMBER = re.compile(r"[0-9_]*\.?[0-9_]*(?:[eE][+-]?[0-9_]+)?")

_Op = tuple  # (TextBuilder method name, *arguments)


class Text(NamedTuple):
    """What a string expression gives: its text (None when it is no text the code writes)
    and whether part of it is computed."""

    text: PromptText | None
    dynamic: bool


def name_of(node: "Node | None") -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text is not None else ""


def decode_escape(raw: str) -> str:
    """The value of one JavaScript escape sequence (``\\n``, ``\\u{1F600}``, a line continuation)."""
    body = raw[1:]
    if not body or body[0] in "\r\n\u2028\u2029":
        return ""
    if body[0] in _SIMPLE_ESCAPES and len(body) == 1:
        return _SIMPLE_ESCAPES[body[0]]
    try:
        if body[0] == "u":
            return chr(int(body[2:-1] if body.startswith("u{") else body[1:5], 16))
        if body[0] == "x":
            return chr(int(body[1:3], 16))
    except ValueError:
        return body
    return body


def string_value(node: "Node") -> str | None:
    """The value of a string literal, or of a template literal without substitutions."""
    if node.type not in ("string", "template_string"):
        return None
    pieces = []
    for child in node.named_children:
        if child.type == "string_fragment":
            pieces.append(name_of(child))
        elif child.type == "escape_sequence":
            pieces.append(decode_escape(name_of(child)))
        elif child.type == "template_substitution":
            return None
    return "".join(pieces)


def number_value(text: str) -> int | float | None:
    text = text.replace("_", "")
    try:
        if text[:2].lower() in ("0x", "0o", "0b"):
            return int(text, 0)
        if _NUMBER.fullmatch(text) and not any(c in text for c in ".eE"):
            return int(text)
        return float(text)
    except ValueError:
        return None


def property_name(key: "Node | None") -> str | None:
    """The name of an object key: ``max_tokens``, ``"max_tokens"``, ``['max_tokens']``."""
    if key is None:
        return None
    if key.type in ("property_identifier", "identifier", "shorthand_property_identifier"):
        return name_of(key)
    if key.type == "string":
        return string_value(key)
    if key.type == "computed_property_name" and key.named_children:
        return string_value(key.named_children[0])
    if key.type == "number":
        return name_of(key)
    return None


class Values:
    """Literal values and prompt texts of expressions, through names bound once."""

    def __init__(self, document: Document, positions: Positions, bindings: Bindings) -> None:
        self.document = document
        self.positions = positions
        self.bindings = bindings
        self._cache: dict[int, Text] = {}  # id of a constant's value node -> its text

    # -- data --------------------------------------------------------------------------------

    def literal(self, node: "Node") -> Any:
        """The plain value an expression writes out (names followed), or NOT_LITERAL."""
        budget = [_MAX_LITERAL_NODES]
        return self._literal(node, budget, 0)

    def _literal(self, node: "Node", budget: list[int], depth: int) -> Any:
        budget[0] -= 1
        if budget[0] < 0 or depth > MAX_HOPS:
            return NOT_LITERAL
        node, name = self.bindings.resolve(node)
        kind = node.type
        if kind in ("string", "template_string"):
            value = string_value(node)
            return NOT_LITERAL if value is None else value
        if kind == "number":
            number = number_value(name_of(node))
            return NOT_LITERAL if number is None else number
        if kind in ("true", "false"):
            return kind == "true"
        if kind in ("null", "undefined"):
            return None
        if kind == "unary_expression" and node.child_by_field_name("operator") is not None:
            operator = name_of(node.child_by_field_name("operator"))
            argument = node.child_by_field_name("argument")
            operand = self._literal(argument, budget, depth + 1) if argument is not None else NOT_LITERAL
            if operator in ("-", "+") and isinstance(operand, (int, float)) and not isinstance(operand, bool):
                return -operand if operator == "-" else operand
            return NOT_LITERAL
        if name is not None and (kind in ("object", "array")) and self._mutated(name, node):
            return NOT_LITERAL
        if kind == "array":
            items = [self._literal(item, budget, depth + 1) for item in node.named_children if item.type != "comment"]
            return NOT_LITERAL if any(item is NOT_LITERAL for item in items) else items
        if kind == "object":
            result: dict[str, Any] = {}
            for child in node.named_children:
                if child.type == "comment":
                    continue
                key: str | None
                if child.type == "shorthand_property_identifier":
                    entry = self._literal(child, budget, depth + 1)
                    key = name_of(child)
                elif child.type == "pair":
                    key = property_name(child.child_by_field_name("key"))
                    value_node = child.child_by_field_name("value")
                    entry = self._literal(value_node, budget, depth + 1) if value_node is not None else NOT_LITERAL
                else:
                    return NOT_LITERAL
                if key is None or entry is NOT_LITERAL:
                    return NOT_LITERAL
                result[key] = entry
            return result
        return NOT_LITERAL

    def _mutated(self, name: str, value: "Node") -> bool:
        declarator = value.parent
        while declarator is not None and declarator.type != "variable_declarator":
            declarator = declarator.parent
        target = declarator.child_by_field_name("name") if declarator is not None else None
        return target is not None and self.bindings.is_mutated(target)

    # -- prompt text -------------------------------------------------------------------------

    def constants(self, root: "Node") -> list[PromptText]:
        """Module-level prompt constants: ``const SYSTEM_PROMPT = `…```."""
        texts = []
        for statement in root.named_children:
            declaration = statement.child_by_field_name("declaration") if statement.type == "export_statement" else statement
            if declaration is None or declaration.type not in ("lexical_declaration", "variable_declaration"):
                continue
            for declarator in declaration.named_children:
                name = name_of(declarator.child_by_field_name("name"))
                value = declarator.child_by_field_name("value")
                if declarator.type != "variable_declarator" or value is None or not _PROMPT_NAME.search(name):
                    continue
                role = Role.SYSTEM if "SYSTEM" in name.upper() else Role.PROMPT
                built = self._text_of(unwrap(value), role, name)
                if built.text is not None:
                    texts.append(built.text)
        return texts

    def text(self, node: "Node", role: Role) -> Text:
        """The text of a string expression; a constant's text is built once and shared."""
        target, name = self.bindings.resolve(node)
        return self._text_of(target, role, name)

    def _text_of(self, target: "Node", role: Role, name: str | None) -> Text:
        if name is not None and target.id in self._cache:
            return self._cache[target.id]
        ops = self._ops(target, 0)
        built = Text(None, True) if ops is None else Text(self._build(ops[0], role, name), ops[1])
        if name is not None:
            self._cache[target.id] = built
        return built

    def _build(self, ops: list[_Op], role: Role, name: str | None) -> PromptText:
        builder = TextBuilder(self.document.lines)
        for method, *arguments in ops:
            getattr(builder, method)(*arguments)
        return builder.build(path=self.document.path, role=role, name=name)

    def _ops(self, node: "Node", depth: int) -> tuple[list[_Op], bool] | None:
        """The text operations of a string expression and whether part of it is computed;
        None when it is no string expression the code writes out."""
        if depth > MAX_HOPS:
            return None
        node, _ = self.bindings.resolve(node)
        if node.type in ("string", "template_string"):
            return self._literal_ops(node)
        if node.type == "binary_expression" and name_of(node.child_by_field_name("operator")) == "+":
            return self._concat_ops(node, depth)
        if node.type == "call_expression":
            return self._call_ops(node, depth)
        return None

    def _literal_ops(self, node: "Node") -> tuple[list[_Op], bool]:
        ops: list[_Op] = []
        dynamic = False
        for child in node.named_children:
            start, end = self.positions.range(child)
            if child.type == "string_fragment":
                ops.append(("exact", self.positions.source[start:end], start))
            elif child.type == "escape_sequence":
                ops.append(("opaque", decode_escape(self.positions.source[start:end]), start, end))
            elif child.type == "template_substitution":
                expression = squeeze(self.positions.source[start + 2:end - 1])
                ops.append(("slot", placeholder(expression), start, end, expression))
                dynamic = True
        return ops, dynamic

    def _concat_ops(self, node: "Node", depth: int) -> tuple[list[_Op], bool] | None:
        """``a + b``: the pieces in order; a computed piece becomes a slot."""
        operands: list[Node] = []
        stack = [node]
        while stack:  # iteratively: long chains must not recurse
            current = unwrap(stack.pop())
            if current.type == "binary_expression" and name_of(current.child_by_field_name("operator")) == "+":
                sides = (current.child_by_field_name("left"), current.child_by_field_name("right"))
                stack.extend(side for side in reversed(sides) if side is not None)
            else:
                operands.append(current)
        results = [self._ops(operand, depth + 1) for operand in operands]
        if all(result is None for result in results):
            return None
        ops: list[_Op] = []
        dynamic = False
        for operand, result in zip(operands, results):
            dynamic = self._piece(ops, operand, result) or dynamic
        return ops, dynamic

    def _piece(self, ops: list[_Op], node: "Node", result: tuple[list[_Op], bool] | None) -> bool:
        """Adds one piece of a concatenation or join: its text, or a slot for a computed
        part; returns whether the piece is (partly) computed."""
        if result is None:
            ops.append(self._slot(node))
            return True
        ops.extend(result[0])
        return result[1]

    def _slot(self, node: "Node") -> _Op:
        start, end = self.positions.range(node)
        expression = squeeze(self.positions.source[start:end])
        return ("slot", placeholder(expression), start, end, expression)

    def _call_ops(self, node: "Node", depth: int) -> tuple[list[_Op], bool] | None:
        """``dedent`…```, ``s.trim()``, ``[…].join(sep)``: the text as written (exactly
        transformed for a plain literal)."""
        function = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if function is None or arguments is None:
            return None
        if function.type == "identifier" and name_of(function) in _DEDENTS and arguments.type == "template_string":
            return self._transformed(arguments, textwrap.dedent, depth)
        if function.type != "member_expression":
            return None
        method = name_of(function.child_by_field_name("property"))
        receiver = function.child_by_field_name("object")
        if receiver is None or arguments.named_child_count > (1 if method == "join" else 0):
            return None
        if method in _TRIMS:
            return self._transformed(receiver, _TRIMS[method], depth)
        if method == "join":
            return self._joined(receiver, arguments.named_children[0] if arguments.named_children else None, depth)
        return None

    def _transformed(self, node: "Node", transform: Any, depth: int) -> tuple[list[_Op], bool] | None:
        target, _ = self.bindings.resolve(node)
        value = string_value(target)
        if value is not None:
            start, end = self.positions.range(target)
            return [("aligned", transform(value), self.positions.source[start:end], start)], False
        return self._ops(target, depth + 1)

    def _joined(self, receiver: "Node", separator: "Node | None", depth: int) -> tuple[list[_Op], bool] | None:
        items, name = self.bindings.resolve(receiver)
        if items.type != "array" or (name is not None and self._mutated(name, items)):
            return None
        glue = "," if separator is None else string_value(self.bindings.resolve(separator)[0])
        if glue is None:
            return None
        ops: list[_Op] = []
        dynamic = False
        for index, item in enumerate(child for child in items.named_children if child.type != "comment"):
            if index and glue:
                start, end = self.positions.range(separator) if separator is not None else (0, 0)
                ops.append(("opaque", glue, start, end))
            result = self._ops(item, depth + 1) if item.type != "spread_element" else None
            dynamic = self._piece(ops, item, result) or dynamic
        return ops, dynamic
