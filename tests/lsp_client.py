"""A real LSP client for the language server tests: pygls's `LanguageClient` talking to
``advisor server`` started as a subprocess, over its stdin and stdout.

Every wait is bounded (generous, for a busy 2-core machine) so a hung server fails the test
instead of hanging the suite; the server process is killed on the way out whatever happens.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

TIMEOUT_S = 60.0
TODAY = "2026-12-01"


class Session:
    """One server process and the client talking to it."""

    def __init__(self, cwd: Path, *server_args: str, initialization_options: Any = None, bootstrap: str | None = None,
                 resolve_edits: bool = False):
        self.cwd = cwd
        self.resolve_edits = resolve_edits  # announce codeAction/resolve support for edits
        self.server_args = server_args
        self.initialization_options = initialization_options
        self.bootstrap = bootstrap  # Python run in the server process before the server starts
        self.client = LanguageClient("advisor-tests", "1")
        self.published: list[types.PublishDiagnosticsParams] = []
        self.messages: list[tuple[str, str]] = []  # (log|show, text)
        self.applied_edits: list[types.WorkspaceEdit] = []
        self.registrations: list[types.Registration] = []
        self._arrived = asyncio.Event()
        self.versions: dict[str, int] = {}
        self.capabilities: types.ServerCapabilities | None = None

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
            self.published.append(params)
            self._arrived.set()

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def on_log(client: LanguageClient, params: types.LogMessageParams) -> None:
            self.messages.append(("log", params.message))
            self._arrived.set()

        @self.client.feature(types.WINDOW_SHOW_MESSAGE)
        def on_show(client: LanguageClient, params: types.ShowMessageParams) -> None:
            self.messages.append(("show", params.message))
            self._arrived.set()

        @self.client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def on_register(client: LanguageClient, params: types.RegistrationParams) -> None:
            self.registrations.extend(params.registrations)
            self._arrived.set()

        @self.client.feature(types.WORKSPACE_APPLY_EDIT)
        def on_apply(client: LanguageClient, params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
            self.applied_edits.append(params.edit)
            return types.ApplyWorkspaceEditResult(applied=True)

    async def __aenter__(self) -> "Session":
        code = (self.bootstrap or "") + "\nfrom advisor.cli import main\nimport sys\nsys.argv = ['advisor', *sys.argv[1:]]\nmain()\n"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("ADVISOR_TODAY", None)
        await self.client.start_io(sys.executable, "-c", code, "server", "--today", TODAY, *self.server_args,
                                   cwd=str(self.cwd), env=env)
        result = await asyncio.wait_for(self.client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(
                general=types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf16]),
                text_document=types.TextDocumentClientCapabilities(
                    hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
                    publish_diagnostics=types.PublishDiagnosticsClientCapabilities(version_support=True),
                    code_action=types.CodeActionClientCapabilities(
                        resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"]) if self.resolve_edits else None),
                ),
                workspace=types.WorkspaceClientCapabilities(
                    apply_edit=True,
                    did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True)),
            ),
            root_uri=from_fs_path(str(self.cwd)),
            initialization_options=self.initialization_options,
        )), TIMEOUT_S)
        self.capabilities = result.capabilities
        self.client.initialized(types.InitializedParams())
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        server = self.client._server
        try:
            if server is not None and server.returncode is None:
                await asyncio.wait_for(self.client.shutdown_async(None), TIMEOUT_S)
                self.client.exit(None)
                await asyncio.wait_for(server.wait(), TIMEOUT_S)
        finally:
            if server is not None and server.returncode is None:
                server.kill()
            await asyncio.wait_for(self.client.stop(), TIMEOUT_S)

    @property
    def returncode(self) -> int | None:
        return self.client._server.returncode if self.client._server is not None else None

    # -- documents -----------------------------------------------------------------------

    def uri(self, relative: str) -> str:
        return from_fs_path(str(self.cwd / relative)) or ""

    def open(self, relative: str, text: str | None = None, language: str = "plaintext") -> str:
        uri = self.uri(relative)
        if text is None:
            text = (self.cwd / relative).read_text(encoding="utf-8")
        self.versions[uri] = 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language, version=1, text=text)))
        return uri

    def change(self, uri: str, text: str) -> int:
        """Replace the whole buffer (unsaved); the new version."""
        self.versions[uri] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        return self.versions[uri]

    def edit(self, uri: str, range_: types.Range, text: str) -> int:
        """An incremental change, as editors send while typing; the new version."""
        self.versions[uri] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[types.TextDocumentContentChangePartial(range=range_, text=text)]))
        return self.versions[uri]

    def files_changed(self, *relative: str) -> None:
        self.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
            types.FileEvent(uri=self.uri(name), type=types.FileChangeType.Changed) for name in relative]))

    async def registered(self, method: str) -> list[types.Registration]:
        async def arrived() -> list[types.Registration]:
            while not any(r.method == method for r in self.registrations):
                self._arrived.clear()
                await self._arrived.wait()
            return self.registrations

        return await asyncio.wait_for(arrived(), TIMEOUT_S)

    def save(self, uri: str) -> None:
        self.client.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))

    async def diagnostics(self, uri: str, version: int | None = None, *, after: int = 0) -> list[types.Diagnostic]:
        """The diagnostics published for ``uri`` (for ``version``, when given; among the
        publications from number ``after`` on), waiting for them."""
        return list((await self.publication(uri, version, after=after)).diagnostics)

    async def publication(self, uri: str, version: int | None = None, *, after: int = 0) -> types.PublishDiagnosticsParams:
        async def arrived() -> types.PublishDiagnosticsParams:
            while True:
                for params in reversed(self.published[after:]):
                    if params.uri == uri and (version is None or params.version == version):
                        return params
                self._arrived.clear()
                await self._arrived.wait()

        return await asyncio.wait_for(arrived(), TIMEOUT_S)

    async def message(self, contains: str) -> list[tuple[str, str]]:
        """The log and shown messages, once one contains ``contains``."""
        async def arrived() -> list[tuple[str, str]]:
            while not any(contains in text for _, text in self.messages):
                self._arrived.clear()
                await self._arrived.wait()
            return self.messages

        return await asyncio.wait_for(arrived(), TIMEOUT_S)

    async def code_actions(self, uri: str, range_: types.Range, only: list[str] | None = None) -> list[types.CodeAction]:
        result = await asyncio.wait_for(self.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri), range=range_,
            context=types.CodeActionContext(diagnostics=[], only=only))), TIMEOUT_S)
        return [action for action in result or [] if isinstance(action, types.CodeAction)]

    async def resolve(self, action: types.CodeAction) -> types.CodeAction:
        return await asyncio.wait_for(self.client.code_action_resolve_async(action), TIMEOUT_S)

    async def hover(self, uri: str, position: types.Position) -> types.Hover | None:
        return await asyncio.wait_for(self.client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri), position=position)), TIMEOUT_S)

    async def execute(self, command: str, *arguments: Any) -> Any:
        return await asyncio.wait_for(self.client.workspace_execute_command_async(types.ExecuteCommandParams(
            command=command, arguments=list(arguments))), TIMEOUT_S)


def apply_edit(text: str, edit: types.WorkspaceEdit) -> str:
    """``text`` with a workspace edit's text edits applied, as an editor applies them
    (positions in UTF-16 code units, every edit against the original text)."""
    edits: list[types.TextEdit] = []
    for change in edit.document_changes or []:
        assert isinstance(change, types.TextDocumentEdit)
        edits += [e for e in change.edits if isinstance(e, types.TextEdit)]
    for changes in (edit.changes or {}).values():
        edits += changes
    lines = text.splitlines(keepends=True) or [""]

    def offset(position: types.Position) -> int:
        before = sum(len(line) for line in lines[:position.line])
        line = lines[position.line] if position.line < len(lines) else ""
        units = 0
        for index, character in enumerate(line):
            if units >= position.character:
                return before + index
            units += 2 if ord(character) > 0xFFFF else 1
        return before + len(line.rstrip("\r\n"))

    for text_edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = offset(text_edit.range.start), offset(text_edit.range.end)
        text = text[:start] + text_edit.new_text + text[end:]
    return text


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)
