"""pytest-lsp harness: the real server over stdio, with real editors' capabilities.

Each test gets its own fake Messages API, so the server's environment is only known at
run time; `start_editor` therefore drives pytest-lsp's `ClientServerConfig` itself.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import (
    ClientServerConfig,
    LanguageClient,
    LanguageClientProtocol,
    client_capabilities,
)
from pytest_lsp.client import register_lsp_features

from claude_lsp.lsp.protocol import ClaudeMessagesProtocol
from tests.e2e.helix import helix_capabilities

SERVER = [sys.executable, "-m", "claude_lsp"]
EDITORS = ["visual-studio-code", "neovim", "emacs"]
# The client profiles every end-to-end protocol point runs against: VS Code with the
# claude extension, Neovim without it, and a Helix-like client (no showMessageRequest,
# no change annotations). Parametrize `("editor", "claude")` and pass
# `start_editor(env, root, editor, **claude)`.
PROFILES = [
    pytest.param("visual-studio-code", {"sessionUpdate": True}, id="vscode+claude"),
    pytest.param("neovim", {}, id="neovim"),
    pytest.param("helix", {}, id="helix"),
]
# The position encoding each editor ends up with: the first of its `positionEncodings`,
# or UTF-16 when it offers none (VS Code).
ENCODINGS = {"visual-studio-code": "utf-16", "neovim": "utf-8", "emacs": "utf-32", "helix": "utf-8"}


class ClaudeTestProtocol(LanguageClientProtocol, ClaudeMessagesProtocol):
    """pytest-lsp's checking client protocol, with claude/* messages as plain dicts."""


def read_code_actions_as_sent(client: LanguageClient) -> None:
    """Structure code action results by the spec, not lsprotocol 2025.0.0's hook.

    Its `Command | CodeAction` hook picks Command whenever a `command` key exists, so a
    CodeAction carrying a Command (what real clients, Helix's serde included, read
    fine) came back as a Command with a stringified dict. A `command` string means
    Command; anything else is a CodeAction.
    """
    converter = client.protocol._converter

    def structure(value: Any, _: Any) -> types.Command | types.CodeAction:
        kind = types.Command if isinstance(value.get("command"), str) else types.CodeAction
        return converter.structure(value, kind)

    converter.register_structure_hook(types.Command | types.CodeAction, structure)


def make_client() -> LanguageClient:
    client = LanguageClient(protocol_cls=ClaudeTestProtocol, converter_factory=default_converter)
    register_lsp_features(client)
    read_code_actions_as_sent(client)
    return client


class Recorder:
    """What the server sent the client, and how the client answers the server."""

    def __init__(self) -> None:
        self.updates: list[dict[str, Any]] = []
        self.edits: list[types.ApplyWorkspaceEditParams] = []
        self.permission_requests: list[dict[str, Any]] = []
        self.permission_answer = "allow_once"
        self.apply_edits = True

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [u["update"] for u in self.updates if u["update"]["sessionUpdate"] == kind]

    async def next_of_kind(self, kind: str, timeout: float = 10) -> dict[str, Any]:
        """The first update of `kind`, waiting for it to arrive."""
        async with asyncio.timeout(timeout):
            while not (found := self.of_kind(kind)):
                await asyncio.sleep(0.01)
        return found[0]

    def text(self) -> str:
        return "".join(u["content"]["text"] for u in self.of_kind("agent_message_chunk"))


@asynccontextmanager
async def start_editor(
    env: dict[str, str],
    root: Path,
    editor: str = "visual-studio-code",
    *,
    initialization_options: Any = None,
    configuration: dict[str, Any] | None = None,
    server_command: list[str] | None = None,
    **claude: Any,
) -> AsyncIterator[tuple[LanguageClient, Recorder]]:
    """Start the server, initialise it as `editor` would, and shut it down at the end.

    Keyword arguments become the client's `experimental.claude` capability; pass
    `claude=None`-free defaults for a rich client (`sessionUpdate=True`). `configuration`
    is what the client answers to `workspace/configuration`; `server_command` replaces
    the usual `python -m claude_lsp` (an editor configuration's own command line).
    """
    config = ClientServerConfig(
        server_command=server_command or SERVER, server_env=env, client_factory=make_client
    )
    client = await config.start()
    assert isinstance(client, LanguageClient)
    recorder = Recorder()
    _install_handlers(client, recorder)
    if configuration is not None:
        client.set_configuration(configuration)
    capabilities = helix_capabilities() if editor == "helix" else client_capabilities(editor)
    if claude:
        capabilities.experimental = {"claude": {"protocolVersion": 1, **claude}}
    client.init_result = await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=initialization_options,
        )
    )
    try:
        yield client, recorder
    finally:
        await asyncio.wait_for(client.shutdown_session(), 15)


def _install_handlers(client: LanguageClient, recorder: Recorder) -> None:
    @client.feature("claude/session/update")
    def on_update(params: Any) -> None:
        recorder.updates.append(params)

    @client.feature("claude/session/requestPermission")
    def on_permission(params: Any) -> dict[str, Any]:
        recorder.permission_requests.append(params)
        return {"outcome": {"outcome": "selected", "optionId": recorder.permission_answer}}

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def on_apply(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        recorder.edits.append(params)
        return types.ApplyWorkspaceEditResult(applied=recorder.apply_edits)


def text_edit(start: tuple[int, int], end: tuple[int, int], new_text: str) -> types.TextEdit:
    return types.TextEdit(
        range=types.Range(
            start=types.Position(line=start[0], character=start[1]),
            end=types.Position(line=end[0], character=end[1]),
        ),
        new_text=new_text,
    )


def sent_edits(
    editor: str, params: types.ApplyWorkspaceEditParams, uri: str, version: int
) -> list[Any]:
    """The edits of one document, checking the shape each editor can take.

    None of them carries change annotations: only a diff review asks for those.
    """
    edit = params.edit
    assert edit.change_annotations is None
    if editor == "neovim":  # no documentChanges support: plain, unversioned changes
        assert edit.document_changes is None
        assert edit.changes is not None and list(edit.changes) == [uri]
        return list(edit.changes[uri])
    assert edit.changes is None
    (change,) = edit.document_changes or []
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.uri == uri and change.text_document.version == version
    return list(change.edits)


def negotiated_encoding(client: LanguageClient, editor: str) -> str:
    """The position encoding the server chose in `initialize`, as `editor` expects it."""
    encoding = client.init_result.capabilities.position_encoding
    assert encoding == ENCODINGS[editor]
    return str(encoding)


async def request(
    client: LanguageClient, method: str, params: dict[str, Any], timeout: float = 30
) -> Any:
    return await asyncio.wait_for(client.protocol.send_request_async(method, params), timeout)


async def new_session(client: LanguageClient, root: Path, **params: Any) -> str:
    result = await request(client, "claude/session/new", {"cwd": str(root), **params})
    return str(result["sessionId"])


async def prompt(
    client: LanguageClient, session_id: str, text: str, timeout: float = 30
) -> dict[str, Any]:
    result = await request(
        client,
        "claude/session/prompt",
        {"sessionId": session_id, "prompt": [{"type": "text", "text": text}]},
        timeout,
    )
    assert isinstance(result, dict)
    return result


def turn_progress(client: LanguageClient) -> dict[Any, list[Any]]:
    """The client's work-done progresses of Claude turns, by token (not the symbol
    index's, which run beside them after `initialized`)."""
    return {
        token: reports
        for token, reports in client.progress_reports.items()
        if not reports or getattr(reports[0], "title", None) == "Claude"
    }
