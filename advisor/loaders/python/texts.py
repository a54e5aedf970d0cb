"""Prompt text from Python string expressions, and the module's prompt constants.

A string expression (literal, f-string, implicit or ``+`` concatenation, ``.format`` / ``%``
template, ``dedent`` / ``.strip()`` of one) becomes one :class:`PromptText` whose source map
points into the ``.py`` file; f-string and format fields become ``{{ expr }}`` slots. A
constant's text is built once and shared by every call that uses it. Text read from another
file is not text here: it comes back as a :class:`FileRead` for the call to link.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from typing import Callable, Iterator, NamedTuple

from ...model import Document, PromptText, Role, TextBuilder
from .files import FileRead, FileReads
from .nodes import dotted, flatten_add, formatting_values, is_str, unwrap_formatting
from .outline import Outline
from .positions import Positions
from .scopes import MAX_HOPS, Scope, resolve
from .strings import (
    PERCENT,
    Part,
    Piece,
    decode,
    placeholder,
    scan_body,
    squeeze,
    string_pieces,
)

_MIN_PROMPTS_PY_LENGTH = 20  # shorter constants of a prompts.py are labels, not prompts
_PROMPT_NAME = re.compile("PROMPT|TEMPLATE|SYSTEM|INSTRUCTION", re.IGNORECASE)
_TRANSFORMS: dict[str, Callable[[str], str]] = {
    "textwrap.dedent": textwrap.dedent,
    "dedent": textwrap.dedent,
    "inspect.cleandoc": inspect.cleandoc,
    "cleandoc": inspect.cleandoc,
}
_STRIPS: dict[str, Callable[[str], str]] = {"strip": str.strip, "lstrip": str.lstrip, "rstrip": str.rstrip}

_Op = tuple  # (TextBuilder method name, *arguments): text assembled before it is built


class Text(NamedTuple):
    """What a string expression gives: its text (None when it is no text the code writes),
    whether part of it is computed, and the files it reads."""

    text: PromptText | None
    dynamic: bool
    reads: tuple[FileRead, ...] = ()


class _Ops(NamedTuple):
    ops: list[_Op]
    dynamic: bool
    reads: tuple[FileRead, ...] = ()

    @property
    def only_reads(self) -> bool:
        """All of it comes from files: nothing to build a text from."""
        return not self.ops and bool(self.reads)


class Texts:
    """Builds PromptTexts from string expressions, sharing one object per constant."""

    def __init__(self, document: Document, positions: Positions, outline: Outline, files: FileReads) -> None:
        self.document = document
        self.source = document.source
        self.positions = positions
        self.outline = outline
        self.files = files
        self._cache: dict[int, Text] = {}  # id(bound value) -> its text

    def constants(self, tree: ast.Module, module: Scope) -> list[PromptText]:
        """Module-level prompt constants: names like ``*PROMPT*`` / ``*SYSTEM*``, or any string
        constant of a ``prompts.py``."""
        in_prompts_module = self.document.path.replace("\\", "/").rsplit("/", 1)[-1] == "prompts.py"
        texts = []
        for name, value in _module_assignments(tree):
            prompt_named = bool(_PROMPT_NAME.search(name))
            if not (prompt_named or in_prompts_module) or isinstance(unwrap_formatting(value)[0], ast.Name):
                continue
            result = self._ops(value, module, self._mode_of(name))
            if result is None or result.only_reads:
                continue
            role = Role.SYSTEM if "SYSTEM" in name.upper() else Role.PROMPT
            text = self._build(result.ops, role, name)
            if prompt_named or len(text.text.strip()) >= _MIN_PROMPTS_PY_LENGTH:
                self._cache[id(value)] = Text(text, result.dynamic, result.reads)
                texts.append(text)
        return texts

    def text(self, node: ast.expr, scope: Scope, role: Role, *, template: bool = False, formatting: str = "") -> Text:
        """The text of a string expression. A constant's text is built once and shared, so
        the engine sees it once; text read from a file is a read, not a text. ``template``:
        the string is a ``str.format``-style template (a LangChain prompt template), whose
        ``{fields}`` are filled at run time. ``formatting``: another module fills this
        module's constant ("format" / "percent": ``prompts.ASK.format(...)``), so its text is
        built for that use, apart from the shared one."""
        target, target_scope, name = resolve(node, scope)
        base, mode = unwrap_formatting(target)
        if formatting and not mode:
            result = self._ops(target, target_scope, formatting)
            if result is None:
                return Text(None, True)
            return Text(None if result.only_reads else self._build(result.ops, role, name), result.dynamic,
                        result.reads)
        mode = mode or ("format" if template else "")
        filled: tuple[FileRead, ...] = ()
        if mode:
            filled = self._filled_reads(target, target_scope)
            target, target_scope, name = resolve(base, target_scope)
        if name is not None and id(target) in self._cache:
            cached = self._cache[id(target)]
            return cached._replace(reads=cached.reads + filled) if filled else cached
        result = self._ops(target, target_scope, mode or self._mode_of(name))
        if result is None:
            return Text(None, True, filled)
        built = Text(None if result.only_reads else self._build(result.ops, role, name), result.dynamic, result.reads)
        if name is not None:
            self._cache[id(target)] = built
        return built._replace(reads=built.reads + filled) if filled else built

    def _filled_reads(self, node: ast.expr, scope: Scope) -> tuple[FileRead, ...]:
        """Files read by the values a ``.format(...)`` / ``%`` puts into its template."""
        reads = (self.files.read(value, scope) for value in formatting_values(node))
        return tuple(read for read in reads if read is not None)

    def _mode_of(self, name: str | None) -> str:
        """How a constant's braces or percent signs read: as fields when the module formats it."""
        if name in self.outline.format_names:
            return "format"
        return "percent" if name in self.outline.percent_names else ""

    def _build(self, ops: list[_Op], role: Role, name: str | None) -> PromptText:
        builder = TextBuilder(self.document.lines)
        for method, *arguments in ops:
            getattr(builder, method)(*arguments)
        return builder.build(path=self.document.path, role=role, name=name)

    def _ops(self, node: ast.expr, scope: Scope, mode: str = "", depth: int = 0) -> _Ops | None:
        """The text operations of a string expression, whether part of it is computed and the
        files it reads; None when it is no string expression the code writes out."""
        if depth > MAX_HOPS:
            return None
        node, scope, name = resolve(node, scope)
        base, formatting = unwrap_formatting(node)
        if formatting:
            inner = self._ops(base, scope, formatting, depth + 1)
            filled = self._filled_reads(node, scope)
            return inner._replace(reads=inner.reads + filled) if inner is not None and filled else inner
        mode = mode or self._mode_of(name)
        if isinstance(node, ast.JoinedStr) or is_str(node):
            ops = self._literal_ops(node, mode)
            return None if ops is None else _Ops(ops, False, self._field_reads(node, scope))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._concat_ops(node, scope, depth)
        if isinstance(node, ast.Call):
            result = self._transform_ops(node, scope, mode, depth)
            if result is not None:
                return result
        read = self.files.read(node, scope)
        return None if read is None else _Ops([], False, (read,))

    def _field_reads(self, node: ast.expr, scope: Scope) -> tuple[FileRead, ...]:
        """Files read inside an f-string's fields (``f"{RULES}"`` with ``RULES = p.read_text()``)."""
        if not isinstance(node, ast.JoinedStr):
            return ()
        reads = (self.files.read(value.value, scope) for value in node.values if isinstance(value, ast.FormattedValue))
        return tuple(read for read in reads if read is not None)

    def _concat_ops(self, node: ast.BinOp, scope: Scope, depth: int) -> _Ops | None:
        """``a + b``: the pieces in order; a computed piece becomes a slot and makes it dynamic,
        a piece read from a file becomes a slot and a read."""
        operands = flatten_add(node)
        results = [self._ops(operand, scope, "", depth + 1) for operand in operands]
        if all(result is None or result.only_reads for result in results):
            return None if all(result is None for result in results) else self._reads_only(results)
        ops: list[_Op] = []
        reads: list[FileRead] = []
        dynamic = False
        for operand, result in zip(operands, results):
            if result is None or result.only_reads:
                start, end = self.positions.range(operand)
                expression = squeeze(self.source[start:end])
                ops.append(("slot", placeholder(expression), start, end, expression))
                dynamic = dynamic or result is None or result.dynamic
            else:
                ops.extend(result.ops)
                dynamic = dynamic or result.dynamic
            if result is not None:
                reads.extend(result.reads)
        return _Ops(ops, dynamic, tuple(reads))

    @staticmethod
    def _reads_only(results: list[_Ops | None]) -> _Ops:
        """``a + b`` of file contents (and computed parts): no text, only the reads."""
        reads = tuple(read for result in results if result is not None for read in result.reads)
        return _Ops([], any(result is None for result in results), reads)

    def _transform_ops(self, node: ast.Call, scope: Scope, mode: str, depth: int) -> _Ops | None:
        """``dedent(...)``, ``cleandoc(...)``, ``.strip()`` of a string: applied exactly to a plain
        literal; on anything else the text keeps its whitespace as written."""
        if node.keywords:
            return None
        if len(node.args) == 1 and dotted(node.func) in _TRANSFORMS:
            transform, argument = _TRANSFORMS[dotted(node.func)], node.args[0]
        elif not node.args and isinstance(node.func, ast.Attribute) and node.func.attr in _STRIPS:
            transform, argument = _STRIPS[node.func.attr], node.func.value
        else:
            return None
        target, _, name = resolve(argument, scope)
        if is_str(target) and not (mode or self._mode_of(name)):
            start, end = self.positions.range(target)
            return _Ops([("aligned", transform(target.value), self.source[start:end], start)], False)
        return self._ops(argument, scope, mode, depth + 1)

    def _literal_ops(self, node: ast.Constant | ast.JoinedStr, mode: str) -> list[_Op] | None:
        start, end = self.positions.range(node)
        pieces = string_pieces(self.source, start, end)
        if pieces is None or any("b" in piece.prefix for piece in pieces):
            # Not expected for parsed code; keep what can be kept rather than fail.
            return [("aligned", node.value, self.source[start:end], start)] if is_str(node) else None
        ops: list[_Op] = []
        for piece in pieces:
            parts = piece.parts
            if mode == "format" and not piece.is_f:
                parts = tuple(scan_body(self.source, piece.start, piece.end, piece.quote, piece.is_raw, True)[1])
            percent = mode == "percent" and not piece.is_f
            for part in parts:
                ops.extend(self._part_ops(part, piece, percent))
        return ops

    def _part_ops(self, part: Part, piece: Piece, percent: bool) -> list[_Op]:
        if part.kind == "brace":
            return [("exact", part.expression, part.start)]
        if part.kind == "field":
            return [("slot", placeholder(part.expression), part.start, part.end, part.expression)]
        if not percent:
            return [self._decoded(part.start, part.end, piece)]
        ops: list[_Op] = []
        last = part.start
        for match in PERCENT.finditer(self.source, part.start, part.end):
            if match.start() > last:
                ops.append(self._decoded(last, match.start(), piece))
            if match.group() == "%%":
                ops.append(("exact", "%", match.start()))
            else:
                expression = match.group("key") or match.group()
                ops.append(("slot", placeholder(expression), match.start(), match.end(), expression))
            last = match.end()
        if last < part.end:
            ops.append(self._decoded(last, part.end, piece))
        return ops

    def _decoded(self, start: int, end: int, piece: Piece) -> _Op:
        raw = self.source[start:end]
        value = decode(raw, piece)
        return ("opaque", raw, start, end) if value is None else ("aligned", value, raw, start)


def _module_assignments(tree: ast.Module) -> Iterator[tuple[str, ast.expr]]:
    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Name):
                    yield target.id, statement.value
        elif (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
              and statement.value is not None):
            yield statement.target.id, statement.value
