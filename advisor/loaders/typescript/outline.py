"""One walk over the module: its imports, its functions, every call with the function it
sits in, and the Messages API calls among them.

Two client libraries are recognised. ``@anthropic-ai/sdk``: ``<client>.messages.create``,
``.stream`` and ``.countTokens`` (also under ``.beta``), given an options object. The Vercel
AI SDK: ``generateText`` / ``streamText`` / ``generateObject`` / ``streamObject`` whose
``model`` is an Anthropic model (``anthropic('claude-…')`` from ``@ai-sdk/anthropic``, a
``createAnthropic(...)`` provider, or an ``"anthropic/…"`` gateway id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Collection

from ...model import CallApi
from .bindings import FUNCTIONS, Bindings, outside, unwrap
from .syntax import Nesting
from .values import name_of, property_name, string_value

if TYPE_CHECKING:
    from tree_sitter import Node

ANTHROPIC_SDK = "@anthropic-ai/sdk"
AI_SDK_PROVIDER = "@ai-sdk/anthropic"
_SDK_METHODS = {"create": CallApi.CREATE, "stream": CallApi.STREAM, "countTokens": CallApi.COUNT_TOKENS}
_AI_SDK_FUNCTIONS = {"generateText": CallApi.CREATE, "generateObject": CallApi.CREATE,
                     "streamText": CallApi.STREAM, "streamObject": CallApi.STREAM}
_REQUEST_KEYS = {"model", "messages", "max_tokens", "system"}
_LOOPS = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement"})
_ITERATING_METHODS = frozenset({"map", "forEach", "flatMap", "filter", "reduce", "some", "every", "find"})
_OTHER_PROVIDERS = ("@ai-sdk/openai", "@ai-sdk/google", "@ai-sdk/mistral", "@ai-sdk/azure", "@ai-sdk/amazon-bedrock",
                    "@ai-sdk/google-vertex", "@ai-sdk/cohere", "@ai-sdk/groq", "@ai-sdk/xai", "@ai-sdk/deepseek")


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class Function:
    """A function of the module (named, a method, or an anonymous callback) and the function
    it is defined in."""

    node: "Node"
    qualname: str | None  # ``POST``, ``ChatService.reply``; None for an anonymous callback
    parent: Function | None
    is_async: bool
    exported: bool


@dataclass(frozen=True, eq=False, repr=False, slots=True)  # internal: never compared or printed (cheaper to define)
class Found:
    """A Messages API call: the node, its options object, which library and method."""

    node: "Node"
    options: "Node | None"  # the (first) argument: the request or options object
    api: CallApi
    library: str  # ANTHROPIC_SDK or AI_SDK_PROVIDER
    callee: str  # ``messages.create``, ``generateText``
    function: Function | None
    in_loop: bool
    awaited: bool


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class Outline:
    """What one walk of a module finds: its imports, functions, calls, API calls and directives."""

    imports: dict[str, "Node"] = field(default_factory=dict)  # module specifier -> first import
    functions: dict[int, Function] = field(default_factory=dict)  # node id -> function
    calls: list[tuple["Node", Function | None]] = field(default_factory=list)
    api_calls: list[Found] = field(default_factory=list)
    directives: set[str] = field(default_factory=set)  # "use server" / "use client" at the top
    providers: set[str] = field(default_factory=lambda: {"anthropic"})
    _by_name: dict[str, Function] | None = field(default=None, repr=False)  # names of @ai-sdk/anthropic's provider

    def function_named(self, name: str) -> Function | None:
        """The first function of the module known by ``name`` (asked once the walk is done)."""
        if self._by_name is None:
            self._by_name = {}
            for function in self.functions.values():
                if function.qualname:
                    self._by_name.setdefault(function.qualname, function)
        return self._by_name.get(name)


def module_specifier(node: "Node") -> str | None:
    """``"x"`` of ``import … from "x"``, ``require("x")`` or ``import("x")``."""
    if node.type in ("import_statement", "export_statement"):
        source = node.child_by_field_name("source")
        return string_value(source) if source is not None else None
    if node.type == "call_expression":
        function = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if function is not None and function.type in ("identifier", "import") and name_of(function) in ("require", "import"):
            first = arguments.named_children[0] if arguments is not None and arguments.named_children else None
            return string_value(first) if first is not None else None
    return None


def function_name(node: "Node") -> str | None:
    """The name a function is known by: its declaration, the const or key it is assigned to."""
    name = node.child_by_field_name("name")
    if node.type == "method_definition":
        owner = node.parent.parent if node.parent is not None else None
        owner_name = owner.child_by_field_name("name") if owner is not None else None
        return f"{name_of(owner_name)}.{name_of(name)}" if owner_name is not None else name_of(name)
    if name is not None:
        return name_of(name)
    parent = outside(node, ("parenthesized_expression", "as_expression", "satisfies_expression"))
    if parent is None:
        return None
    if parent.type == "variable_declarator":
        return name_of(parent.child_by_field_name("name")) or None
    if parent.type == "pair":
        return property_name(parent.child_by_field_name("key"))
    if parent.type == "assignment_expression":
        return name_of(parent.child_by_field_name("left")) or None
    if parent.type == "export_statement":
        return "default"
    return None


def _exported(statements: list["Node"]) -> set[int]:
    """The functions an ``export`` statement exports: ``export function f``, ``export const
    f = () => …``, ``export default function …``."""
    found: set[int] = set()
    for statement in statements:
        declaration = statement.child_by_field_name("declaration") or statement.child_by_field_name("value")
        if declaration is None:
            continue
        if declaration.type in ("lexical_declaration", "variable_declaration"):
            values = (child.child_by_field_name("value") for child in declaration.named_children)
            found.update(unwrap(value).id for value in values if value is not None)
        else:
            found.add(unwrap(declaration).id)
    return found


class Walker:
    def __init__(self, bindings: Bindings) -> None:
        self.bindings = bindings
        self.nesting = self.loops = Nesting([])
        self.outline = Outline()

    def walk(self, root: "Node", nodes: dict[str, list["Node"]]) -> Outline:
        outline = self.outline
        outline.directives = _directives(root)
        self.nesting = Nesting([node for kind in FUNCTIONS for node in nodes.get(kind, [])])
        self.loops = Nesting(_loop_bodies(nodes))
        exported = _exported(nodes.get("export_statement", []))
        for node in self.nesting.nodes:  # outer functions first, so each finds its parent
            parent = self._enclosing(node)
            is_async = any(child.type == "async" for child in node.children)
            outline.functions[node.id] = Function(node, function_name(node), parent, is_async, node.id in exported)
        for kind in ("import_statement", "export_statement", "call_expression"):
            for node in nodes.get(kind, []):
                specifier = module_specifier(node)
                if specifier is not None:
                    outline.imports.setdefault(specifier, node)
                if specifier == AI_SDK_PROVIDER and kind == "import_statement":
                    outline.providers.update(_provider_aliases(node))
        for node in nodes.get("call_expression", []):
            function = self._enclosing(node)
            outline.calls.append((node, function))
            found = self._api_call(node, function)
            if found is not None:
                outline.api_calls.append(found)
        return outline

    def _enclosing(self, node: "Node") -> Function | None:
        around = self.nesting.around(node)
        return self.outline.functions.get(around.id) if around is not None else None

    def _api_call(self, node: "Node", function: Function | None) -> Found | None:
        callee = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if callee is None or arguments is None or arguments.type != "arguments":
            return None
        options = arguments.named_children[0] if arguments.named_children else None
        sdk = self._sdk_method(callee, options)
        if sdk is not None:
            return self._found(node, options, sdk[0], ANTHROPIC_SDK, sdk[1], function)
        name = name_of(callee.child_by_field_name("property")) if callee.type == "member_expression" else name_of(callee)
        if name in _AI_SDK_FUNCTIONS and options is not None and self._anthropic_model(options):
            return self._found(node, options, _AI_SDK_FUNCTIONS[name], AI_SDK_PROVIDER, name, function)
        return None

    def _found(self, node: "Node", options: "Node | None", api: CallApi, library: str, callee: str,
               function: Function | None) -> Found:
        return Found(node, options, api, library, callee, function, self._in_loop(node, function), _awaited(node))

    def _in_loop(self, node: "Node", function: Function | None) -> bool:
        """Whether a call repeats within its function: inside a loop body, or the function
        is a callback of ``.map`` / ``.forEach`` …"""
        loop = self.loops.around(node)
        if loop is not None and (function is None or loop.start_byte > function.node.start_byte):
            return True
        return function is not None and _iterating_callback(function.node)

    def _sdk_method(self, callee: "Node", options: "Node | None") -> tuple[CallApi, str] | None:
        """``<x>.messages.create`` (``.beta.messages`` too) with a request-shaped argument."""
        if callee.type != "member_expression":
            return None
        method = name_of(callee.child_by_field_name("property"))
        owner = callee.child_by_field_name("object")
        if method not in _SDK_METHODS or owner is None or owner.type != "member_expression":
            return None
        if name_of(owner.child_by_field_name("property")) != "messages" or options is None:
            return None
        target, _ = self.bindings.resolve(options)
        if target.type == "object":
            keys = {property_name(child.child_by_field_name("key")) if child.type == "pair" else name_of(child)
                    for child in target.named_children}
            if not keys & _REQUEST_KEYS and not any(child.type == "spread_element" for child in target.named_children):
                return None
        elif ANTHROPIC_SDK not in self.outline.imports:
            return None  # `x.messages.create(something)`: only the SDK's when the module imports it
        return _SDK_METHODS[method], f"messages.{method}"

    def _anthropic_model(self, options: "Node") -> bool:
        """Whether an AI SDK options object names an Anthropic model (or, in a module that
        uses no other provider, a model the code computes)."""
        target, _ = self.bindings.resolve(options)
        if target.type != "object":
            return False
        model = next((child.child_by_field_name("value") for child in target.named_children
                      if child.type == "pair" and property_name(child.child_by_field_name("key")) == "model"), None)
        if model is None:
            model = next((child for child in target.named_children
                          if child.type == "shorthand_property_identifier" and name_of(child) == "model"), None)
        if model is None:
            return False
        return anthropic_model(model, self.bindings, self.outline.providers) is not None or (
            AI_SDK_PROVIDER in self.outline.imports and not any(p in self.outline.imports for p in _OTHER_PROVIDERS))


def _provider_aliases(statement: "Node") -> set[str]:
    """``claude`` of ``import { anthropic as claude } from "@ai-sdk/anthropic"``."""
    found = set()
    for node in statement.named_children:
        stack = [node]
        while stack:
            current = stack.pop()
            if current.type == "import_specifier" and name_of(current.child_by_field_name("name")) == "anthropic":
                found.add(name_of(current.child_by_field_name("alias") or current.child_by_field_name("name")))
            stack.extend(current.named_children)
    return found


def anthropic_model(node: "Node", bindings: Bindings, providers: Collection[str] = ("anthropic",)) -> "Node | None":
    """The model id node of ``anthropic('claude-…')`` (or ``provider.languageModel(…)`` of a
    ``createAnthropic`` provider, or an ``"anthropic/…"`` gateway string); None otherwise."""
    target, _ = bindings.resolve(node)
    if target.type in ("string", "template_string"):
        value = string_value(target)
        return target if value is not None and value.startswith("anthropic/") else None
    if target.type != "call_expression":
        return None
    function = target.child_by_field_name("function")
    arguments = target.child_by_field_name("arguments")
    if function is None or arguments is None or not arguments.named_children:
        return None
    if function.type == "member_expression" and name_of(function.child_by_field_name("property")) in (
            "languageModel", "chat", "messages"):
        function = function.child_by_field_name("object")
    if function is None or function.type != "identifier":
        return None
    if name_of(function) not in providers and not _is_provider(function, bindings):
        return None
    return arguments.named_children[0]


def _is_provider(name: "Node", bindings: Bindings) -> bool:
    """Whether a name is bound to ``createAnthropic(...)``."""
    value, _ = bindings.resolve(name)
    if value.type != "call_expression":
        return False
    function = value.child_by_field_name("function")
    return function is not None and name_of(function) == "createAnthropic"


def _directives(root: "Node") -> set[str]:
    found = set()
    for statement in root.named_children:
        if statement.type == "comment" or statement.type == "hash_bang_line":
            continue
        expression = statement.named_children[0] if statement.type == "expression_statement" and statement.named_children else None
        value = string_value(expression) if expression is not None else None
        if value is None:
            break
        found.add(value)
    return found


def body_directives(function: "Node") -> set[str]:
    """``"use server"`` at the top of a function body (an inline server action)."""
    body = function.child_by_field_name("body")
    return _directives(body) if body is not None and body.type == "statement_block" else set()


def _loop_bodies(nodes: dict[str, list["Node"]]) -> list["Node"]:
    """What repeats: a loop's body (a while loop's condition too), not a for loop's iterable."""
    bodies = []
    for kind in _LOOPS:
        for loop in nodes.get(kind, []):
            body = loop if kind in ("while_statement", "do_statement") else loop.child_by_field_name("body")
            bodies.extend([body] if body is not None else [])
    return bodies


def _iterating_callback(function: "Node") -> bool:
    arguments = function.parent
    call = arguments.parent if arguments is not None and arguments.type == "arguments" else None
    callee = call.child_by_field_name("function") if call is not None else None
    return callee is not None and callee.type == "member_expression" and name_of(
        callee.child_by_field_name("property")) in _ITERATING_METHODS


def _awaited(node: "Node") -> bool:
    parent = outside(node, ("parenthesized_expression", "as_expression", "non_null_expression"))
    return parent is not None and parent.type == "await_expression"


def unwrap_await(node: "Node") -> "Node":
    node = unwrap(node)
    while node.type == "await_expression" and node.named_children:
        node = unwrap(node.named_children[0])
    return node
