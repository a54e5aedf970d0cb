"""YAML and JSON request configs: every Messages API body in the file becomes a PromptCall.

The file is *composed*, not constructed: ruamel.yaml builds the node graph (with exact
character offsets for every node) and advisor reads scalars itself. Nothing is ever turned
into a Python object by a tag, so ``!!python/object`` and friends are reported, not run.
Aliases stay shared nodes and every node is visited at most once, so a "billion laughs"
file costs what its text costs. JSON is read by the same path (JSON is YAML 1.2 flow).

A mapping is a request body when it has ``model`` and ``messages`` or ``system``. Bodies
may sit anywhere (a list of test cases, a ``request:`` key, several YAML documents). An
optional ``x-advisor`` mapping in a body carries metadata for advisor, such as
``runs-in: ui`` for a config a user waits on; it is stripped before anything is sent.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any, Iterator, Mapping, TypeGuard

from ruamel.yaml import YAML
from ruamel.yaml.compat import _DEFAULT_YAML_VERSION
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.main import CParser  # ruamel.yaml.clib's C parser; None without it (then: pure)
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tag import Tag

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
from ..parameters import PARAMETERS, is_request_body
from ..patterns import lazy

MAX_NODES = 200_000  # more nodes than any real config has: stop and report instead
MAX_FIELD_VALUES = 20_000  # what one field may expand to once aliases are followed
ADVISOR_KEY = "x-advisor"
_UNSAFE_TAG = lazy(r"^tag:yaml\.org,2002:python/|^!!python/")
_TEMPLATE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_ROLES = {"user": Role.USER, "assistant": Role.ASSISTANT, "system": Role.SYSTEM}

# The C composer (ruamel.yaml.clib) is several times faster, but as C code it overflows its
# stack (the process dies with SIGSEGV) on absurdly nested input: flow collections
# (``[[[[``) or block ones (``- - - -``, ``? ? ?``, or thousands of indentation columns).
# Such files go to the pure-Python composer, which raises RecursionError instead, reported
# as a parse error. Both bounds over-estimate (brackets inside strings count too), which only
# costs speed on files no real config resembles.
_fast_yaml = YAML(typ="safe")
MAX_DEPTH_FOR_C = 500
_BRACKETS = lazy(r"[\[\]{}]")  # only past MAX_DEPTH_FOR_C brackets: compiled for the first such file
_BLOCK_PREFIX = re.compile(r"^[ \t]*(?:[-?:](?:[ \t]+|$))*", re.MULTILINE)


@functools.cache
def _pure_yaml() -> YAML:
    """The pure-Python composer, made for the first file too deep for the C one."""
    return YAML(typ="safe", pure=True)


def _flow_depth(source: str) -> int:
    """An upper bound of flow-collection nesting."""
    opening = source.count("[") + source.count("{")
    if opening <= MAX_DEPTH_FOR_C:
        return opening  # too few brackets to nest past the limit (counted in C)
    depth = deepest = 0
    for match in _BRACKETS().finditer(source):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _block_depth(source: str) -> int:
    """An upper bound of block nesting: each level costs at least one character of a line's
    indentation or of its leading run of ``-``/``?``/``:`` indicators."""
    return max(map(len, _BLOCK_PREFIX.findall(source)), default=0)


def _composer(source: str) -> YAML:
    if ("[" in source or "{" in source) and _flow_depth(source) > MAX_DEPTH_FOR_C:
        return _pure_yaml()
    if _block_depth(source) > MAX_DEPTH_FOR_C:
        return _pure_yaml()
    return _fast_yaml


def _compose_all(source: str) -> list[Node | None]:
    """The root node of every document in ``source`` (`_composer` picks C or pure Python)."""
    yaml = _composer(source)
    if CParser is None or yaml.Parser is not CParser:
        return list(yaml.compose_all(source))
    composer = _CComposer(source)
    try:
        roots = []
        while composer.check_node():
            roots.append(composer.get_node())
        return roots
    finally:
        composer.dispose()


if CParser is not None:
    class _CComposer(CParser, VersionedResolver):
        """The C composer with ruamel.yaml's YAML 1.2 tag resolution, as ``YAML(typ="safe")``
        composes, made as one class: ``YAML.compose_all`` builds a new loader class for every
        file and asks, for every scalar, which YAML version applies by looking for attributes
        the C loader never has (an exception each time); here the answer is the one it
        always reaches, the default version.

        The C parser asks `resolve` for the tag of every node. ruamel.yaml's answer rebuilds
        the version's table of implicit resolvers in every new loader (eight regular
        expressions registered per file) and makes a new `Tag` per plain scalar; here the
        table is ruamel.yaml's own, taken once per process (`_implicit_resolvers`), and each
        tag it can give is one shared `Tag`, as the default tags already are."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            VersionedResolver.__init__(self, loadumper=self)

        @property
        def processing_version(self) -> Any:
            return _DEFAULT_YAML_VERSION

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode and implicit[0] and _IMPLICIT is not None and not self.yaml_path_resolvers:
                for tag, pattern in _IMPLICIT.get(value[:1], ()):
                    if pattern.match(value):
                        return tag
                return self.DEFAULT_SCALAR_TAG
            return VersionedResolver.resolve(self, kind, value, implicit)


def _implicit_resolvers() -> dict[str, tuple[tuple[Tag, Any], ...]] | None:
    """ruamel.yaml's implicit resolvers of the default YAML version by a scalar's first
    character ("" for the empty scalar), in its order, each with one shared `Tag`; None
    (ruamel.yaml resolves) if some apply whatever the first character (none in YAML 1.2)."""
    table = VersionedResolver(_DEFAULT_YAML_VERSION).versioned_resolver
    if None in table:
        return None
    tags: dict[str, Tag] = {}
    return {first: tuple((tags.setdefault(tag, Tag(suffix=tag)), pattern) for tag, pattern in resolvers)
            for first, resolvers in table.items()}


_IMPLICIT = _implicit_resolvers()


class _TooLarge(Exception):
    pass


class NodeReader:
    """Walks one file's node graph once, with a node budget, collecting request bodies."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.visited: set[int] = set()
        self.converted: dict[int, Any] = {}
        self.budget = MAX_NODES
        self.bomb_reported = False

    # -- positions ---------------------------------------------------------------------

    def span(self, node: Node) -> Span:
        return self.document.lines.span(node.start_mark.index, node.end_mark.index)

    def raw(self, node: Node) -> str:
        return self.document.source[node.start_mark.index:node.end_mark.index]

    # -- walking -----------------------------------------------------------------------

    def _spend(self) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise _TooLarge()

    def walk(self, node: Node) -> Iterator[Node]:
        """Every node reachable from ``node``, each once (aliases are not re-entered)."""
        stack = [node]
        visited = self.visited
        while stack:
            current = stack.pop()
            if id(current) in visited:
                continue
            visited.add(id(current))
            self.budget -= 1  # `_spend`, inline: once per node of the file
            if self.budget < 0:
                raise _TooLarge()
            yield current
            if isinstance(current, MappingNode):
                for key, value in reversed(current.value):
                    stack.append(value)
                    stack.append(key)
            elif isinstance(current, SequenceNode):
                stack.extend(reversed(current.value))

    # -- scalars -------------------------------------------------------------------------

    @staticmethod
    def scalar(node: Node | None) -> Any:
        """A scalar's value by its resolved tag, without constructing anything."""
        if not isinstance(node, ScalarNode):
            return None
        tag, text = tag_text(node), node.value
        if tag.endswith(":str"):
            return text  # most scalars: keys and prompt text
        try:
            if tag.endswith(":int"):
                return int(text.replace("_", ""), 0)
            if tag.endswith(":float"):
                return float(text.replace("_", ""))
        except ValueError:
            return text
        if tag.endswith(":bool"):
            return text.lower() in {"true", "yes", "on"}
        if tag.endswith(":null"):
            return None
        return text

    def to_python(self, node: Node, depth: int = 0) -> Any:
        """Plain data for ``extra`` fields. Shared (aliased) nodes become shared objects,
        as a YAML constructor would make them, so aliases never multiply the work."""
        key = id(node)
        if key in self.converted:
            return self.converted[key]
        self._spend()
        if depth > 100:
            raise RecursionError("nested too deeply")  # reported as such by load()
        if isinstance(node, MappingNode):
            value: Any = {}
            self.converted[key] = value
            for k, v in node.value:
                value[str(self.scalar(k))] = self.to_python(v, depth + 1)
        elif isinstance(node, SequenceNode):
            value = []
            self.converted[key] = value
            value.extend(self.to_python(item, depth + 1) for item in node.value)
        else:
            value = self.scalar(node)
            self.converted[key] = value
        return value

    def field(self, node: Node | None) -> Field[Any]:
        if node is None:
            return Field.absent()
        if isinstance(node, ScalarNode):
            value = self.scalar(node)
            if isinstance(value, str) and _TEMPLATE_TAG.search(value):
                return Field.dynamic(self.span(node), value)
            return Field.literal(value, self.span(node))
        value = self.to_python(node)
        if self.expanded_size(node) > MAX_FIELD_VALUES:
            # shared (aliased) nodes cost nothing here, but anything that prints, hashes or
            # counts the value follows every alias: a 600-byte file can expand to gigabytes.
            # One problem per file: a bomb is usually built from many such fields.
            if not self.bomb_reported:
                self.bomb_reported = True
                self.document.problems.append(Problem(
                    f"a field expands to more than {MAX_FIELD_VALUES:,} values once its aliases are "
                    "followed (an alias bomb?); it and any others like it were not read", self.span(node)))
            return Field.dynamic(self.span(node), "an alias-expanded value")
        return Field.literal(value, self.span(node))

    def parameter(self, name: str, node: Node | None) -> Field[Any]:
        """A request parameter's field, its value typed as :mod:`advisor.parameters` says
        (``max_tokens: "300"`` is the budget 300); a value of another type stays as written."""
        found = self.field(node)
        if found.is_literal:
            typed, value = PARAMETERS[name].coerce(found.value)
            if typed and value is not found.value:
                return Field.literal(value, found.span, found.source)
        return found

    def expanded_size(self, node: Node) -> float:
        """How many values ``node`` stands for with every alias followed (infinite for a
        self-referencing one), computed once per shared node."""
        sizes: dict[int, float] = {}
        open_nodes: set[int] = set()

        def size(current: Node) -> float:
            key = id(current)
            if key in sizes:
                return sizes[key]
            if key in open_nodes:
                return math.inf
            open_nodes.add(key)
            children = current.value if isinstance(current, SequenceNode) else (
                [v for pair in current.value for v in pair] if isinstance(current, MappingNode) else [])
            total = 1.0
            for child in children:
                total += size(child)
                if total > MAX_FIELD_VALUES:
                    break
            open_nodes.discard(key)
            sizes[key] = total
            return total

        return size(node)

    # -- prompt text -----------------------------------------------------------------

    def text(self, node: ScalarNode, role: Role | str, name: str) -> PromptText:
        builder = TextBuilder(self.document.lines)
        builder.aligned(str(node.value), self.raw(node), node.start_mark.index)
        return builder.build(path=self.document.path, role=role, name=name)

    def texts(self, node: Node, role: Role | str, name: str) -> tuple[list[PromptText], bool]:
        """Prompt texts from a string or a list of content blocks; True if some were not text."""
        if isinstance(node, ScalarNode):
            value = self.scalar(node)
            if isinstance(value, str):
                return [self.text(node, role, name)], False
            return [], True
        if isinstance(node, SequenceNode):
            found, opaque = [], False
            for index, block in enumerate(node.value):
                text_node = mapping(block).get("text") if isinstance(block, MappingNode) else None
                if isinstance(text_node, ScalarNode):
                    found.append(self.text(text_node, role, f"{name}[{index}].text"))
                elif isinstance(block, ScalarNode):
                    found.append(self.text(block, role, f"{name}[{index}]"))
                elif not (isinstance(block, MappingNode) and self.scalar(mapping(block).get("type")) in {"image", "document"}):
                    opaque = True
            return found, opaque
        return [], True

    def has_cache_control(self, node: Node) -> Node | None:
        seen = set()
        stack = [node]
        while stack:
            current = stack.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            self._spend()
            if isinstance(current, MappingNode):
                for key, value in current.value:
                    if self.scalar(key) == "cache_control":
                        return key
                    stack.append(value)
            elif isinstance(current, SequenceNode):
                stack.extend(current.value)
        return None

    # -- request bodies ------------------------------------------------------------------

    def call(self, node: MappingNode) -> PromptCall:
        keys = mapping(node)
        call = PromptCall(path=self.document.path, span=self.span(node), api=CallApi.BODY)
        for key in duplicate_keys(node):
            self.document.problems.append(Problem(
                f"`{str(key.value)[:60]}` is set twice in this request; the later value is the one sent "
                "(and the one checked): delete the other", self.span(key)))
        call.model = self.parameter("model", keys.get("model"))
        call.max_tokens = self.parameter("max_tokens", keys.get("max_tokens"))
        call.stream = self.parameter("stream", keys.get("stream"))
        call.temperature = self.parameter("temperature", keys.get("temperature"))
        call.top_p = self.parameter("top_p", keys.get("top_p"))
        call.top_k = self.parameter("top_k", keys.get("top_k"))
        output_config = keys.get("output_config")
        if isinstance(output_config, MappingNode):
            call.effort = self.field(mapping(output_config).get("effort"))
        cache_key = self.has_cache_control(node)
        if cache_key is not None:
            call.cache_control = Field.literal(True, self.span(cache_key))
        if "system" in keys:
            call.system, call.system_dynamic = self.texts(keys["system"], Role.SYSTEM, "system")
        messages = keys.get("messages")
        if isinstance(messages, SequenceNode):
            for index, message in enumerate(messages.value):
                if not isinstance(message, MappingNode):
                    call.messages_dynamic = True
                    continue
                parts = mapping(message)
                role = self.scalar(parts.get("role")) or "user"
                content = parts.get("content")
                if content is None:
                    continue
                texts, opaque = self.texts(content, _ROLES.get(str(role), str(role)), f"messages[{index}].content")
                call.messages.extend(texts)
                call.messages_dynamic |= opaque
        elif messages is not None:
            call.messages_dynamic = True
        call.where = self.where(keys.get(ADVISOR_KEY))
        known = {"model", "max_tokens", "stream", "temperature", "top_p", "top_k", "system", "messages", ADVISOR_KEY}
        call.extra = {str(self.scalar(k)): self.field(v) for k, v in node.value if self.scalar(k) not in known}
        return call

    def where(self, node: Node | None) -> Where:
        if not isinstance(node, MappingNode):
            return Where.unknown()
        runs_in = mapping(node).get("runs-in")
        value = str(self.scalar(runs_in) or "").lower()
        if runs_in is not None and value in {RunsIn.UI.value, RunsIn.BATCH.value}:
            reason = "config marked `runs-in: ui`" if value == "ui" else "config marked `runs-in: batch`"
            return Where(RunsIn(value), reason, self.span(runs_in))
        return Where.unknown()


def tag_text(node: Node) -> str:
    """A node's resolved tag as text (``tag:yaml.org,2002:int``), "" for none: what
    ``node.tag or ""`` says, read from the tag's own cached text instead of making a new
    string each time (asked for every node and scalar read)."""
    tag = node.ctag
    return (tag.trval or "") if tag is not None else ""


def mapping(node: MappingNode) -> dict[str, Node]:
    """A mapping node's values by string key. The last occurrence of a key wins, as in the
    JSON parsers that read a request (the API's, Python's ``json``), so advisor judges the
    value that is sent; `duplicate_keys` reports the others."""
    return {key.value: value for key, value in node.value if isinstance(key, ScalarNode)}


def duplicate_keys(node: MappingNode) -> list[ScalarNode]:
    """Keys that a later occurrence in the same mapping overrides."""
    last = {key.value: key for key, _ in node.value if isinstance(key, ScalarNode)}
    return [key for key, _ in node.value if isinstance(key, ScalarNode) and last[key.value] is not key]


def is_request(node: Node) -> TypeGuard[MappingNode]:
    if not isinstance(node, MappingNode):
        return False
    return is_request_body({k.value for k, _ in node.value if isinstance(k, ScalarNode)})


_MODEL_KEY = re.compile(r"""(?:^|[{,\s])["']?model["']?\s*:""", re.MULTILINE)
_PROMPT_KEY = re.compile(r"""(?:^|[{,\s])["']?(?:messages|system)["']?\s*:""", re.MULTILINE)


_PROMPTFOO = lazy(r"^providers\s*:", re.MULTILINE)


def looks_like_request_config(source: str, path: str = "") -> bool:
    """A cheap pre-check for walked files: could this text hold a Messages API body or a
    promptfoo config? (Keys, not words: a CI workflow that mentions "model" is not one.)"""
    # substring tests first: the patterns try every position of the file, and most JSON and
    # YAML a walk meets (package.json, data, CI) has no "model" at all
    if "anthropic:" in source and _PROMPTFOO().search(source):
        return True
    return bool("model" in source and _MODEL_KEY.search(source) and _PROMPT_KEY.search(source))


def _problem_from(error: Exception, lines: LineIndex) -> Problem:
    if isinstance(error, MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        line, column = mark.line + 1, mark.column + 1
        message = " ".join(part for part in (error.context, error.problem) if part)
        return Problem(f"invalid YAML/JSON: {message}", Span(line, column, line, column))
    return Problem(f"invalid YAML/JSON: {error}")


def load(path: str, source: str, *, variables: Mapping[str, Any] | None = None) -> Document:
    lines = LineIndex(source)
    document = Document(path, Kind.CONFIG, source, lines)
    try:
        roots = _compose_all(source)
    except RecursionError:
        document.problems.append(Problem("YAML/JSON nested too deeply to read"))
        return document
    except (YAMLError, ValueError) as error:
        document.problems.append(_problem_from(error, lines))
        return document
    reader = NodeReader(document)
    from .promptfoo import (  # promptfoo builds on this module's reader
        is_promptfoo,
        read_calls,
    )

    try:
        for root in roots:
            if root is None:
                continue
            if is_promptfoo(root):
                document.calls.extend(read_calls(root, reader))
            for node in reader.walk(root):
                tag = tag_text(node)
                if "python/" in tag and _UNSAFE_TAG().match(tag):
                    tag = tag.replace("tag:yaml.org,2002:", "!!")
                    document.problems.append(
                        Problem(f"unsafe YAML tag {tag} ignored: advisor never constructs Python objects", reader.span(node))
                    )
                elif is_request(node):
                    document.calls.append(reader.call(node))
    except _TooLarge:
        document.problems.append(
            Problem(f"YAML/JSON expands to more than {MAX_NODES:,} nodes (an alias bomb?); the rest was not read")
        )
    except RecursionError:
        document.problems.append(Problem("YAML/JSON nested too deeply to read"))
    return document
