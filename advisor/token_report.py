"""``advisor tokens``: token counts per file and per API call, estimated or exact.

Offline counts are labelled estimates with their calibration; ``--exact`` sends the prompt
text advisor sees to the ``count_tokens`` endpoint (free, separately rate limited) with the
user's own key and endpoint from the environment, and says so next to each number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from . import analysis, tokens
from .catalog import load_catalog
from .config import Settings
from .discovery import Discovery
from .finish import sent_texts
from .loaders import decode
from .model import CellIndex, Document, PromptCall, PromptText, Role

if TYPE_CHECKING:
    import anthropic


@dataclass
class Count:
    """One line of `advisor tokens`: a file or call, its model and its token estimate."""

    label: str  # file path, or "path:line api model"
    model: str | None
    estimate: tokens.TokenEstimate
    dynamic: bool = False  # part of the prompt is filled at run time: the count is a floor

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "model": self.model, "dynamic_parts": self.dynamic, **self.estimate.to_dict()}


@dataclass
class TextExplanation:
    """How one prompt text was read: its parts (instruction or data, and why) and the
    length requests the rules saw or set aside, so a user can tell why a rule fired."""

    label: str  # "system", "user turn", "prompt" ... with its first line
    line: int
    parts: list[dict[str, Any]]
    requests: list[dict[str, Any]]

    cell: int | None = None  # in a notebook: the cell, and every line counted within it

    def as_dict(self) -> dict[str, Any]:
        data = {"label": self.label, "line": self.line, "parts": self.parts, "length_requests": self.requests}
        return data if self.cell is None else {**data, "cell": self.cell}

    def as_lines(self, indent: str) -> list[str]:
        cell = f"cell {self.cell}, " if self.cell is not None else ""
        lines = [f"{indent}{self.label} ({cell}line {self.line})"]
        for part in self.parts:
            where = f"line {part['line']}" if part["line"] == part["end_line"] else f"lines {part['line']}-{part['end_line']}"
            lines.append(f"{indent}  {part['kind']:<11} {where}: {part['reason']}")
        for request in self.requests:
            verdict = "asks for" if request["read"] else "set aside"
            lines.append(f"{indent}  {verdict} \"{request['phrase']}\" (line {request['line']}, {request['unit']})")
        return lines


def explain_text(text: PromptText, label: str, cells: CellIndex | None = None) -> TextExplanation:
    """How a text was read; in a notebook (``cells``) lines count within the text's cell."""
    first = text.span(0, 0).line
    cell = cells.locate(first) if cells is not None else None
    shift = first - cell[1] if cell is not None else 0
    pieces = analysis.text_parts(text)
    read = {(r.start, r.end) for r in analysis.text_requests(text)}
    parts_out = []
    for piece in pieces:
        chunk = text.text[piece.start:piece.end]
        if not chunk.strip():
            continue
        start = piece.start + len(chunk) - len(chunk.lstrip())
        span = text.span(start, piece.start + len(chunk.rstrip()))
        parts_out.append({"kind": piece.kind, "line": span.line - shift, "end_line": span.end_line - shift,
                          "reason": piece.reason})
    requests = [
        {"phrase": r.phrase, "unit": r.unit, "line": text.span(r.start, r.end).line - shift, "read": (r.start, r.end) in read}
        for r in analysis.all_text_requests(text)
    ]
    return TextExplanation(label, first - shift, parts_out, requests, cell[0] if cell is not None else None)


def _text_label(text: PromptText) -> str:
    role = text.role.value if isinstance(text.role, Role) else str(text.role)
    if text.earlier_turn:
        role = "earlier assistant turn"
    elif text.role == Role.ASSISTANT:
        role = "assistant prefill"
    return f"{role} {text.name}" if text.name else role


@dataclass
class TokenReport:
    """What `advisor tokens` shows: counts per file and per call, notes, and each text's
    reading with `--explain`."""

    files: list[tuple[Count, list[Count]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failed: bool = False
    explanations: dict[str, list[TextExplanation]] = field(default_factory=dict)  # file label -> texts

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": [
                {
                    **count.as_dict(),
                    "calls": [c.as_dict() for c in calls],
                    **({"texts": [e.as_dict() for e in self.explanations[count.label]]} if count.label in self.explanations else {}),
                }
                for count, calls in self.files
            ],
            "notes": self.notes,
        }

    def as_text(self) -> str:
        """One line per file and per call, then the total; how the counts were made is
        said once, at the end (each line marks an estimate with ``~``)."""
        lines = []
        for count, calls in self.files:
            lines.append(_line(count, ""))
            lines.extend(_line(call, "  ") for call in calls)
            for explanation in self.explanations.get(count.label, []):
                lines.extend(explanation.as_lines("  "))
        if self.files:
            total = _sum("total", [count for count, _ in self.files]).estimate
            files = f"{len(self.files)} file{'s' if len(self.files) != 1 else ''}"
            lines.append(f"total: {_figure(total)} in {files}")
            bases = dict.fromkeys(c.estimate.basis for count, calls in self.files for c in (count, *calls) if not c.estimate.exact)
            lines.extend(f"~ {basis}" for basis in bases if basis != SUM_BASIS)
            if any(c.estimate.exact for count, _ in self.files for c in (count,)):
                lines.append("exact: counted by the count_tokens API")
        return "\n".join(lines) + "\n"


SUM_BASIS = "sum of the parts listed below it"


def _sum(label: str, parts: list[Count]) -> Count:
    """A file's count as the sum of its calls (and prompt text no call sends), so the
    numbers a user reads add up."""
    bases = {part.estimate.basis for part in parts}
    estimate = tokens.TokenEstimate(
        tokens=sum(part.estimate.tokens for part in parts),
        low=sum(part.estimate.low for part in parts),
        high=sum(part.estimate.high for part in parts),
        exact=all(part.estimate.exact for part in parts),
        basis=bases.pop() if len(bases) == 1 else SUM_BASIS,
    )
    models = {part.model for part in parts}
    return Count(label, models.pop() if len(models) == 1 else None, estimate, any(part.dynamic for part in parts))


def _figure(e: tokens.TokenEstimate) -> str:
    return f"{e.tokens:,} tokens" if e.exact else f"~{e.tokens:,} tokens ({e.low:,}–{e.high:,})"


def _line_label(document: Document, line: int) -> str:
    """A line as the file shows it (``cell 4:12`` in a notebook)."""
    return document.cells.label(line) if document.cells is not None else str(line)


def _line(count: Count, indent: str) -> str:
    floor = " + dynamic parts" if count.dynamic else ""
    model = f" [{count.model}]" if count.model else ""
    return f"{indent}{count.label}{model}: {_figure(count.estimate)}{floor}"


def _body(texts: list[PromptText], model: str) -> dict[str, Any]:
    """A count_tokens body from the texts advisor sees: system texts first, the rest as turns."""
    system = "\n\n".join(t.static_text for t in texts if t.role == Role.SYSTEM)
    turns = [t for t in texts if t.role != Role.SYSTEM]
    messages = [
        {"role": "assistant" if t.role == Role.ASSISTANT else "user", "content": t.static_text or " "} for t in turns
    ] or [{"role": "user", "content": " "}]
    body: dict[str, Any] = {"model": model, "messages": _merge_same_roles(messages)}
    if system:
        body["system"] = system
    return body


def _merge_same_roles(messages: list[dict[str, str]]) -> list[dict[str, str]]:
    merged: list[dict[str, str]] = []
    for message in messages:
        if merged and merged[-1]["role"] == message["role"]:
            merged[-1] = {"role": message["role"], "content": merged[-1]["content"] + "\n\n" + message["content"]}
        else:
            merged.append(message)
    if merged[0]["role"] != "user":
        merged.insert(0, {"role": "user", "content": " "})
    return merged


EXACT_TIMEOUT_S = 30.0


class _Counter:
    def __init__(self, model: str | None, exact: bool, report: TokenReport) -> None:
        self.model = model
        self.exact = exact
        self.report = report
        self.catalog = load_catalog()
        self.client: anthropic.Anthropic | None = None  # made on the first exact count

    def count(self, label: str, texts: list[PromptText], model: str | None) -> Count:
        model = self.model or model
        dynamic = any(t.slots for t in texts)
        if self.exact and not self.report.failed:
            exact_model = model or self.catalog.fastest_current().id
            try:
                if self.client is None:
                    from .live.client import has_credentials, make_client

                    # a deadline for each count, not only for each read: a stalled gateway
                    # must not hold `tokens --exact` for ever
                    client = make_client(EXACT_TIMEOUT_S)
                    if not has_credentials(client):
                        raise MissingKey()
                    self.client = client
                estimate = tokens.exact_count(_body(texts, exact_model), client=self.client)
                return Count(label, exact_model, estimate, dynamic)
            except Exception as error:  # auth, network, rate limit: say so, fall back to estimates
                self.report.failed = True
                self.report.notes.append(f"exact counts failed: {_describe(error)}; showing offline estimates")
        raw = sum(tokens.raw_count(t.static_text) for t in texts)
        return Count(label, model, tokens.calibrate(raw, model, self.catalog), dynamic)


def _describe(error: Exception) -> str:
    """What went wrong and what to do, in words (no exception class names), and nothing
    that could echo a credential."""
    import anthropic

    if isinstance(error, MissingKey):
        return "no API key: set ANTHROPIC_API_KEY (count_tokens is free) or drop --exact"
    status = getattr(error, "status_code", None)
    if status in (401, 403):
        return f"the API refused the key (HTTP {status}): check ANTHROPIC_API_KEY"
    if status == 429:
        return "count_tokens is rate limited (HTTP 429): try again in a minute"
    if isinstance(error, anthropic.APITimeoutError):
        return f"no answer within {EXACT_TIMEOUT_S:g} s"
    if isinstance(error, anthropic.APIConnectionError):
        return "could not reach the API (check your network or ANTHROPIC_BASE_URL)"
    if status:
        return f"the API answered HTTP {status}"
    return "the API's answer could not be read"


class MissingKey(Exception):
    """`--exact` without credentials: said before any request is tried."""


def _call_model(call: PromptCall) -> str | None:
    value = call.model.get()
    return value if isinstance(value, str) else None


def token_report(
    paths: Sequence[str], settings: Settings, *, model: str | None = None, exact: bool = False, explain: bool = False
) -> TokenReport:
    from .engine import Linter  # the engine imports this module's neighbours: import when run

    report = TokenReport()
    counter = _Counter(model, exact, report)
    discovery = Discovery(settings)
    linter = Linter(settings, rules=[], use_cache=False)  # its reading and finishing, none of its rules
    for candidate in discovery.candidates([Path(p) for p in paths]):
        data = linter.read(candidate, discovery.notes)
        if data is None:
            continue
        source, problem = decode(data)
        if source is None:
            report.notes.append(f"{candidate.display}: {problem.message if problem else 'unreadable'}")
            continue
        document: Document
        document = linter.finish(candidate.display, candidate.kind, source, absolute=candidate.path, tree=candidate.tree).document
        texts = sent_texts(document)
        if not texts and not document.calls:
            continue
        calls = [
            counter.count(f"{call.path}:{_line_label(document, call.span.line)} {call.callee or call.api.value}",
                          [*call.texts, *call.linked_texts], _call_model(call))
            for call in document.calls
        ]
        sent = [t for call in document.calls for t in (*call.texts, *call.linked_texts)]
        unsent = [t for t in texts if t.static_text.strip() and all(t is not s for s in sent)]
        if calls and unsent:
            models = {c.model for c in calls}
            calls.append(counter.count(f"{candidate.display} text outside calls", unsent, models.pop() if len(models) == 1 else None))
        file_count = _sum(candidate.display, calls) if calls else counter.count(candidate.display, texts, None)
        report.files.append((file_count, calls))
        if explain:
            report.explanations[file_count.label] = [
                explain_text(t, _text_label(t), document.cells if t.path == document.path else None) for t in texts]
    report.notes.extend(f"{n.path}: {n.reason}" for n in discovery.notes)
    return report
