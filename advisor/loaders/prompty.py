"""``.prompty`` files: YAML front matter with the model parameters, then the prompt.

The front matter (between ``---`` lines) says which model and parameters the prompt runs
with (``model.configuration.model`` or ``azure_deployment``, ``model.parameters``); the
body is a template whose ``system:`` / ``user:`` / ``assistant:`` lines start each
message. The file becomes one call whose texts map back to the body's exact positions.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

from ..model import (
    CallApi,
    Document,
    Kind,
    LineIndex,
    Problem,
    PromptCall,
    Role,
    TextBuilder,
)
from . import yamljson

_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(?P<yaml>.*?)^---[ \t]*\r?$\n?", re.DOTALL | re.MULTILINE)
_ROLE_LINE = re.compile(r"^[ \t]*(system|user|assistant)[ \t]*:[ \t]*\r?$\n?", re.IGNORECASE | re.MULTILINE)
_ROLES = {"system": Role.SYSTEM, "user": Role.USER, "assistant": Role.ASSISTANT}


def _child(node: Node | None, *keys: str) -> Node | None:
    for key in keys:
        if not isinstance(node, MappingNode):
            return None
        node = yamljson.mapping(node).get(key)
    return node


def _front_matter(document: Document, text: str, offset: int) -> PromptCall | None:
    """The call the front matter describes, with spans into the whole file."""
    padded = "\n" * document.source.count("\n", 0, offset) + text  # keep line numbers
    padded_doc = Document(document.path, Kind.CONFIG, padded, LineIndex(padded))
    try:
        root = yamljson._composer(padded).compose(padded)
    except RecursionError:
        document.problems.append(Problem("front matter nested too deeply to read", document.lines.span(offset, offset)))
        return None
    except Exception as error:  # reported like any YAML problem, the body is still linted
        document.problems.append(yamljson._problem_from(error, document.lines))
        return None
    reader = yamljson.NodeReader(padded_doc)
    model = _child(root, "model")
    call = PromptCall(path=document.path, span=reader.span(root) if root is not None else document.lines.span(0, 0), api=CallApi.BODY)
    configuration = _child(model, "configuration")
    model_id = _child(configuration, "model") or _child(configuration, "azure_deployment") or _child(configuration, "name")
    if isinstance(model_id, ScalarNode):
        call.model = reader.parameter("model", model_id)
    parameters = _child(model, "parameters")
    for name in ("max_tokens", "temperature", "top_p", "top_k", "stream"):
        setattr(call, name, reader.parameter(name, _child(parameters, name)))
    return call


def load(path: str, source: str, *, variables: Mapping[str, Any] | None = None) -> Document:
    lines = LineIndex(source)
    document = Document(path, Kind.TEMPLATE, source, lines)
    front = _FRONT.match(source)
    body_start = front.end() if front else 0
    call = _front_matter(document, front.group("yaml"), front.start("yaml")) if front else None
    if front is None:
        document.problems.append(Problem("no front matter: a .prompty file starts with --- YAML --- (read as plain text)"))
    markers = list(_ROLE_LINE.finditer(source, body_start))
    pieces = [(Role.SYSTEM if not markers else _ROLES[m.group(1).lower()], m.end(), nxt.start() if nxt else len(source))
              for m, nxt in zip(markers, [*markers[1:], None])]
    if not markers:
        pieces = [(Role.USER, body_start, len(source))]
    texts = []
    for role, start, end in pieces:
        if not source[start:end].strip():
            continue
        builder = TextBuilder(lines)
        builder.exact(source[start:end], start)
        texts.append(builder.build(path=path, role=role, name=role.value))
    if call is None:
        document.texts.extend(texts)
        return document
    call.system = [t for t in texts if t.role is Role.SYSTEM]
    call.messages = [t for t in texts if t.role is not Role.SYSTEM]
    document.calls.append(call)
    return document
