"""A small JSON-RPC 2.0 connection with LSP framing: the terminal clients' side.

`claude-lsp -p` and `claude-lsp --chat` speak the claude/* protocol and little else, so
they use this instead of pygls' client: no lsprotocol types (half a second of imports,
more than a whole print-mode run attached to a warm server may take), plain dicts in
and out. The server stays pygls; this is only the other end of the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

METHOD_NOT_FOUND = -32601
INTERNAL_ERROR = -32603
CANCEL_REQUEST = "$/cancelRequest"


class RpcError(Exception):
    """An error answer from the other side."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


class ConnectionLost(RpcError):
    """The other side went away before answering."""

    def __init__(self) -> None:
        super().__init__(INTERNAL_ERROR, "the connection to the server was lost")


class Sink(Protocol):
    """Where outgoing bytes go: a stream writer, a pipe, an in-memory channel."""

    def write(self, data: bytes) -> Any: ...


NotificationHandler = Callable[[Any], None]
RequestHandler = Callable[[Any], Awaitable[Any]]


class RpcConnection:
    """Requests, notifications and answers over one pair of byte streams."""

    def __init__(self, reader: asyncio.StreamReader, sink: Sink) -> None:
        self._reader = reader
        self._sink = sink
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._notifications: dict[str, NotificationHandler] = {}
        self._requests: dict[str, RequestHandler] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._reading: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()

    def on_notification(self, method: str, handler: NotificationHandler) -> None:
        self._notifications[method] = handler

    def on_request(self, method: str, handler: RequestHandler) -> None:
        self._requests[method] = handler

    def start(self) -> None:
        self._reading = asyncio.ensure_future(self._read())

    async def request(self, method: str, params: Any = None) -> Any:
        """Send a request and wait for its result; cancelling the wait cancels it there
        too (`$/cancelRequest`)."""
        if self.closed.is_set():
            raise ConnectionLost()
        request_id = next(self._ids)
        answer = self._pending[request_id] = asyncio.get_running_loop().create_future()
        self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        try:
            return await answer
        except asyncio.CancelledError:
            if not self.closed.is_set():
                self.notify(CANCEL_REQUEST, {"id": request_id})
            raise
        finally:
            self._pending.pop(request_id, None)

    def notify(self, method: str, params: Any = None) -> None:
        if not self.closed.is_set():
            self._send({"jsonrpc": "2.0", "method": method, "params": params})

    async def close(self) -> None:
        """Stop reading; requests still waiting fail with `ConnectionLost`."""
        if self._reading is not None:
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reading
        self._lost()
        close = getattr(self._sink, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                close()

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message, separators=(",", ":")).encode("utf-8")
        try:
            self._sink.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        except (ConnectionError, OSError) as exc:
            log.debug("could not send %s: %s", message.get("method"), exc)
            self._lost()

    async def _read(self) -> None:
        try:
            while True:
                message = await self._read_message()
                if message is None:
                    break
                self._dispatch(message)
        except (ConnectionError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
            log.debug("connection closed: %s", exc)  # ValueError: a header that lies
        finally:
            self._lost()

    async def _read_message(self) -> dict[str, Any] | None:
        length = None
        while True:
            line = await self._reader.readline()
            if not line:
                return None
            if line in (b"\r\n", b"\n"):
                if length is not None:
                    break
                continue
            name, _, value = line.decode("ascii", "replace").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        body = await self._reader.readexactly(length)
        try:
            message = json.loads(body)
        except ValueError:
            log.warning("unreadable message from the server")
            return {}
        return message if isinstance(message, dict) else {}

    def _dispatch(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if method is None:
            request_id = message.get("id")
            answer = self._pending.get(request_id) if isinstance(request_id, int) else None
            if answer is None or answer.done():
                return
            error = message.get("error")
            if isinstance(error, dict):
                answer.set_exception(
                    RpcError(error.get("code", 0), error.get("message", ""), error.get("data"))
                )
            elif error is not None:
                answer.set_exception(RpcError(INTERNAL_ERROR, f"a malformed error: {error!r}"))
            else:
                answer.set_result(message.get("result"))
        elif "id" in message:
            task = asyncio.ensure_future(self._answer(message["id"], method, message.get("params")))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            handler = self._notifications.get(method)
            if handler is not None:
                try:
                    handler(message.get("params"))
                except Exception:
                    log.exception("handling %s failed", method)

    async def _answer(self, request_id: Any, method: str, params: Any) -> None:
        handler = self._requests.get(method)
        reply: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id}
        if handler is None:
            reply["error"] = {"code": METHOD_NOT_FOUND, "message": f"no handler for {method}"}
        else:
            try:
                reply["result"] = await handler(params)
            except Exception as exc:
                log.exception("answering %s failed", method)
                reply["error"] = {"code": INTERNAL_ERROR, "message": str(exc)}
        self._send(reply)

    def _lost(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        for answer in self._pending.values():
            if not answer.done():
                answer.set_exception(ConnectionLost())
