"""The claude-lsp language server: pygls with the claude/* protocol.

Importing this module must stay cheap (no anthropic, no grammars): editors time the
`initialize` round trip, and the agent core loads on the first chat request.
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from claude_lsp.lsp.chat import ChatService
from claude_lsp.lsp.errors import quiet_expected_errors
from claude_lsp.lsp.protocol import ClaudeProtocol

log = logging.getLogger(__name__)


def package_version() -> str:
    try:
        return version("claude-lsp")
    except PackageNotFoundError:
        return "0+unknown"


class ClaudeLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "claude-lsp",
            package_version(),
            protocol_cls=ClaudeProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.chat = ChatService(self)


def create_server() -> ClaudeLanguageServer:
    quiet_expected_errors()
    server = ClaudeLanguageServer()
    server.chat.register()

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: ClaudeLanguageServer, params: None) -> None:
        await ls.chat.close()

    return server
