"""Reading one Python file into a Document: parse, walk, then read each API call."""

from __future__ import annotations

import warnings
from typing import Any, Callable, Mapping

from ...model import Document, Problem, PromptCall
from .calls import CallReader
from .module import new_document, parse_module
from .outline import Found
from .streams import Streams
from .wrappers import WrapperCalls


def load(path: str, source: str, *, variables: Mapping[str, Any] | None = None) -> Document:
    """Reads one Python file; problems become :class:`Problem`s, never exceptions.

    ``variables`` (sample values for templates) is accepted for the common loader signature;
    Python fields stay slots, since their values come from code we do not run.
    """
    document = new_document(path, source)
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
    parsed = parse_module(document)
    if isinstance(parsed, Problem):
        document.problems.append(parsed)
        return
    document.parsed = parsed
    tree, positions, outline, texts = parsed.tree, parsed.positions, parsed.outline, parsed.texts
    document.texts.extend(texts.constants(tree, parsed.module))
    calls = CallReader(document, positions, texts, parsed.values)
    contexts = parsed.contexts
    streams = Streams(tree, positions, parsed.scopes)
    readers: list[tuple[Found, Callable[[Found], PromptCall | None]]] = [
        (found, calls.read) for found in outline.api_calls]
    readers.extend(WrapperCalls(document, tree, positions, outline, texts, calls).found())
    for found, read in readers:
        try:
            call = read(found)
            if call is None:
                continue  # a wrapper call to another provider's model
            call.where = contexts.where(found.frame)
            call.buffered = streams.buffered(found, call)
        except (RecursionError, MemoryError):
            document.problems.append(Problem("Python code nested too deeply to analyse this call",
                                             positions.span(found.node)))
            continue
        document.calls.append(call)
