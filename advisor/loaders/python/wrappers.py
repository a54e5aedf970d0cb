"""Messages API calls sent through wrapper libraries: LangChain, LiteLLM, the Claude Agent SDK.

Each wrapper splits a request differently from ``messages.create``, so each is read into the
same :class:`PromptCall` its own way:

* LangChain: ``ChatAnthropic(model=..., max_tokens=...)`` (or ``init_chat_model`` with an
  Anthropic model) holds the settings; each ``.invoke`` / ``.batch`` (not streamed) or
  ``.stream`` / ``.astream`` / ``.astream_events`` (streamed) on it, directly or through a
  chain built with ``|``, is one call, where that use sits. The prompt is what the use passes
  (a string, messages, ``("system", "...")`` tuples) or the chain's prompt template. A model
  built but not used in the file is one call at the constructor, its streaming unknown.
* LiteLLM: ``completion`` / ``acompletion`` with a Claude model (``anthropic/claude-…``,
  ``claude-…``, ``bedrock/…``, ``vertex_ai/…``) is one call, OpenAI-shaped: a ``system``
  message is the system prompt. Any other model (or one computed at run time) is not ours.
* The Claude Agent SDK: ``ClaudeAgentOptions(model=..., system_prompt=...)`` gives the model
  and system prompt, and a ``query(prompt=..., options=...)`` using it the task; the agent
  loop decides the output cap, caching and streaming, so those are not judged.

Only names the module imports from those packages count; nothing is guessed from a method
name alone (``.invoke`` is every LangChain runnable's, and many other libraries').
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Callable, Iterator

from ...model import CallApi, Document, Field, PromptCall, PromptText, Role, Wrapper
from .calls import CallReader
from .nodes import argument, flatten, last_name, literal, walk
from .outline import Found, Frame, Outline
from .positions import Positions
from .scopes import MAX_HOPS, Scope, resolve
from .texts import Texts

_LANGCHAIN = "langchain-anthropic"
_LITELLM = "litellm"
_AGENT_SDK = "claude-agent-sdk"

_CHAT_ANTHROPIC = {("langchain_anthropic", "ChatAnthropic"), ("langchain_anthropic.chat_models", "ChatAnthropic")}
_INIT_CHAT_MODEL = {("langchain.chat_models", "init_chat_model"), ("langchain.chat_models.base", "init_chat_model")}
_LITELLM_FUNCTIONS = {("litellm", "completion"), ("litellm", "acompletion")}
_AGENT_OPTIONS = {("claude_agent_sdk", "ClaudeAgentOptions")}
_AGENT_QUERY = {("claude_agent_sdk", "query")}
_ROOT_PACKAGES = ("langchain_anthropic", "langchain", "litellm", "claude_agent_sdk")

_LANGCHAIN_ALIASES = {"model_name": "model", "max_tokens_to_sample": "max_tokens"}
_OVERRIDABLE = ("max_tokens", "temperature", "top_p", "top_k")  # call-time settings LangChain sends
_STREAMS = {  # a runnable method -> whether the answer is streamed to the caller
    "invoke": False, "ainvoke": False, "batch": False, "abatch": False,
    "stream": True, "astream": True, "astream_events": True, "astream_log": True,
}
_PASS_THROUGH = {"bind", "bind_tools", "with_structured_output", "with_retry", "with_config", "with_fallbacks",
                 "with_types", "with_listeners", "configurable_fields", "configurable_alternatives"}
_TEMPLATE_CLASSES = {"ChatPromptTemplate", "PromptTemplate", "SystemMessagePromptTemplate",
                     "HumanMessagePromptTemplate", "AIMessagePromptTemplate"}
_MESSAGE_CLASSES = {"SystemMessage": Role.SYSTEM, "HumanMessage": Role.USER, "AIMessage": Role.ASSISTANT}
_TEMPLATE_MESSAGE_CLASSES = {"SystemMessagePromptTemplate": Role.SYSTEM, "HumanMessagePromptTemplate": Role.USER,
                             "AIMessagePromptTemplate": Role.ASSISTANT}
_ROLES = {"system": Role.SYSTEM, "human": Role.USER, "user": Role.USER, "ai": Role.ASSISTANT,
          "assistant": Role.ASSISTANT}
_LITELLM_PREFIXES = ("anthropic/", "bedrock/converse/", "bedrock/invoke/", "bedrock/", "vertex_ai/")


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class _Model:
    """A LangChain chat model the module builds: the constructor and the model id it names."""

    node: ast.Call
    frame: Frame
    label: str
    model: Field
    used: bool = False


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class _Chain:
    """What a runnable expression is made of: the chat model it ends in, the prompt templates
    before it, and the ``.bind(max_tokens=...)`` calls that override the model's settings."""

    model: _Model | None = None
    templates: list[tuple[ast.expr, Scope]] = field(default_factory=list)
    binds: list[tuple[ast.Call, Scope]] = field(default_factory=list)


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class _Prompt:
    """Prompt texts of one wrapper call, by role, and whether part of them is computed."""

    system: list[PromptText] = field(default_factory=list)
    messages: list[PromptText] = field(default_factory=list)
    system_dynamic: bool = False
    dynamic: bool = False  # the messages: a placeholder, a computed item or text


Reader = Callable[[Found], "PromptCall | None"]


class WrapperCalls:
    """Finds the wrapper calls of one module and reads each into a PromptCall."""

    def __init__(self, document: Document, tree: ast.Module, positions: Positions, outline: Outline,
                 texts: Texts, calls: CallReader) -> None:
        self.document = document
        self.positions = positions
        self.outline = outline
        self.texts = texts
        self.calls = calls
        self.names = _imported_names(tree) if any(package in outline.imports for package in _ROOT_PACKAGES) else {}
        self._models: dict[int, _Model] = {}

    def found(self) -> Iterator[tuple[Found, Reader]]:
        """Each wrapper call with the function that reads it (None: not a Claude call)."""
        if not self.names:
            return
        options: dict[int, tuple[ast.Call, Frame]] = {}
        for node, frame in self.outline.calls:
            origin = self._origin(node.func)
            if origin in _CHAT_ANTHROPIC:
                model_id = self._model_field(node, frame.scope, ("model", "model_name"))[0]
                self._models[id(node)] = _Model(node, frame, "LangChain `ChatAnthropic`", model_id)
            elif origin in _INIT_CHAT_MODEL:
                built = self._init_chat_model(node, frame)
                if built is not None:
                    self._models[id(node)] = built
            elif origin in _AGENT_OPTIONS:
                options[id(node)] = (node, frame)
        for node, frame in self.outline.calls:
            origin = self._origin(node.func)
            if origin in _LITELLM_FUNCTIONS:
                yield Found(node, frame, CallApi.CREATE, self._awaited(node)), self._litellm
            elif origin in _AGENT_QUERY:
                found = self._agent_query(node, frame, options)
                if found is not None:
                    yield found
            elif isinstance(node.func, ast.Attribute) and node.func.attr in _STREAMS:
                use = self._langchain_use(node, frame)
                if use is not None:
                    yield use
        for chat_model in self._models.values():
            if not chat_model.used:
                yield Found(chat_model.node, chat_model.frame, CallApi.CREATE, False), self._unused_model
        for node, frame in options.values():
            yield Found(node, frame, CallApi.CREATE, False), self._agent_options

    # -- names -------------------------------------------------------------------------------

    def _origin(self, func: ast.expr) -> tuple[str, str] | None:
        """(module, name) a callee was imported as: ``ChatAnthropic`` from ``from
        langchain_anthropic import ChatAnthropic``, ``litellm.completion`` from ``import litellm``."""
        if isinstance(func, ast.Name):
            return self.names.get(func.id)
        if isinstance(func, ast.Attribute) and isinstance(func.value, (ast.Name, ast.Attribute)):
            owner = _dotted_module(func.value, self.names)
            return (owner, func.attr) if owner else None
        return None

    def _awaited(self, node: ast.Call) -> bool:
        return id(node) in self.outline.awaited

    # -- fields ------------------------------------------------------------------------------

    def _model_field(self, node: ast.Call, scope: Scope, keywords: tuple[str, ...], position: int | None = None,
                     strip: Callable[[str], str | None] = lambda value: value) -> tuple[Field, bool]:
        """The model id a wrapper call names, as a Field -- a literal (its provider prefix
        stripped, so a fix replaces only the id), dynamic, or absent -- and whether it may be
        Claude's (``strip`` returns None for an id that is not)."""
        value = next((found for keyword in keywords if (found := argument(node, keyword, -1)) is not None), None)
        if value is None and position is not None and position < len(node.args):
            value = node.args[position]
        if value is None:
            return Field.absent(), True
        target = resolve(value, scope)[0]
        written = literal(target)
        if isinstance(written, str):
            model = strip(written)
            return Field.literal(model or written, self.positions.span(target)), model is not None
        return Field.dynamic(self.positions.span(value), self.positions.expression(value)), True

    # -- LangChain ---------------------------------------------------------------------------

    def _init_chat_model(self, node: ast.Call, frame: Frame) -> _Model | None:
        """``init_chat_model("anthropic:claude-…")`` or ``init_chat_model("claude-…",
        model_provider="anthropic")``: LangChain builds a ChatAnthropic for these (and infers
        Anthropic from a ``claude`` id); any other provider is not ours."""
        provider_node = argument(node, "model_provider", -1)
        provider = literal(resolve(provider_node, frame.scope)[0]) if provider_node is not None else None
        if provider_node is not None and provider != "anthropic":
            return None

        def strip(value: str) -> str | None:
            prefix, colon, rest = value.partition(":")
            if colon and prefix == "anthropic":
                return rest
            if colon or (provider is None and not value.startswith("claude")):
                return None
            return value

        model, claude = self._model_field(node, frame.scope, ("model",), 0, strip)
        if not claude or (not model.is_literal and provider is None):
            return None  # another provider's model, or a provider decided at run time
        return _Model(node, frame, "LangChain `init_chat_model`", model)

    def _langchain_use(self, node: ast.Call, frame: Frame) -> tuple[Found, Reader] | None:
        """``llm.invoke(...)``, ``chain.astream(...)``: a call when the receiver is (a chain
        around) a chat model this module builds."""
        assert isinstance(node.func, ast.Attribute)
        chain = self._runnable(node.func.value, frame.scope)
        model = chain.model
        if model is None:
            return None
        model.used = True
        api = CallApi.STREAM if _STREAMS[node.func.attr] else CallApi.CREATE
        found = Found(node, frame, api, self._awaited(node))

        def read(found: Found) -> PromptCall:
            call = self._langchain_settings(model, found)
            # call-time settings win: `.bind(max_tokens=...)`, then `.invoke(q, max_tokens=...)`
            for bound, scope in [*chain.binds, (node, frame.scope)]:
                self._override(call, bound, scope)
            prompt = self._templates(chain.templates) if chain.templates else self._invoke_input(node, frame.scope)
            self._set_prompt(call, prompt)
            return call

        return found, read

    def _override(self, call: PromptCall, node: ast.Call, scope: Scope) -> None:
        """The request parameters a ``bind`` or ``invoke`` call writes replace the model's."""
        written = self.calls.read(Found(node, Frame(scope), call.api, False), _LANGCHAIN_ALIASES)
        for name in _OVERRIDABLE:
            value = getattr(written, name)
            if not value.is_absent:
                setattr(call, name, value)

    def _unused_model(self, found: Found) -> PromptCall:
        """A chat model built here but used elsewhere: its settings are judged, not how it is
        used (streaming unknown)."""
        model = self._models[id(found.node)]
        call = self._langchain_settings(model, found)
        call.stream = Field.dynamic(self.positions.span(found.node), "how the model is used is not in this file")
        return call

    def _langchain_settings(self, model: _Model, found: Found) -> PromptCall:
        """The constructor's settings as a call placed at ``found`` (the use)."""
        settings = Found(model.node, model.frame, found.api, False)
        call = self.calls.read(settings, _LANGCHAIN_ALIASES)
        call.model = model.model
        call.span = self.positions.span(found.node)
        call.api = found.api
        call.in_loop = found.frame.in_loop
        call.is_async = found.awaited or (found.frame.function is not None
                                          and isinstance(found.frame.function.node, ast.AsyncFunctionDef))
        call.function = found.frame.function.qualname if found.frame.function else None
        streaming = call.extra.pop("streaming", None)
        call.stream = Field.absent()
        if streaming is not None and found.api is CallApi.CREATE and streaming.get() is not False:
            # streaming=True sends tokens to the callbacks as they come: shown or not, we cannot see
            call.stream = Field.dynamic(streaming.span, "streaming=True (tokens go to the model's callbacks)")
        if isinstance(found.node.func, ast.Attribute) and found.node.func.attr in ("batch", "abatch"):
            # several requests answered together: repeated work, with no stream to offer instead
            call.in_loop = True
            call.stream = Field.dynamic(call.span, f"{found.node.func.attr}() of several inputs")
        call.via = Wrapper(_LANGCHAIN, model.label, self.positions.span(model.node))
        return call

    def _runnable(self, node: ast.expr, scope: Scope, depth: int = 0) -> _Chain:
        """The chat model a runnable expression ends in, the prompt templates before it and
        the binds around it: ``llm``, ``prompt | llm | parser``, ``llm.bind_tools(...)``,
        ``prompt.pipe(llm)``."""
        if depth > MAX_HOPS:
            return _Chain()
        target, target_scope, _ = resolve(node, scope)
        if isinstance(target, ast.Call):
            if id(target) in self._models:
                return _Chain(self._models[id(target)])
            func = target.func
            if last_name(func) in _TEMPLATE_CLASSES or (isinstance(func, ast.Attribute)
                                                        and last_name(func.value) in _TEMPLATE_CLASSES):
                return _Chain(templates=[(target, target_scope)])
            if isinstance(func, ast.Attribute) and func.attr in _PASS_THROUGH:
                inner = self._runnable(func.value, target_scope, depth + 1)
                if func.attr == "bind":
                    inner.binds.append((target, target_scope))
                return inner
            if isinstance(func, ast.Attribute) and func.attr == "pipe":
                return self._sequence([func.value, *target.args], target_scope, depth)
            if last_name(func) == "RunnableSequence":
                return self._sequence(list(target.args), target_scope, depth)
        if isinstance(target, ast.BinOp) and isinstance(target.op, ast.BitOr):
            return self._sequence(flatten(target, ast.BitOr), target_scope, depth)
        return _Chain()

    def _sequence(self, steps: list[ast.expr], scope: Scope, depth: int) -> _Chain:
        templates: list[tuple[ast.expr, Scope]] = []
        for step in steps:
            found = self._runnable(step, scope, depth + 1)
            templates.extend(found.templates)
            if found.model is not None:
                return _Chain(found.model, templates, found.binds)
        return _Chain()

    def _templates(self, templates: list[tuple[ast.expr, Scope]]) -> _Prompt:
        """The texts of a chain's prompt templates (``{fields}`` are filled at run time)."""
        prompt = _Prompt()
        for node, scope in templates:
            assert isinstance(node, ast.Call)
            func = node.func
            owner = last_name(func.value) if isinstance(func, ast.Attribute) else last_name(func)
            name = last_name(func)
            if owner in _TEMPLATE_MESSAGE_CLASSES and name in ("from_template", owner):
                self._add(prompt, argument(node, "template", 0), scope, _TEMPLATE_MESSAGE_CLASSES[owner], True)
            elif name == "from_template" or (name == "PromptTemplate" and argument(node, "template", 0) is not None):
                self._add(prompt, argument(node, "template", 0), scope, Role.USER, True)
            elif name in ("from_messages", "ChatPromptTemplate"):
                self._messages(argument(node, "messages", 0), scope, prompt, template=True)
            else:
                prompt.dynamic = True
        return prompt

    def _invoke_input(self, node: ast.Call, scope: Scope) -> _Prompt:
        """What ``.invoke(input)`` sends when no template formats it: a string is the user's
        message, a list is the messages; anything else is computed."""
        prompt = _Prompt()
        value = argument(node, "input", 0)
        if value is None or last_name(node.func) in ("batch", "abatch"):
            prompt.dynamic = True
            return prompt
        target, target_scope, _ = resolve(value, scope)
        if isinstance(target, (ast.List, ast.Tuple)):
            self._messages(value, scope, prompt, template=False)
        else:
            self._add(prompt, value, scope, Role.USER, False)
        return prompt

    def _messages(self, node: ast.expr | None, scope: Scope, prompt: _Prompt, *, template: bool) -> None:
        """A list of LangChain messages: message objects, ``(role, text)`` tuples, role
        dicts, template messages; placeholders and computed items make it dynamic."""
        target, target_scope, name = resolve(node, scope) if node is not None else (None, scope, None)
        if not isinstance(target, (ast.List, ast.Tuple)) or (name is not None and name in target_scope.mutated):
            prompt.dynamic = True
            return
        for item in target.elts:
            item, item_scope, _ = resolve(item, target_scope)
            role, text, is_template = self._message(item, template)
            if role is None or text is None:
                prompt.dynamic = True
                continue
            self._add(prompt, text, item_scope, role, is_template)

    def _message(self, item: ast.expr, template: bool) -> tuple[Role | None, ast.expr | None, bool]:
        """One message of a list: its role, the expression of its text, and whether that text
        is a template."""
        if isinstance(item, ast.Tuple) and len(item.elts) == 2:
            return _ROLES.get(_string(item.elts[0]) or ""), item.elts[1], template
        if isinstance(item, ast.Dict):
            entries = {_string(key): value for key, value in zip(item.keys, item.values)}
            return _ROLES.get(_string(entries.get("role")) or ""), entries.get("content"), template
        if isinstance(item, ast.Call):
            name, func = last_name(item.func), item.func
            if name in _MESSAGE_CLASSES:
                return _MESSAGE_CLASSES[name], argument(item, "content", 0), False
            owner = last_name(func.value) if isinstance(func, ast.Attribute) else ""
            if owner in _TEMPLATE_MESSAGE_CLASSES and name == "from_template":
                return _TEMPLATE_MESSAGE_CLASSES[owner], argument(item, "template", 0), True
        return None, None, False

    def _add(self, prompt: _Prompt, node: ast.expr | None, scope: Scope, role: Role, template: bool) -> None:
        text = self.texts.text(node, scope, role, template=template) if node is not None else None
        computed = text is None or text.dynamic or bool(text.reads)
        if text is not None and text.text is not None:
            (prompt.system if role is Role.SYSTEM else prompt.messages).append(text.text)
        if role is Role.SYSTEM:
            prompt.system_dynamic = prompt.system_dynamic or computed
        else:
            prompt.dynamic = prompt.dynamic or computed

    @staticmethod
    def _set_prompt(call: PromptCall, prompt: _Prompt) -> None:
        call.system, call.messages = prompt.system, prompt.messages
        call.system_dynamic, call.messages_dynamic = prompt.system_dynamic, prompt.dynamic

    # -- LiteLLM -----------------------------------------------------------------------------

    def _litellm(self, found: Found) -> PromptCall | None:
        """``completion(model="anthropic/claude-…", messages=[...])``; None for another
        provider's model or one computed at run time."""
        model, claude = self._model_field(found.node, found.frame.scope, ("model",), 0, _litellm_claude_id)
        if not model.is_literal or not claude:
            return None
        call = self.calls.read(found, {"max_completion_tokens": "max_tokens"})
        call.model = model
        system = [text for text in call.messages if text.role == Role.SYSTEM]
        call.system = [*call.system, *system]
        call.messages = [text for text in call.messages if text.role != Role.SYSTEM]
        name = last_name(found.node.func)
        call.via = Wrapper(_LITELLM, f"LiteLLM `{name}`", self.positions.span(found.node))
        return call

    # -- the Claude Agent SDK ----------------------------------------------------------------

    def _agent_query(self, node: ast.Call, frame: Frame,
                     options: dict[int, tuple[ast.Call, Frame]]) -> tuple[Found, Reader] | None:
        """``query(prompt=..., options=opts)`` with options this module builds: the call is
        the query, with the task as its user message."""
        value = argument(node, "options", 1)
        target = resolve(value, frame.scope)[0] if value is not None else None
        if not isinstance(target, ast.Call) or id(target) not in options:
            return None
        settings = options.pop(id(target))

        def read(found: Found) -> PromptCall:
            call = self._agent_call(settings[0], settings[1], found)
            prompt = _Prompt()
            self._add(prompt, argument(node, "prompt", 0), frame.scope, Role.USER, False)
            call.messages, call.messages_dynamic = prompt.messages, prompt.dynamic
            return call

        return Found(node, frame, CallApi.CREATE, self._awaited(node)), read

    def _agent_options(self, found: Found) -> PromptCall:
        return self._agent_call(found.node, found.frame, found)

    def _agent_call(self, options: ast.Call, frame: Frame, found: Found) -> PromptCall:
        """What ``ClaudeAgentOptions`` controls: the model and the system prompt. The agent
        loop sets the output cap, caching and streaming, so those are left undecided."""
        span = self.positions.span(found.node)
        call = PromptCall(path=self.document.path, span=span, api=CallApi.CREATE)
        call.model = self._model_field(options, frame.scope, ("model",))[0]
        decided = Field.dynamic(self.positions.span(options), "decided by the agent loop")
        call.stream = call.cache_control = decided
        system = argument(options, "system_prompt", -1)
        if system is not None and isinstance(resolve(system, frame.scope)[0], (ast.Constant, ast.JoinedStr, ast.BinOp,
                                                                                 ast.Name, ast.Call)):
            prompt = _Prompt()
            self._add(prompt, system, frame.scope, Role.SYSTEM, False)
            call.system, call.system_dynamic = prompt.system, prompt.system_dynamic
        elif system is not None:
            call.system_dynamic = True  # a preset: Claude Code's own system prompt
        call.in_loop = found.frame.in_loop
        call.is_async = found.awaited or (found.frame.function is not None
                                          and isinstance(found.frame.function.node, ast.AsyncFunctionDef))
        call.function = found.frame.function.qualname if found.frame.function else None
        call.via = Wrapper(_AGENT_SDK, "Claude Agent SDK `ClaudeAgentOptions`", self.positions.span(options))
        return call


def _litellm_claude_id(value: str) -> str | None:
    """The Claude model id a LiteLLM model string names (provider prefix removed), or None
    for another provider's model."""
    for prefix in _LITELLM_PREFIXES:
        if value.startswith(prefix):
            value = value[len(prefix):]
            break
    else:
        if "/" in value:
            return None  # openai/..., openrouter/anthropic/..., azure/...
    return value if "claude" in value.split("/")[-1] else None


def _string(node: ast.AST | None) -> str | None:
    """The value of a string literal node, else None."""
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _imported_names(tree: ast.Module) -> dict[str, tuple[str, str]]:
    """Local name -> (module, name) for ``from m import n [as x]``, and module aliases as
    ``(module, "")`` for ``import m [as x]``, anywhere in the file."""
    names: dict[str, tuple[str, str]] = {}
    for node in walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = (node.module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = (alias.name, "")
                else:
                    names[alias.name.split(".")[0]] = (alias.name.split(".")[0], "")
    return names


def _dotted_module(node: ast.expr, names: dict[str, tuple[str, str]]) -> str:
    """The module an attribute chain names through the imports: ``litellm`` for ``litellm``,
    ``langchain_anthropic`` for ``la`` (``import langchain_anthropic as la``)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or node.id not in names:
        return ""
    module, name = names[node.id]
    root = f"{module}.{name}" if name else module
    return ".".join([root, *reversed(parts)])
