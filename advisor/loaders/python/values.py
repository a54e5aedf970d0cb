"""Values a call's parameter holds when the call does not write them: where they really live.

``client.messages.create(model=model, ...)`` says nothing by itself; the id is often one step
away, in code a reviewer would read without running anything:

* a parameter default: ``def ask(q, model="claude-…")`` -- unless every call of ``ask`` this
  module shows passes ``model`` (then the default is never what is sent here);
* an attribute: ``self.model = "…"`` in ``__init__`` (or a class attribute ``model = "…"``),
  set exactly once in the class, followed into ``__init__``'s own parameter defaults;
* an environment default: ``os.getenv("MODEL", "claude-…")``, ``os.environ.get(...)``,
  ``os.getenv("MODEL") or "claude-…"``: the default is what runs unless the variable is set,
  so it is what a reviewer judges, and the finding says it is an environment default;
* a function of this module that returns a constant: ``model=get_model()``;
* a choice among literals: the options of ``st.selectbox`` / ``st.radio`` (and a dict lookup
  with a computed key, ``MODELS[choice]``): each option is a *candidate*, judged on its own
  by the rules that judge an id (deprecated, unknown, outdated) at the option's span, while
  rules that need the one value sent see a value chosen at run time;
* a name another module defines (``from config import MODEL``, ``prompts.SYSTEM``,
  ``prompts.get_instructions()``): recorded as :class:`~advisor.model.ImportedValue` for the
  finish stage, which alone may read other files (`advisor/imported.py`).

Anything else stays dynamic, never guessed. Every step is bounded (`MAX_HOPS`).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from .nodes import NOT_LITERAL, argument, children, dotted, last_name, literal, unwrap_formatting, walk
from .outline import Frame, Function, Outline
from .scopes import MAX_HOPS, Scope, resolve

_ENV_GETTERS = {"os.getenv", "getenv", "os.environ.get", "environ.get", "os.environ.setdefault"}
_OPTION_WIDGETS = {"selectbox", "radio", "select_slider", "pills", "segmented_control"}
_MAX_OPTIONS = 50


@dataclass(frozen=True, eq=False, repr=False, slots=True)  # internal: never compared or printed (cheaper to define)
class Choice:
    """One literal a value may be: the node and where it came from (descriptions, innermost
    first, e.g. "environment default of `MODEL`", "default of parameter `model` of `ask()`")."""

    node: ast.expr
    via: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        return ", via the ".join(self.via)


@dataclass(frozen=True, eq=False, repr=False, slots=True)  # internal: never compared or printed (cheaper to define)
class Imported:
    """A value another module defines, as this module names it."""

    module: str
    level: int
    names: tuple[str, ...]
    called: bool = False
    via: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False, repr=False, slots=True)  # internal: never compared or printed (cheaper to define)
class Followed:
    """What a parameter expression comes to: one literal, several candidates, or an import."""

    choice: Choice | None = None
    options: tuple[Choice, ...] = ()
    widget: str = ""
    imported: Imported | None = None


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class _Class:
    """The bindings of each attribute of a class: ``self.X = …`` in its methods and ``X = …``
    in its body; a value set more than once (or changed) is dynamic."""

    stores: dict[str, list[tuple[ast.expr | None, Scope, str]]] = field(default_factory=dict)


class Values:
    """Follows a call parameter to the literal it holds, through the places listed above."""

    def __init__(self, tree: ast.Module, outline: Outline, scopes: dict[int, Scope]) -> None:
        self.tree = tree
        self.outline = outline
        self.scopes = scopes
        self._classes_by_name: dict[str, ast.ClassDef] | None = None
        self._functions = {id(function.scope): function for function in outline.functions}
        self._sites: dict[int, list[ast.Call]] | None = None
        self._classes: dict[int, _Class] = {}

    def follow(self, node: ast.expr, scope: Scope, *, parameters: bool = True) -> Followed | None:
        """Where ``node`` leads; None when the code does not show it. With ``parameters``
        False (a function evaluated for another module's call) parameter defaults are not
        used: the caller's arguments decide."""
        via: list[str] = []
        for _ in range(MAX_HOPS):
            node, scope, _ = resolve(node, scope)
            if literal(node) is not NOT_LITERAL:
                return Followed(Choice(node, tuple(reversed(via))))
            step = self._step(node, scope, via, parameters)
            if isinstance(step, Followed) or step is None:
                return step
            node, scope = step
        return None

    def _step(self, node: ast.expr, scope: Scope, via: list[str],
              parameters: bool) -> tuple[ast.expr, Scope] | Followed | None:
        if isinstance(node, ast.Call):
            return self._call(node, scope, via)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) == 2:
            variable = _environment_variable(node.values[0])
            if variable is not None:  # os.getenv("MODEL") or "claude-…"
                via.append(f"environment default of `{variable}`")
                return node.values[1], scope
            return None
        if isinstance(node, ast.Name):
            return self._name(node.id, scope, via, parameters)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, scope, via, parameters)
        if isinstance(node, ast.Subscript):
            return self._lookup(node, scope, via)
        return None

    # -- names: parameters and imports --------------------------------------------------------

    def _name(self, name: str, scope: Scope, via: list[str], parameters: bool) -> tuple[ast.expr, Scope] | Followed | None:
        owner = scope.owner(name)
        if owner is None or owner.bindings[name] != [None]:
            return None
        imported = self.outline.import_bindings.get((id(owner), name))
        if imported is not None:
            module, level, attribute = imported
            return Followed(imported=Imported(module, level, (attribute,) if attribute else (), via=tuple(reversed(via))))
        function = self._functions.get(id(owner))
        if function is None or not parameters:
            return None
        default = _default(function.node, name)
        if default is None or self._overridden_everywhere(function, name):
            return None
        via.append(f"default of parameter `{name}` of `{function.qualname}()`")
        return default, owner.parent or owner

    def _overridden_everywhere(self, function: Function, name: str) -> bool:
        """Whether every call of ``function`` this module shows passes ``name`` (or may, by
        ``*args`` / ``**kwargs``): then the default is never what those calls send."""
        sites = self._call_sites().get(id(function), [])
        if not sites:
            return False
        node = function.node
        positional = [arg.arg for arg in (*node.args.posonlyargs, *node.args.args)]
        is_method = function.class_node is not None and not _is_static(node)
        for call in sites:
            offset = 1 if is_method and not _called_on_class(call, function) else 0
            if any(isinstance(arg, ast.Starred) for arg in call.args) or any(k.arg is None for k in call.keywords):
                continue
            index = positional.index(name) - offset if name in positional else -1
            if any(k.arg == name for k in call.keywords) or 0 <= index < len(call.args):
                continue
            return False
        return True

    def _call_sites(self) -> dict[int, list[ast.Call]]:
        if self._sites is None:
            self._sites = {}
            classes = {function.class_node.name: function for function in self.outline.functions
                       if function.class_node is not None and function.node.name == "__init__"}
            for call, frame in self.outline.calls:
                callee = self.outline.callee(call.func, frame)
                if callee is None and isinstance(call.func, ast.Name):
                    callee = classes.get(call.func.id)  # Chat(model=...) calls Chat.__init__
                if callee is not None:
                    self._sites.setdefault(id(callee), []).append(call)
        return self._sites

    # -- attributes ----------------------------------------------------------------------------

    def _attribute(self, node: ast.Attribute, scope: Scope, via: list[str],
                   parameters: bool) -> tuple[ast.expr, Scope] | Followed | None:
        base = node.value
        if isinstance(base, ast.Name):
            owner = scope.owner(base.id)
            function = self._functions.get(id(owner)) if owner is not None else None
            if (function is not None and function.class_node is not None and owner is not None
                    and owner.bindings[base.id] == [None] and _first_parameter(function.node) == base.id):
                return self._class_attribute(function, node.attr, via)
            attribute = self._object_attribute(base, scope, node.attr, via)
            if attribute is not None:
                return attribute
        names: list[str] = [node.attr]
        while isinstance(base, ast.Attribute):
            names.append(base.attr)
            base = base.value
        if not isinstance(base, ast.Name):
            return None
        found = self._name(base.id, scope, via, parameters=False)
        if isinstance(found, Followed) and found.imported is not None:
            imported = found.imported
            return Followed(imported=Imported(imported.module, imported.level,
                                              imported.names + tuple(reversed(names)), via=imported.via))
        return None

    def _class_attribute(self, method: Function, name: str, via: list[str]) -> tuple[ast.expr, Scope] | None:
        assert method.class_node is not None
        stores = self._class(method.class_node).stores.get(name, [])
        if len(stores) != 1 or stores[0][0] is None:
            return None
        value, scope, where = stores[0]
        via.append(f"attribute `self.{name}` set in {where}")
        assert value is not None
        return value, scope

    def _object_attribute(self, base: ast.Name, scope: Scope, name: str,
                          via: list[str]) -> tuple[ast.expr, Scope] | None:
        """``Settings.MODEL``, or ``settings.model`` with ``settings = Settings(...)``: the
        attribute as the module's class sets it once, or as the constructor call passes it
        (a dataclass or pydantic model). A pydantic ``BaseSettings`` field is a default the
        environment may override, and the finding says so."""
        target, target_scope, _ = resolve(base, scope)
        instance = isinstance(target, ast.Call)
        class_name = target.func if isinstance(target, ast.Call) else target
        if not isinstance(class_name, ast.Name):
            return None
        owner = target_scope.owner(class_name.id)
        class_node = self._module_classes().get(class_name.id)
        if class_node is None or owner is None or owner.parent is not None or owner.bindings[class_name.id] != [None]:
            return None
        if isinstance(target, ast.Call):
            passed = next((k.value for k in target.keywords if k.arg == name), None)
            if passed is not None or any(k.arg is None for k in target.keywords) or target.args:
                if passed is None:
                    return None  # positional or **kwargs arguments may set it
                via.append(f"argument `{name}=` of `{class_name.id}(...)`")
                return passed, target_scope
        stores = self._class(class_node).stores.get(name, [])
        if len(stores) != 1 or stores[0][0] is None:
            return None
        value, value_scope, where = stores[0]
        if isinstance(value, ast.Call) and last_name(value.func) == "Field":  # pydantic: Field(default=...)
            default = argument(value, "default", 0)
            if default is None:
                return None
            value = default
        settings = any(dotted(b).rsplit(".", 1)[-1] == "BaseSettings" for b in class_node.bases)
        what = f"setting `{name}` of `{class_node.name}` (the environment may override it)" if settings else (
            f"attribute `{name}` set in {where}" if instance else f"class attribute `{class_node.name}.{name}`")
        via.append(what)
        assert value is not None
        return value, value_scope

    def _module_classes(self) -> dict[str, ast.ClassDef]:
        if self._classes_by_name is None:
            self._classes_by_name = {node.name: node for node in self.tree.body if isinstance(node, ast.ClassDef)}
        return self._classes_by_name

    def _class(self, node: ast.ClassDef) -> _Class:
        found = self._classes.get(id(node))
        if found is None:
            found = self._classes[id(node)] = _Class()
            body_scope = self.scopes.get(id(node))
            if body_scope is not None:
                for name, values in body_scope.bindings.items():
                    for value in values:
                        found.stores.setdefault(name, []).append((value, body_scope, f"the body of class `{node.name}`"))
            for method in self.outline.functions:
                if method.class_node is node and method.parent is None:
                    self._method_stores(method, found)
        return found

    @staticmethod
    def _method_stores(method: Function, found: _Class) -> None:
        receiver = _first_parameter(method.node)
        if receiver is None:
            return
        where = f"`{method.qualname}`"
        for child in walk(method.node):
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(child, ast.Assign):
                targets, value = child.targets, child.value
            elif isinstance(child, (ast.AnnAssign, ast.AugAssign)):
                targets, value = [child.target], child.value if isinstance(child, ast.AnnAssign) else None
            elif isinstance(child, (ast.For, ast.AsyncFor, ast.withitem, ast.NamedExpr, ast.comprehension)):
                target = getattr(child, "target", None) or getattr(child, "optional_vars", None)
                targets = [target] if target is not None else []
            for target in targets:
                for store in walk(target):
                    if (isinstance(store, ast.Attribute) and isinstance(store.value, ast.Name)
                            and store.value.id == receiver and not isinstance(store.ctx, ast.Load)):
                        plain = store is target and value is not None and isinstance(child, (ast.Assign, ast.AnnAssign))
                        found.stores.setdefault(store.attr, []).append((value if plain else None, method.scope, where))

    # -- calls: environment defaults, option widgets, functions returning a constant -----------

    def _call(self, node: ast.Call, scope: Scope, via: list[str]) -> tuple[ast.expr, Scope] | Followed | None:
        name = dotted(node.func)
        if name in _ENV_GETTERS:
            variable = _environment_variable(node)
            default = argument(node, "default", 1)
            if variable is None or default is None:
                return None
            via.append(f"environment default of `{variable}`")
            return default, scope
        if last_name(node.func) in _OPTION_WIDGETS and isinstance(node.func, ast.Attribute):
            options = argument(node, "options", 1)
            return self._options(options, scope, via, name or last_name(node.func)) if options is not None else None
        callee = self.outline.callee(node.func, _frame_for(scope, self._functions))
        if callee is not None:
            returned = single_return(callee.node)
            if returned is not None:
                via.append(f"the value `{callee.qualname}()` returns")
                return returned, callee.scope
            return None
        if isinstance(node.func, (ast.Name, ast.Attribute)):
            found = self._step(node.func, scope, via, parameters=False)
            if isinstance(found, Followed) and found.imported is not None:
                imported = found.imported
                return Followed(imported=Imported(imported.module, imported.level, imported.names, True, imported.via))
        return None

    def _options(self, node: ast.expr, scope: Scope, via: list[str], widget: str) -> Followed | None:
        """The literal options a widget offers (a list or tuple, or the keys of a dict)."""
        target, target_scope, name = resolve(node, scope)
        if name is not None and name in target_scope.mutated:
            return None
        if isinstance(target, ast.Dict):
            items = [key for key in target.keys if key is not None]
        elif isinstance(target, (ast.List, ast.Tuple)):
            items = list(target.elts)
        else:
            return None
        description = f"option of `{widget}`"
        choices = tuple(Choice(item, (description, *reversed(via))) for item in items[:_MAX_OPTIONS]
                        if literal(item) is not NOT_LITERAL)
        return Followed(options=choices, widget=widget) if choices else None

    def _lookup(self, node: ast.Subscript, scope: Scope, via: list[str]) -> Followed | None:
        """``MODELS[choice]`` with a computed key: each value of the dict is a candidate."""
        if literal(node.slice) is not NOT_LITERAL:
            return None
        target, target_scope, name = resolve(node.value, scope)
        if not isinstance(target, ast.Dict) or (name is not None and name in target_scope.mutated):
            return None
        description = f"value of `{name or 'dict'}[…]`"
        choices = tuple(Choice(value, (description, *reversed(via))) for value in target.values[:_MAX_OPTIONS]
                        if literal(value) is not NOT_LITERAL)
        return Followed(options=choices, widget=description) if choices else None

    def imported(self, node: ast.expr, scope: Scope) -> tuple[Imported, str] | None:
        """The other module's name a text expression is, and how the call formats it:
        ``prompts.SYSTEM``, ``get_instructions()``, ``USER_TEMPLATE.format(q=q)``."""
        target, target_scope, _ = resolve(node, scope)
        base, formatting = unwrap_formatting(target)
        if formatting:
            target, target_scope, _ = resolve(base, target_scope)
        found = self._step(target, target_scope, [], parameters=False)
        if isinstance(found, Followed) and found.imported is not None:
            return found.imported, formatting
        return None


def _environment_variable(node: ast.expr) -> str | None:
    """``MODEL`` for ``os.getenv("MODEL")`` / ``os.environ.get("MODEL", …)``; None otherwise."""
    if not isinstance(node, ast.Call) or dotted(node.func) not in _ENV_GETTERS:
        return None
    key = argument(node, "key", 0)
    value = literal(key) if key is not None else NOT_LITERAL
    return value if isinstance(value, str) else None


def _default(node: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> ast.expr | None:
    arguments = node.args
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults = dict(zip([arg.arg for arg in positional[len(positional) - len(arguments.defaults):]], arguments.defaults))
    defaults.update((arg.arg, value) for arg, value in zip(arguments.kwonlyargs, arguments.kw_defaults) if value is not None)
    return defaults.get(name)


def _first_parameter(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    positional = [*node.args.posonlyargs, *node.args.args]
    return positional[0].arg if positional and not _is_static(node) else None


def _is_static(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(dotted(decorator) == "staticmethod" for decorator in node.decorator_list)


def _called_on_class(call: ast.Call, function: Function) -> bool:
    """``Chat.ask(self, …)`` passes the receiver itself; ``self.ask(…)`` and ``Chat(…)`` do not."""
    return (isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name)
            and function.class_node is not None and call.func.value.id == function.class_node.name)


def single_return(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.expr | None:
    """The value a function returns when it has exactly one ``return`` with a value (nested
    functions and classes aside): ``def get_instructions(): return INSTRUCTIONS``."""
    found: list[ast.Return] = []
    stack: list[ast.AST] = list(node.body)
    while stack:
        child = stack.pop()
        if isinstance(child, ast.Return):
            found.append(child)
        elif not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(children(child))
    if len(found) != 1 or found[0].value is None:
        return None
    return found[0].value


def _frame_for(scope: Scope, functions: dict[int, Function]) -> Frame:
    """A frame standing for code in ``scope`` (for `Outline.callee`)."""
    return Frame(scope, functions.get(id(scope)))
