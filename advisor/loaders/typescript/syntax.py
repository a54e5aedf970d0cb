"""Parsing TypeScript and JavaScript with tree-sitter, and turning its byte positions into
the character offsets and spans the rest of advisor counts in.

tree-sitter is imported on first use (a Python-only run never loads it); one parser per
grammar is kept for the process. tree-sitter never raises on bad input: it recovers and
marks what it could not read as ``ERROR`` / missing nodes, which :func:`syntax_errors` lists.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Iterator

from ...model import LineIndex, Span
from ..python.strings import squeeze

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Query, Tree

_MAX_EXPRESSION = 120  # characters of an expression quoted in a message
_TSX_SUFFIXES = (".tsx",)
_TYPESCRIPT_SUFFIXES = (".ts", ".mts", ".cts")


def grammar_for(path: str) -> str:
    """Which grammar reads a file: TypeScript, TSX (TypeScript with JSX) or JavaScript (which
    reads JSX too)."""
    lower = path.lower()
    if lower.endswith(_TSX_SUFFIXES):
        return "tsx"
    return "typescript" if lower.endswith(_TYPESCRIPT_SUFFIXES) else "javascript"


# The node types the loader looks at; one query finds them all in C, so a large file costs
# one pass of the parser's own code rather than a Python walk over every node.
INDEXED = ("variable_declarator", "function_declaration", "generator_function_declaration", "class_declaration",
           "function_expression", "generator_function", "arrow_function", "method_definition", "formal_parameters",
           "import_specifier", "namespace_import", "import_clause", "catch_clause", "assignment_expression",
           "augmented_assignment_expression", "update_expression", "call_expression", "import_statement",
           "export_statement", "comment", "program", "statement_block", "for_statement", "for_in_statement",
           "class_body", "switch_body", "if_statement",
           "while_statement", "do_statement")


@lru_cache(maxsize=None)
def _grammar(grammar: str) -> "tuple[Parser, Query, Query]":
    from tree_sitter import Language, Parser, Query

    if grammar == "javascript":
        import tree_sitter_javascript as module

        language = Language(module.language())
    else:
        import tree_sitter_typescript as typescript

        language = Language(typescript.language_tsx() if grammar == "tsx" else typescript.language_typescript())
    patterns = " ".join(f"({kind}) @{kind}" for kind in INDEXED if language.id_for_node_kind(kind, True) is not None)
    return Parser(language), Query(language, patterns), Query(language, "(comment) @comment")


def parse(path: str, data: bytes) -> "Tree":
    return _grammar(grammar_for(path))[0].parse(data)


def index(path: str, root: "Node") -> dict[str, list["Node"]]:
    """The nodes of each indexed type under ``root``, in source order (outer before inner)."""
    from tree_sitter import QueryCursor

    found = QueryCursor(_grammar(grammar_for(path))[1]).captures(root)
    return {kind: sorted(nodes, key=lambda node: (node.start_byte, -node.end_byte)) for kind, nodes in found.items()}


def walk(root: "Node") -> Iterator["Node"]:
    """Every named node under ``root`` in source order, iteratively (deep nesting must not
    recurse)."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.named_children))


def syntax_errors(root: "Node", limit: int = 20) -> list["Node"]:
    """The first ``ERROR`` and missing nodes of a tree (where tree-sitter had to recover)."""
    if not root.has_error:
        return []
    found: list[Node] = []
    stack = [root]
    while stack and len(found) < limit:
        node = stack.pop()
        if node.is_error or node.is_missing:
            found.append(node)
            continue
        stack.extend(reversed([child for child in node.children if child.has_error or child.is_missing]))
    return found


class Nesting:
    """The nodes of some types (scopes, functions) and how they nest, from their byte ranges.

    tree-sitter nodes have no parent pointer (``node.parent`` searches down from the root),
    so walking up from every reference would cost depth squared per lookup; this answers
    "the innermost one around this node" with a binary search and a walk up a dictionary."""

    def __init__(self, nodes: list["Node"]) -> None:
        self.nodes = sorted(nodes, key=lambda node: (node.start_byte, -node.end_byte))
        self._keys = [(node.start_byte, -node.end_byte) for node in self.nodes]
        self._parent: dict[int, Node | None] = {}
        stack: list[Node] = []
        for node in self.nodes:
            while stack and stack[-1].end_byte < node.end_byte:
                stack.pop()
            self._parent[node.id] = stack[-1] if stack else None
            stack.append(node)

    def parent(self, node: "Node") -> "Node | None":
        """The innermost indexed node strictly around an indexed node."""
        return self._parent.get(node.id)

    def around(self, node: "Node") -> "Node | None":
        """The innermost indexed node that contains ``node`` (other than ``node`` itself)."""
        import bisect

        index = bisect.bisect_right(self._keys, (node.start_byte, -node.end_byte)) - 1
        candidate = self.nodes[index] if index >= 0 else None
        while candidate is not None and (candidate.id == node.id or candidate.end_byte < node.end_byte
                                         or candidate.start_byte > node.start_byte):
            candidate = self._parent.get(candidate.id)
        return candidate


class Positions:
    """Byte offsets of the parsed UTF-8 to character offsets, spans and source text."""

    def __init__(self, source: str, data: bytes, lines: LineIndex) -> None:
        self.source = source
        self.lines = lines
        self._ascii = len(data) == len(source)
        self._data = data
        self._line_bytes: list[int] | None = None

    def offset(self, byte: int) -> int:
        if self._ascii:
            return byte
        if self._line_bytes is None:  # byte offset of each line start, built on first need
            starts, position = [0], 0
            for line in self._data.split(b"\n")[:-1]:
                position += len(line) + 1
                starts.append(position)
            self._line_bytes = starts
        import bisect

        row = bisect.bisect_right(self._line_bytes, byte) - 1
        prefix = self._data[self._line_bytes[row]:byte].decode("utf-8", "surrogatepass" if _whole(self._data, byte) else "ignore")
        return self.lines.offset(row + 1, 1) + len(prefix)

    def range(self, node: "Node") -> tuple[int, int]:
        return self.offset(node.start_byte), self.offset(node.end_byte)

    def span(self, node: "Node") -> Span:
        return self.lines.span(*self.range(node))

    def text(self, node: "Node") -> str:
        start, end = self.range(node)
        return self.source[start:end]

    def expression(self, node: "Node") -> str:
        """The source of ``node`` on one line, shortened for a message."""
        text = squeeze(self.text(node))
        return text if len(text) <= _MAX_EXPRESSION else text[:_MAX_EXPRESSION - 3] + "..."


def _whole(data: bytes, byte: int) -> bool:
    """Whether ``byte`` is at a character boundary (not inside a multi-byte sequence)."""
    return byte >= len(data) or (data[byte] & 0xC0) != 0x80


def comments(path: str, source: str) -> Iterator[tuple[int, int, str]]:
    """(start offset, end offset, text) of each real comment (``//`` and ``/* */``), as the
    parser sees them: never a ``//`` inside a string, template literal or regular expression."""
    from tree_sitter import QueryCursor

    data = source.encode("utf-8", "surrogatepass")
    positions = Positions(source, data, LineIndex(source))
    found = QueryCursor(_grammar(grammar_for(path))[2]).captures(parse(path, data).root_node)
    for node in sorted(found.get("comment", []), key=lambda node: node.start_byte):
        start, end = positions.range(node)
        yield start, end, source[start:end]
