"""Terminal clients attached to an editor's server (`claude-lsp --chat`, `claude-lsp -p`).

After `initialized` the server listens on a private Unix socket and writes a lock file
per workspace root (see attach_files.py). Each connection gets a protocol of its own,
`AttachedProtocol`: it must present the lock's token in `initialize`, may then use the
claude/* methods (the server's own handlers), and nothing else of LSP: the documents,
the index and the edits stay the editor's, so a terminal session reads the editor's
unsaved buffers and its edits land in the editor with undo.

Routing: a handler running for an attached connection sees it in `requesting_protocol`
(a context variable set while its message is dispatched and inherited by the tasks the
handler starts). Sessions remember the protocol that opened them and send their updates
and permission questions there; a connection that closes takes its sessions with it.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import contextvars
import hmac
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest, JsonRpcMethodNotFound
from pygls.io_ import run_async
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from claude_lsp.lsp import attach_files
from claude_lsp.lsp.errors import answer_unreadable_message
from claude_lsp.lsp.notifications import add_notification_listener
from claude_lsp.lsp.protocol import PREFIX, ClaudeMessagesProtocol, server_extension

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from claude_lsp.lsp.server import ClaudeLanguageServer

log = logging.getLogger(__name__)

_attached: contextvars.ContextVar[AttachedProtocol | None] = contextvars.ContextVar(
    "claude_lsp_attached", default=None
)
# What an attached client may call besides claude/*: its own connection's lifecycle.
_LIFECYCLE = frozenset({types.INITIALIZE, types.INITIALIZED, types.SHUTDOWN, types.EXIT})


def requesting_protocol(server: LanguageServer) -> LanguageServerProtocol:
    """The connection the message being handled came from: an attached client's, or the
    editor's."""
    return _attached.get() or server.protocol


class AttachedProtocol(ClaudeMessagesProtocol):
    """One attached client's connection to the editor's server."""

    def __init__(self, server: LanguageServer, token: str) -> None:
        super().__init__(server, server.protocol._converter)
        self._token = token
        self.authenticated = False
        self.stop = threading.Event()

    def handle_message(self, message: Any) -> None:
        marker = _attached.set(self)
        try:
            super().handle_message(message)
        finally:
            _attached.reset(marker)

    def _handle_notification(self, method_name: str, params: Any) -> None:
        if self.authenticated or method_name == types.EXIT:
            super()._handle_notification(method_name, params)
        else:
            log.info("ignored %s from an attached client before initialize", method_name)

    def _get_handler(self, feature_name: str) -> Any:
        if feature_name != types.INITIALIZE and not self.authenticated:
            raise JsonRpcInvalidRequest("initialize with the attach token first")
        if feature_name in _LIFECYCLE:
            return self.fm.builtin_features[feature_name]
        if feature_name.startswith(PREFIX):
            handler = self._server.protocol.fm.features.get(feature_name)
            if handler is not None:
                return handler
        raise JsonRpcMethodNotFound.of(feature_name)

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams) -> types.InitializeResult:  # type: ignore[override]
        options = params.initialization_options
        claude = options.get("claude") if isinstance(options, dict) else None
        offered = claude.get("attachToken") if isinstance(claude, dict) else None
        if not isinstance(offered, str) or not hmac.compare_digest(
            offered.encode(), self._token.encode()
        ):
            log.warning("an attached client was refused: wrong or missing token")
            asyncio.get_running_loop().call_soon(self.close)
            raise JsonRpcException(code=-32600, message="attach refused: wrong or missing token")
        self.authenticated = True
        self.client_capabilities = params.capabilities
        return types.InitializeResult(
            capabilities=types.ServerCapabilities(experimental={"claude": server_extension()}),
            server_info=self.server_info,
        )

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> None:  # type: ignore[override]
        """The client is done: close its connection, not the server."""
        self.close()

    def close(self) -> None:
        self.stop.set()
        if self.writer is not None:
            with contextlib.suppress(Exception):
                self.writer.close()


class AttachListener:
    """The server's socket for attached clients, and its lock files."""

    def __init__(self, server: LanguageServer) -> None:
        self._server = server
        self._token = attach_files.new_token()
        self._folder: Path | None = None
        self._roots: list[Path] = []
        self._listening: asyncio.AbstractServer | None = None
        self.clients: set[AttachedProtocol] = set()
        self.on_client_closed: Callable[[AttachedProtocol], None] | None = None

    async def start(self, roots: list[Path]) -> None:
        """Listen, and claim the roots no live server holds; never fails the server."""
        if not roots or not hasattr(asyncio, "start_unix_server"):
            return
        try:
            folder = attach_files.runtime_folder()
            socket = attach_files.socket_path(folder, os.getpid())
            socket.unlink(missing_ok=True)
            self._listening = await asyncio.start_unix_server(self._serve, path=str(socket))
            os.chmod(socket, 0o600)
        except (OSError, attach_files.AttachUnavailable) as exc:
            log.warning("terminal clients cannot attach to this server: %s", exc)
            return
        self._folder = folder
        lock = attach_files.ServerLock(os.getpid(), str(socket), self._token, "")
        for root in roots:
            claimed = attach_files.ServerLock(lock.pid, lock.socket, lock.token, str(root))
            try:
                if attach_files.claim(folder, root, claimed):
                    self._roots.append(root)
                else:
                    log.info("another server takes terminal clients for %s", root)
            except OSError as exc:
                log.warning("cannot write the attach lock for %s: %s", root, exc)
        if not self._roots:
            self.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        protocol = AttachedProtocol(self._server, self._token)
        protocol.set_writer(writer)
        self.clients.add(protocol)
        try:
            await run_async(
                stop_event=protocol.stop,
                reader=reader,
                protocol=protocol,
                logger=log,
                error_handler=lambda error, source: answer_unreadable_message(protocol, error),
            )
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away mid-message
        finally:
            protocol.close()
            self._closed(protocol)

    def _closed(self, protocol: AttachedProtocol) -> None:
        if protocol in self.clients:
            self.clients.discard(protocol)
            if self.on_client_closed is not None:
                self.on_client_closed(protocol)

    def close(self) -> None:
        """Stop listening and remove this server's locks and socket."""
        for client in list(self.clients):
            client.close()
        if self._listening is not None:
            self._listening.close()
            self._listening = None
        if self._folder is not None:
            attach_files.release(self._folder, self._roots, os.getpid())
            attach_files.socket_path(self._folder, os.getpid()).unlink(missing_ok=True)
            self._folder = None
            self._roots = []


def accept_attached_clients(server: ClaudeLanguageServer) -> AttachListener:
    """Listen for terminal clients once the editor has said which folders it opened;
    stop at `exit` (or whenever the process ends)."""
    from claude_lsp.lsp.indexing import workspace_roots

    listener = AttachListener(server)
    closing: set[asyncio.Task[None]] = set()

    def client_closed(client: AttachedProtocol) -> None:
        task = asyncio.ensure_future(server.chat.client_closed(client))
        closing.add(task)
        task.add_done_callback(closing.discard)

    def start(params: Any) -> None:
        roots = workspace_roots(server, fall_back_to_root=True)
        task = asyncio.ensure_future(listener.start(roots))
        closing.add(task)
        task.add_done_callback(closing.discard)

    listener.on_client_closed = client_closed
    add_notification_listener(server, types.INITIALIZED, start)
    add_notification_listener(server, types.EXIT, lambda params: listener.close())
    atexit.register(listener.close)
    return listener
