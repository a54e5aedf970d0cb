"""Where a call runs: a web handler or chat UI (a person waits), a batch job, or unknown.

Evidence is direct (a route decorator, a registration such as ``btn.click(fn)``, a
``__main__`` guard, a Streamlit import) or one level removed: a helper called from a
function with direct evidence inherits it. UI evidence wins over batch evidence.
"""

from __future__ import annotations

import ast
from typing import Iterator

from ...model import RunsIn, Where
from .nodes import argument, chain, dotted, last_name
from .outline import Frame, Function, Outline
from .positions import Positions

_UI, _BATCH = RunsIn.UI, RunsIn.BATCH
_MAIN_GUARD = '`if __name__ == "__main__"` block'
_WEB_FRAMEWORKS = (("fastapi", "FastAPI", "endpoint"), ("flask", "Flask", "route"), ("quart", "Quart", "route"),
                   ("sanic", "Sanic", "route"), ("aiohttp", "aiohttp", "handler"), ("starlette", "Starlette", "route"),
                   ("litestar", "Litestar", "handler"), ("bottle", "Bottle", "route"))
_HTTP_DECORATORS = {"get", "post", "put", "patch", "delete", "head", "options", "trace", "api_route",
                    "websocket", "websocket_route"}
_DJANGO_VIEW_DECORATORS = {"require_POST", "require_GET", "require_safe", "require_http_methods"}
_BOT_DECORATORS = {"command", "message", "event", "action", "shortcut", "view", "listen", "slash_command"}
_CLASS_VIEW_BASES = ("View", "ViewSet", "Endpoint", "RequestHandler", "Resource")
_VIEW_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "dispatch", "list", "create", "retrieve",
                 "update", "partial_update", "destroy", "on_receive", "on_connect", "on_message", "open"}
_CONSUMER_METHODS = {"receive", "receive_json", "connect", "websocket_receive", "websocket_connect"}
_GRADIO_EVENTS = {"click", "submit", "change", "input", "select", "then", "success", "load", "upload", "release",
                  "blur", "focus", "like", "retry", "edit"}
_TASK_FRAMEWORKS = (("celery", "Celery task"), ("airflow", "Airflow task"), ("prefect", "Prefect task"),
                    ("huey", "Huey task"), ("dramatiq", "Dramatiq task"), ("invoke", "Invoke task"))


def _pick(candidates: list[Where | None]) -> Where | None:
    """UI evidence wins over batch evidence: one waiting person is enough to care."""
    known = [where for where in candidates if where is not None]
    return next((where for where in known if where.kind is _UI), known[0] if known else None)


class Contexts:
    """Decides where each function runs, from the evidence this module shows."""

    def __init__(self, positions: Positions, outline: Outline, path: str) -> None:
        self.positions = positions
        self.outline = outline
        self.imports = outline.imports
        self.file_name = path.replace("\\", "/").rsplit("/", 1)[-1]
        self._own: dict[int, list[Where]] = {}
        self._callers: dict[int, list[tuple[Function, ast.Call]]] = {}
        self._app = self._module_app()
        self._script: Where | None = None
        for function in outline.functions:
            self._add(function, *self._decorated(function), self._structure(function))
        for call, frame in outline.calls:
            self._note_call(call, frame)
        self._direct: dict[int, Where | None] = {}
        for function in outline.functions:  # parents come first
            inherited = self._direct[id(function.parent)] if function.parent else None
            self._direct[id(function)] = _pick([*self._own.get(id(function), []), self._app, inherited])

    def where(self, frame: Frame) -> Where:
        function = frame.function
        if function is None:
            guard = Where(_BATCH, _MAIN_GUARD, self.positions.span(frame.guard.test)) if frame.guard else None
            return _pick([self._app, guard, self._script]) or Where.unknown()
        direct = self._direct[id(function)]
        helper = _pick([Where(where.kind, f"called from {where.reason}", self.positions.span(call))
                        for caller, call in self._callers.get(id(function), [])
                        if (where := self._direct[id(caller)]) is not None])
        for candidate in (direct, helper):
            if candidate is not None and candidate.kind is _UI:
                return candidate
        return direct or helper or Where.unknown()

    def _add(self, function: Function, *evidence: Where | None) -> None:
        self._own.setdefault(id(function), []).extend(where for where in evidence if where is not None)

    def _module_app(self) -> Where | None:
        """Streamlit reruns the whole script on every interaction: everything in it is UI."""
        statement = self.imports.get("streamlit")
        return Where(_UI, "Streamlit app", self.positions.span(statement)) if statement else None

    def _named(self, function: Function, kind: RunsIn, label: str, node: ast.AST) -> Where:
        return Where(kind, f"{label} `{function.qualname}`", self.positions.span(node))

    # -- decorators ------------------------------------------------------------------------

    def _decorated(self, function: Function) -> Iterator[Where]:
        for decorator in function.node.decorator_list:
            is_call = isinstance(decorator, ast.Call)
            label = self._decorator_label(dotted(decorator.func if isinstance(decorator, ast.Call) else decorator), is_call)
            if label is not None:
                yield self._named(function, *label, decorator)

    def _decorator_label(self, name: str, is_call: bool) -> tuple[RunsIn, str] | None:
        if not name:
            return None
        parts = name.split(".")
        last, receiver = parts[-1], (parts[-2] if len(parts) > 1 else "")
        if receiver in ("cl", "chainlit") and (last.startswith("on_") or last == "step"):
            return _UI, "Chainlit handler"
        if "shiny" in self.imports and {"render", "reactive"} & set(parts[:-1]):
            return _UI, "Shiny reactive function"
        if last in ("on", "event") and ("socketio" in receiver or receiver == "sio"):
            return _UI, "Socket.IO handler"
        bot = "Slack" if "slack_bolt" in self.imports else "Discord" if "discord" in self.imports else None
        if bot and receiver and last in _BOT_DECORATORS:
            return _UI, f"{bot} bot handler"
        if last == "route" and receiver:
            return _UI, "flask-sock websocket route" if receiver == "sock" else self._web_label(last)
        if last in _HTTP_DECORATORS and receiver and is_call:
            return _UI, self._web_label(last)
        if last == "api_view":
            return _UI, "Django REST framework view"
        if last in _DJANGO_VIEW_DECORATORS:
            return _UI, "Django view"
        if last in ("command", "group") and (receiver or is_call):
            return _BATCH, self._cli_label()
        worker = self._worker_label(last)
        return (_BATCH, worker) if worker else None

    def _web_label(self, decorator: str) -> str:
        name, noun = next(((name, noun) for module, name, noun in _WEB_FRAMEWORKS if module in self.imports),
                          ("web", "route handler"))
        return f"{name} websocket endpoint" if "websocket" in decorator else f"{name} {noun}"

    def _cli_label(self) -> str:
        if "click" in self.imports:
            return "click command"
        return "Typer command" if "typer" in self.imports else "command-line command"

    def _worker_label(self, last: str) -> str | None:
        if last in ("task", "periodic_task", "db_task", "db_periodic_task"):
            return next((label for module, label in _TASK_FRAMEWORKS if module in self.imports), "background task")
        return {
            "shared_task": "Celery task",
            "actor": "Dramatiq actor",
            "job": "RQ job",
            "scheduled_job": "APScheduler job",
            "dag": "Airflow DAG",
            "flow": "Prefect flow",
        }.get(last)

    # -- the shape of a function -------------------------------------------------------------

    def _structure(self, function: Function) -> Where | None:
        """Evidence from where a function sits: a view class, views.py, a Shiny server, main()."""
        node = function.node
        params = [arg.arg for arg in (*node.args.posonlyargs, *node.args.args)]
        top_level = function.parent is None and function.class_node is None
        if function.class_node is not None:
            return self._method_where(function)
        if top_level and self.file_name == "views.py" and params[:1] == ["request"]:
            return self._named(function, _UI, "Django view", node)
        if any(arg.annotation is not None and dotted(arg.annotation).endswith("WebSocket") for arg in node.args.args):
            return self._named(function, _UI, "websocket handler", node)
        if top_level and "shiny" in self.imports and node.name == "server" and params[:1] == ["input"]:
            return self._named(function, _UI, "Shiny server function", node)
        if top_level and node.name == "main":
            return Where(_BATCH, "`main()` function", self.positions.span(node))
        return None

    def _method_where(self, function: Function) -> Where | None:
        assert function.class_node is not None  # asked only of methods
        bases = [dotted(base).rsplit(".", 1)[-1] for base in function.class_node.bases]
        name = function.node.name
        if name in _VIEW_METHODS and any(base.endswith(_CLASS_VIEW_BASES) for base in bases):
            framework = next((label for module, label in (("django", "Django"), ("rest_framework", "Django"),
                                                          ("flask", "Flask"), ("starlette", "Starlette"),
                                                          ("tornado", "Tornado")) if module in self.imports), "")
            return self._named(function, _UI, f"{framework} class-based view".strip(), function.node)
        channels = "channels" in self.imports
        if name in _CONSUMER_METHODS and any(base.endswith("Consumer") and (channels or "Websocket" in base)
                                             for base in bases):
            label = "Django Channels consumer" if channels else "websocket consumer"
            return self._named(function, _UI, label, function.node)
        return None

    # -- calls: registrations, entry points, helpers ------------------------------------------

    def _note_call(self, call: ast.Call, frame: Frame) -> None:
        """Asked of every call in the module: the cheap test (the name the callee ends with)
        comes before building its dotted name."""
        registration = self._registration(call)
        if registration is not None:
            handler, kind, label = registration
            target = self.outline.callee(handler, frame)
            if target is not None:
                self._add(target, self._named(target, kind, label, call))
        if last_name(call.func).endswith("ArgumentParser") and dotted(call.func):
            if frame.function is not None:
                self._add(frame.function, self._named(frame.function, _BATCH, "argparse command-line entry point", call))
            else:
                self._script = self._script or Where(_BATCH, "argparse script", self.positions.span(call))
        if frame.guard is not None and frame.function is None:
            self._note_main_guard_call(call, frame)
        elif frame.function is not None:
            callee = self.outline.callee(call.func, frame)
            if callee is not None and callee is not frame.function:
                self._callers.setdefault(id(callee), []).append((frame.function, call))

    def _note_main_guard_call(self, call: ast.Call, frame: Frame) -> None:
        """Functions run from the ``__main__`` block: ``run()``, ``asyncio.run(main())``, ``typer.run(main)``."""
        references = [call.func, *call.args, *(keyword.value for keyword in call.keywords)]
        for reference in references:
            target = self.outline.callee(reference, frame)
            if target is not None:
                reason = f"function `{target.qualname}` called from the {_MAIN_GUARD}"
                self._add(target, Where(_BATCH, reason, self.positions.span(call)))

    def _registration(self, call: ast.Call) -> tuple[ast.expr, RunsIn, str] | None:
        """The function a call hands to a framework: ``btn.click(fn)``, ``Route("/", fn)``, ``.do(job)``."""
        names = chain(call.func)
        if not names:
            return None
        last, receiver = names[0], (names[1] if len(names) > 1 else "")
        found: tuple[ast.expr | None, RunsIn, str] | None = None
        if "gradio" in self.imports and last in ("Interface", "ChatInterface"):
            found = argument(call, "fn", 0), _UI, "Gradio interface function"
        elif "gradio" in self.imports and last in _GRADIO_EVENTS and receiver:
            found = argument(call, "fn", 0), _UI, "Gradio event handler"
        elif last in ("Route", "WebSocketRoute"):
            label = "Starlette websocket route" if last == "WebSocketRoute" else "Starlette route"
            found = argument(call, "endpoint", 1), _UI, label
        elif last == "add_url_rule":
            found = argument(call, "view_func", 2), _UI, "Flask route"
        elif "aiohttp" in self.imports and (receiver == "web" and last in _HTTP_DECORATORS | {"route"}
                                            or receiver == "router" and last.startswith("add_")):
            found = argument(call, "handler", len(call.args) - 1), _UI, "aiohttp handler"
        elif "websockets" in self.imports and last == "serve":
            found = argument(call, "handler", 0), _UI, "websocket handler"
        elif last == "do" and "every" in names:
            found = argument(call, "job_func", 0), _BATCH, "scheduled job"
        elif last == "add_job":
            found = argument(call, "func", 0), _BATCH, "APScheduler job"
        if found is not None and found[0] is not None:
            return found[0], found[1], found[2]
        return None
