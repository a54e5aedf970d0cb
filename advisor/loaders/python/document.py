"""Reading one Python file into a Document: parse, walk, then read each API call."""

from __future__ import annotations

import ast
import warnings
from typing import Any, Callable, Mapping

from ...model import Document, Kind, LineIndex, Problem, PromptCall
from .calls import CallReader
from .files import FileReads
from .outline import Found, Walker
from .positions import Positions
from .runs_in import Contexts
from .scopes import build_scopes
from .streams import Streams
from .texts import Texts
from .wrappers import WrapperCalls


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
    positions = Positions(source, bom, document.lines)
    try:
        tree = ast.parse(source[bom:])
    except SyntaxError as error:
        document.problems.append(_syntax_problem(error, positions))
        return
    except (RecursionError, MemoryError):
        document.problems.append(Problem("Python code nested too deeply to parse"))
        return
    except (ValueError, UnicodeError) as error:  # NUL bytes (3.11), lone surrogates
        document.problems.append(Problem(f"invalid Python source: {error}"))
        return
    module, scopes = build_scopes(tree)
    outline = Walker(scopes).walk(tree, module)
    texts = Texts(document, positions, outline, FileReads(positions, outline))
    document.texts.extend(texts.constants(tree, module))
    calls = CallReader(document, positions, texts)
    contexts = Contexts(positions, outline, document.path)
    streams = Streams(tree, positions, scopes)
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


def _syntax_problem(error: SyntaxError, positions: Positions) -> Problem:
    """A SyntaxError as a Problem at the error (its offsets count characters, 1-based)."""
    message = f"invalid Python syntax: {error.msg}"
    if not error.lineno:
        return Problem(message)
    column = error.offset or 1
    start = positions.offset(error.lineno, column - 1, in_bytes=False)
    end = start
    if error.end_lineno and error.end_offset and (error.end_lineno, error.end_offset) > (error.lineno, column):
        end = positions.offset(error.end_lineno, error.end_offset - 1, in_bytes=False)
    return Problem(message, positions.lines.span(start, end))
