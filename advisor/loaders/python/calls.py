"""One ``messages.create/stream/count_tokens`` call's arguments, read into a PromptCall.

Keyword arguments are taken as written or from ``**dict`` expansions the code shows;
scalars are literal only when the code makes the value plain; ``extra_body`` and
``output_config`` are looked into; ``system`` and ``messages`` become prompt texts (and links
to the files they read), with a flag when part of them is computed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Mapping

from ...model import Document, Field, ImportedValue, Link, Origin, PromptCall, PromptText, Role
from ...parameters import PARAMETERS, SAMPLING, Parameter
from .nodes import NOT_LITERAL, children, dotted, is_str, literal
from .outline import Found, Frame
from .positions import Positions
from .scopes import MAX_HOPS, Scope, resolve
from .texts import Text, Texts
from .values import Values

_MAX_SEARCH = 5_000  # nodes searched for cache_control markers in one call's arguments
_ROLES = {"user": Role.USER, "assistant": Role.ASSISTANT, "system": Role.SYSTEM}
_NOT_EXTRA = {*PARAMETERS, "system", "messages", "cache_control"}
_EFFORT = Parameter("effort", (str,))


@dataclass(frozen=True, eq=False, repr=False, slots=True)  # internal: never compared or printed (cheaper to define)
class _Arg:
    """A request parameter: its value, the scope to resolve it in, the key or keyword naming it."""

    value: ast.expr
    scope: Scope
    key: ast.AST


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class _Prompt:
    """The prompt one parameter (``system`` or ``messages``) holds, as far as the code shows."""

    texts: list[PromptText] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    dynamic: bool = False

    @classmethod
    def not_given(cls, unresolved: ast.AST | None) -> "_Prompt":
        """A parameter the call does not write: unknown (dynamic) when an unresolved
        ``**kwargs`` may carry it, else simply absent."""
        return cls(dynamic=unresolved is not None)

    def add(self, text: Text, role: Role) -> None:
        if text.text is not None:
            self.texts.append(text.text)
        self.links.extend(read.link(role) for read in text.reads)
        self.dynamic = self.dynamic or text.dynamic


class CallReader:
    """Turns one ``messages.create/stream/count_tokens`` call into a PromptCall."""

    def __init__(self, document: Document, positions: Positions, texts: Texts, values: Values) -> None:
        self.document = document
        self.positions = positions
        self.texts = texts
        self.values = values
        self._imports: list[ImportedValue] = []

    def read(self, found: Found, aliases: Mapping[str, str] | None = None) -> PromptCall:
        """The call's request; ``aliases`` renames a wrapper's keywords to the API's
        (LangChain's ``max_tokens_to_sample`` is ``max_tokens``)."""
        frame = found.frame
        self._imports = []
        args, unresolved = self._arguments(found.node, frame.scope)
        for alias, name in (aliases or {}).items():
            if alias in args and name not in args:
                args[name] = args.pop(alias)
        call = PromptCall(path=self.document.path, span=self.positions.span(found.node), api=found.api)
        for name, parameter in PARAMETERS.items():
            setattr(call, name, self._scalar(args[name], parameter) if name in args else self._missing(unresolved))
        via_extra_body = []
        for name in SAMPLING:
            if name not in args:
                value, written = self._nested(args.get("extra_body"), name, PARAMETERS[name], unresolved)
                setattr(call, name, value)
                via_extra_body.extend([name] if written else [])
        call.sampling_via_extra_body = frozenset(via_extra_body)
        call.effort = self._nested(args.get("output_config"), "effort", _EFFORT, unresolved)[0]
        call.cache_control = self._cache_control(args, unresolved, frame)
        system = self._system(args.get("system"), unresolved)
        messages = self._messages(args.get("messages"), unresolved)
        call.system, call.system_dynamic = system.texts, system.dynamic
        call.messages, call.messages_dynamic = messages.texts, messages.dynamic
        call.links = list(dict.fromkeys([*system.links, *messages.links]))
        call.extra = {name: self._value(arg) for name, arg in args.items() if name not in _NOT_EXTRA}
        call.in_loop = frame.in_loop
        call.is_async = found.awaited or (frame.function is not None
                                          and isinstance(frame.function.node, ast.AsyncFunctionDef))
        call.function = frame.function.qualname if frame.function else None
        call.imports = self._imports
        return call

    def _arguments(self, node: ast.Call, scope: Scope) -> tuple[dict[str, _Arg], ast.AST | None]:
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

    def _dict_entries(self, node: ast.expr, scope: Scope, depth: int = 0) -> tuple[dict[str, _Arg], ast.AST | None] | None:
        """The string keys of a dict the code builds (display or ``dict(...)``), and the first
        part that could not be resolved; None when the value is not such a dict."""
        target, target_scope, name = resolve(node, scope)
        if name is not None and name in target_scope.mutated:
            return None
        pairs: list[tuple[ast.expr | ast.keyword | None, ast.expr]]
        if isinstance(target, ast.Dict):
            pairs = list(zip(target.keys, target.values))
        elif isinstance(target, ast.Call) and dotted(target.func) == "dict" and not target.args:
            pairs = [(keyword if keyword.arg else None, keyword.value) for keyword in target.keywords]
        else:
            return None
        entries: dict[str, _Arg] = {}
        unresolved = None
        for key, value in pairs:
            if key is None:
                inner = self._dict_entries(value, target_scope, depth + 1) if depth < MAX_HOPS else None
                entries.update(inner[0] if inner else {})
                unresolved = unresolved or (value if inner is None else inner[1])
            elif isinstance(key, ast.keyword) and key.arg is not None:
                entries[key.arg] = _Arg(value, target_scope, key)
            elif is_str(key):
                entries[key.value] = _Arg(value, target_scope, key)
            else:
                unresolved = unresolved or key
        return entries, unresolved

    def _missing(self, unresolved: ast.AST | None) -> Field:
        """A parameter not given: absent, unless a ``**dict`` we cannot see may hold it."""
        if unresolved is None:
            return Field.absent()
        return Field.dynamic(self.positions.span(unresolved), self.positions.expression(unresolved))

    def _scalar(self, arg: _Arg, parameter: Parameter) -> Field:
        target, _, _ = resolve(arg.value, arg.scope)
        typed, value = parameter.coerce(literal(target))
        if typed:
            return Field.literal(value, self.positions.span(target))
        return self._followed(arg, parameter)

    def _followed(self, arg: _Arg, parameter: Parameter) -> Field:
        """A value the argument does not write: a default, an attribute, an environment
        default, options to choose from (`values.py`), or another module's (recorded for
        the finish stage); else dynamic."""
        span, expression = self.positions.span(arg.value), self.positions.expression(arg.value)
        followed = self.values.follow(arg.value, arg.scope)
        if followed is None:
            return Field.dynamic(span, expression)
        if followed.choice is not None:
            typed, value = parameter.coerce(literal(followed.choice.node))
            if typed:
                return Field.literal(value, self.positions.span(followed.choice.node), expression,
                                     Origin(followed.choice.description, argument=span))
        candidates = []
        for choice in followed.options:
            typed, value = parameter.coerce(literal(choice.node))
            if typed:
                candidates.append(Field.literal(value, self.positions.span(choice.node), None, Origin(choice.description)))
        if followed.imported is not None:
            imported = followed.imported
            self._imports.append(ImportedValue(parameter.name, imported.module, imported.level, imported.names,
                                               span, expression, imported.called))
        return Field.dynamic(span, expression, candidates=tuple(candidates))

    def _text(self, arg: _Arg, role: Role, parameter: str, whole: bool) -> Text:
        """The text of a prompt argument; a name another module defines is recorded for the
        finish stage (the text stays dynamic here until it is resolved)."""
        text = self.texts.text(arg.value, arg.scope, role)
        if text.text is None and text.dynamic and not text.reads:
            found = self.values.imported(arg.value, arg.scope)
            if found is not None:
                imported, formatting = found
                self._imports.append(ImportedValue(
                    parameter, imported.module, imported.level, imported.names, self.positions.span(arg.value),
                    self.positions.expression(arg.value), imported.called, role.value, formatting, whole))
        return text

    def _value(self, arg: _Arg) -> Field:
        target, target_scope, name = resolve(arg.value, arg.scope)
        value = literal(target)
        if value is NOT_LITERAL or (name is not None and name in target_scope.mutated):
            return Field.dynamic(self.positions.span(arg.value), self.positions.expression(arg.value))
        return Field.literal(value, self.positions.span(target))

    def _nested(self, container: _Arg | None, key: str, parameter: Parameter,
                unresolved: ast.AST | None) -> tuple[Field, bool]:
        """A parameter inside a dict argument: ``extra_body={"temperature": ...}``,
        ``output_config={"effort": ...}``; and whether the dict has it written as a key."""
        if container is None:
            return self._missing(unresolved), False
        entries = self._dict_entries(container.value, container.scope)
        if entries is not None and key in entries[0]:
            return self._scalar(entries[0][key], parameter), True
        if entries is None or entries[1] is not None:
            return Field.dynamic(self.positions.span(container.value), self.positions.expression(container.value)), False
        return self._missing(unresolved), False

    def _cache_control(self, args: dict[str, _Arg], unresolved: ast.AST | None, frame: Frame) -> Field:
        """Caching is on when a cache_control key is given, written in a system/messages/tools
        block, or set by subscript anywhere in the enclosing function."""
        if "cache_control" in args:
            return Field.literal(True, self.positions.span(args["cache_control"].key))
        marker = self._cache_marker([args[name] for name in ("system", "messages", "tools") if name in args])
        if marker is None:
            marker = frame.function_scope().cache_marker
        if marker is not None:
            return Field.literal(True, self.positions.span(marker))
        return self._missing(unresolved)

    def _cache_marker(self, args: list[_Arg]) -> ast.AST | None:
        """The first ``"cache_control"`` key in the structures the arguments build."""
        stack: list[tuple[ast.AST, Scope]] = [(arg.value, arg.scope) for arg in args]
        seen: set[int] = set()
        while stack and len(seen) < _MAX_SEARCH:
            node, scope = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, ast.Name):
                target, target_scope, name = resolve(node, scope)
                if name is not None:
                    stack.append((target, target_scope))
            elif isinstance(node, ast.Dict) and any(is_str(key, "cache_control") for key in node.keys):
                return next(key for key in node.keys if is_str(key, "cache_control"))
            elif isinstance(node, ast.keyword) and node.arg == "cache_control":
                return node
            elif not isinstance(node, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef)):
                stack.extend((child, scope) for child in children(node))
        return None

    def _list(self, arg: _Arg) -> tuple[list[ast.expr], Scope, bool] | None:
        """The items of a list the code writes out, and whether it is changed later."""
        target, target_scope, name = resolve(arg.value, arg.scope)
        if not isinstance(target, (ast.List, ast.Tuple)):
            return None
        return target.elts, target_scope, name is not None and name in target_scope.mutated

    def _system(self, arg: _Arg | None, unresolved: ast.AST | None) -> _Prompt:
        if arg is None:
            return _Prompt.not_given(unresolved)
        prompt = _Prompt()
        items = self._list(arg)
        if items is None:
            prompt.add(self._text(arg, Role.SYSTEM, "system", True), Role.SYSTEM)
        else:
            self._blocks(*items, Role.SYSTEM, prompt)
        return prompt

    def _blocks(self, items: list[ast.expr], scope: Scope, dynamic: bool, role: Role, prompt: _Prompt) -> None:
        """The texts of a list of content blocks; non-text blocks (images, tool results) are skipped."""
        prompt.dynamic = prompt.dynamic or dynamic
        for item in items:
            entries = None if isinstance(item, ast.Starred) else self._dict_entries(item, scope)
            if entries is None or entries[1] is not None:
                prompt.dynamic = True
                continue
            block = entries[0]
            if "text" not in block:  # an image, a document, a tool result... unless its type is unknown
                block_type = block.get("type")
                known = block_type is not None and literal(resolve(block_type.value, block_type.scope)[0]) != "text"
                prompt.dynamic = prompt.dynamic or not known
                continue
            prompt.add(self._text(block["text"], role, "system" if role is Role.SYSTEM else "messages", False), role)

    def _messages(self, arg: _Arg | None, unresolved: ast.AST | None) -> _Prompt:
        if arg is None:
            return _Prompt.not_given(unresolved)
        prompt = _Prompt()
        items = self._list(arg)
        if items is None:
            prompt.dynamic = True
            return prompt
        elements, scope, prompt.dynamic = items
        for element in elements:
            entries = None if isinstance(element, ast.Starred) else self._dict_entries(element, scope)
            if entries is None or entries[1] is not None or "content" not in entries[0]:
                prompt.dynamic = True
                continue
            self._message(entries[0], prompt)
        return prompt

    def _message(self, entries: dict[str, _Arg], prompt: _Prompt) -> None:
        role_arg = entries.get("role")
        role_value = literal(resolve(role_arg.value, role_arg.scope)[0]) if role_arg else None
        role = _ROLES.get(role_value, Role.PROMPT) if isinstance(role_value, str) else Role.PROMPT
        content = entries["content"]
        items = self._list(content)
        if items is not None:
            self._blocks(*items, role, prompt)
        else:
            prompt.add(self._text(content, role, "messages", False), role)
