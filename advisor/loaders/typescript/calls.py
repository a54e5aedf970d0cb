"""One Messages API call's options object, read into a PromptCall.

The keys of the object literal are read as written, through ``const`` names and object
spreads the code shows (``{...BASE, max_tokens: 300}``); a spread or an argument the code
computes makes every parameter it could carry dynamic, never absent. The Anthropic SDK
writes the wire names (``max_tokens``); the AI SDK's camelCase options (``maxOutputTokens``,
``topP``, ``providerOptions.anthropic.thinking.budgetTokens``) are mapped onto them, and the
call remembers how it spells each one so a fix writes the same spelling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...model import Document, Field, Link, PromptCall, PromptText, Role
from ...parameters import PARAMETERS, Parameter
from .bindings import MAX_HOPS, Bindings
from .files import FileReads
from .outline import AI_SDK_PROVIDER, Found, anthropic_model
from .syntax import Positions
from .values import NOT_LITERAL, Values, name_of, property_name, string_value

if TYPE_CHECKING:
    from tree_sitter import Node

_MAX_SEARCH = 5_000  # nodes searched for cache-control markers in one call's arguments
_ROLES = {"user": Role.USER, "assistant": Role.ASSISTANT, "system": Role.SYSTEM}
_EFFORT = Parameter("effort", (str,))
# AI SDK option -> Messages API parameter (both spellings of the output cap: v4 and v5)
_AI_SDK_NAMES = {"maxTokens": "max_tokens", "maxOutputTokens": "max_tokens", "temperature": "temperature",
                 "topP": "top_p", "topK": "top_k", "stopSequences": "stop_sequences", "tools": "tools",
                 "toolChoice": "tool_choice"}
_AI_SDK_PROMPT_KEYS = {"model", "system", "prompt", "messages", "providerOptions", "experimental_providerMetadata"}
_SDK_PROMPT_KEYS = {*PARAMETERS, "system", "messages", "output_config"}
_CACHE_KEYS = ("cache_control", "cacheControl")
_THINKING_KEYS = {"budgetTokens": "budget_tokens"}


@dataclass(frozen=True, eq=False, repr=False, slots=True)  # internal: never compared or printed (cheaper to define)
class _Arg:
    """A property of a call's options object: its value and the key that names it."""

    value: "Node"
    key: "Node"  # the key (or shorthand name) that names it


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class _Prompt:
    """The prompt texts read from one value, whether part of it is computed at run time, and
    the prompt files it reads."""

    texts: list[PromptText] = field(default_factory=list)
    dynamic: bool = False
    links: list[Link] = field(default_factory=list)  # prompt files read (``fs.readFileSync``)


class CallReader:
    """Turns one found call into a PromptCall."""

    def __init__(self, document: Document, positions: Positions, bindings: Bindings, values: Values,
                 providers: set[str]) -> None:
        self.providers = providers  # the names @ai-sdk/anthropic's provider is imported as
        self.document = document
        self.positions = positions
        self.bindings = bindings
        self.values = values
        self.files = FileReads(positions, bindings)

    def read(self, found: Found) -> PromptCall:
        call = PromptCall(path=self.document.path, span=self.positions.span(found.node), api=found.api)
        args: dict[str, _Arg] = {}
        unresolved: Node | None = None
        if found.options is not None:
            args, unresolved = self._entries(found.options)
        if found.library == AI_SDK_PROVIDER:
            self._ai_sdk(call, args, unresolved)
        else:
            self._sdk(call, args, unresolved)
        call.in_loop = found.in_loop
        call.is_async = found.awaited or (found.function is not None and found.function.is_async)
        call.function = found.function.qualname if found.function is not None else None
        call.callee = found.callee
        return call

    # -- the two libraries --------------------------------------------------------------------

    def _sdk(self, call: PromptCall, args: dict[str, _Arg], unresolved: "Node | None") -> None:
        for name, parameter in PARAMETERS.items():
            setattr(call, name, self._scalar(args[name], parameter) if name in args else self._missing(unresolved))
        call.effort = self._nested(args.get("output_config"), ("effort",), _EFFORT, unresolved)
        self._prompt(call, args.get("system"), args.get("messages"), None, unresolved)
        call.cache_control = self._cache_control(args, unresolved)
        call.extra = {name: self._value(arg) for name, arg in args.items() if name not in _SDK_PROMPT_KEYS}

    def _ai_sdk(self, call: PromptCall, args: dict[str, _Arg], unresolved: "Node | None") -> None:
        model = args.get("model")
        call.model = self._model(model) if model is not None else self._missing(unresolved)
        written = {_AI_SDK_NAMES[name]: name for name in args if name in _AI_SDK_NAMES}
        call.spelling = {wire: name for wire, name in written.items() if wire != name}
        if "max_tokens" not in call.spelling:
            call.spelling["max_tokens"] = "maxOutputTokens"  # the AI SDK 5 name a fix inserts
        for wire in ("max_tokens", "temperature", "top_p", "top_k"):
            name = written.get(wire)
            setattr(call, wire, self._scalar(args[name], PARAMETERS[wire]) if name else self._missing(unresolved))
        call.stream = Field.absent()
        options = args.get("providerOptions") or args.get("experimental_providerMetadata")
        anthropic = self._nested_arg(options, ("anthropic",)) if options is not None else None
        provider, provider_unresolved = self._entries(anthropic.value) if anthropic is not None else ({}, None)
        call.effort = (self._scalar(provider["effort"], _EFFORT) if "effort" in provider
                       else self._missing(unresolved or provider_unresolved))
        self._prompt(call, args.get("system"), args.get("messages"), args.get("prompt"), unresolved)
        call.cache_control = self._cache_control({**args, **provider}, unresolved)
        call.extra = {_AI_SDK_NAMES[name]: self._value(arg) for name, arg in args.items()
                      if name in _AI_SDK_NAMES and _AI_SDK_NAMES[name] not in PARAMETERS}
        if "thinking" in provider:
            call.extra["thinking"] = self._value(provider["thinking"], _THINKING_KEYS)

    def _model(self, arg: _Arg) -> Field:
        model = anthropic_model(arg.value, self.bindings, self.providers)
        if model is not None:
            target, _ = self.bindings.resolve(model)
            value = string_value(target)
            if value is not None:
                return Field.literal(value.removeprefix("anthropic/"), self.positions.span(target))
            return self._dynamic(model)
        return self._dynamic(arg.value)

    # -- options objects ------------------------------------------------------------------------

    def _entries(self, node: "Node", depth: int = 0) -> tuple[dict[str, _Arg], "Node | None"]:
        """The keys an object literal writes (spreads of objects the code shows included) and
        the first part that could not be resolved (a computed spread or key, a computed object)."""
        target, name = self.bindings.resolve(node)
        if target.type != "object" or (name is not None and self.values._mutated(name, target)):
            return {}, node
        entries: dict[str, _Arg] = {}
        unresolved = None
        for child in target.named_children:
            if child.type == "pair":
                key = property_name(child.child_by_field_name("key"))
                value = child.child_by_field_name("value")
                if key is None or value is None:
                    unresolved = unresolved or child
                else:
                    entries[key] = _Arg(value, child.child_by_field_name("key") or child)
            elif child.type == "shorthand_property_identifier":
                entries[name_of(child)] = _Arg(child, child)
            elif child.type == "spread_element" and child.named_children and depth < MAX_HOPS:
                inner, inner_unresolved = self._entries(child.named_children[0], depth + 1)
                entries.update(inner)  # later keys win, as in JavaScript
                unresolved = unresolved or (child if inner_unresolved is not None else None)
            elif child.type not in ("comment",):
                unresolved = unresolved or child
        return entries, unresolved

    def _nested_arg(self, container: _Arg | None, path: tuple[str, ...]) -> _Arg | None:
        for key in path:
            if container is None:
                return None
            container = self._entries(container.value)[0].get(key)
        return container

    def _dynamic(self, node: "Node") -> Field:
        return Field.dynamic(self.positions.span(node), self.positions.expression(node))

    def _missing(self, unresolved: "Node | None") -> Field:
        return Field.absent() if unresolved is None else self._dynamic(unresolved)

    def _scalar(self, arg: _Arg, parameter: Parameter) -> Field:
        target, _ = self.bindings.resolve(arg.value)
        typed, value = parameter.coerce(self.values.literal(target))
        if typed:
            return Field.literal(value, self.positions.span(target))
        return self._dynamic(arg.value)

    def _value(self, arg: _Arg, renames: dict[str, str] | None = None) -> Field:
        target, _ = self.bindings.resolve(arg.value)
        value = self.values.literal(target)
        if value is NOT_LITERAL:
            return self._dynamic(arg.value)
        if renames and isinstance(value, dict):
            value = {renames.get(key, key): item for key, item in value.items()}
        return Field.literal(value, self.positions.span(target))

    def _nested(self, container: _Arg | None, path: tuple[str, ...], parameter: Parameter,
                unresolved: "Node | None") -> Field:
        if container is None:
            return self._missing(unresolved)
        entries, inner_unresolved = self._entries(container.value)
        if path[0] in entries:
            return self._scalar(entries[path[0]], parameter)
        return self._missing(inner_unresolved or unresolved)

    def _cache_control(self, args: dict[str, _Arg], unresolved: "Node | None") -> Field:
        for key in _CACHE_KEYS:
            if key in args:
                return Field.literal(True, self.positions.span(args[key].key))
        marker = self._cache_marker([args[name].value for name in ("system", "messages", "tools", "prompt")
                                     if name in args])
        if marker is not None:
            return Field.literal(True, self.positions.span(marker))
        return self._missing(unresolved)

    def _cache_marker(self, nodes: list["Node"]) -> "Node | None":
        """The first ``cache_control`` / ``cacheControl`` key in what the arguments build."""
        stack = list(nodes)
        seen = 0
        while stack and seen < _MAX_SEARCH:
            node = stack.pop()
            seen += 1
            if node.type in ("identifier", "shorthand_property_identifier"):
                target, name = self.bindings.resolve(node)
                if name is not None:
                    stack.append(target)
                continue
            if node.type == "pair" and property_name(node.child_by_field_name("key")) in _CACHE_KEYS:
                return node.child_by_field_name("key")
            if node.type not in ("arrow_function", "function_expression", "function"):
                stack.extend(node.named_children)
        return None

    # -- prompt text ----------------------------------------------------------------------------

    def _prompt(self, call: PromptCall, system: _Arg | None, messages: _Arg | None, prompt: _Arg | None,
                unresolved: "Node | None") -> None:
        system_prompt = self._system(system, unresolved)
        message_prompt = self._messages(messages, prompt, unresolved)
        call.system, call.system_dynamic = system_prompt.texts, system_prompt.dynamic
        call.messages, call.messages_dynamic = message_prompt.texts, message_prompt.dynamic
        call.links = list(dict.fromkeys([*system_prompt.links, *message_prompt.links]))

    def _system(self, arg: _Arg | None, unresolved: "Node | None") -> _Prompt:
        if arg is None:
            return _Prompt(dynamic=unresolved is not None)
        prompt = _Prompt()
        items = self._array(arg.value)
        if items is None:
            self._add(prompt, arg.value, Role.SYSTEM)
        else:
            self._blocks(items, Role.SYSTEM, prompt)
        return prompt

    def _add(self, prompt: _Prompt, node: "Node", role: Role) -> None:
        """One text: written out, read from a prompt file (a link the finish stage
        resolves), or computed (dynamic)."""
        text = self.values.text(node, role)
        if text.text is not None:
            prompt.texts.append(text.text)
        elif (link := self.files.read(node, role)) is not None:
            prompt.links.append(link)
            return
        prompt.dynamic = prompt.dynamic or text.dynamic

    def _array(self, node: "Node") -> tuple[list["Node"], bool] | None:
        """The items of an array the code writes out, and whether it is changed later."""
        target, name = self.bindings.resolve(node)
        if target.type != "array":
            return None
        items = [child for child in target.named_children if child.type != "comment"]
        return items, name is not None and self.values._mutated(name, target)

    def _blocks(self, items: tuple[list["Node"], bool], role: Role, prompt: _Prompt) -> None:
        """Text content blocks (``{type: "text", text}``); images, files and tool results are skipped."""
        nodes, changed = items
        prompt.dynamic = prompt.dynamic or changed
        for item in nodes:
            if item.type == "spread_element":
                prompt.dynamic = True
                continue
            block, block_unresolved = self._entries(item)
            if block_unresolved is not None and not block:
                prompt.dynamic = True
                continue
            if "text" not in block:
                block_type = block.get("type")
                known = block_type is not None and self.values.literal(block_type.value) not in (NOT_LITERAL, "text")
                prompt.dynamic = prompt.dynamic or not known
                continue
            self._add(prompt, block["text"].value, role)

    def _messages(self, arg: _Arg | None, prompt_arg: _Arg | None, unresolved: "Node | None") -> _Prompt:
        prompt = _Prompt()
        if prompt_arg is not None:
            self._add(prompt, prompt_arg.value, Role.USER)
        if arg is None:
            prompt.dynamic = prompt.dynamic or (unresolved is not None and prompt_arg is None)
            return prompt
        items = self._array(arg.value)
        if items is None:
            prompt.dynamic = True
            return prompt
        elements, prompt.dynamic = items[0], prompt.dynamic or items[1]
        for element in elements:
            entries, element_unresolved = self._entries(element) if element.type != "spread_element" else ({}, element)
            if element_unresolved is not None or "content" not in entries:
                prompt.dynamic = True
                if "content" not in entries:
                    continue
            self._message(entries, prompt)
        return prompt

    def _message(self, entries: dict[str, _Arg], prompt: _Prompt) -> None:
        role_arg = entries.get("role")
        role_value: Any = self.values.literal(role_arg.value) if role_arg is not None else None
        role = _ROLES.get(role_value, Role.PROMPT) if isinstance(role_value, str) else Role.PROMPT
        content = entries["content"].value
        items = self._array(content)
        if items is not None:
            self._blocks(items, role, prompt)
        else:
            self._add(prompt, content, role)
