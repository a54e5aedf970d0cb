"""Prompt text read from other files: which file a TypeScript/JavaScript expression reads.

Recognised reads (through names bound once, like every other value): Node's
``fs.readFileSync(p, "utf8")``, ``fs.promises.readFile(p, …)`` and ``readFile(p, …)`` from
``fs/promises`` (awaited or not), optionally followed by ``.toString()`` or ``.trim()``. The
path is a string literal (relative to where the program runs: the calling file's folder or
the project root), or ``path.join`` / ``path.resolve`` of literals from ``__dirname`` (the
calling file's folder) or ``process.cwd()``. A path the code computes (a template literal
with a substitution, a variable parameter) is not a link: :meth:`FileReads.read` returns None
and the text stays dynamic. The finish stage (``advisor/links.py``) reads the file.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING, NamedTuple

from ...model import Link, Role
from .bindings import MAX_HOPS, Bindings
from .syntax import Positions
from .values import name_of, string_value

if TYPE_CHECKING:
    from tree_sitter import Node

_READERS = {"readFileSync", "readFile"}
_FS_RECEIVERS = {"fs", "fsp", "promises", "fsPromises", "fs_promises", "fsExtra", "fse"}
_PATH_MODULES = {"path", "posix"}
_JOINS = {"join", "resolve"}  # path.join / path.resolve, or imported bare from "path"
_TEXT_METHODS = {"toString", "trim", "trimStart", "trimEnd"}


class _Path(NamedTuple):
    """A path the code builds: ``name`` as written, relative to ``anchor``: "" (where the
    program runs), "dir" (``__dirname``: the calling file's folder) or "cwd" (``process.cwd()``)."""

    name: str
    anchor: str = ""


class FileReads:
    """Recognises expressions that read prompt text from a file of the repository."""

    def __init__(self, positions: Positions, bindings: Bindings) -> None:
        self.positions = positions
        self.bindings = bindings

    def read(self, node: "Node", role: Role | str) -> Link | None:
        """The link to the file ``node`` reads its text from, or None (not a read, or a
        path the code computes)."""
        for _ in range(MAX_HOPS):
            node, _name = self.bindings.resolve(node)
            if node.type == "await_expression" and node.named_children:
                node = node.named_children[0]
                continue
            parts = _call(node)
            if parts is None:
                return None
            callee, args = parts
            if callee.type == "member_expression" and _property(callee) in _TEXT_METHODS:
                receiver = callee.child_by_field_name("object")
                if receiver is None:
                    return None
                node = receiver
                continue
            if not _is_reader(callee):
                return None
            path = self._path(args[0], 0) if args else None
            name = posixpath.normpath(path.name) if path is not None and path.name else ""
            if path is None or name in ("", "."):
                return None
            return Link(name, role, self.positions.span(node), relative_to_file=path.anchor == "dir")
        return None

    def _path(self, node: "Node", depth: int) -> _Path | None:
        if depth > MAX_HOPS:
            return None
        node, _name = self.bindings.resolve(node)
        value = string_value(node)
        if value is not None:
            return _Path(value)
        if node.type == "identifier" and name_of(node) == "__dirname":
            return _Path("", "dir")
        call = _call(node)
        if call is None:
            return None
        callee, args = call
        if callee.type == "member_expression" and name_of(callee) == "process.cwd" and not args:
            return _Path("", "cwd")
        if not (callee.type == "identifier" and name_of(callee) in _JOINS) and not (
                callee.type == "member_expression" and _property(callee) in _JOINS
                and name_of(callee.child_by_field_name("object")) in _PATH_MODULES):
            return None
        parts = [self._path(arg, depth + 1) for arg in args]
        known = [part for part in parts if part is not None]
        if not known or len(known) != len(parts) or any(part.anchor for part in known[1:]):
            return None  # a computed piece, or __dirname / process.cwd() after the start
        return _Path(posixpath.join(*(part.name for part in known)), known[0].anchor)


def _call(node: "Node") -> tuple["Node", list["Node"]] | None:
    """The callee and arguments of a call expression (None for anything else)."""
    callee = node.child_by_field_name("function") if node.type == "call_expression" else None
    arguments = node.child_by_field_name("arguments")
    if callee is None or arguments is None or arguments.type != "arguments":
        return None
    return callee, [child for child in arguments.named_children if child.type != "comment"]


def _property(member: "Node") -> str:
    return name_of(member.child_by_field_name("property"))


def _is_reader(callee: "Node") -> bool:
    """``readFileSync`` / ``readFile`` called bare (imported from ``fs`` or ``fs/promises``)
    or on ``fs``, ``fs.promises`` or a ``fs/promises`` namespace."""
    if callee.type == "identifier":
        return name_of(callee) in _READERS
    if callee.type != "member_expression" or _property(callee) not in _READERS:
        return False
    receiver = callee.child_by_field_name("object")
    if receiver is None:
        return False
    if receiver.type == "member_expression":
        return _property(receiver) == "promises"
    return name_of(receiver) in _FS_RECEIVERS
