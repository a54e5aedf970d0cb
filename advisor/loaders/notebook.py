"""Jupyter notebooks (``.ipynb``): the code cells, read as Python by the Python loader.

The notebook is read as JSON, never executed (no kernel, no ``nbformat``). Its code cells,
one after the other, become one Python source (the *linted source*), so every Python rule,
suppression comment and fix works as in a ``.py`` file; a :class:`~advisor.model.CellIndex`
says which cell each line belongs to, for the outputs (``nb.ipynb:cell 4:12:5``). The
linted source starts with one empty line that belongs to no cell: problems with the
notebook's structure are reported there. Markdown and raw cells are not code and not
prompts.

IPython syntax is not Python: a cell magic (``%%bash`` on the first line) makes the whole
cell a comment (``%%time``-style magics that time or capture Python keep their body);
line magics (``%pip``), shell lines (``!ls``, ``files = !ls``) and help (``obj?``) become
comments, at the start of a logical line only (a ``%`` or ``!`` inside a prompt string
is text). Only the escape character is replaced, so every position stays where it was.
A cell that still does not parse is reported and left out; the other cells are linted.

Fixes are written back into the JSON by `notebook_json`; this module's `NotebookFile`
holds what that needs.
"""

from __future__ import annotations

import ast
import json
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Mapping

from ..model import CellIndex, Document, Kind, LineIndex, Problem, Span
from ..sources import source_of
from . import python
from .notebook_json import NotebookFile

# Cell magics whose body is Python run under the magic (timed, captured): the body is linted.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
_CELL_MAGIC = re.compile(r"%%(\w+)")
_LINE_MAGIC = re.compile(
    r"[%!?]"  # %magic, !shell, ?help, ??source
    r"|[^#'\"]*\?\??\s*$"  # obj? / obj?? / f(x)? (a `?` ending a comment or string is Python)
    r"|[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*[%!]"  # files = !ls, t = %timeit -o f()
    # automagic: `pip install x` runs %pip in IPython; a name and then a word is never Python
    # (but `pip in x`, `cd if ok else y` are)
    r"|(?:pip|conda|mamba|cd|load_ext|matplotlib|autoreload)[ \t]+"
    r"(?!(?:in|is|and|or|not|if|else|for|async)\b)(?:[\w~/]|\.\.)"
)


_ESCAPED_NAME_CHARACTER = re.compile(r"\\u00[4-7]")  # \u0041-\u007a: a letter or _ written as a JSON escape
_MENTIONS_IMPORT = re.compile(r"\b(?:import|from)\s+anthropic\b")


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class Cell:
    """One code cell as the linted source holds it."""

    number: int  # 1-based, every cell of the notebook counted
    text: str  # the cell's source as the notebook stores it (lines joined)
    python: str  # the same with IPython syntax turned into comments (same length)
    neutralised: list[tuple[int, int]] = field(default_factory=list)  # changed lines (offsets in text)


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class Notebook:
    """A notebook read as JSON: its code cells, or the problems that kept it from being read
    (``cells`` is None when the file is not a notebook advisor can read at all)."""

    cells: list[Cell] | None
    problems: list[Problem]
    language: str | None = None


def load(path: str, text: str, *, variables: Mapping[str, Any] | None = None) -> Document:
    """The notebook's code cells as one Python document; problems become ``parse-error``."""
    notebook = read_notebook(text)
    if notebook.cells is None:
        # Not readable as a notebook: positions are those of the file itself.
        document = Document(path, Kind.PYTHON, text, LineIndex(text))
        document.problems.extend(notebook.problems)
        return document
    source, starts, offsets = _linted_source(notebook.cells)
    parsed = python.load(path, source)
    broken = _unparsable(notebook.cells) if parsed.problems else {}
    if broken:
        parsed = python.load(path, _blanked(notebook.cells, broken))
    document = Document(path, Kind.PYTHON, source, LineIndex(source), parsed.texts, parsed.calls)
    document.problems.extend(notebook.problems)
    for cell, error in broken.items():
        document.problems.append(_syntax_problem(cell, error, starts[cell.number]))
    document.problems.extend(parsed.problems)
    document.cells = CellIndex(tuple(starts[c.number] for c in notebook.cells), tuple(c.number for c in notebook.cells))
    document.container = NotebookFile(text, [(cell, offsets[cell.number]) for cell in notebook.cells])
    return document


def cells_source(text: str) -> str:
    """The code cells as written, laid out as they are linted (same lines and columns: only
    the IPython syntax advisor made into comments differs), which the report quotes; the
    file's own text if it is not a notebook (then positions are the file's)."""
    notebook = read_notebook(text)
    if notebook.cells is None:
        return text
    return _linted_source([Cell(cell.number, cell.text, cell.text) for cell in notebook.cells])[0]


def span_in_file(text: str, span: Span) -> Span:
    """Where a span of the linted source is in the notebook file's own text (its JSON), for
    an editor showing the file as text; a position outside the cells goes to the file's
    start. The span itself when the file is not read as a notebook."""
    notebook = read_notebook(text)
    if notebook.cells is None:
        return span
    source, _, offsets = _linted_source(notebook.cells)
    linted = LineIndex(source)
    container = NotebookFile(text, [(cell, offsets[cell.number]) for cell in notebook.cells])
    start = container.file_offset(linted.offset(span.line, span.column))
    end = container.file_offset(linted.offset(span.end_line, span.end_column))
    start = 0 if start is None else start
    return LineIndex(text).span(start, start if end is None else end)


def is_relevant(text: str, path: str = "") -> bool:
    """The relevance sniff: the code cells are what the Python row's sniff accepts (they
    import the SDK), whatever that sniff grows to accept. A notebook whose text never spells
    a package's name is not read at all (unless it writes a letter as a JSON escape, which
    could spell one): most notebooks a walk meets are analyses, often megabytes of outputs."""
    if not python.names_a_claude_package(text) and not _ESCAPED_NAME_CHARACTER.search(text):
        return False
    notebook = read_notebook(text)
    if notebook.cells is None:  # not readable as a notebook: report it if it plainly uses the SDK
        return bool(_MENTIONS_IMPORT.search(text))
    if not notebook.cells:
        return False
    return source_of("cells.py", Kind.PYTHON).relevant("".join(cell.python + "\n" for cell in notebook.cells), path)


@lru_cache(maxsize=4)  # the sniff and the loader read the same text one after the other
def read_notebook(text: str) -> Notebook:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        span = Span.point(error.lineno, error.colno)
        return Notebook(None, [Problem(f"not a valid notebook: invalid JSON: {error.msg}", span)])
    except RecursionError:
        return Notebook(None, [Problem("not a valid notebook: JSON nested too deeply to read")])
    if not isinstance(data, dict):
        return Notebook(None, [Problem(f"not a valid notebook: the top level is {_kind(data)}, not an object")])
    cells = data.get("cells")
    if not isinstance(cells, list):
        found = "no \"cells\" list" if cells is None else f"\"cells\" is {_kind(cells)}, not a list"
        old = " (an nbformat 3 notebook: convert it with `jupyter nbconvert --to notebook`)" if "worksheets" in data else ""
        return Notebook(None, [Problem(f"not a valid notebook: {found}{old}")])
    language = _language(data.get("metadata"))
    if language is not None and language != "python":
        return Notebook([], [], language)  # an R or Julia notebook: nothing here is Python
    problems: list[Problem] = []
    code: list[Cell] = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            problems.append(Problem(f"cell {number} is {_kind(cell)}, not an object; skipped"))
            continue
        if cell.get("cell_type") != "code":
            if not isinstance(cell.get("cell_type"), str):
                problems.append(Problem(f"cell {number} has no cell_type; skipped"))
            continue  # markdown and raw cells: notes for people, not prompts
        source = cell.get("source")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str):
            found = "missing" if source is None else f"{_kind(source)}, not text or a list of lines"
            problems.append(Problem(f"cell {number}: its source is {found}; skipped"))
            continue
        code.append(_neutralise(number, source))
    return Notebook(code, problems, language)


def _language(metadata: Any) -> str | None:
    """The notebook's language as its metadata names it (None: not said)."""
    if not isinstance(metadata, dict):
        return None
    for table, key in (("language_info", "name"), ("kernelspec", "language")):
        entry = metadata.get(table)
        if isinstance(entry, dict) and isinstance(entry.get(key), str):
            return entry[key].strip().lower()
    return None


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _linted_source(cells: list[Cell]) -> tuple[str, dict[int, int], dict[int, int]]:
    """The code cells as one source (each ends with a newline), after one empty line that
    belongs to no cell; the first line and the offset of each cell, by cell number."""
    pieces = ["\n"]
    starts: dict[int, int] = {}
    offsets: dict[int, int] = {}
    line, offset = 2, 1
    for cell in cells:
        starts[cell.number], offsets[cell.number] = line, offset
        text = cell.python if cell.python.endswith("\n") or not cell.python else cell.python + "\n"
        pieces.append(text)
        line += text.count("\n")
        offset += len(text)
    return "".join(pieces), starts, offsets


def _neutralise(number: int, text: str) -> Cell:
    """The cell with IPython syntax made into Python comments, same length and lines."""
    cell = Cell(number, text, text)
    lines = text.splitlines(keepends=True)
    first = _CELL_MAGIC.match(lines[0]) if lines else None
    if first is not None and first.group(1) not in _PYTHON_CELL_MAGICS:
        _comment_lines(cell, lines, range(len(lines)))
        return cell
    wanted = []
    scanner = _LineScanner()
    continued_magic = False
    for index, line in enumerate(lines):
        body = line.rstrip("\r\n")
        if continued_magic or (index == 0 and first is not None) or (scanner.at_statement_start and
                                                                     _LINE_MAGIC.match(body.lstrip())):
            wanted.append(index)
            continued_magic = body.endswith("\\")
            continue
        scanner.feed(body)
    _comment_lines(cell, lines, wanted)
    return cell


def _comment_lines(cell: Cell, lines: list[str], indices: Any) -> None:
    """Turn the given lines into comments: a ``#`` replaces their first non-blank character."""
    python = list(cell.python)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    for index in indices:
        line = lines[index]
        indent = len(line) - len(line.lstrip(" \t"))
        if line[indent:].strip():
            python[starts[index] + indent] = "#"
            cell.neutralised.append((starts[index], starts[index] + len(line.rstrip("\r\n"))))
    cell.python = "".join(python)


class _LineScanner:
    """Just enough of Python's lexer to know whether a line starts a new statement: not
    inside brackets, a triple-quoted string, or after a backslash continuation."""

    def __init__(self) -> None:
        self.depth = 0
        self.quote: str | None = None  # the open triple quote
        self.continued = False

    @property
    def at_statement_start(self) -> bool:
        return self.depth == 0 and self.quote is None and not self.continued

    def feed(self, line: str) -> None:
        index, length = 0, len(line)
        closing, next_stop = self._closing, self._next_stop
        while index < length:
            if self.quote is not None:
                end = closing(line, index, self.quote)
                if end is None:
                    break
                self.quote, index = None, end
                continue
            stop = next_stop(line, index)  # the next character that can change the state
            if stop is None:
                break
            index = stop
            char = line[index]
            if char == "#":
                break
            if char in "\"'":
                if line.startswith(char * 3, index):
                    self.quote, index = char * 3, index + 3
                    continue
                end = closing(line, index + 1, char)
                index = length if end is None else end
                continue
            if char in "([{":
                self.depth += 1
            elif char in ")]}":
                self.depth = max(0, self.depth - 1)
            index += 1
        self.continued = self.quote is None and line.endswith("\\")

    @staticmethod
    def _next_stop(line: str, index: int) -> int | None:
        """Where the next character that can change the state is, at or after ``index``."""
        found = _CODE_STOP.search(line, index)
        return None if found is None else found.start()

    @staticmethod
    def _closing(line: str, index: int, quote: str) -> int | None:
        return _closing(line, index, quote)


# What the scanner stops at: outside strings, a comment, a quote or a bracket; inside a
# string, a backslash (it escapes the next character) or the closing quote. Jumping from one
# to the next with a search, not character by character: notebooks hold long prompt strings.
_CODE_STOP = re.compile(r"""[#"'()\[\]{}]""")
_STRING_STOPS = {quote: re.compile(r"\\|" + re.escape(quote)) for quote in ("'", '"', "'''", '"""')}


def _closing(line: str, index: int, quote: str) -> int | None:
    """The offset just after ``quote`` closes a string at or after ``index`` (escapes skipped)."""
    search = _STRING_STOPS[quote].search
    while True:
        found = search(line, index)
        if found is None:
            return None
        if found.group() != "\\":
            return found.end()
        index = found.start() + 2


def _unparsable(cells: list[Cell]) -> dict[Cell, SyntaxError]:
    """The cells that are not valid Python on their own, as Jupyter would run them. Only
    looked for when the Python loader met a problem (the common case parses once)."""
    broken: dict[Cell, SyntaxError] = {}
    for cell in cells:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ast.parse(cell.python)
        except SyntaxError as error:
            broken[cell] = error
        except (ValueError, RecursionError, MemoryError):
            pass  # the Python loader reports these for the whole source
    return broken


def _blanked(cells: list[Cell], broken: Mapping[Cell, SyntaxError]) -> str:
    """The linted source with the cells that do not parse emptied (their lines kept, so
    every other cell's positions hold) -- what the Python loader reads."""
    kept = [cell if cell not in broken else Cell(cell.number, "", re.sub(r"[^\n]", "", cell.python)) for cell in cells]
    return _linted_source(kept)[0]


def _syntax_problem(cell: Cell, error: SyntaxError, start: int) -> Problem:
    line = max(1, error.lineno or 1)
    column = max(1, error.offset or 1)
    return Problem(
        f"invalid Python syntax in cell {cell.number}: {error.msg}; that cell is not linted, the others are",
        Span.point(start + line - 1, column),
    )
