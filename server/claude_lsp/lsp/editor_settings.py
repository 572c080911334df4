"""Settings the editor gives: `initializationOptions.claude`, then the `claude` section of
`workspace/configuration`, kept current by `workspace/didChangeConfiguration`.

They form the editor scope of Claude Code's settings (above the files, below managed
settings) for sessions created afterwards; a running session keeps what it started with.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from claude_lsp.lsp.chat import start_transcript_cleanup
from claude_lsp.lsp.notifications import add_notification_listener
from claude_lsp.lsp.protocol import ClaudeProtocol

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)
SECTION = "claude"
PULL_SECONDS = 2.0


class EditorSettings:
    def __init__(self, server: LanguageServer) -> None:
        self._server = server
        self._configured: dict[str, Any] = {}
        self._pulling: asyncio.Task[None] | None = None

    async def current(self) -> dict[str, Any] | None:
        """The editor's settings for a new session (None: it gave none).

        A session created right after `initialized` waits (briefly) for the answer to
        the configuration request that notification started.
        """
        if self._pulling is not None and not self._pulling.done():
            await asyncio.wait({self._pulling}, timeout=PULL_SECONDS)
        protocol = self._server.protocol
        initial = protocol.editor_settings if isinstance(protocol, ClaudeProtocol) else None
        merged = {**(initial or {}), **self._configured}
        return merged or None

    def register(self) -> None:
        server = self._server

        def initialized(params: types.InitializedParams) -> None:
            self._pulling = asyncio.ensure_future(self._pull())
            start_transcript_cleanup(server.workspace.root_path)

        # Others listen to `initialized` too; pygls takes one handler per method.
        add_notification_listener(server, types.INITIALIZED, initialized)

        @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
        async def changed(params: types.DidChangeConfigurationParams) -> None:
            pushed = params.settings.get(SECTION) if isinstance(params.settings, dict) else None
            if isinstance(pushed, dict):
                self._configured = dict(pushed)
            else:  # the usual "something changed, ask me" notification
                await self._pull()

    async def _pull(self) -> None:
        capabilities = self._server.client_capabilities
        workspace = capabilities.workspace if capabilities else None
        if workspace is None or not workspace.configuration:
            return
        try:
            (value,) = await self._server.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
            )
        except Exception as exc:  # an editor that cannot answer: keep what we have
            log.info("workspace/configuration failed: %s", exc)
            return
        if isinstance(value, dict):
            self._configured = dict(value)
