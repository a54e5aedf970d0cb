"""Name binding in a TypeScript/JavaScript module: which names are bound once, to what.

A value is followed through a name only when the code makes it plain: a ``const`` (or a
``let`` / ``var`` never assigned again) declared in a scope the reference can see. A
parameter, an import, a destructured name or a reassigned ``let`` is dynamic; an object or
array changed after its declaration (``body.max_tokens = n``, ``msgs.push(m)``) is too.
Scopes are the syntax nodes that hold declarations; a reference is looked up by walking
its ancestors, so no scope objects are built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .syntax import Nesting

if TYPE_CHECKING:
    from tree_sitter import Node

MAX_HOPS = 20  # `const A = B` chains followed before a value counts as dynamic
SCOPES = frozenset({"program", "statement_block", "function_declaration", "function_expression", "function",
                    "arrow_function", "method_definition", "generator_function_declaration",
                    "generator_function", "for_statement", "for_in_statement", "class_body", "switch_body",
                    "catch_clause"})
FUNCTIONS = frozenset({"function_declaration", "function_expression", "function", "arrow_function",
                       "method_definition", "generator_function_declaration", "generator_function"})
_WRAPPERS = frozenset({"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression",
                       "type_assertion"})
_MUTATORS = frozenset({"push", "unshift", "splice", "pop", "shift", "sort", "reverse", "fill", "set", "delete",
                       "clear", "add"})


def unwrap(node: "Node") -> "Node":
    """The expression inside parentheses, ``as`` / ``satisfies`` casts and ``!``."""
    while node.type in _WRAPPERS:
        inner = node.named_children[0] if node.named_children else None
        if inner is None:
            return node
        node = inner
    return node


def outside(node: "Node", wrappers: tuple[str, ...]) -> "Node | None":
    """The first ancestor of ``node`` that is not one of ``wrappers`` (``await``, parentheses,
    casts): what the value of an expression is really handed to."""
    parent = node.parent
    while parent is not None and parent.type in wrappers:
        parent = parent.parent
    return parent


class Bindings:
    """Every declaration of a module, by (scope, name); None marks a name that is dynamic."""

    def __init__(self, root: "Node", nodes: dict[str, list["Node"]]) -> None:
        self.scopes = Nesting([node for kind in SCOPES for node in nodes.get(kind, [])])
        scope_of = self.scopes.around
        self._bound: dict[tuple[int, str], list[Node | None]] = {}
        self._owners: dict[str, list[Node]] = {}  # name -> the scopes that declare it
        self.mutated: set[tuple[int, str]] = set()
        reassigned: list[Node] = []
        changed: list[Node] = []
        for node in nodes.get("variable_declarator", []):
            self._declare(node)
        for kind in ("function_declaration", "generator_function_declaration", "class_declaration"):
            for node in nodes.get(kind, []):
                name = node.child_by_field_name("name")
                if name is not None:
                    self._bind(node, name.text, None, owner=scope_of(node))
        for node in nodes.get("formal_parameters", []):
            for identifier in _identifiers(node):
                self._bind(identifier, identifier.text, None, owner=node.parent)
        for node in nodes.get("arrow_function", []):
            parameter = node.child_by_field_name("parameter")
            if parameter is not None:
                self._bind(parameter, parameter.text, None, owner=node)
        for kind in ("import_specifier", "namespace_import", "import_clause"):
            for node in nodes.get(kind, []):
                for identifier in node.named_children:
                    if identifier.type == "identifier":
                        self._bind(identifier, identifier.text, None, owner=root)
        for node in nodes.get("catch_clause", []):
            parameter = node.child_by_field_name("parameter")
            for identifier in _identifiers(parameter) if parameter is not None else ():
                self._bind(identifier, identifier.text, None, owner=node)
        for kind in ("assignment_expression", "augmented_assignment_expression", "update_expression"):
            for node in nodes.get(kind, []):
                target = node.child_by_field_name("left") or node.child_by_field_name("argument")
                if target is not None:
                    (reassigned if unwrap(target).type == "identifier" else changed).append(unwrap(target))
        for node in nodes.get("call_expression", []):
            function = node.child_by_field_name("function")
            if function is not None and function.type == "member_expression":
                prop = function.child_by_field_name("property")
                receiver = function.child_by_field_name("object")
                if prop is not None and prop.text is not None and prop.text.decode("utf-8", "replace") in _MUTATORS \
                        and receiver is not None:
                    changed.append(receiver)
        for target in reassigned:
            owner = self.owner(target)
            if owner is not None:
                self._bound[owner].append(None)
        for target in changed:
            base = _base(target)
            owner = self.owner(base) if base is not None else None
            if owner is not None:
                self.mutated.add(owner)

    def _declare(self, declarator: "Node") -> None:
        name = declarator.child_by_field_name("name")
        value = declarator.child_by_field_name("value")
        if name is None:
            return
        owner = self.scopes.around(declarator)
        declaration = declarator.parent
        if declaration is not None and declaration.type == "variable_declaration":  # `var`: function scoped
            while owner is not None and owner.type not in FUNCTIONS and owner.type != "program":
                owner = self.scopes.parent(owner)
        if name.type == "identifier":
            self._bind(name, name.text, value, owner=owner)
        else:  # destructuring: every name it binds is computed
            for identifier in _identifiers(name):
                self._bind(identifier, identifier.text, None, owner=owner)

    def _bind(self, node: "Node", name: bytes | None, value: "Node | None", *, owner: "Node | None") -> None:
        if owner is None or name is None:
            return
        key = (owner.id, name.decode("utf-8", "replace"))
        if key not in self._bound:
            self._owners.setdefault(key[1], []).append(owner)
        self._bound.setdefault(key, []).append(value)

    def owner(self, reference: "Node") -> tuple[int, str] | None:
        """The (scope, name) key of the declaration a name refers to: the innermost scope
        declaring the name that contains the reference (declarations are hoisted to their
        scope, as JavaScript does for functions and, for lookups, for `let` and `const`)."""
        if reference.text is None:
            return None
        name = reference.text.decode("utf-8", "replace")
        start, end = reference.start_byte, reference.end_byte
        best: Node | None = None
        for scope in self._owners.get(name, ()):
            if scope.start_byte <= start and end <= scope.end_byte and (
                    best is None or (scope.start_byte, -scope.end_byte) > (best.start_byte, -best.end_byte)):
                best = scope
        return (best.id, name) if best is not None else None

    def resolve(self, node: "Node") -> tuple["Node", str | None]:
        """Follows names bound once to their value; returns the value and the last name."""
        name = None
        node = unwrap(node)
        for _ in range(MAX_HOPS):
            if node.type not in ("identifier", "shorthand_property_identifier"):
                break
            key = self.owner(node)
            values = self._bound.get(key, []) if key is not None else []
            if len(values) != 1 or values[0] is None:
                break
            name = key[1] if key is not None else None
            node = unwrap(values[0])
        return node, name

    def is_mutated(self, name_node: "Node") -> bool:
        key = self.owner(name_node)
        return key is not None and key in self.mutated


def _identifiers(node: "Node") -> list["Node"]:
    """The names a parameter list or destructuring pattern binds (not default values or types)."""
    found = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in ("identifier", "shorthand_property_identifier_pattern"):
            found.append(current)
            continue
        if current.type in ("type_annotation", "number", "string"):
            continue
        if current.type in ("assignment_pattern", "object_assignment_pattern"):
            left = current.child_by_field_name("left")
            stack.extend([left] if left is not None else [])
            continue
        if current.type == "pair_pattern":
            value = current.child_by_field_name("value")
            stack.extend([value] if value is not None else [])
            continue
        if current.type in ("required_parameter", "optional_parameter"):
            pattern = current.child_by_field_name("pattern")
            stack.extend([pattern] if pattern is not None else [])
            continue
        stack.extend(current.named_children)
    return found


def _base(node: "Node | None") -> "Node | None":
    """``x`` for ``x``, ``x.a``, ``x[0].b`` (the object a store or method call changes)."""
    while node is not None and node.type in ("member_expression", "subscript_expression", *_WRAPPERS):
        node = node.child_by_field_name("object") or (node.named_children[0] if node.named_children else None)
    return node if node is not None and node.type == "identifier" else None
