"""The claude-lsp language server: pygls with the claude/* protocol.

Importing this module must stay cheap (no anthropic, no grammars): editors time the
`initialize` round trip, and the agent core loads on the first chat request.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from claude_lsp.lsp.approvals import register_approvals
from claude_lsp.lsp.attach import accept_attached_clients
from claude_lsp.lsp.chat import ChatService
from claude_lsp.lsp.chat_file import ChatFiles
from claude_lsp.lsp.claude_actions import ClaudeActions
from claude_lsp.lsp.code_intelligence import register_code_intelligence
from claude_lsp.lsp.editor_settings import EditorSettings
from claude_lsp.lsp.errors import answer_unreadable_message, quiet_expected_errors
from claude_lsp.lsp.notifications import add_notification_listener
from claude_lsp.lsp.process_exit import arm_exit_watchdog
from claude_lsp.lsp.protocol import ClaudeProtocol
from claude_lsp.lsp.review import Reviews
from claude_lsp.version import __version__

if TYPE_CHECKING:
    from claude_lsp.models.client import ModelClient

log = logging.getLogger(__name__)


class ClaudeLanguageServer(LanguageServer):
    def __init__(self, model_client: ModelClient | None = None) -> None:
        super().__init__(
            "claude-lsp",
            __version__,
            protocol_cls=ClaudeProtocol,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
        )
        self.chat = ChatService(self, model_client)
        self.editor_settings = EditorSettings(self)
        self.shutdown_requested = False

    @property
    def exit_code(self) -> int:
        """The status LSP asks for: 0 once `shutdown` was requested, else 1."""
        return 0 if self.shutdown_requested else 1

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Answer a message that could not be parsed instead of only logging it.

        pygls' reading loop reports those with `source` JsonRpcException; errors a request
        handler raised on purpose (source FeatureRequestError) were already answered.
        """
        if source is JsonRpcException:
            answer_unreadable_message(self.protocol, error)
            return
        super().report_server_error(error, source)


def create_server(
    model_client: ModelClient | None = None, *, attachable: bool = False
) -> ClaudeLanguageServer:
    """The server; `model_client` lets print mode hand over an already warming one.
    An `attachable` server (one an editor started) takes terminal clients too."""
    quiet_expected_errors()
    server = ClaudeLanguageServer(model_client)
    # First among the exit listeners, so that theirs (closing the index) are bounded too.
    add_notification_listener(
        server, types.EXIT, lambda params: arm_exit_watchdog(server.exit_code)
    )
    server.chat.register()
    server.editor_settings.register()
    register_approvals(server)
    chat_files = ChatFiles(server, server.chat)
    chat_files.register()
    ClaudeActions(server, chat_files).register()
    Reviews(server).register()
    server.chat.indexes = register_code_intelligence(server)
    if attachable:
        accept_attached_clients(server)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: ClaudeLanguageServer, params: None) -> None:
        ls.shutdown_requested = True
        await ls.chat.close()

    return server
