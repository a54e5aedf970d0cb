"""What a loader produces: a Document per file, with its standalone prompt texts, its
Messages API calls (every parameter a Field that is literal, absent or dynamic) and the
problems met while loading it."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Any, Generic, Iterator, TypeVar

from .kinds import Kind
from .positions import FILE_START, CellIndex, LineIndex, Segment, SourceMap, Span

T = TypeVar("T")


class TextBuilder:
    """Assembles linted text piece by piece while recording where each piece came from.

    Loaders use it so that every way of producing prompt text (verbatim copy, template
    placeholder, decoded string literal) ends in the same kind of source map.
    """

    def __init__(self, lines: LineIndex) -> None:
        self._parts: list[str] = []
        self._segments: list[Segment] = []
        self._slots: list[Slot] = []
        self._length = 0
        self.lines = lines

    @property
    def length(self) -> int:
        return self._length

    def _append(self, text: str, source_start: int, source_end: int, exact: bool) -> None:
        if not text:
            return
        start = self._length
        self._parts.append(text)
        self._length += len(text)
        self._segments.append(Segment(start, self._length, source_start, source_end, exact))

    def exact(self, text: str, source_start: int) -> None:
        """Text copied verbatim from ``source[source_start:source_start + len(text)]``."""
        self._append(text, source_start, source_start + len(text), True)

    def opaque(self, text: str, source_start: int, source_end: int) -> None:
        """Text that stands for the whole source range (it cannot be mapped per character)."""
        self._append(text, source_start, source_end, False)

    def slot(self, placeholder: str, source_start: int, source_end: int, expression: str) -> None:
        """A dynamic value (template expression, f-string field) the code fills at run time."""
        start = self._length
        self.opaque(placeholder, source_start, source_end)
        self._slots.append(Slot(start, self._length, expression))

    def aligned(self, value: str, raw: str, raw_start: int) -> None:
        """A decoded string ``value`` whose raw source text is ``raw`` (quotes, escapes, indent).

        Each line of the value that appears verbatim in the raw text, in order, is mapped
        exactly; whatever cannot be found (escape sequences, folded lines) maps to the part
        of the raw text between the neighbouring exact pieces. This gives exact positions for
        the common case (prompts rarely contain escapes) without a decoder per syntax.
        """
        cursor = 0  # position in raw
        pending_start = None  # start of text that could not be aligned yet (offset in value)
        pending_raw = 0
        pos = 0
        for line in value.splitlines(keepends=True):
            body = line.rstrip("\r\n")
            found = raw.find(body, cursor) if body else -1
            if body and found != -1:
                if pending_start is not None:
                    self.opaque(value[pending_start:pos], raw_start + pending_raw, raw_start + found)
                    pending_start = None
                self.exact(body, raw_start + found)
                cursor = found + len(body)
                newline = line[len(body):]
                if newline:
                    pending_start = pos + len(body)
                    pending_raw = cursor
            elif pending_start is None:
                pending_start = pos
                pending_raw = cursor
            pos += len(line)
        if pending_start is not None and pending_start < len(value):
            self.opaque(value[pending_start:], raw_start + pending_raw, raw_start + max(len(raw), pending_raw))

    def build(self, *, path: str, role: str, name: str | None = None) -> "PromptText":
        return PromptText(
            text="".join(self._parts),
            path=path,
            role=role,
            source_map=SourceMap(self._segments, self.lines),
            slots=tuple(self._slots),
            name=name,
        )


# ---------------------------------------------------------------------------------------
# Prompt text
# ---------------------------------------------------------------------------------------


class Role(str, enum.Enum):
    SYSTEM = "system"
    USER = "user"
    ASSISTANT = "assistant"  # an assistant prefill
    TEMPLATE = "template"  # a template file whose role is decided by whoever renders it
    PROMPT = "prompt"  # prompt text of unknown role (a .txt prompt, a PROMPT constant)


@dataclass(frozen=True, slots=True)
class Slot:
    """A dynamic part of a prompt text (``{{ n }}``, an f-string field), by text offsets."""

    start: int
    end: int
    expression: str


_TEMPLATE_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


def template_slots(text: str) -> tuple[Slot, ...]:
    """The ``{{ expression }}`` tags of a text, as slots."""
    return tuple(Slot(m.start(), m.end(), m.group(1).strip()) for m in _TEMPLATE_TAG.finditer(text))


@dataclass(eq=False)
class PromptText:
    """A piece of prompt text with its origin.

    ``text`` is what the rules read: the literal text, with each dynamic part replaced by a
    placeholder (listed in ``slots``). ``span(start, end)`` maps text offsets back to the
    source file named by ``path``.
    """

    text: str
    path: str
    role: Role | str
    source_map: SourceMap
    slots: tuple[Slot, ...] = ()
    name: str | None = None  # constant name, YAML key path, template name
    raw_tokens: int | None = None  # cl100k count, set once by the engine (tokens.raw_count)
    # An assistant turn that is not the last message of its call: a replayed or few-shot
    # model answer (data), not a prefill (which steers the answer). Set by mark_turns.
    earlier_turn: bool = False
    memo: dict[str, Any] = field(default_factory=dict, repr=False)  # derived data (advisor.analysis)

    def span(self, start: int = 0, end: int | None = None) -> Span:
        return self.source_map.span(start, len(self.text) if end is None else end)

    @property
    def static_text(self) -> str:
        """The text with the dynamic parts removed (what is the same on every request)."""
        if not self.slots:
            return self.text
        pieces, last = [], 0
        for slot in self.slots:
            pieces.append(self.text[last:slot.start])
            last = slot.end
        pieces.append(self.text[last:])
        return "".join(pieces)

    def in_slot(self, start: int, end: int) -> bool:
        """Whether the range overlaps a dynamic part."""
        return any(slot.start < end and start < slot.end for slot in self.slots)


# ---------------------------------------------------------------------------------------
# Calls
# ---------------------------------------------------------------------------------------


class FieldState(str, enum.Enum):
    LITERAL = "literal"
    ABSENT = "absent"
    DYNAMIC = "dynamic"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a value a call uses is written, when that is not the call's own argument.

    ``description`` is quoted in findings ("environment default of `CLAUDE_MODEL`",
    "`MODEL` in config.py:3"). ``path`` is the file the value is written in when it is
    not the linted file: the field's span is then where this file *uses* the value, and
    no fix may edit it there (the literal is in the other file).
    """

    description: str
    path: str | None = None
    # where the call passes the argument (``temperature=temperature``): what a rule about
    # the argument itself points at, rather than the value's literal
    argument: Span | None = None

    @property
    def editable(self) -> bool:
        return self.path is None


@dataclass(frozen=True, slots=True)
class Field(Generic[T]):
    """One parameter of a call: a literal value with its span, absent, or dynamic.

    ``source`` keeps the expression text of a dynamic value (``settings.MODEL``) so a
    message can name it. ``origin`` says where a value written away from the call comes
    from (a parameter default, an attribute, an environment default, another module).
    A dynamic field may carry ``candidates``: the literal values it can take (the options
    of a ``st.selectbox`` feeding ``model=``), each a literal field at its own span; rules
    that judge an id on its own (the lifecycle rules) judge each candidate, rules that need
    the one value the call sends treat the field as dynamic.
    """

    state: FieldState
    value: T | None = None
    span: Span | None = None
    source: str | None = None
    origin: Origin | None = None
    candidates: "tuple[Field[T], ...]" = ()

    @classmethod
    def literal(cls, value: T, span: Span | None, source: str | None = None,
                origin: Origin | None = None) -> "Field[T]":
        return cls(FieldState.LITERAL, value, span, source, origin)

    @classmethod
    def absent(cls) -> "Field[Any]":
        return _ABSENT

    @classmethod
    def dynamic(cls, span: Span | None, source: str | None = None, *,
                candidates: "tuple[Field[Any], ...]" = ()) -> "Field[Any]":
        return cls(FieldState.DYNAMIC, None, span, source, None, candidates)

    @property
    def judged_values(self) -> "tuple[Field[T], ...]":
        """The literal values a rule judging an id on its own looks at: the value, or
        every candidate of a value chosen at run time."""
        return (self,) if self.is_literal else self.candidates

    @property
    def is_literal(self) -> bool:
        return self.state is FieldState.LITERAL

    @property
    def is_absent(self) -> bool:
        return self.state is FieldState.ABSENT

    @property
    def is_dynamic(self) -> bool:
        return self.state is FieldState.DYNAMIC

    def get(self, default: T | None = None) -> T | None:
        return self.value if self.state is FieldState.LITERAL else default


_ABSENT: Field[Any] = Field(FieldState.ABSENT)


class RunsIn(str, enum.Enum):
    """Where a call runs, which decides whether a user is waiting on it."""

    UI = "ui"  # web handler, websocket, chat UI callback: a person waits
    BATCH = "batch"  # script entry point, CLI command, queue worker, cron job
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Where:
    """Where a call runs (a request handler, a batch script) and what in the code says so."""

    kind: RunsIn
    reason: str = ""  # e.g. "Flask route handler `chat`" -- quoted in messages
    span: Span | None = None  # the decorator / guard that decided it

    @classmethod
    def unknown(cls) -> "Where":
        return cls(RunsIn.UNKNOWN)


@dataclass(frozen=True, slots=True)
class Link:
    """Prompt text a call reads from another file, to be resolved by the engine.

    ``name`` is the path as the code writes it (``"prompts/summary.txt"``,
    ``"reply.j2"``). The engine tries it relative to the calling file's directory, then the
    project root, then each of ``search_dirs`` (a Jinja ``FileSystemLoader``'s folders,
    themselves relative to the calling file or the root); the first existing file wins.
    """

    name: str
    role: Role | str
    span: Span  # the expression that reads the file
    search_dirs: tuple[str, ...] = ()
    relative_to_file: bool = False  # built from Path(__file__).parent: only the file's directory applies


@dataclass(frozen=True, slots=True)
class Wrapper:
    """The library a Python call goes through instead of the anthropic SDK's
    ``messages.create``: LangChain's ``ChatAnthropic``, LiteLLM, the Claude Agent SDK.

    What it does when a parameter is missing (its default ``max_tokens``), how it sends
    sampling parameters and how one streams with it are data (``rules/wrappers.yaml``, read
    by ``advisor.wrappers``) under ``name``; the loader only says which library it is and
    where the code writes its settings.
    """

    name: str  # its entry in rules/wrappers.yaml: "langchain-anthropic", "litellm", "claude-agent-sdk"
    label: str  # how messages name the call: "`ChatAnthropic`", "`litellm.completion`"
    settings: Span  # the call that takes its parameters (constructor, completion call): fixes add keywords there


@dataclass(frozen=True, slots=True)
class ImportedValue:
    """A call parameter written as a name another module of the project defines.

    ``from config import MODEL`` then ``model=MODEL`` is module "config", names
    ("MODEL",); ``import prompts`` then ``system=prompts.get_instructions()`` is module
    "prompts", names ("get_instructions",), called. ``level`` counts the leading dots of a
    relative import. ``role`` is set for prompt text (system, a message), empty for a
    scalar; ``formatting`` is "format" / "percent" when the text is a template the call
    fills. ``whole`` says the name is all of the parameter (resolving it makes the
    parameter known, not just part of it).
    """

    parameter: str
    module: str
    level: int
    names: tuple[str, ...]
    span: Span
    expression: str
    called: bool = False
    role: str = ""
    formatting: str = ""
    whole: bool = True


class CallApi(str, enum.Enum):
    CREATE = "messages.create"
    STREAM = "messages.stream"
    COUNT_TOKENS = "messages.count_tokens"
    BODY = "request body"  # a YAML/JSON request config


@dataclass(eq=False)
class PromptCall:
    """One request to the Messages API, from any source.

    ``span`` covers the call expression (Python) or the request object (config); rules
    that complain about a missing parameter point there.
    """

    path: str
    span: Span
    api: CallApi
    model: Field[str] = field(default_factory=Field.absent)
    max_tokens: Field[int] = field(default_factory=Field.absent)
    stream: Field[bool] = field(default_factory=Field.absent)
    temperature: Field[float] = field(default_factory=Field.absent)
    top_p: Field[float] = field(default_factory=Field.absent)
    top_k: Field[int] = field(default_factory=Field.absent)
    effort: Field[str] = field(default_factory=Field.absent)
    cache_control: Field[bool] = field(default_factory=Field.absent)
    system: list[PromptText] = field(default_factory=list)
    messages: list[PromptText] = field(default_factory=list)
    system_dynamic: bool = False  # the system prompt is (partly) computed at run time
    messages_dynamic: bool = False  # the message list is (partly) computed at run time
    where: Where = field(default_factory=Where.unknown)
    in_loop: bool = False  # the call sits in a loop (runs repeatedly even in a batch job)
    is_async: bool = False
    function: str | None = None  # enclosing function, for messages
    extra: dict[str, Field[Any]] = field(default_factory=dict)  # other parameters by name
    # temperature/top_p/top_k names that came through ``extra_body`` rather than as arguments
    sampling_via_extra_body: frozenset[str] = frozenset()
    # Prompt text read from other files: what the code names (links) and, once the engine
    # has resolved them, the texts themselves (judged with the call, linted with their file).
    links: list[Link] = field(default_factory=list)
    linked_texts: list[PromptText] = field(default_factory=list)
    # A stream that is opened and then fully collected before anything reaches the user
    # (get_final_message(), joining text_stream): literal True with the span and the
    # expression (`source`) that buffers it.
    buffered: Field[bool] = field(default_factory=Field.absent)
    # The library the call goes through (LangChain, LiteLLM, the Agent SDK); None for the
    # anthropic SDK's own methods and request configs.
    via: Wrapper | None = None
    # Parameters whose value another module of the project holds (``from config import
    # MODEL``): recorded by the Python loader, resolved by the finish stage (`imported.py`).
    imports: list["ImportedValue"] = field(default_factory=list)
    # How the code names the call and spells a parameter where that differs from the
    # Messages API (an AI SDK `generateText` with `maxOutputTokens`): messages and fixes say it so.
    callee: str | None = None
    spelling: dict[str, str] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict, repr=False)  # derived data (advisor.analysis)

    @property
    def streams(self) -> bool | None:
        """True when the response is streamed, False when not, None when it depends."""
        if self.api is CallApi.STREAM:
            return True
        if self.stream.is_literal:
            return bool(self.stream.value)
        if self.stream.is_dynamic:
            return None
        return False

    @property
    def texts(self) -> list[PromptText]:
        """The prompt texts written in this file (what text rules lint here)."""
        return [*self.system, *self.messages]

    @property
    def prompt_texts(self) -> list[PromptText]:
        """Every known part of the prompt, linked files included (what call rules judge)."""
        return [*self.system, *self.messages, *self.linked_texts]

    def mark_turns(self) -> None:
        """Mark the assistant turns that precede the last message as earlier turns: only
        trailing assistant text (a prefill) is something the developer asks with."""
        trailing = True
        for text in reversed(self.messages):
            if text.role == Role.ASSISTANT:
                text.earlier_turn = not trailing
            else:
                trailing = False


# ---------------------------------------------------------------------------------------
# Documents and findings
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """Something that kept a file (or part of it) from being loaded: becomes `parse-error`."""

    message: str
    span: Span = FILE_START
    hint: str = "fix the file, or exclude it (`exclude` or `per-file-ignores` in [tool.advisor])"


@dataclass(eq=False)
class Document:
    """One loaded file."""

    path: str  # display path: relative to the working directory, '/' separators
    kind: Kind
    source: str
    lines: LineIndex
    texts: list[PromptText] = field(default_factory=list)  # prompt text outside any call
    calls: list[PromptCall] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # The `anthropic` pin of the project the file belongs to (advisor.sdk_pin.SdkPin), read
    # by the engine when the file is on disk; None when none was found or nothing was read.
    sdk_pin: Any = None
    # The pins of the wrapper libraries its calls go through, by package name (the same
    # SdkPin shape; a wrapper's defaults depend on its release), for those that are pinned.
    wrapper_pins: dict[str, Any] = field(default_factory=dict)
    # A notebook: which cell each line of ``source`` (its code cells, one after the other)
    # belongs to, for the outputs; and the file the source was read out of
    # (``loaders.notebook.NotebookFile``), which turns fix edits of ``source`` into edits of
    # the file's own text.
    cells: CellIndex | None = None
    container: Any = None
    # The loader's parsed form of the file (a Python loader's ParsedModule), kept for the
    # finish stage so questions across modules never parse the linted file twice; the
    # finish stage drops it (it refers back to the document, a cycle only the GC frees).
    parsed: Any = field(default=None, repr=False, compare=False)

    def all_texts(self) -> Iterator[PromptText]:
        """Every prompt text of the file once, whether standalone or part of a call (a
        constant a call sends is both). Asked by several stages and rules of every file, most
        of which have a text or two: those need no de-duplication."""
        texts = [*self.texts, *(t for call in self.calls for t in call.texts)]
        if len(texts) > 1:
            texts = list({id(text): text for text in texts}.values())  # the first of each, in order
        return iter(texts)
