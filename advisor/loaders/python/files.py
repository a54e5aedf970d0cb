"""Prompt text read from other files: which file an expression reads, as the code names it.

Recognised reads (through names bound once, like every other value):

* ``Path(p).read_text()`` (or ``.read_bytes().decode()``), ``open(p).read()``,
  ``with open(p) as f: f.read()``, ``Path(p).open()``,
  ``importlib.resources.files(pkg).joinpath(p).read_text()``,
  ``importlib.resources.read_text(pkg, p)``, ``pkgutil.get_data(pkg, p).decode()``;
* Jinja: ``env.get_template(name)`` with the folders of the environment's loader
  (``FileSystemLoader``, ``PackageLoader``, ``ChoiceLoader``, Starlette's
  ``Jinja2Templates``), ``Template(<a read>)``, ``env.from_string(<a read>)``;
* wrapped in ``.render(...)``, ``.format(...)``, ``%``, ``.strip()``, ``dedent(...)``.

Paths are evaluated from string literals, ``__file__``, ``pathlib`` and ``os.path``
operations. A read whose path the code computes (``open(f"prompts/{name}.txt")``) is not a
link: :meth:`FileReads.read` returns None and the text counts as dynamic.
"""

from __future__ import annotations

import ast
import posixpath
from dataclasses import dataclass

from ...model import Link, Role, Span
from .nodes import argument, dotted, is_str, last_name
from .outline import Outline
from .positions import Positions
from .scopes import MAX_HOPS, Scope, resolve

# Calls whose result is the text of their receiver (or first argument), reshaped
_TEXT_METHODS = {"render", "render_async", "generate", "substitute", "safe_substitute", "decode", "strip",
                 "lstrip", "rstrip", "format", "format_map"}
_TEXT_FUNCTIONS = {"dedent", "cleandoc", "str"}
_TEMPLATE_FROM_SOURCE = {"Template", "from_string"}  # jinja2.Template, string.Template, env.from_string
_PATH_CLASSES = {"Path", "PurePath", "PosixPath", "PurePosixPath", "WindowsPath", "PureWindowsPath"}
_SAME_PATH = {"resolve", "absolute", "expanduser", "as_posix", "abspath", "realpath", "normpath", "fspath", "str"}
_OS_PATH_MODULES = ("os.path.", "path.", "posixpath.", "ntpath.")
_ENVIRONMENTS = {"Environment", "SandboxedEnvironment", "ImmutableSandboxedEnvironment", "NativeEnvironment"}
_RESOURCE_MODULES = {"resources", "importlib_resources", "pkgutil", "pkg_resources"}
_LOADERS = {"FileSystemLoader", "PackageLoader", "ChoiceLoader", "Jinja2Templates"}


@dataclass(frozen=True, eq=False, repr=False, slots=True)  # internal: never compared or printed (cheaper to define)
class FileRead:
    """A file an expression reads (a :class:`~advisor.model.Link` waiting for its role)."""

    name: str
    span: Span
    search_dirs: tuple[str, ...] = ()
    relative_to_file: bool = False

    def link(self, role: Role | str) -> Link:
        return Link(self.name, role, self.span, self.search_dirs, self.relative_to_file)


@dataclass(frozen=True, slots=True)
class _Path:
    """A path the code builds.

    ``anchor`` says what ``name`` is relative to: "" (as written: where the program runs),
    "dir" (the calling file's directory), "package" (the folder of ``package``), "file"
    (``__file__`` itself; ``name`` is then empty).
    """

    anchor: str
    name: str
    package: str = ""

    def join(self, other: _Path) -> _Path | None:
        if other.anchor or self.anchor == "file":
            return None
        if other.name.startswith("/"):
            return other
        return _Path(self.anchor, posixpath.join(self.name, other.name) if self.name else other.name, self.package)

    def concat(self, other: _Path) -> _Path | None:
        """``a + b`` on the strings: only plain strings, or a folder plus ``"/rest"``."""
        if other.anchor:
            return None
        if not self.anchor:
            return _Path("", self.name + other.name)
        if self.anchor != "file" and other.name.startswith(("/", "\\")):
            return self.join(_Path("", other.name.lstrip("/\\")))
        return None

    def parent(self) -> _Path | None:
        if self.anchor == "file":
            return _Path("dir", "")
        name = _normal(self.name)
        if not name or name == ".." or name.endswith("/.."):
            if self.anchor == "package":
                return None
            return _Path(self.anchor, posixpath.join(name, "..") if name else "..")
        return _Path(self.anchor, posixpath.dirname(name), self.package)


def _normal(name: str) -> str:
    name = posixpath.normpath(name) if name else ""
    return "" if name == "." else name


def _package_dir(package: str) -> str:
    return package.replace(".", "/")


class FileReads:
    """Recognises expressions that read prompt text from a file of the repository."""

    def __init__(self, positions: Positions, outline: Outline) -> None:
        self.positions = positions
        self.outline = outline
        self._module_dirs: tuple[str, ...] | None = None
        self._paths_seen: dict[tuple[int, int], _Path | None] = {}  # shared sub-paths are evaluated once

    def read(self, node: ast.expr, scope: Scope) -> FileRead | None:
        """The file ``node`` reads its text from, or None (not a read, or a computed path)."""
        for _ in range(MAX_HOPS):
            node, scope, _ = resolve(node, scope)
            if isinstance(node, ast.Await):
                node = node.value
                continue
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
                node = node.left
                continue
            if not isinstance(node, ast.Call):
                return None
            func, name = node.func, last_name(node.func)
            if isinstance(func, ast.Attribute) and name in _TEXT_METHODS:
                node = func.value
            elif name in _TEMPLATE_FROM_SOURCE or (name in _TEXT_FUNCTIONS and len(node.args) == 1):
                source = argument(node, "source", 0)
                if source is None:
                    return None
                node = source
            else:
                return self._read_call(node, scope, name)
        return None

    def _read_call(self, node: ast.Call, scope: Scope, name: str) -> FileRead | None:
        func = node.func
        module = not isinstance(func, ast.Attribute) or last_name(func.value) in _RESOURCE_MODULES
        if name in ("read_text", "resource_string", "get_data") and len(node.args) >= 2 and module:
            return self._resource(node, scope)
        if name in ("read_text", "read_bytes") and isinstance(func, ast.Attribute):
            return self._found(self.path(func.value, scope), node)
        if name == "read" and isinstance(func, ast.Attribute) and not node.args:
            opened, opened_scope, via_name = resolve(func.value, scope)
            if isinstance(opened, ast.Call) and last_name(opened.func) == "open":
                return self._found(self._opened_path(opened, opened_scope), opened if via_name else node)
            return None
        if name == "get_template" and isinstance(func, ast.Attribute):
            template = argument(node, "name", 0)
            target = resolve(template, scope)[0] if template is not None else None
            if not is_str(target) or not target.value:
                return None
            return FileRead(target.value, self.positions.span(node), self._environment_dirs(func.value, scope))
        return None

    def _opened_path(self, call: ast.Call, scope: Scope) -> _Path | None:
        """The path of ``open(p)``, ``io.open(p)``, ``codecs.open(p)`` or ``Path(p).open()``."""
        func = call.func
        if isinstance(func, ast.Name) or dotted(func) in ("io.open", "codecs.open"):
            file = argument(call, "file", 0) or argument(call, "filename", 0)
            return self.path(file, scope) if file is not None else None
        return self.path(func.value, scope) if isinstance(func, ast.Attribute) else None

    def _resource(self, node: ast.Call, scope: Scope) -> FileRead | None:
        """``importlib.resources.read_text(package, name)``, ``pkgutil.get_data(package, name)``."""
        package = self._package(node.args[0], scope)
        resource = resolve(node.args[1], scope)[0]
        if package is None or not is_str(resource):
            return None
        return self._found(package.join(_Path("", resource.value)), node)

    def _package(self, node: ast.expr, scope: Scope) -> _Path | None:
        """The folder of a package named by a string, or by ``__name__`` / ``__package__``."""
        target = resolve(node, scope)[0]
        if is_str(target) and target.value:
            return _Path("package", "", target.value)
        if isinstance(target, ast.Name) and target.id in ("__name__", "__package__"):
            return _Path("dir", "")
        return None

    def _found(self, path: _Path | None, node: ast.AST) -> FileRead | None:
        if path is None or path.anchor == "file":
            return None
        name = _normal(path.name)
        if not name:
            return None
        span = self.positions.span(node)
        if path.anchor == "package":
            return FileRead(name, span, (_package_dir(path.package),))
        return FileRead(name, span, (), path.anchor == "dir")

    # -- paths -------------------------------------------------------------------------------

    def path(self, node: ast.expr, scope: Scope, depth: int = 0) -> _Path | None:
        """The path an expression builds, or None when any part of it is computed."""
        if depth > MAX_HOPS:
            return None
        node, scope, _ = resolve(node, scope)
        key = (id(node), id(scope))
        if key not in self._paths_seen:
            self._paths_seen[key] = None  # a path defined through itself is computed
            self._paths_seen[key] = self._evaluate(node, scope, depth)
        return self._paths_seen[key]

    def _evaluate(self, node: ast.expr, scope: Scope, depth: int) -> _Path | None:
        if is_str(node):
            return _Path("", node.value)
        if isinstance(node, ast.Name):
            return _Path("file", "") if node.id == "__file__" else None
        if isinstance(node, ast.JoinedStr):
            return self._fstring_path(node, scope, depth)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Add)):
            left = self.path(node.left, scope, depth + 1)
            right = self.path(node.right, scope, depth + 1) if left is not None else None
            if left is None or right is None:
                return None
            return left.join(right) if isinstance(node.op, ast.Div) else left.concat(right)
        if isinstance(node, ast.Attribute) and node.attr == "parent":
            base = self.path(node.value, scope, depth + 1)
            return base.parent() if base is not None else None
        if isinstance(node, ast.Call) and not any(isinstance(arg, ast.Starred) for arg in node.args):
            return self._call_path(node, scope, depth)
        return None

    def _fstring_path(self, node: ast.JoinedStr, scope: Scope, depth: int) -> _Path | None:
        path: _Path | None = _Path("", "")
        for value in node.values:
            piece: _Path | None
            if is_str(value):
                piece = _Path("", value.value)
            elif isinstance(value, ast.FormattedValue) and value.conversion == -1 and value.format_spec is None:
                piece = self.path(value.value, scope, depth + 1)
            else:
                return None
            if piece is None or path is None:
                return None
            path = piece if path == _Path("", "") else path.concat(piece)
            if path is None:
                return None
        return path

    def _call_path(self, node: ast.Call, scope: Scope, depth: int) -> _Path | None:
        func, name, full = node.func, last_name(node.func), dotted(node.func)
        if name == "files" and (isinstance(func, ast.Name) or full.endswith("resources.files")):
            package = argument(node, "anchor", 0) or argument(node, "package", 0)
            return self._package(package, scope) if package is not None else None
        if name in ("cwd", "getcwd") and not node.args:
            return _Path("", "")
        module_function = isinstance(func, ast.Name) or full.startswith(_OS_PATH_MODULES) or full == "os.fspath"
        if name in _PATH_CLASSES or (name == "join" and module_function):
            return _fold(_Path("", ""), self._paths(node.args, scope, depth))
        if module_function:
            if len(node.args) != 1 or not (name == "dirname" or name in _SAME_PATH):
                return None
            path = self.path(node.args[0], scope, depth + 1)
            return path.parent() if path is not None and name == "dirname" else path
        if not isinstance(func, ast.Attribute) or name not in (*_SAME_PATH, "joinpath", "with_name"):
            return None
        base = self.path(func.value, scope, depth + 1)  # a method of a path object
        if base is None:
            return None
        if name == "joinpath":
            return _fold(base, self._paths(node.args, scope, depth))
        if name == "with_name" and len(node.args) == 1:
            parent, [new_name] = base.parent(), self._paths(node.args, scope, depth)
            return parent.join(new_name) if parent is not None and new_name is not None else None
        return base if name in _SAME_PATH and not node.args else None

    def _paths(self, nodes: list[ast.expr], scope: Scope, depth: int) -> list[_Path | None]:
        return [self.path(item, scope, depth + 1) for item in nodes]

    # -- Jinja loaders -------------------------------------------------------------------------

    def _environment_dirs(self, node: ast.expr, scope: Scope) -> tuple[str, ...]:
        """The template folders of the environment ``node`` names; when the code does not show
        which environment it is, the folders of every loader this module creates."""
        target, target_scope, _ = resolve(node, scope)
        if isinstance(target, ast.Call):
            name = last_name(target.func)
            if name in _ENVIRONMENTS:
                loader = argument(target, "loader", -1)
                return self._loader_dirs(loader, target_scope) if loader is not None else ()
            if name == "Jinja2Templates":
                return self._loader_dirs(target, target_scope)
        return self.module_dirs()

    def module_dirs(self) -> tuple[str, ...]:
        if self._module_dirs is None:
            dirs: list[str] = []
            for call, frame in self.outline.calls:
                if last_name(call.func) in _LOADERS - {"ChoiceLoader"}:
                    dirs.extend(self._loader_dirs(call, frame.scope))
            self._module_dirs = tuple(dict.fromkeys(dirs))
        return self._module_dirs

    def _loader_dirs(self, node: ast.expr, scope: Scope, depth: int = 0) -> tuple[str, ...]:
        target, target_scope, _ = resolve(node, scope)
        if not isinstance(target, ast.Call) or depth > MAX_HOPS:
            return ()
        name = last_name(target.func)
        if name in ("FileSystemLoader", "Jinja2Templates"):
            folders = argument(target, "searchpath" if name == "FileSystemLoader" else "directory", 0)
            return self._folders(folders, target_scope) if folders is not None else ()
        if name == "PackageLoader":
            package, folder = argument(target, "package_name", 0), argument(target, "package_path", 1)
            package = resolve(package, target_scope)[0] if package is not None else None
            folder = resolve(folder, target_scope)[0] if folder is not None else ast.Constant("templates")
            if is_str(package) and is_str(folder):
                return (_normal(posixpath.join(_package_dir(package.value), folder.value)),)
            return ()
        if name == "ChoiceLoader":
            loaders = argument(target, "loaders", 0)
            items = resolve(loaders, target_scope)[0] if loaders is not None else None
            if isinstance(items, (ast.List, ast.Tuple)):
                dirs = [folder for item in items.elts for folder in self._loader_dirs(item, target_scope, depth + 1)]
                return tuple(dict.fromkeys(dirs))
        return ()

    def _folders(self, node: ast.expr, scope: Scope) -> tuple[str, ...]:
        target, target_scope, _ = resolve(node, scope)
        items = target.elts if isinstance(target, (ast.List, ast.Tuple)) else [target]
        dirs = []
        for item in items:
            path = self.path(item, target_scope)
            if path is None or path.anchor == "file":
                continue
            if path.anchor == "package":
                name = _normal(posixpath.join(_package_dir(path.package), path.name))
            else:
                name = _normal(path.name)
            if name:
                dirs.append(name)
        return tuple(dict.fromkeys(dirs))


def _fold(base: _Path | None, parts: list[_Path | None]) -> _Path | None:
    for part in parts:
        if base is None or part is None:
            return None
        base = part if base == _Path("", "") and part.anchor else base.join(part)
    return base
