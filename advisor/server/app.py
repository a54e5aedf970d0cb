"""The language server: which LSP messages it answers, when it lints, and how it fails.

Buffers are linted on open and save at once, and on change after a pause in typing
(``debounce_s``): a burst of keystrokes is linted once, as its last version. Lints run one
at a time on a worker thread, so the server keeps reading messages (a newer change cancels
a waiting lint; a stale result is never published). Code actions and hover always answer
for the buffer as it is now: if the last lint saw an older version, they lint first.

Nothing the server meets ends it: a broken configuration, a rule that raises, a bug in
the server itself are logged to the client (``window/logMessage``) and shown once
(``window/showMessage``); the other buffers and rules go on.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..analysis import warm_up
from ..config import CONFIG_FILES, ConfigError
from . import actions
from .buffers import BufferLint, BufferLinter, Options
from .diagnostics import to_diagnostic
from .hover import hover
from .positions import BufferPositions

DEBOUNCE_S = 0.25


@dataclass
class _Linted:
    """An open document's last lint and the buffer version it was made for."""

    version: int | None
    lint: BufferLint


class AdvisorServer(LanguageServer):
    def __init__(self, options: Options, *, debounce_s: float = DEBOUNCE_S) -> None:
        super().__init__("advisor", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.buffers = BufferLinter(options)
        self.debounce_s = debounce_s
        self.docs_url: str | None = None
        self.linted: dict[str, _Linted] = {}
        self.waiting: dict[str, asyncio.Task[None]] = {}
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="advisor-lint")
        self.shown: set[str] = set()  # problems already shown in a message box (each once)

    # -- telling the user --------------------------------------------------------------

    def tell(self, message: str, *, level: types.MessageType = types.MessageType.Error) -> None:
        """Log a problem, and show it the first time it happens."""
        text = f"advisor: {message}"
        self.window_log_message(types.LogMessageParams(type=level, message=text))
        if text not in self.shown:
            self.shown.add(text)
            self.window_show_message(types.ShowMessageParams(type=level, message=text))

    # -- linting -------------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)

    def positions(self, text: str) -> BufferPositions:
        return BufferPositions(text, self.encoding)

    def schedule(self, uri: str, delay: float) -> None:
        """Lint ``uri`` after ``delay`` seconds, replacing a lint still waiting for it."""
        waiting = self.waiting.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        self.waiting[uri] = asyncio.ensure_future(self._lint_later(uri, delay))

    async def _lint_later(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        self.waiting.pop(uri, None)
        linted = await self.lint(uri)
        if linted is not None:
            self.publish(uri, linted)

    async def lint(self, uri: str) -> _Linted | None:
        """Lint the buffer as it is now; None when there is no such buffer or the lint
        could not run (the reason is told to the client)."""
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path is None or uri not in self.workspace.text_documents:
            return None
        document = self.workspace.get_text_document(uri)
        version, text = document.version, document.source
        try:
            lint = await asyncio.get_running_loop().run_in_executor(self.worker, self.buffers.lint, Path(path), text)
        except ConfigError as error:
            self.tell(f"configuration error: {error}")
            lint = BufferLint(text, linted=False)
        except Exception as error:  # advisor's own bug: said, and the server goes on
            self.tell(f"internal error while linting {path}: {error!r} (please report it)")
            return None
        for problem in lint.errors:  # a rule or loader that raised: its findings are missing
            self.tell(problem)
        if lint.note:
            self.tell(lint.note, level=types.MessageType.Info)
        linted = _Linted(version, lint)
        if uri in self.workspace.text_documents and self.workspace.get_text_document(uri).version == version:
            self.linted[uri] = linted
        return linted

    def publish(self, uri: str, linted: _Linted) -> None:
        if uri not in self.workspace.text_documents or self.workspace.get_text_document(uri).version != linted.version:
            return  # the user typed on: the next lint will say
        positions = self.positions(linted.lint.text)
        diagnostics = [to_diagnostic(finding, positions, self.docs_url) for finding in linted.lint.findings]
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=linted.version, diagnostics=diagnostics))

    async def current(self, uri: str) -> _Linted | None:
        """The lint of the buffer's current version (linting now if the last one is older)."""
        if uri not in self.workspace.text_documents:
            return None
        known = self.linted.get(uri)
        if known is not None and known.version == self.workspace.get_text_document(uri).version:
            return known
        linted = await self.lint(uri)
        if linted is not None:
            self.publish(uri, linted)
        return linted

    def relint_all(self) -> None:
        """A configuration file changed: every open buffer may have other findings now."""
        for uri in list(self.workspace.text_documents):
            self.linted.pop(uri, None)
            self.schedule(uri, 0)

    async def fix_all_edit(self, uri: str) -> tuple[int | None, types.TextEdit | None]:
        """The buffer's version and the one edit applying every safe fix to it."""
        linted = await self.current(uri)
        path = to_fs_path(uri)
        if linted is None or not linted.lint.linted or path is None:
            return None, None
        text = linted.lint.text
        try:
            fixed = await asyncio.get_running_loop().run_in_executor(self.worker, self.buffers.fix_all, Path(path), text)
        except Exception as error:  # a broken configuration (told at the lint) or advisor's bug
            self.tell(f"could not fix {path}: {error}")
            return linted.version, None
        return linted.version, actions.replacement_edit(text, fixed, self.positions(text))

    def close(self, uri: str) -> None:
        waiting = self.waiting.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        self.linted.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def _markdown_hover(server: AdvisorServer) -> bool:
    capabilities = server.client_capabilities.text_document
    formats = capabilities.hover.content_format if capabilities and capabilities.hover else None
    return not formats or types.MarkupKind.Markdown in formats


def _resolves_edits(server: AdvisorServer) -> bool:
    """Whether the client asks ``codeAction/resolve`` for an action's edit."""
    capabilities = server.client_capabilities.text_document
    action = capabilities.code_action if capabilities else None
    support = action.resolve_support if action else None
    return support is not None and "edit" in support.properties


def _is_config_file(uri: str) -> bool:
    return any(uri.endswith("/" + name) for name in CONFIG_FILES)


def build_server(options: Options, *, debounce_s: float = DEBOUNCE_S) -> AdvisorServer:
    server = AdvisorServer(options, debounce_s=debounce_s)

    @server.feature(types.INITIALIZE)
    def initialize(ls: AdvisorServer, params: types.InitializeParams) -> None:
        settings: Any = params.initialization_options
        if isinstance(settings, dict) and isinstance(settings.get("ruleDocsUrl"), str):
            ls.docs_url = settings["ruleDocsUrl"]

    @server.feature(types.INITIALIZED)
    async def initialized(ls: AdvisorServer, params: types.InitializedParams) -> None:
        ls.worker.submit(warm_up)  # the first lint then answers at typing speed
        workspace = ls.client_capabilities.workspace
        watching = workspace.did_change_watched_files if workspace else None
        if watching is not None and watching.dynamic_registration:
            # a configuration edited outside the editor (git checkout, another tool) re-lints too
            watchers = [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in CONFIG_FILES]
            await ls.client_register_capability_async(types.RegistrationParams(registrations=[types.Registration(
                id="advisor-configuration", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers))]))

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: AdvisorServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: AdvisorServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, ls.debounce_s)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: AdvisorServer, params: types.DidSaveTextDocumentParams) -> None:
        if _is_config_file(params.text_document.uri):
            ls.relint_all()
        else:
            ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: AdvisorServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.close(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files_changed(ls: AdvisorServer, params: types.DidChangeWatchedFilesParams) -> None:
        if any(_is_config_file(change.uri) for change in params.changes):
            ls.relint_all()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL_KIND],
                                resolve_provider=True),
    )
    async def code_action(ls: AdvisorServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        uri = params.text_document.uri
        wanted = params.context.only
        linted = await ls.current(uri)
        if linted is None:
            return None
        found: list[types.CodeAction] = []
        if not wanted or any(types.CodeActionKind.QuickFix.value.startswith(kind) for kind in wanted):
            found += actions.quick_fixes(uri, linted.version, linted.lint.findings, ls.positions(linted.lint.text),
                                         params.range, ls.docs_url)
        has_safe_fix = any(f.fix is not None and f.fix.safety == "safe" for f in linted.lint.findings)
        if has_safe_fix and (not wanted or any(actions.FIX_ALL_KIND.startswith(kind) for kind in wanted)):
            if _resolves_edits(ls):  # editors ask for code actions at every cursor move: fix only when chosen
                found.append(types.CodeAction(title=actions.FIX_ALL_TITLE, kind=actions.FIX_ALL_KIND, data={"uri": uri}))
            else:
                version, edit = await ls.fix_all_edit(uri)
                fix_all = actions.fix_all_action(uri, version, edit)
                if fix_all is not None:
                    found.append(fix_all)
        return found or None

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve_code_action(ls: AdvisorServer, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        if action.kind == actions.FIX_ALL_KIND and isinstance(data.get("uri"), str):
            version, edit = await ls.fix_all_edit(data["uri"])
            if edit is not None:
                action.edit = actions.workspace_edit(data["uri"], version, [edit])
        return action

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def on_hover(ls: AdvisorServer, params: types.HoverParams) -> types.Hover | None:
        linted = await ls.current(params.text_document.uri)
        if linted is None:
            return None
        return hover(linted.lint.findings, ls.positions(linted.lint.text), params.position, markdown=_markdown_hover(ls))

    @server.command(actions.FIX_ALL_COMMAND)
    async def fix_all(ls: AdvisorServer, uri: str) -> bool:
        """``advisor.applyFixAll <uri>``: apply every safe fix to the buffer; True when
        the client applied an edit."""
        version, edit = await ls.fix_all_edit(uri)
        if edit is None:
            return False
        applied = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(
            edit=actions.workspace_edit(uri, version, [edit]), label=actions.FIX_ALL_TITLE))
        return bool(applied.applied)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: AdvisorServer, params: None) -> None:
        for waiting in ls.waiting.values():
            waiting.cancel()
        ls.worker.shutdown(wait=False, cancel_futures=True)

    return server
