"""Where a TypeScript/JavaScript call runs: a request handler (a person waits), a script or
scheduled job, or unknown.

Evidence is direct -- a Next.js route handler (an exported ``GET`` / ``POST`` … of an
``app/**/route.ts``, also when exported under that name by alias: ``export { handler as POST }``,
``export const POST = handler``), a ``pages/api`` route, a server action (``"use server"``), a function
registered with an Express / Fastify / Hono / Koa router (``app.post("/chat", handler)``),
a cron schedule, a ``require.main === module`` guard, a ``main()`` or a shebang script -- or
one level removed: a helper called from a function with direct evidence inherits it. UI
evidence wins over batch evidence, as in the Python loader.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...model import RunsIn, Where
from .bindings import FUNCTIONS, Bindings
from .outline import Function, Outline, body_directives
from .syntax import Positions
from .values import name_of, property_name, string_value

if TYPE_CHECKING:
    from tree_sitter import Node

_UI, _BATCH = RunsIn.UI, RunsIn.BATCH
_HTTP_EXPORTS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
_ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "all", "use", "options", "head", "route", "on", "ws"}
_APP_ROUTE = re.compile(r"(?:^|/)app/(?:.*/)?route\.[cm]?[jt]sx?$")
_PAGES_API = re.compile(r"(?:^|/)pages/api/")
_CRON_ROUTE = re.compile(r"(?:^|/)cron(?:s|jobs?)?/")
_FRAMEWORKS = (("express", "Express route handler"), ("fastify", "Fastify route handler"), ("hono", "Hono route handler"),
               ("@koa/router", "Koa route handler"), ("koa-router", "Koa route handler"), ("koa", "Koa middleware"),
               ("next-connect", "next-connect handler"), ("@nestjs/common", "NestJS handler"))
_NEST_ROUTES = {"Get", "Post", "Put", "Patch", "Delete", "All", "Sse", "MessagePattern", "SubscribeMessage"}
_NEST_JOBS = {"Cron", "Interval", "Timeout", "Process"}
_CRON_CALLS = {"schedule": "cron job", "scheduleJob": "scheduled job", "CronJob": "cron job", "cron": "cron job"}


def _pick(candidates: list[Where | None]) -> Where | None:
    known = [where for where in candidates if where is not None]
    return next((where for where in known if where.kind is _UI), known[0] if known else None)


class Contexts:
    """Decides where each function of a module runs."""

    def __init__(self, positions: Positions, outline: Outline, bindings: Bindings, path: str, root: "Node",
                 ifs: list["Node"]) -> None:
        self.positions = positions
        self.outline = outline
        self.bindings = bindings
        self.path = path.replace("\\", "/")
        self._own: dict[int, list[Where]] = {}
        self._callers: dict[int, list[tuple[Function, Node]]] = {}
        self._module = self._module_where(root)
        self._guards = [statement.child_by_field_name("consequence") for statement in ifs if _is_main_guard(statement)]
        self._http_exports = self._route_exports(root) if _APP_ROUTE.search(self.path) else {}
        for function in outline.functions.values():
            self._add(function, self._structure(function))
        for call, caller in outline.calls:
            self._note_call(call, caller)
        self._direct: dict[int, Where | None] = {}
        for function in outline.functions.values():  # parents come first (pre-order walk)
            inherited = self._direct.get(function.parent.node.id) if function.parent is not None else None
            self._direct[function.node.id] = _pick([*self._own.get(function.node.id, []), self._module, inherited])

    def where(self, function: Function | None) -> Where:
        if function is None:
            return self._module or Where.unknown()
        direct = self._direct.get(function.node.id)
        helper = _pick([Where(where.kind, f"called from {where.reason}", self.positions.span(call))
                        for caller, call in self._callers.get(function.node.id, [])
                        if (where := self._direct.get(caller.node.id)) is not None])
        for candidate in (direct, helper):
            if candidate is not None and candidate.kind is _UI:
                return candidate
        return direct or helper or Where.unknown()

    def _add(self, function: Function, evidence: Where | None) -> None:
        if evidence is not None:
            self._own.setdefault(function.node.id, []).append(evidence)

    def _named(self, function: Function, kind: RunsIn, label: str, node: "Node") -> Where:
        name = f" `{function.qualname}`" if function.qualname else ""
        return Where(kind, f"{label}{name}", self.positions.span(node))

    def _module_where(self, root: "Node") -> Where | None:
        """Evidence for the whole file: a pages/api route, a server actions module, a script."""
        first = root.named_children[0] if root.named_children else root
        if _PAGES_API.search(self.path):
            return Where(_UI, "Next.js API route (pages/api)", self.positions.span(first))
        if "use server" in self.outline.directives:
            return Where(_UI, "Next.js server action", self.positions.span(first))
        if first.type == "hash_bang_line":
            return Where(_BATCH, "Node script (#! line)", self.positions.span(first))
        return None

    def _structure(self, function: Function) -> Where | None:
        node, name = function.node, function.qualname
        top_level = function.parent is None
        exported_as = self._http_exports.get(node.id)
        if exported_as is not None:
            cron = _CRON_ROUTE.search(self.path) is not None
            where = self._named(function, _BATCH if cron else _UI, "Vercel cron route" if cron else "Next.js route handler",
                                node)
            return where if exported_as == name else Where(where.kind, f"{where.reason} (exported as `{exported_as}`)",
                                                           where.span)
        decorators = _decorators(node)
        if decorators & _NEST_ROUTES:
            return self._named(function, _UI, "NestJS route handler", node)
        if decorators & _NEST_JOBS:
            return self._named(function, _BATCH, "NestJS scheduled job", node)
        if "use server" in body_directives(node):
            return self._named(function, _UI, "Next.js server action", node)
        if top_level and name == "main":
            return Where(_BATCH, "`main()` function", self.positions.span(node))
        return None

    def _route_exports(self, root: "Node") -> dict[int, str]:
        """The functions of an ``app/**/route.ts`` that Next.js calls for an HTTP method, by
        node id: ``export async function POST``, and the same function exported under a
        method's name by alias (``export { handler as POST }``, ``export const POST = handler``)."""
        found: dict[int, str] = {}
        for function in self.outline.functions.values():
            if function.parent is None and function.exported and function.qualname in _HTTP_EXPORTS:
                found[function.node.id] = function.qualname
        for statement in root.named_children:
            if statement.type != "export_statement":
                continue
            declaration = statement.child_by_field_name("declaration")
            pairs: list[tuple[str, Node | None]] = []
            if declaration is not None and declaration.type in ("lexical_declaration", "variable_declaration"):
                pairs = [(name_of(child.child_by_field_name("name")), child.child_by_field_name("value"))
                         for child in declaration.named_children if child.type == "variable_declarator"]
            for clause in statement.named_children:
                if clause.type == "export_clause" and statement.child_by_field_name("source") is None:
                    pairs += [(name_of(spec.child_by_field_name("alias") or spec.child_by_field_name("name")),
                               spec.child_by_field_name("name"))
                              for spec in clause.named_children if spec.type == "export_specifier"]
            for method, value in pairs:
                target = self._function_of(value) if method in _HTTP_EXPORTS and value is not None else None
                if target is not None and target.parent is None:
                    found.setdefault(target.node.id, method)
        return found

    def _note_call(self, call: "Node", function: Function | None) -> None:
        for handler, kind, label in self._registrations(call):
            target = self._function_of(handler)
            if target is not None:
                self._add(target, self._named(target, kind, label, call))
        callee = call.child_by_field_name("function")
        if function is None:
            if callee is not None and any(guard is not None and guard.start_byte <= call.start_byte < guard.end_byte
                                          for guard in self._guards):
                target = self._function_of(callee)
                if target is not None:
                    reason = f"function `{target.qualname}` called from the `require.main === module` block"
                    self._add(target, Where(_BATCH, reason, self.positions.span(call)))
            return
        target = self._function_of(callee) if callee is not None and callee.type == "identifier" else None
        if target is not None and target is not function:
            self._callers.setdefault(target.node.id, []).append((function, call))

    def _function_of(self, node: "Node") -> Function | None:
        """The function of this module an expression names or writes inline."""
        if node.type in FUNCTIONS:
            return self.outline.functions.get(node.id)
        if node.type == "identifier":
            declared, _ = self.bindings.resolve(node)
            if declared.type in FUNCTIONS:
                return self.outline.functions.get(declared.id)
            return self.outline.function_named(name_of(node))
        return None

    def _registrations(self, call: "Node"):
        """Functions handed to a framework: ``app.post("/chat", handler)``,
        ``fastify.route({url, handler})``, ``cron.schedule("0 * * * *", job)``."""
        callee = call.child_by_field_name("function")
        arguments = call.child_by_field_name("arguments")
        if callee is None or arguments is None or arguments.type != "arguments":
            return
        args = [child for child in arguments.named_children if child.type != "comment"]
        name = name_of(callee.child_by_field_name("property")) if callee.type == "member_expression" else name_of(callee)
        if callee.type == "new_expression" or call.type == "new_expression":
            return
        if name in _CRON_CALLS and args and string_value(args[0]) is not None:
            for handler in args[1:]:
                yield handler, _BATCH, _CRON_CALLS[name]
            return
        if callee.type != "member_expression" or name not in _ROUTE_METHODS or not args:
            return
        path = string_value(args[0])
        label = self._framework_label() or "route handler"
        if path is not None and path.startswith("/"):
            label = f"{label} for `{'*' if name in ('all', 'use') else name.upper()} {path}`"
        if name == "route" and args[0].type == "object":  # fastify.route({method, url, handler})
            for child in args[0].named_children:
                if child.type == "pair" and property_name(child.child_by_field_name("key")) == "handler":
                    yield child.child_by_field_name("value"), _UI, label
            return
        if (path is not None and path.startswith("/")) or (self._framework_label() is not None and name == "use"):
            for handler in args[1:] if path is not None else args:
                yield handler, _UI, label

    def _framework_label(self) -> str | None:
        return next((label for module, label in _FRAMEWORKS if module in self.outline.imports), None)


def _decorators(method: "Node") -> set[str]:
    """The names of the decorators written above a class method (``@Post()``, ``@Cron(…)``)."""
    names = set()
    sibling = method.prev_named_sibling if method.type == "method_definition" else None
    while sibling is not None and sibling.type == "decorator":
        expression = sibling.named_children[0] if sibling.named_children else None
        if expression is not None and expression.type == "call_expression":
            expression = expression.child_by_field_name("function")
        names.add(name_of(expression))
        sibling = sibling.prev_named_sibling
    return names


def _is_main_guard(statement: "Node") -> bool:
    """``if (require.main === module) { … }`` (or ``import.meta.main``): the script entry point."""
    condition = statement.child_by_field_name("condition")
    text = " ".join(name_of(condition).split()) if condition is not None else ""
    return "require.main === module" in text or "require.main == module" in text or "import.meta.main" in text
