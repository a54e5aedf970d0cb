"""A small DOM for tests: the report parsed with the stdlib's HTML parser into a tree, so
tests look at elements, attributes and text rather than matching strings."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Iterator

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}


@dataclass(eq=False)
class Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list["Node | str"] = field(default_factory=list)
    parent: "Node | None" = None

    def iter(self) -> Iterator["Node"]:
        """This node and every element below it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str | bool) -> list["Node"]:
        found = []
        for node in self.iter():
            if node is self:
                continue
            if tag is not None and node.tag != tag:
                continue
            if cls is not None and cls not in node.classes:
                continue
            if not all(_attr_matches(node, name.replace("_", "-"), value) for name, value in attrs.items()):
                continue
            found.append(node)
        return found

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str | bool) -> "Node | None":
        matches = self.find_all(tag, cls, **attrs)
        return matches[0] if matches else None

    def one(self, tag: str | None = None, cls: str | None = None, **attrs: str | bool) -> "Node":
        matches = self.find_all(tag, cls, **attrs)
        assert len(matches) == 1, f"expected one <{tag or '*'} class={cls} {attrs}>, found {len(matches)}"
        return matches[0]

    def by_id(self, ident: str) -> "Node | None":
        return next((node for node in self.iter() if node.attrs.get("id") == ident), None)

    def text(self) -> str:
        parts = []
        for child in self.children:
            parts.append(child.text() if isinstance(child, Node) else child)
        return "".join(parts)

    def ancestors(self) -> Iterator["Node"]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


def _attr_matches(node: Node, name: str, value: str | bool) -> bool:
    if value is True:
        return name in node.attrs
    if value is False:
        return name not in node.attrs
    return node.attrs.get(name) == value


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.current = self.root
        self.errors: list[str] = []
        self.doctype: str | None = None

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), parent=self.current)
        if len(dict(attrs)) != len(attrs):
            self.errors.append(f"duplicate attribute on <{tag}> at {self.getpos()}")
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, dict(attrs), parent=self.current))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self.current.tag != tag:
            self.errors.append(f"</{tag}> closes <{self.current.tag}> at {self.getpos()}")
            for node in [self.current, *self.current.ancestors()]:
                if node.tag == tag:
                    self.current = node.parent or self.root
                    return
            return
        self.current = self.current.parent or self.root

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> tuple[Node, list[str]]:
    """The document tree and the nesting errors met (a well-formed report has none)."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    if builder.current is not builder.root:
        builder.errors.append(f"unclosed <{builder.current.tag}> at the end of the document")
    if not (builder.doctype or "").lower().startswith("doctype html"):
        builder.errors.append(f"doctype is {builder.doctype!r}")
    return builder.root, builder.errors
