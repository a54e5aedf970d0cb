"""Python source: Messages API calls, prompt constants and where each call runs, via `ast`.

The file is parsed, never imported or executed, so linting an untrusted repository is safe.
A value is *literal* only when the code makes it plain (a literal, or a name bound exactly
once to one); everything computed at run time is reported as *dynamic*, never guessed, so
the checks can tell "not set" from "set somewhere we cannot see".

Prompt text keeps a source map into the ``.py`` file: string literals are aligned piece by
piece (implicit concatenation, escapes, UTF-8 byte columns), and f-string fields and
``str.format`` / ``%`` fields become ``{{ expr }}`` slots, like template tags.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
import warnings
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator, Mapping, NamedTuple

from ..model import (
    CallApi,
    Document,
    Field,
    Kind,
    LineIndex,
    Problem,
    PromptCall,
    PromptText,
    Role,
    RunsIn,
    Span,
    TextBuilder,
    Where,
)

_MAX_HOPS = 20  # `A = B` chains followed before a value counts as dynamic
_MAX_SEARCH = 5_000  # nodes searched for cache_control markers in one call's arguments
_MIN_PROMPTS_PY_LENGTH = 20  # shorter constants of a prompts.py are labels, not prompts

_PROMPT_NAME = re.compile("PROMPT|TEMPLATE|SYSTEM|INSTRUCTION", re.IGNORECASE)
_ROLES = {"user": Role.USER, "assistant": Role.ASSISTANT, "system": Role.SYSTEM}
_API_METHODS = {"create": CallApi.CREATE, "stream": CallApi.STREAM, "count_tokens": CallApi.COUNT_TOKENS}
_RESPONSE_WRAPPERS = {"with_raw_response", "with_streaming_response"}
_REQUEST_KEYS = {"model", "messages", "max_tokens", "system"}  # tells Claude from e.g. Twilio
_SCALARS: dict[str, tuple[type, ...]] = {
    "model": (str,),
    "max_tokens": (int,),
    "stream": (bool,),
    "temperature": (int, float),
    "top_p": (int, float),
    "top_k": (int,),
}
_SAMPLING = ("temperature", "top_p", "top_k")
_NOT_EXTRA = {*_SCALARS, "system", "messages", "cache_control"}
_MUTATORS = {"append", "extend", "insert", "update", "setdefault", "pop", "popitem", "clear", "remove",
             "sort", "reverse", "__setitem__"}
_TRANSFORMS: dict[str, Callable[[str], str]] = {
    "textwrap.dedent": textwrap.dedent,
    "dedent": textwrap.dedent,
    "inspect.cleandoc": inspect.cleandoc,
    "cleandoc": inspect.cleandoc,
}
_STRIPS: dict[str, Callable[[str], str]] = {"strip": str.strip, "lstrip": str.lstrip, "rstrip": str.rstrip}
_MAIN_GUARD = '`if __name__ == "__main__"` block'


def load(path: str, source: str, *, variables: Mapping[str, Any] | None = None) -> Document:
    """Reads one Python file; problems become :class:`Problem`s, never exceptions.

    ``variables`` (sample values for templates) is accepted for the common loader signature;
    Python fields stay slots, since their values come from code we do not run.
    """
    document = Document(path, Kind.PYTHON, source, LineIndex(source))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes in the linted file warn on parse
        try:
            _read(document)
        except (RecursionError, MemoryError):
            document.problems.append(Problem("Python code nested too deeply to analyse"))
        except Exception as error:  # a loader bug must cost one file, not the whole run
            document.problems.append(Problem(f"could not analyse this Python file ({type(error).__name__}: {error})"))
    return document


def _read(document: Document) -> None:
    source = document.source
    bom = 1 if source.startswith("\ufeff") else 0  # ast rejects a BOM in str input
    positions = _Positions(source, bom)
    try:
        tree = ast.parse(source[bom:])
    except SyntaxError as error:
        document.problems.append(_syntax_problem(error, positions, document.lines))
        return
    except (RecursionError, MemoryError):
        document.problems.append(Problem("Python code nested too deeply to parse"))
        return
    except (ValueError, UnicodeError) as error:  # NUL bytes (3.11), lone surrogates
        document.problems.append(Problem(f"invalid Python source: {error}"))
        return
    module, scopes = _build_scopes(tree)
    outline = _Walker(scopes).walk(tree, module)
    texts = _Texts(document, positions, outline)
    document.texts.extend(texts.constants(tree, module))
    calls = _CallReader(document, positions, texts, outline)
    for found in outline.api_calls:
        try:
            document.calls.append(calls.read(found))
        except (RecursionError, MemoryError):
            span = document.lines.span(*positions.range(found.node))
            document.problems.append(Problem("Python code nested too deeply to analyse this call", span))


def _syntax_problem(error: SyntaxError, positions: _Positions, lines: LineIndex) -> Problem:
    """A SyntaxError as a Problem at the error (its offsets count characters, 1-based)."""
    message = f"invalid Python syntax: {error.msg}"
    if not error.lineno:
        return Problem(message)
    column = error.offset or 1
    start = positions.offset(error.lineno, column - 1, in_bytes=False)
    end = start
    if error.end_lineno and error.end_offset and (error.end_lineno, error.end_offset) > (error.lineno, column):
        end = positions.offset(error.end_lineno, error.end_offset - 1, in_bytes=False)
    return Problem(message, lines.span(start, end))


# ---------------------------------------------------------------------------------------
# Positions
# ---------------------------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class _Positions:
    """Turns `ast` positions into character offsets of the source.

    `ast` counts columns in UTF-8 bytes and also ends lines at a lone carriage return, while
    the rest of the advisor counts characters; every position goes through here.
    """

    def __init__(self, source: str, start: int) -> None:
        self.source = source
        self._starts = [start, *(match.end() for match in _LINE_BREAK.finditer(source, start))]

    def offset(self, lineno: int, column: int, *, in_bytes: bool = True) -> int:
        index = min(max(lineno, 1), len(self._starts)) - 1
        start = self._starts[index]
        end = self._starts[index + 1] if index + 1 < len(self._starts) else len(self.source)
        line = self.source[start:end]
        if in_bytes and not line.isascii():
            column = len(line.encode("utf-8", "surrogatepass")[:column].decode("utf-8", "ignore"))
        return start + min(max(column, 0), len(line))

    def range(self, node: ast.AST) -> tuple[int, int]:
        return (self.offset(node.lineno, node.col_offset), self.offset(node.end_lineno, node.end_col_offset))


# ---------------------------------------------------------------------------------------
# String literals, scanned from the source
# ---------------------------------------------------------------------------------------
# On 3.11 the parts of an f-string carry no usable positions and an implicitly concatenated
# string is one node, so the literal's source is scanned here: one scanner for all versions
# (it also copes with 3.12 f-strings that nest the same quotes).


class _Part(NamedTuple):
    kind: str  # "text", "brace" (a doubled brace standing for one) or "field"
    start: int
    end: int
    expression: str = ""  # field: its expression; brace: the brace character


@dataclass(frozen=True, slots=True)
class _Piece:
    """One string literal token: its lower-case prefix, quote and body (source offsets)."""

    prefix: str
    quote: str
    start: int
    end: int
    parts: tuple[_Part, ...]

    @property
    def is_raw(self) -> bool:
        return "r" in self.prefix

    @property
    def is_f(self) -> bool:
        return "f" in self.prefix


_GAP = re.compile(r"(?:\s|\\\r?\n|\\\r|#[^\r\n]*)*")  # between implicitly joined literals
_LITERAL_START = re.compile(r"([rRbBuUfF]{0,2})('''|\"\"\"|'|\")")
_PERCENT = re.compile(r"%(?:\((?P<key>[^)]*)\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]")


def _string_pieces(source: str, start: int, end: int) -> list[_Piece] | None:
    """The literal tokens of the string expression at ``source[start:end]``."""
    pieces: list[_Piece] = []
    pos = start
    while True:
        pos = _GAP.match(source, pos, end).end()
        if pos >= end:
            return pieces
        match = _LITERAL_START.match(source, pos, end)
        if match is None:
            return None
        prefix, quote = match.group(1).lower(), match.group(2)
        body_end, parts = _scan_body(source, match.end(), end, quote, "r" in prefix, "f" in prefix)
        if body_end + len(quote) > end or not source.startswith(quote, body_end):
            return None
        pieces.append(_Piece(prefix, quote, match.end(), body_end, tuple(parts)))
        pos = body_end + len(quote)


def _scan_body(s: str, pos: int, limit: int, quote: str, raw: bool, fields: bool) -> tuple[int, list[_Part]]:
    """Splits a literal body into text, doubled braces and (when ``fields``) replacement fields.

    Stops at the closing quote or at ``limit``; returns where it stopped and the parts. A
    brace that does not open a well-formed field is kept as text (a ``str.format`` template
    may hold JSON).
    """
    parts: list[_Part] = []
    text_start = pos
    while pos < limit and not s.startswith(quote, pos):
        char = s[pos]
        if char == "\\":
            pos = _skip_escape(s, pos, raw, quote)
            continue
        part = _brace_part(s, pos, limit) if fields and char in "{}" else None
        if part is None:
            pos += 1
            continue
        if text_start < pos:
            parts.append(_Part("text", text_start, pos))
        parts.append(part)
        pos = text_start = part.end
    pos = min(pos, limit)
    if text_start < pos:
        parts.append(_Part("text", text_start, pos))
    return pos, parts


def _skip_escape(s: str, pos: int, raw: bool, quote: str) -> int:
    """The offset after the escape sequence at ``s[pos]`` (a backslash)."""
    following = s[pos + 1:pos + 2]
    if raw:  # a backslash in a raw string only keeps a quote or backslash from ending it
        return pos + 2 if following in (quote[0], "\\") else pos + 1
    if following in ("{", "}"):  # not an escape: the brace is an f-string brace
        return pos + 1
    if following == "N" and s.startswith("{", pos + 2):
        close = s.find("}", pos)
        return close + 1 if close != -1 else pos + 2
    return pos + 2


def _brace_part(s: str, pos: int, limit: int) -> _Part | None:
    char = s[pos]
    if s.startswith(char * 2, pos):
        return _Part("brace", pos, pos + 2, char)
    return _scan_field(s, pos, limit) if char == "{" else None


def _scan_field(s: str, pos: int, limit: int) -> _Part | None:
    """Reads the replacement field ``{expr!conversion:spec}`` whose ``{`` is at ``s[pos]``."""
    depth, i, expression_end = 0, pos + 1, None
    while i < limit:
        char = s[i]
        if char in "'\"":
            after = _skip_nested_string(s, pos + 1, i, limit)
            if after is None:
                return None
            i = after
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                end = i if expression_end is None else expression_end
                return _Part("field", pos, i + 1, _squeeze(s[pos + 1:end])) if char == "}" else None
            depth -= 1
        elif depth == 0 and char == ":":
            spec_end = _scan_spec(s, i + 1, limit)
            end = i if expression_end is None else expression_end
            return None if spec_end is None else _Part("field", pos, spec_end, _squeeze(s[pos + 1:end]))
        elif depth == 0 and expression_end is None and _ends_expression(s, i):
            expression_end = i
        i += 1
    return None


def _ends_expression(s: str, i: int) -> bool:
    """A conversion (``!r``) or a debug ``=`` ends the expression of a field."""
    char, following = s[i], s[i + 1:i + 2]
    if char == "!":
        return following != "="
    return char == "=" and following != "=" and s[i - 1] not in "=!<>"


def _scan_spec(s: str, i: int, limit: int) -> int | None:
    """The offset after the ``}`` closing a format spec (which may hold nested fields)."""
    while i < limit:
        if s[i] == "{":
            nested = _scan_field(s, i, limit)
            if nested is None:
                return None
            i = nested.end
        elif s[i] == "}":
            return i + 1
        else:
            i += 1
    return None


def _skip_nested_string(s: str, field_start: int, i: int, limit: int) -> int | None:
    """The offset after a string literal inside a field expression (its quote at ``s[i]``)."""
    start = i
    while start > field_start and s[start - 1].isalpha():
        start -= 1
    prefix = s[start:i].lower()
    if len(prefix) > 2 or not set(prefix) <= set("rbuf"):
        prefix = ""
    quote = s[i] * 3 if s.startswith(s[i] * 3, i) else s[i]
    end, _ = _scan_body(s, i + len(quote), limit, quote, "r" in prefix, "f" in prefix)
    return end + len(quote) if s.startswith(quote, end) else None


def _squeeze(expression: str) -> str:
    return " ".join(expression.split())


def _placeholder(expression: str) -> str:
    return f"{{{{ {expression} }}}}" if expression else "{{ }}"


def _decode(raw: str, piece: _Piece) -> str | None:
    """The value of a run of literal body text, or None when it cannot be decoded alone."""
    if piece.is_raw or "\\" not in raw:
        return _LINE_BREAK.sub("\n", raw)
    try:
        value = ast.literal_eval(piece.prefix.replace("f", "") + piece.quote + raw + piece.quote)
    except (SyntaxError, ValueError):
        return None
    return value if isinstance(value, str) else None


# ---------------------------------------------------------------------------------------
# Scopes: which names are bound once, to what
# ---------------------------------------------------------------------------------------


class _Scope:
    """The names bound in one function, class body or module, and what they were bound to.

    A name bound exactly once to an expression can be followed; any other binding (a loop
    target, a parameter, a second assignment) is recorded as None, making it dynamic.
    """

    def __init__(self, parent: _Scope | None, *, is_class: bool = False) -> None:
        self.parent = parent
        self.is_class = is_class
        self.bindings: dict[str, list[ast.expr | None]] = {}
        self.mutated: set[str] = set()  # `x.append(...)`, `x[k] = ...`: not the literal any more
        self.declared: dict[str, str] = {}  # name -> "global" / "nonlocal"
        self.cache_marker: ast.AST | None = None  # first `x["cache_control"] = ...` target

    def bind(self, name: str, value: ast.expr | None) -> None:
        self.bindings.setdefault(name, []).append(value)

    def owner(self, name: str) -> _Scope | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.bindings:
                return scope
            scope = scope.parent
        return None

    def enclosing(self) -> _Scope:
        """The scope a function defined here looks names up in (class bodies are skipped)."""
        return self.parent if self.is_class and self.parent is not None else self


def _function_scope(frame: _Frame) -> _Scope:
    """The scope of the function a node is in (the module's for module-level code)."""
    if frame.function is not None:
        return frame.function.scope
    scope = frame.scope
    while scope.parent is not None:
        scope = scope.parent
    return scope


def _resolve(node: ast.expr, scope: _Scope) -> tuple[ast.expr, _Scope, str | None]:
    """Follows names bound once; returns the value, the scope it was written in, the last name."""
    name = None
    for _ in range(_MAX_HOPS):
        if not isinstance(node, ast.Name):
            break
        owner = scope.owner(node.id)
        values = owner.bindings[node.id] if owner else []
        if owner is None or len(values) != 1 or values[0] is None:
            break
        name, node, scope = node.id, values[0], owner
    return node, scope, name


def _build_scopes(tree: ast.Module) -> tuple[_Scope, dict[int, _Scope]]:
    """Binds every name of the module in its scope (iteratively: deep code must not recurse)."""
    module = _Scope(None)
    scopes: dict[int, _Scope] = {id(tree): module}
    mutations: list[tuple[_Scope, str]] = []
    stack: list[tuple[ast.AST, _Scope]] = [(tree, module)]
    while stack:
        node, scope = stack.pop()
        stack.extend(_bind(node, scope, scopes, mutations))
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


def _bind(node: ast.AST, scope: _Scope, scopes: dict[int, _Scope],
          mutations: list[tuple[_Scope, str]]) -> list[tuple[ast.AST, _Scope]]:
    """Records the bindings ``node`` makes in ``scope``; returns the children still to visit."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
        return _enter(node, scope, scopes)
    if isinstance(node, ast.Assign):
        later = [(node.value, scope)]
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
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        how = "global" if isinstance(node, ast.Global) else "nonlocal"
        scope.declared.update(dict.fromkeys(node.names, how))
    elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        scope.bind(node.id, None)
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
        base = _base_name(node.func.value)
        if base:
            mutations.append((scope, base))
    return [(child, scope) for child in ast.iter_child_nodes(node)]


def _enter(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef, scope: _Scope,
           scopes: dict[int, _Scope]) -> list[tuple[ast.AST, _Scope]]:
    """A new scope: its header is evaluated outside it, its body inside."""
    if isinstance(node, ast.ClassDef):
        scope.bind(node.name, None)
        inner = _Scope(scope, is_class=True)
        outside = [*node.decorator_list, *node.bases, *node.keywords]
    else:
        if not isinstance(node, ast.Lambda):
            scope.bind(node.name, None)
        inner = _Scope(scope.enclosing())
        arguments = node.args
        for arg in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                    arguments.vararg, arguments.kwarg):
            if arg is not None:
                inner.bind(arg.arg, None)
        outside = [arguments, *getattr(node, "decorator_list", ())]
        if getattr(node, "returns", None) is not None:
            outside.append(node.returns)
    scopes[id(node)] = inner
    body = node.body if isinstance(node.body, list) else [node.body]
    return [*((child, scope) for child in outside), *((child, inner) for child in body)]


def _note_subscript_store(node: ast.Subscript, scope: _Scope, mutations: list[tuple[_Scope, str]]) -> None:
    base = _base_name(node.value)
    if base:
        mutations.append((scope, base))
    if scope.cache_marker is None and _is_str(node.slice, "cache_control"):
        scope.cache_marker = node


def _base_name(node: ast.expr) -> str | None:
    """``x`` for ``x``, ``x[0]``, ``x["a"][1]`` (the object a store or method call changes)."""
    while isinstance(node, ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_str(node: ast.AST | None, value: str | None = None) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)
            and (value is None or node.value == value))


def _dotted(node: ast.AST) -> str:
    """``app.route`` for ``app.route``; "" when the chain holds anything but names."""
    names = []
    while isinstance(node, ast.Attribute):
        names.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    names.append(node.id)
    return ".".join(reversed(names))


def _chain(node: ast.AST) -> list[str]:
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


_NOT_LITERAL = object()


def _literal(node: ast.expr) -> Any:
    """The value of a literal expression, or _NOT_LITERAL (`literal_eval` never runs code)."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return _NOT_LITERAL


def _unwrap_formatting(node: ast.expr) -> tuple[ast.expr, str]:
    """``T.format(...)`` -> (T, "format"); ``T % x`` -> (T, "percent"); else (node, "")."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "format_map"):
        return node.func.value, "format"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return node.left, "percent"
    return node, ""


def _flatten_add(node: ast.expr) -> list[ast.expr]:
    """The operands of ``a + b + c`` in order (iteratively: long chains must not recurse)."""
    operands, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
            stack.extend((current.right, current.left))
        else:
            operands.append(current)
    return operands


# ---------------------------------------------------------------------------------------
# The walk: functions, calls, imports
# ---------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Function:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    qualname: str  # ``ChatView.post``, ``outer.inner``
    scope: _Scope
    class_node: ast.ClassDef | None  # for methods
    parent: _Function | None  # the function this one is defined in


@dataclass(frozen=True, slots=True)
class _Frame:
    """Where a node sits: its scope, enclosing function and class, loop and main-guard state."""

    scope: _Scope
    function: _Function | None = None
    class_node: ast.ClassDef | None = None
    prefix: str = ""
    in_loop: bool = False
    guard: ast.If | None = None  # module-level `if __name__ == "__main__":`


@dataclass(frozen=True, slots=True)
class _Found:
    node: ast.Call
    frame: _Frame
    api: CallApi
    awaited: bool


@dataclass(eq=False)
class _Outline:
    """What one walk over the module finds."""

    functions: list[_Function] = field(default_factory=list)  # parents before children
    defs: dict[tuple[int, int, str], _Function] = field(default_factory=dict)  # (parent, class, name)
    calls: list[tuple[ast.Call, _Frame]] = field(default_factory=list)
    api_calls: list[_Found] = field(default_factory=list)
    imports: dict[str, ast.stmt] = field(default_factory=dict)  # top-level package -> first import
    format_names: set[str] = field(default_factory=set)  # names used as `NAME.format(...)`
    percent_names: set[str] = field(default_factory=set)  # names used as `NAME % ...`

    def callee(self, node: ast.expr, frame: _Frame) -> _Function | None:
        """The function of this module a call or reference names: ``helper`` or ``self.helper``."""
        if isinstance(node, ast.Name):
            function = frame.function
            while True:
                found = self.defs.get((id(function) if function else 0, 0, node.id))
                if found is not None or function is None:
                    return found
                function = function.parent
        caller = frame.function
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
                and caller is not None and caller.class_node is not None):
            return self.defs.get((id(caller.parent) if caller.parent else 0, id(caller.class_node), node.attr))
        return None


def _api_of(call: ast.Call) -> CallApi | None:
    """The Messages API method a call invokes: ``<anything>.messages[.with_raw_response].create``."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in _API_METHODS:
        return None
    owner = func.value
    if isinstance(owner, ast.Attribute) and owner.attr in _RESPONSE_WRAPPERS:
        owner = owner.value
    if not (isinstance(owner, ast.Attribute) and owner.attr == "messages"):
        return None
    if not any(keyword.arg is None or keyword.arg in _REQUEST_KEYS for keyword in call.keywords):
        return None
    return _API_METHODS[func.attr]


def _is_main_guard(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(side, ast.Name) and side.id == "__name__" for side in sides) and any(
        _is_str(side, "__main__") for side in sides)


class _Walker:
    """One pre-order walk that tracks the frame of every node (iteratively)."""

    def __init__(self, scopes: dict[int, _Scope]) -> None:
        self.scopes = scopes
        self.outline = _Outline()

    def walk(self, tree: ast.Module, module: _Scope) -> _Outline:
        awaited: set[int] = set()
        stack: list[tuple[ast.AST, _Frame]] = [(tree, _Frame(module))]
        while stack:
            node, frame = stack.pop()
            self._note(node, frame, awaited)
            stack.extend(reversed(list(self._children(node, frame))))
        return self.outline

    def _note(self, node: ast.AST, frame: _Frame, awaited: set[int]) -> None:
        outline = self.outline
        if isinstance(node, ast.Await):
            awaited.add(id(node.value))
        elif isinstance(node, ast.Call):
            outline.calls.append((node, frame))
            base, mode = _unwrap_formatting(node)
            if mode and isinstance(base, ast.Name):
                outline.format_names.add(base.id)
            api = _api_of(node)
            if api is not None:
                outline.api_calls.append(_Found(node, frame, api, id(node) in awaited))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Name):
            outline.percent_names.add(node.left.id)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                outline.imports.setdefault(alias.name.split(".")[0], node)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            outline.imports.setdefault(node.module.split(".")[0], node)

    def _children(self, node: ast.AST, frame: _Frame) -> Iterator[tuple[ast.AST, _Frame]]:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = self._define(node, frame)
            header = [*node.decorator_list, node.args, *([node.returns] if node.returns else [])]
            inner = _Frame(function.scope, function, None, function.qualname + ".")
            yield from ((child, frame) for child in header)
            yield from ((child, inner) for child in node.body)
        elif isinstance(node, ast.ClassDef):
            inner = replace(frame, scope=self.scopes[id(node)], class_node=node,
                            prefix=frame.prefix + node.name + ".", in_loop=False, guard=None)
            yield from ((child, frame) for child in (*node.decorator_list, *node.bases, *node.keywords))
            yield from ((child, inner) for child in node.body)
        elif isinstance(node, ast.Lambda):
            yield node.args, frame
            yield node.body, replace(frame, scope=self.scopes[id(node)], in_loop=False)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            yield from self._loop_children(node, frame)
        elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            yield from self._comprehension_children(node, frame)
        elif isinstance(node, ast.If) and frame.scope.parent is None and _is_main_guard(node.test):
            yield node.test, frame
            yield from ((child, replace(frame, guard=node)) for child in node.body)
            yield from ((child, frame) for child in node.orelse)
        else:
            yield from ((child, frame) for child in ast.iter_child_nodes(node))

    @staticmethod
    def _loop_children(node: ast.For | ast.AsyncFor | ast.While, frame: _Frame) -> Iterator[tuple[ast.AST, _Frame]]:
        """The body (and a while test) repeat; a for's iterable and the else clause run once."""
        looping = replace(frame, in_loop=True)
        if isinstance(node, ast.While):
            yield node.test, looping
        else:
            yield node.target, frame
            yield node.iter, frame
        yield from ((child, looping) for child in node.body)
        yield from ((child, frame) for child in node.orelse)

    @staticmethod
    def _comprehension_children(node: ast.expr, frame: _Frame) -> Iterator[tuple[ast.AST, _Frame]]:
        """Only the first iterable of a comprehension is evaluated once."""
        looping = replace(frame, in_loop=True)
        first, *rest = node.generators
        yield first.iter, frame
        yield first.target, looping
        yield from ((condition, looping) for condition in first.ifs)
        for generator in rest:
            yield generator, looping
        elements = (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,)
        yield from ((element, looping) for element in elements)

    def _define(self, node: ast.FunctionDef | ast.AsyncFunctionDef, frame: _Frame) -> _Function:
        function = _Function(node, frame.prefix + node.name, self.scopes[id(node)], frame.class_node, frame.function)
        key = (id(frame.function) if frame.function else 0, id(frame.class_node) if frame.class_node else 0, node.name)
        self.outline.defs[key] = function
        self.outline.functions.append(function)
        return function


# ---------------------------------------------------------------------------------------
# Prompt text
# ---------------------------------------------------------------------------------------

_Op = tuple  # (TextBuilder method name, *arguments): text assembled before it is built


class _Texts:
    """Builds PromptTexts from string expressions, sharing one object per constant."""

    def __init__(self, document: Document, positions: _Positions, outline: _Outline) -> None:
        self.document = document
        self.source = document.source
        self.positions = positions
        self.outline = outline
        self._cache: dict[int, tuple[PromptText, bool]] = {}  # id(bound value) -> (text, dynamic)

    def constants(self, tree: ast.Module, module: _Scope) -> list[PromptText]:
        """Module-level prompt constants: names like ``*PROMPT*`` / ``*SYSTEM*``, or any string
        constant of a ``prompts.py``."""
        in_prompts_module = self.document.path.replace("\\", "/").rsplit("/", 1)[-1] == "prompts.py"
        texts = []
        for name, value in _module_assignments(tree):
            prompt_named = bool(_PROMPT_NAME.search(name))
            if not (prompt_named or in_prompts_module) or isinstance(_unwrap_formatting(value)[0], ast.Name):
                continue
            result = self._ops(value, module, self._mode_of(name))
            if result is None:
                continue
            role = Role.SYSTEM if "SYSTEM" in name.upper() else Role.PROMPT
            text = self._build(result[0], role, name)
            if prompt_named or len(text.text.strip()) >= _MIN_PROMPTS_PY_LENGTH:
                self._cache[id(value)] = (text, result[1])
                texts.append(text)
        return texts

    def text(self, node: ast.expr, scope: _Scope, role: Role) -> tuple[PromptText | None, bool]:
        """The PromptText of a string expression (None if it is not one) and whether part of it
        is computed. A constant's text is built once and shared, so the engine sees it once."""
        target, target_scope, name = _resolve(node, scope)
        base, mode = _unwrap_formatting(target)
        if mode:
            target, target_scope, name = _resolve(base, target_scope)
        if name is not None and id(target) in self._cache:
            return self._cache[id(target)]
        result = self._ops(target, target_scope, mode or self._mode_of(name))
        if result is None:
            return None, True
        built = (self._build(result[0], role, name), result[1])
        if name is not None:
            self._cache[id(target)] = built
        return built

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

    def _ops(self, node: ast.expr, scope: _Scope, mode: str = "", depth: int = 0) -> tuple[list[_Op], bool] | None:
        """The text operations of a string expression and whether part of it is computed."""
        if depth > _MAX_HOPS:
            return None
        node, scope, name = _resolve(node, scope)
        base, formatting = _unwrap_formatting(node)
        if formatting:
            return self._ops(base, scope, formatting, depth + 1)
        mode = mode or self._mode_of(name)
        if isinstance(node, ast.JoinedStr) or _is_str(node):
            ops = self._literal_ops(node, mode)
            return None if ops is None else (ops, False)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._concat_ops(node, scope, depth)
        if isinstance(node, ast.Call):
            return self._transform_ops(node, scope, mode, depth)
        return None

    def _concat_ops(self, node: ast.BinOp, scope: _Scope, depth: int) -> tuple[list[_Op], bool] | None:
        """``a + b``: the pieces in order; a computed piece becomes a slot and makes it dynamic."""
        operands = _flatten_add(node)
        results = [self._ops(operand, scope, "", depth + 1) for operand in operands]
        if all(result is None for result in results):
            return None
        ops: list[_Op] = []
        dynamic = False
        for operand, result in zip(operands, results):
            if result is None:
                start, end = self.positions.range(operand)
                expression = _squeeze(self.source[start:end])
                ops.append(("slot", _placeholder(expression), start, end, expression))
                dynamic = True
            else:
                ops.extend(result[0])
                dynamic = dynamic or result[1]
        return ops, dynamic

    def _transform_ops(self, node: ast.Call, scope: _Scope, mode: str, depth: int) -> tuple[list[_Op], bool] | None:
        """``dedent(...)``, ``cleandoc(...)``, ``.strip()`` of a string: applied exactly to a plain
        literal; on anything else the text keeps its whitespace as written."""
        if node.keywords:
            return None
        if len(node.args) == 1 and _dotted(node.func) in _TRANSFORMS:
            transform, argument = _TRANSFORMS[_dotted(node.func)], node.args[0]
        elif not node.args and isinstance(node.func, ast.Attribute) and node.func.attr in _STRIPS:
            transform, argument = _STRIPS[node.func.attr], node.func.value
        else:
            return None
        target, _, name = _resolve(argument, scope)
        if _is_str(target) and not (mode or self._mode_of(name)):
            start, end = self.positions.range(target)
            return [("aligned", transform(target.value), self.source[start:end], start)], False
        return self._ops(argument, scope, mode, depth + 1)

    def _literal_ops(self, node: ast.Constant | ast.JoinedStr, mode: str) -> list[_Op] | None:
        start, end = self.positions.range(node)
        pieces = _string_pieces(self.source, start, end)
        if pieces is None or any("b" in piece.prefix for piece in pieces):
            # Not expected for parsed code; keep what can be kept rather than fail.
            return [("aligned", node.value, self.source[start:end], start)] if _is_str(node) else None
        ops: list[_Op] = []
        for piece in pieces:
            parts = piece.parts
            if mode == "format" and not piece.is_f:
                parts = tuple(_scan_body(self.source, piece.start, piece.end, piece.quote, piece.is_raw, True)[1])
            percent = mode == "percent" and not piece.is_f
            for part in parts:
                ops.extend(self._part_ops(part, piece, percent))
        return ops

    def _part_ops(self, part: _Part, piece: _Piece, percent: bool) -> list[_Op]:
        if part.kind == "brace":
            return [("exact", part.expression, part.start)]
        if part.kind == "field":
            return [("slot", _placeholder(part.expression), part.start, part.end, part.expression)]
        if not percent:
            return [self._decoded(part.start, part.end, piece)]
        ops: list[_Op] = []
        last = part.start
        for match in _PERCENT.finditer(self.source, part.start, part.end):
            if match.start() > last:
                ops.append(self._decoded(last, match.start(), piece))
            if match.group() == "%%":
                ops.append(("exact", "%", match.start()))
            else:
                expression = match.group("key") or match.group()
                ops.append(("slot", _placeholder(expression), match.start(), match.end(), expression))
            last = match.end()
        if last < part.end:
            ops.append(self._decoded(last, part.end, piece))
        return ops

    def _decoded(self, start: int, end: int, piece: _Piece) -> _Op:
        raw = self.source[start:end]
        value = _decode(raw, piece)
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


# ---------------------------------------------------------------------------------------
# Calls
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Arg:
    """A request parameter: its value, the scope to resolve it in, the key or keyword naming it."""

    value: ast.expr
    scope: _Scope
    key: ast.AST


class _CallReader:
    """Turns one ``messages.create/stream/count_tokens`` call into a PromptCall."""

    def __init__(self, document: Document, positions: _Positions, texts: _Texts, outline: _Outline) -> None:
        self.document = document
        self.positions = positions
        self.texts = texts
        self.contexts = _Contexts(self, outline, document.path)

    def span(self, node: ast.AST) -> Span:
        return self.document.lines.span(*self.positions.range(node))

    def expression(self, node: ast.AST) -> str:
        start, end = self.positions.range(node)
        text = _squeeze(self.document.source[start:end])
        return text if len(text) <= 120 else text[:117] + "..."

    def read(self, found: _Found) -> PromptCall:
        frame = found.frame
        args, unresolved = self._arguments(found.node, frame.scope)
        call = PromptCall(path=self.document.path, span=self.span(found.node), api=found.api)
        for name, types in _SCALARS.items():
            setattr(call, name, self._scalar(args[name], types) if name in args else self._missing(unresolved))
        for name in _SAMPLING:
            if name not in args:
                setattr(call, name, self._nested(args.get("extra_body"), name, _SCALARS[name], unresolved))
        call.effort = self._nested(args.get("output_config"), "effort", (str,), unresolved)
        call.cache_control = self._cache_control(args, unresolved, frame)
        call.system, call.system_dynamic = self._system(args.get("system"), unresolved)
        call.messages, call.messages_dynamic = self._messages(args.get("messages"), unresolved)
        call.extra = {name: self._value(arg) for name, arg in args.items() if name not in _NOT_EXTRA}
        call.where = self.contexts.where(frame)
        call.in_loop = frame.in_loop
        call.is_async = found.awaited or (frame.function is not None
                                          and isinstance(frame.function.node, ast.AsyncFunctionDef))
        call.function = frame.function.qualname if frame.function else None
        return call

    def _arguments(self, node: ast.Call, scope: _Scope) -> tuple[dict[str, _Arg], ast.AST | None]:
        """Keyword arguments, with ``**dict`` expansions resolved where the code shows the dict.
        The second item is the first expansion that could not be resolved."""
        args: dict[str, _Arg] = {}
        unresolved = None
        for keyword in node.keywords:
            if keyword.arg is not None:
                args[keyword.arg] = _Arg(keyword.value, scope, keyword)
                continue
            entries = self._dict_entries(keyword.value, scope)
            if entries is None or entries[1] is not None:
                unresolved = unresolved or keyword
            if entries is not None:
                args.update((name, arg) for name, arg in entries[0].items() if name not in args)
        return args, unresolved

    def _dict_entries(self, node: ast.expr, scope: _Scope, depth: int = 0) -> tuple[dict[str, _Arg], ast.AST | None] | None:
        """The string keys of a dict the code builds (display or ``dict(...)``), and the first
        part that could not be resolved; None when the value is not such a dict."""
        target, target_scope, name = _resolve(node, scope)
        if name is not None and name in target_scope.mutated:
            return None
        if isinstance(target, ast.Dict):
            pairs = list(zip(target.keys, target.values))
        elif isinstance(target, ast.Call) and _dotted(target.func) == "dict" and not target.args:
            pairs = [(keyword if keyword.arg else None, keyword.value) for keyword in target.keywords]
        else:
            return None
        entries: dict[str, _Arg] = {}
        unresolved = None
        for key, value in pairs:
            if key is None:
                inner = self._dict_entries(value, target_scope, depth + 1) if depth < _MAX_HOPS else None
                entries.update(inner[0] if inner else {})
                unresolved = unresolved or (value if inner is None else inner[1])
            elif isinstance(key, ast.keyword) or _is_str(key):
                entries[key.arg if isinstance(key, ast.keyword) else key.value] = _Arg(value, target_scope, key)
            else:
                unresolved = unresolved or key
        return entries, unresolved

    def _missing(self, unresolved: ast.AST | None) -> Field:
        """A parameter not given: absent, unless a ``**dict`` we cannot see may hold it."""
        return Field.absent() if unresolved is None else Field.dynamic(self.span(unresolved), self.expression(unresolved))

    def _scalar(self, arg: _Arg, types: tuple[type, ...]) -> Field:
        target, _, _ = _resolve(arg.value, arg.scope)
        value = _literal(target)
        if type(value) in types:
            return Field.literal(value, self.span(target))
        return Field.dynamic(self.span(arg.value), self.expression(arg.value))

    def _value(self, arg: _Arg) -> Field:
        target, target_scope, name = _resolve(arg.value, arg.scope)
        value = _literal(target)
        if value is _NOT_LITERAL or (name is not None and name in target_scope.mutated):
            return Field.dynamic(self.span(arg.value), self.expression(arg.value))
        return Field.literal(value, self.span(target))

    def _nested(self, container: _Arg | None, key: str, types: tuple[type, ...], unresolved: ast.AST | None) -> Field:
        """A parameter inside a dict argument: ``extra_body={"temperature": ...}``,
        ``output_config={"effort": ...}``."""
        if container is None:
            return self._missing(unresolved)
        entries = self._dict_entries(container.value, container.scope)
        if entries is not None and key in entries[0]:
            return self._scalar(entries[0][key], types)
        if entries is None or entries[1] is not None:
            return Field.dynamic(self.span(container.value), self.expression(container.value))
        return self._missing(unresolved)

    def _cache_control(self, args: dict[str, _Arg], unresolved: ast.AST | None, frame: _Frame) -> Field:
        """Caching is on when a cache_control key is given, written in a system/messages/tools
        block, or set by subscript anywhere in the enclosing function."""
        if "cache_control" in args:
            return Field.literal(True, self.span(args["cache_control"].key))
        marker = self._cache_marker([args[name] for name in ("system", "messages", "tools") if name in args])
        if marker is None:
            marker = _function_scope(frame).cache_marker
        if marker is not None:
            return Field.literal(True, self.span(marker))
        return self._missing(unresolved)

    def _cache_marker(self, args: list[_Arg]) -> ast.AST | None:
        """The first ``"cache_control"`` key in the structures the arguments build."""
        stack: list[tuple[ast.AST, _Scope]] = [(arg.value, arg.scope) for arg in args]
        seen: set[int] = set()
        while stack and len(seen) < _MAX_SEARCH:
            node, scope = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, ast.Name):
                target, target_scope, name = _resolve(node, scope)
                if name is not None:
                    stack.append((target, target_scope))
            elif isinstance(node, ast.Dict) and any(_is_str(key, "cache_control") for key in node.keys):
                return next(key for key in node.keys if _is_str(key, "cache_control"))
            elif isinstance(node, ast.keyword) and node.arg == "cache_control":
                return node
            elif not isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef)):
                stack.extend((child, scope) for child in ast.iter_child_nodes(node))
        return None

    def _list(self, arg: _Arg) -> tuple[list[ast.expr], _Scope, bool] | None:
        """The items of a list the code writes out, and whether it is changed later."""
        target, target_scope, name = _resolve(arg.value, arg.scope)
        if not isinstance(target, (ast.List, ast.Tuple)):
            return None
        return target.elts, target_scope, name is not None and name in target_scope.mutated

    def _system(self, arg: _Arg | None, unresolved: ast.AST | None) -> tuple[list[PromptText], bool]:
        if arg is None:
            return [], unresolved is not None
        items = self._list(arg)
        if items is None:
            text, dynamic = self.texts.text(arg.value, arg.scope, Role.SYSTEM)
            return ([text] if text else []), dynamic
        return self._blocks(*items, Role.SYSTEM)

    def _blocks(self, items: list[ast.expr], scope: _Scope, dynamic: bool, role: Role) -> tuple[list[PromptText], bool]:
        """The texts of a list of content blocks; non-text blocks (images, tool results) are skipped."""
        texts: list[PromptText] = []
        for item in items:
            entries = None if isinstance(item, ast.Starred) else self._dict_entries(item, scope)
            if entries is None or entries[1] is not None:
                dynamic = True
                continue
            block = entries[0]
            if "text" not in block:  # an image, a document, a tool result... unless its type is unknown
                block_type = block.get("type")
                known = block_type is not None and _literal(_resolve(block_type.value, block_type.scope)[0]) != "text"
                dynamic = dynamic or not known
                continue
            text, text_dynamic = self.texts.text(block["text"].value, block["text"].scope, role)
            texts.extend([text] if text else [])
            dynamic = dynamic or text_dynamic
        return texts, dynamic

    def _messages(self, arg: _Arg | None, unresolved: ast.AST | None) -> tuple[list[PromptText], bool]:
        if arg is None:
            return [], unresolved is not None
        items = self._list(arg)
        if items is None:
            return [], True
        elements, scope, dynamic = items
        texts: list[PromptText] = []
        for element in elements:
            entries = None if isinstance(element, ast.Starred) else self._dict_entries(element, scope)
            if entries is None or entries[1] is not None or "content" not in entries[0]:
                dynamic = True
                continue
            message_texts, message_dynamic = self._message(entries[0])
            texts.extend(message_texts)
            dynamic = dynamic or message_dynamic
        return texts, dynamic

    def _message(self, entries: dict[str, _Arg]) -> tuple[list[PromptText], bool]:
        role_arg = entries.get("role")
        role_value = _literal(_resolve(role_arg.value, role_arg.scope)[0]) if role_arg else None
        role = _ROLES.get(role_value, Role.PROMPT) if isinstance(role_value, str) else Role.PROMPT
        content = entries["content"]
        items = self._list(content)
        if items is not None:
            return self._blocks(*items, role)
        text, dynamic = self.texts.text(content.value, content.scope, role)
        return ([text] if text else []), dynamic


# ---------------------------------------------------------------------------------------
# Where a call runs
# ---------------------------------------------------------------------------------------

_UI, _BATCH = RunsIn.UI, RunsIn.BATCH
_WEB_FRAMEWORKS = (("fastapi", "FastAPI", "endpoint"), ("flask", "Flask", "route"), ("quart", "Quart", "route"),
                   ("sanic", "Sanic", "route"), ("aiohttp", "aiohttp", "handler"), ("starlette", "Starlette", "route"),
                   ("litestar", "Litestar", "handler"), ("bottle", "Bottle", "route"))
_HTTP_DECORATORS = {"get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route",
                    "websocket", "websocket_route"}
_DJANGO_VIEW_DECORATORS = {"require_POST", "require_GET", "require_safe", "require_http_methods"}
_BOT_DECORATORS = {"command", "message", "event", "action", "shortcut", "view", "listen", "slash_command"}
_CLASS_VIEW_BASES = ("View", "ViewSet", "Endpoint", "RequestHandler", "Resource")
_VIEW_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "dispatch", "list", "create", "retrieve",
                 "update", "partial_update", "destroy", "on_receive", "on_connect", "on_message", "open"}
_CONSUMER_METHODS = {"receive", "receive_json", "connect", "websocket_receive", "websocket_connect"}
_GRADIO_EVENTS = {"click", "submit", "change", "input", "select", "then", "success", "load", "upload", "release",
                  "blur", "focus", "like", "retry", "edit"}
_TASK_FRAMEWORKS = (("celery", "Celery task"), ("airflow", "Airflow task"), ("prefect", "Prefect task"),
                    ("huey", "Huey task"), ("dramatiq", "Dramatiq task"), ("invoke", "Invoke task"))


def _pick(candidates: list[Where | None]) -> Where | None:
    """UI evidence wins over batch evidence: one waiting person is enough to care."""
    known = [where for where in candidates if where is not None]
    return next((where for where in known if where.kind is _UI), known[0] if known else None)


class _Contexts:
    """Decides where each function runs, from the evidence this module shows.

    Evidence is direct (a route decorator, a registration such as ``btn.click(fn)``, a
    ``__main__`` guard, a Streamlit import) or one level removed: a helper called from a
    function with direct evidence inherits it.
    """

    def __init__(self, reader: _CallReader, outline: _Outline, path: str) -> None:
        self.reader = reader
        self.outline = outline
        self.imports = outline.imports
        self.file_name = path.replace("\\", "/").rsplit("/", 1)[-1]
        self._own: dict[int, list[Where]] = {}
        self._callers: dict[int, list[tuple[_Function, ast.Call]]] = {}
        self._app = self._module_app()
        self._script: Where | None = None
        for function in outline.functions:
            self._add(function, *self._decorated(function), self._structure(function))
        for call, frame in outline.calls:
            self._note_call(call, frame)
        self._direct: dict[int, Where | None] = {}
        for function in outline.functions:  # parents come first
            inherited = self._direct[id(function.parent)] if function.parent else None
            self._direct[id(function)] = _pick([*self._own.get(id(function), []), self._app, inherited])

    def where(self, frame: _Frame) -> Where:
        function = frame.function
        if function is None:
            guard = frame.guard and Where(_BATCH, _MAIN_GUARD, self.reader.span(frame.guard.test))
            return _pick([self._app, guard, self._script]) or Where.unknown()
        direct = self._direct[id(function)]
        helper = _pick([Where(where.kind, f"called from {where.reason}", self.reader.span(call))
                        for caller, call in self._callers.get(id(function), [])
                        if (where := self._direct[id(caller)]) is not None])
        for candidate in (direct, helper):
            if candidate is not None and candidate.kind is _UI:
                return candidate
        return direct or helper or Where.unknown()

    def _add(self, function: _Function, *evidence: Where | None) -> None:
        self._own.setdefault(id(function), []).extend(where for where in evidence if where is not None)

    def _module_app(self) -> Where | None:
        """Streamlit reruns the whole script on every interaction: everything in it is UI."""
        statement = self.imports.get("streamlit")
        return Where(_UI, "Streamlit app", self.reader.span(statement)) if statement else None

    def _named(self, function: _Function, kind: RunsIn, label: str, node: ast.AST) -> Where:
        return Where(kind, f"{label} `{function.qualname}`", self.reader.span(node))

    # -- decorators ------------------------------------------------------------------------

    def _decorated(self, function: _Function) -> Iterator[Where]:
        for decorator in function.node.decorator_list:
            is_call = isinstance(decorator, ast.Call)
            label = self._decorator_label(_dotted(decorator.func if is_call else decorator), is_call)
            if label is not None:
                yield self._named(function, *label, decorator)

    def _decorator_label(self, dotted: str, is_call: bool) -> tuple[RunsIn, str] | None:
        if not dotted:
            return None
        parts = dotted.split(".")
        last, receiver = parts[-1], (parts[-2] if len(parts) > 1 else "")
        if receiver in ("cl", "chainlit") and (last.startswith("on_") or last == "step"):
            return _UI, "Chainlit handler"
        if "shiny" in self.imports and {"render", "reactive"} & set(parts[:-1]):
            return _UI, "Shiny reactive function"
        if last in ("on", "event") and ("socketio" in receiver or receiver == "sio"):
            return _UI, "Socket.IO handler"
        bot = "Slack" if "slack_bolt" in self.imports else "Discord" if "discord" in self.imports else None
        if bot and receiver and last in _BOT_DECORATORS:
            return _UI, f"{bot} bot handler"
        if last == "route" and receiver:
            return _UI, "flask-sock websocket route" if receiver == "sock" else self._web_label(last)
        if last in _HTTP_DECORATORS and receiver and is_call:
            return _UI, self._web_label(last)
        if last == "api_view":
            return _UI, "Django REST framework view"
        if last in _DJANGO_VIEW_DECORATORS:
            return _UI, "Django view"
        if last in ("command", "group") and (receiver or is_call):
            return _BATCH, self._cli_label()
        worker = self._worker_label(last)
        return (_BATCH, worker) if worker else None

    def _web_label(self, decorator: str) -> str:
        name, noun = next(((name, noun) for module, name, noun in _WEB_FRAMEWORKS if module in self.imports),
                          ("web", "route handler"))
        return f"{name} websocket endpoint" if "websocket" in decorator else f"{name} {noun}"

    def _cli_label(self) -> str:
        if "click" in self.imports:
            return "click command"
        return "Typer command" if "typer" in self.imports else "command-line command"

    def _worker_label(self, last: str) -> str | None:
        if last in ("task", "periodic_task", "db_task", "db_periodic_task"):
            return next((label for module, label in _TASK_FRAMEWORKS if module in self.imports), "background task")
        return {
            "shared_task": "Celery task",
            "actor": "Dramatiq actor",
            "job": "RQ job",
            "scheduled_job": "APScheduler job",
            "dag": "Airflow DAG",
            "flow": "Prefect flow",
        }.get(last)

    # -- the shape of a function -------------------------------------------------------------

    def _structure(self, function: _Function) -> Where | None:
        """Evidence from where a function sits: a view class, views.py, a Shiny server, main()."""
        node = function.node
        params = [arg.arg for arg in (*node.args.posonlyargs, *node.args.args)]
        top_level = function.parent is None and function.class_node is None
        if function.class_node is not None:
            return self._method_where(function)
        if top_level and self.file_name == "views.py" and params[:1] == ["request"]:
            return self._named(function, _UI, "Django view", node)
        if any(arg.annotation is not None and _dotted(arg.annotation).endswith("WebSocket") for arg in node.args.args):
            return self._named(function, _UI, "websocket handler", node)
        if top_level and "shiny" in self.imports and node.name == "server" and params[:1] == ["input"]:
            return self._named(function, _UI, "Shiny server function", node)
        if top_level and node.name == "main":
            return Where(_BATCH, "`main()` function", self.reader.span(node))
        return None

    def _method_where(self, function: _Function) -> Where | None:
        bases = [_dotted(base).rsplit(".", 1)[-1] for base in function.class_node.bases]
        name = function.node.name
        if name in _VIEW_METHODS and any(base.endswith(_CLASS_VIEW_BASES) for base in bases):
            framework = next((label for module, label in (("django", "Django"), ("rest_framework", "Django"),
                                                          ("flask", "Flask"), ("starlette", "Starlette"),
                                                          ("tornado", "Tornado")) if module in self.imports), "")
            return self._named(function, _UI, f"{framework} class-based view".strip(), function.node)
        channels = "channels" in self.imports
        if name in _CONSUMER_METHODS and any(base.endswith("Consumer") and (channels or "Websocket" in base)
                                             for base in bases):
            label = "Django Channels consumer" if channels else "websocket consumer"
            return self._named(function, _UI, label, function.node)
        return None

    # -- calls: registrations, entry points, helpers ------------------------------------------

    def _note_call(self, call: ast.Call, frame: _Frame) -> None:
        for handler, kind, label in self._registrations(call):
            target = self.outline.callee(handler, frame)
            if target is not None:
                self._add(target, self._named(target, kind, label, call))
        if _dotted(call.func).endswith("ArgumentParser"):
            if frame.function is not None:
                self._add(frame.function, self._named(frame.function, _BATCH, "argparse command-line entry point", call))
            else:
                self._script = self._script or Where(_BATCH, "argparse script", self.reader.span(call))
        if frame.guard is not None and frame.function is None:
            self._note_main_guard_call(call, frame)
        elif frame.function is not None:
            callee = self.outline.callee(call.func, frame)
            if callee is not None and callee is not frame.function:
                self._callers.setdefault(id(callee), []).append((frame.function, call))

    def _note_main_guard_call(self, call: ast.Call, frame: _Frame) -> None:
        """Functions run from the ``__main__`` block: ``run()``, ``asyncio.run(main())``, ``typer.run(main)``."""
        references = [call.func, *call.args, *(keyword.value for keyword in call.keywords)]
        for reference in references:
            target = self.outline.callee(reference, frame)
            if target is not None:
                reason = f"function `{target.qualname}` called from the {_MAIN_GUARD}"
                self._add(target, Where(_BATCH, reason, self.reader.span(call)))

    def _registrations(self, call: ast.Call) -> Iterator[tuple[ast.expr, RunsIn, str]]:
        """Functions a call hands to a framework: ``btn.click(fn)``, ``Route("/", fn)``, ``.do(job)``."""
        chain = _chain(call.func)
        if not chain:
            return
        last, receiver = chain[0], (chain[1] if len(chain) > 1 else "")
        found: tuple[ast.expr | None, RunsIn, str] | None = None
        if "gradio" in self.imports and last in ("Interface", "ChatInterface"):
            found = _argument(call, "fn", 0), _UI, "Gradio interface function"
        elif "gradio" in self.imports and last in _GRADIO_EVENTS and receiver:
            found = _argument(call, "fn", 0), _UI, "Gradio event handler"
        elif last in ("Route", "WebSocketRoute"):
            label = "Starlette websocket route" if last == "WebSocketRoute" else "Starlette route"
            found = _argument(call, "endpoint", 1), _UI, label
        elif last == "add_url_rule":
            found = _argument(call, "view_func", 2), _UI, "Flask route"
        elif "aiohttp" in self.imports and (receiver == "web" and last in _HTTP_DECORATORS | {"route"}
                                            or receiver == "router" and last.startswith("add_")):
            found = _argument(call, "handler", len(call.args) - 1), _UI, "aiohttp handler"
        elif "websockets" in self.imports and last == "serve":
            found = _argument(call, "handler", 0), _UI, "websocket handler"
        elif last == "do" and "every" in chain:
            found = _argument(call, "job_func", 0), _BATCH, "scheduled job"
        elif last == "add_job":
            found = _argument(call, "func", 0), _BATCH, "APScheduler job"
        if found is not None and found[0] is not None:
            yield found


def _argument(call: ast.Call, keyword: str, position: int) -> ast.expr | None:
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    return call.args[position] if 0 <= position < len(call.args) else None
