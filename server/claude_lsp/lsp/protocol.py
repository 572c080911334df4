"""The claude/* JSON-RPC extension on top of pygls' LSP protocol.

Custom messages keep their params and results as plain dicts (pygls would otherwise
turn them into namedtuples), and `initialize` advertises the extension.
"""

from __future__ import annotations

from collections.abc import Generator
from functools import lru_cache
from typing import Any

import attrs
from lsprotocol import types
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from claude_lsp.lsp.wire import PROTOCOL_VERSION

PREFIX = "claude/"
NOTIFICATIONS = frozenset({"claude/session/cancel", "claude/session/update"})


# No defaults on `method` / `jsonrpc`: the converter would drop them from the wire.
@attrs.define
class ClaudeRequest:
    id: int | str
    method: str
    jsonrpc: str
    params: Any = None


@attrs.define
class ClaudeNotification:
    method: str
    jsonrpc: str
    params: Any = None


@attrs.define
class ClaudeResponse:
    id: int | str
    jsonrpc: str
    result: Any = None


class ClaudeMessagesProtocol(LanguageServerProtocol):
    """LSP whose claude/* messages carry plain dicts; used by servers and clients."""

    @lru_cache  # noqa: B019 (pygls caches these the same way; protocols live for the process)
    def get_message_type(self, method: str) -> Any:
        if method.startswith(PREFIX):
            return ClaudeNotification if method in NOTIFICATIONS else ClaudeRequest
        return super().get_message_type(method)

    @lru_cache  # noqa: B019
    def get_result_type(self, method: str) -> Any:
        if method.startswith(PREFIX):
            return ClaudeResponse
        return super().get_result_type(method)


class ClaudeProtocol(ClaudeMessagesProtocol):
    """The server side: also advertises the extension in `initialize`, and keeps
    `initializationOptions.claude` (settings from the editor) for new sessions."""

    editor_settings: dict[str, Any] | None = None

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(
        self, params: types.InitializeParams
    ) -> Generator[Any, Any, types.InitializeResult]:
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("claude"), dict):
            self.editor_settings = dict(options["claude"])
        result: types.InitializeResult = yield from super().lsp_initialize(params)
        result.capabilities.experimental = {"claude": server_extension()}
        return result


def server_extension() -> dict[str, Any]:
    """`capabilities.experimental.claude` in the initialize result."""
    from claude_lsp.policy.permissions import PermissionMode

    return {
        "protocolVersion": PROTOCOL_VERSION,
        "modes": [mode.value for mode in PermissionMode],
        "loadSession": True,
        "listSessions": True,
    }


def client_extension(capabilities: types.ClientCapabilities | None) -> dict[str, Any]:
    """What the client said about claude/* in `capabilities.experimental.claude`."""
    experimental = capabilities.experimental if capabilities else None
    if isinstance(experimental, dict) and isinstance(experimental.get("claude"), dict):
        return dict(experimental["claude"])
    return {}
