"""Small questions about the shape of `ast` nodes, asked all over the loader."""

from __future__ import annotations

import ast
from collections import deque
from typing import TYPE_CHECKING, Any, Iterator, TypeGuard

NOT_LITERAL = object()

# Fields that never hold a node the loader's walks act on: names and flags (strings and
# numbers), and the expression contexts and operators (``Load``, ``Add``), which every
# walk would otherwise visit as childless nodes, one per name, attribute and operation.
_LEAF_FIELDS = frozenset({
    "id", "attr", "arg", "name", "asname", "module", "level", "kind", "conversion", "is_async", "simple",
    "type_comment", "rest", "tag", "ctx", "op", "ops",
})
# Nodes that never have children: names and constants are nearly half of a module's nodes.
LEAVES = frozenset({ast.Name, ast.Constant, ast.alias, ast.Pass, ast.Break, ast.Continue, ast.Global, ast.Nonlocal})
_CHILD_FIELDS: dict[type, tuple[str, ...]] = dict.fromkeys(LEAVES, ())

if TYPE_CHECKING:

    class StrConstant(ast.Constant):
        """What `is_str` tells the type checker: a constant whose value is a str."""

        value: str


def is_str(node: ast.AST | None, value: str | None = None) -> TypeGuard[StrConstant]:
    """A string constant (equal to ``value`` when given); narrows ``node`` for the caller."""
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)
            and (value is None or node.value == value))


def children(node: ast.AST) -> list[ast.AST]:
    """The child nodes of ``node`` in `ast.iter_child_nodes` order, without its contexts and
    operators (``Load``, ``Add``, ``Eq``): what a walk looks into. The fields that may hold
    nodes are listed once per node type, so a walk of a module does not ask every field of
    every node (`ast.iter_child_nodes` costs about half a walk's time)."""
    cls = node.__class__
    fields = _CHILD_FIELDS.get(cls)
    if fields is None:
        fields = _CHILD_FIELDS[cls] = tuple(name for name in cls._fields if name not in _LEAF_FIELDS)
    found: list[ast.AST] = []
    for name in fields:
        value = getattr(node, name, None)
        if value.__class__ is list:
            found += [item for item in value if isinstance(item, ast.AST)]
        elif isinstance(value, ast.AST):
            found.append(value)
    return found


def walk(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk` without the contexts and operators (`children`): every other node, breadth
    first in the same order, in about half the time. For the questions that visit a whole
    function or module (which attributes its methods assign, what it imports), where a
    context or an operator is never the answer."""
    todo = deque([node])
    while todo:
        node = todo.popleft()
        todo.extend(children(node))
        yield node


def dotted(node: ast.AST) -> str:
    """``app.route`` for ``app.route``; "" when the chain holds anything but names."""
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    names.append(node.id)
    return ".".join(reversed(names))


def last_name(node: ast.AST) -> str:
    """The name a callee ends with: ``Template`` for ``jinja2.Template`` or ``x().Template``."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def chain(node: ast.AST) -> list[str]:
    """Every name along a receiver chain, through calls: ``a.every(1).b.do`` -> do, b, every, a."""
    names = []
    while True:
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            if isinstance(node, ast.Name):
                names.append(node.id)
            return names


def base_name(node: ast.expr) -> str | None:
    """``x`` for ``x``, ``x[0]``, ``x["a"][1]`` (the object a store or method call changes)."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def literal(node: ast.expr) -> Any:
    """The value of a literal expression, or NOT_LITERAL (`literal_eval` never runs code)."""
    if node.__class__ is ast.Constant:  # most questions: answered as `literal_eval` would
        return node.value
    if node.__class__ is ast.Name:  # `literal_eval` raises for a name
        return NOT_LITERAL
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return NOT_LITERAL


def unwrap_formatting(node: ast.expr) -> tuple[ast.expr, str]:
    """``T.format(...)`` -> (T, "format"); ``T % x`` -> (T, "percent"); else (node, "")."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "format_map"):
        return node.func.value, "format"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return node.left, "percent"
    return node, ""


def formatting_values(node: ast.expr) -> list[ast.expr]:
    """The values a ``.format(...)`` call or ``%`` operation puts into its template."""
    if isinstance(node, ast.Call):
        values = [*node.args, *(keyword.value for keyword in node.keywords)]
    elif isinstance(node, ast.BinOp):
        values = [node.right]
    else:
        return []
    flat = []
    for value in values:
        if isinstance(value, ast.Starred):
            value = value.value
        if isinstance(value, (ast.Tuple, ast.List)):
            flat.extend(value.elts)
        elif isinstance(value, ast.Dict):
            flat.extend(value.values)
        else:
            flat.append(value)
    return flat


def flatten_add(node: ast.expr) -> list[ast.expr]:
    """The operands of ``a + b + c`` in order (iteratively: long chains must not recurse)."""
    return flatten(node, ast.Add)


def flatten(node: ast.expr, operator: type[ast.operator]) -> list[ast.expr]:
    """The operands of a chain of one binary operator in order: ``a + b + c``, a LangChain
    ``prompt | llm | parser`` (iteratively: long chains must not recurse)."""
    operands: list[ast.expr] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.BinOp) and isinstance(current.op, operator):
            stack.extend((current.right, current.left))
        else:
            operands.append(current)
    return operands


def argument(call: ast.Call, keyword: str, position: int) -> ast.expr | None:
    """A call's argument given by keyword or at a position (None when not given)."""
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    return call.args[position] if 0 <= position < len(call.args) else None
