"""A session's updates sent to the ACP client in order, in ACP's own shapes.

The core's updates are ACP `SessionUpdate`s already, except two of the LSP protocol's
own: `usage_update` becomes ACP's (tokens in the window, its size, the cost), and
`api_retry` has no ACP counterpart, so it is only logged.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from claude_lsp.agent.context_window import DEFAULT_WINDOW
from claude_lsp.agent.update_stream import UpdateStream

if TYPE_CHECKING:
    from acp.interfaces import Client

log = logging.getLogger(__name__)


class ClientUpdates:
    """One sender per session, so updates reach the client in the order they happened.

    `stream` is the session's event sink. Requests to the client (permission questions,
    file reads and writes) wait for `flushed()` first, so a question never arrives
    before the tool call it is about.
    """

    def __init__(self, client: Client, session_id: str) -> None:
        self._client = client
        self._session_id = session_id
        self.window_tokens = DEFAULT_WINDOW  # the session's, once it is known
        self.stream = UpdateStream(self._enqueue)
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._sender = asyncio.ensure_future(self._send_all())

    async def flushed(self) -> None:
        """Every update so far sent to the client (nothing to wait for once closed)."""
        self.stream.flush()
        if not self._sender.done():
            await self._queue.join()

    async def close(self) -> None:
        self._sender.cancel()
        await asyncio.gather(self._sender, return_exceptions=True)

    def _enqueue(self, update: dict[str, Any]) -> None:
        acp_update = as_acp_update(update, self.window_tokens)
        if acp_update is None:
            log.info("session %s: %s", self._session_id, update)
        elif not self._sender.done():
            self._queue.put_nowait(acp_update)

    async def _send_all(self) -> None:
        from acp.schema import SessionNotification

        while True:
            update = await self._queue.get()
            try:
                notification = SessionNotification.model_validate(
                    {"sessionId": self._session_id, "update": update}
                )
                await self._client.session_update(
                    session_id=self._session_id, update=notification.update
                )
            except Exception as exc:  # a shape ACP refuses, or a closed client
                log.warning("session/update %s not sent: %s", update.get("sessionUpdate"), exc)
            finally:
                self._queue.task_done()


def as_acp_update(update: dict[str, Any], window_tokens: int) -> dict[str, Any] | None:
    """`update` as ACP has it, or None when ACP has no such update."""
    kind = update.get("sessionUpdate")
    if kind == "api_retry":
        return None
    if kind == "usage_update":
        return {
            "sessionUpdate": "usage_update",
            "used": update["contextTokens"],
            "size": window_tokens,
            "cost": {"amount": update["costUsd"], "currency": "USD"},
            "_meta": {"claude": {"model": update["model"], "usage": update["usage"]}},
        }
    return update
