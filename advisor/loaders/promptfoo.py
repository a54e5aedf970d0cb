"""promptfoo configs: every Anthropic provider crossed with every prompt is a call.

Prompt repositories often keep their calls in a ``promptfooconfig.yaml``: ``providers`` such
as ``anthropic:messages:claude-sonnet-5-5`` with their ``config`` (max_tokens, temperature),
and ``prompts`` inline or as ``file://`` references. Inline prompts are linted in place;
``file://`` prompts become links resolved next to the config, so model-choice and budget
rules judge the task those files describe.
"""

from __future__ import annotations

from typing import TypeGuard

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..model import CallApi, Field, Link, PromptCall, PromptText, Role
from .yamljson import NodeReader, mapping

ANTHROPIC_PREFIXES = ("anthropic:messages:", "anthropic:chat:", "anthropic:")
# promptfoo sends max_tokens 1024 unless configured: not missing, but not written here either.
DEFAULT_MAX_TOKENS = "promptfoo's default max_tokens (1024)"


def is_promptfoo(node: Node) -> TypeGuard[MappingNode]:
    if not isinstance(node, MappingNode):
        return False
    keys = set(mapping(node))
    return "providers" in keys and "prompts" in keys


def _sequence(node: Node | None) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    return [node] if node is not None else []


def _provider(node: Node, reader: NodeReader) -> tuple[str, ScalarNode, MappingNode | None] | None:
    """(model id, the id scalar, the config mapping) of an Anthropic provider."""
    id_node: Node | None
    config: MappingNode | None = None
    if isinstance(node, ScalarNode):
        id_node = node
    elif isinstance(node, MappingNode):
        id_node = mapping(node).get("id")
        found = mapping(node).get("config")
        config = found if isinstance(found, MappingNode) else None
    else:
        return None
    if not isinstance(id_node, ScalarNode) or not isinstance(id_node.value, str):
        return None
    for prefix in ANTHROPIC_PREFIXES:
        if id_node.value.startswith(prefix):
            model = id_node.value[len(prefix):]
            return (model, id_node, config) if model and ":" not in model else None
    return None


def _prompts(node: Node | None, reader: NodeReader) -> tuple[list[PromptText], list[Link]]:
    texts: list[PromptText] = []
    links: list[Link] = []
    for index, entry in enumerate(_sequence(node)):
        item = (mapping(entry).get("raw") or mapping(entry).get("id")) if isinstance(entry, MappingNode) else entry
        if not isinstance(item, ScalarNode) or not isinstance(item.value, str):
            continue
        value = item.value.strip()
        if value.startswith("file://"):
            name = value[len("file://"):]
            if not any(char in name for char in "*?[") and ":" not in name:
                links.append(Link(name, Role.USER, reader.span(item), relative_to_file=True))
        else:
            texts.append(reader.text(item, Role.USER, f"prompts[{index}]"))
    return texts, links


def read_calls(root: MappingNode, reader: NodeReader) -> list[PromptCall]:
    keys = mapping(root)
    texts, links = _prompts(keys.get("prompts"), reader)
    calls = []
    for provider in _sequence(keys.get("providers")):
        found = _provider(provider, reader)
        if found is None:
            continue
        model, id_node, config = found
        call = PromptCall(path=reader.document.path, span=reader.span(provider), api=CallApi.BODY)
        call.model = Field.literal(model, reader.span(id_node))
        settings = mapping(config) if config is not None else {}
        call.max_tokens = reader.parameter("max_tokens", settings.get("max_tokens")) if "max_tokens" in settings else Field.dynamic(
            reader.span(id_node), DEFAULT_MAX_TOKENS
        )
        for name in ("temperature", "top_p", "top_k", "stream"):
            setattr(call, name, reader.parameter(name, settings.get(name)))
        call.messages = list(texts)
        call.links = list(links)
        calls.append(call)
    return calls
