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

    def text(self) -> str:
        return "".join(u["content"]["text"] for u in self.of_kind("agent_message_chunk"))


@asynccontextmanager
async def start_editor(
    env: dict[str, str], root: Path, editor: str = "visual-studio-code", **claude: Any
) -> AsyncIterator[tuple[LanguageClient, Recorder]]:
    """Start the server, initialise it as `editor` would, and shut it down at the end.

    Keyword arguments become the client's `experimental.claude` capability; pass
    `claude=None`-free defaults for a rich client (`sessionUpdate=True`).
    """
    config = ClientServerConfig(server_command=SERVER, server_env=env, client_factory=make_client)
    client = await config.start()
    assert isinstance(client, LanguageClient)
    recorder = Recorder()
    _install_handlers(client, recorder)
    capabilities = helix_capabilities() if editor == "helix" else client_capabilities(editor)
    if claude:
        capabilities.experimental = {"claude": {"protocolVersion": 1, **claude}}
    client.init_result = await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
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
