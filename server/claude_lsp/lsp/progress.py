"""One cancellable work-done progress per prompt turn, for every LSP client.

Clients that know nothing of claude/* still show "Claude" in their status line with
the tool being run, and cancelling that progress cancels the turn. Only standard
`$/progress` payloads are sent (Helix and Zed reject anything else).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from claude_lsp.agent.events import SessionEvent, SubagentEvent, ToolCallStarted

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)


class TurnProgress:
    """Begin, a report per tool, end; `on_cancel` runs when the user cancels it."""

    def __init__(self, server: LanguageServer, token: types.ProgressToken) -> None:
        self._server = server
        self._token = token

    @classmethod
    async def start(
        cls,
        server: LanguageServer,
        client_token: types.ProgressToken | None,
        message: str,
        on_cancel: Callable[[], None],
    ) -> TurnProgress | None:
        """Begin a progress on the client's token, or on one we create if it allows."""
        token = client_token
        if token is None:
            window = server.client_capabilities.window
            if not (window and window.work_done_progress):
                return None
            token = f"claude-{uuid.uuid4()}"
            try:
                await server.work_done_progress.create_async(token)
            except Exception as exc:  # the client refused: chat works without a progress
                log.info("no work-done progress: %s", exc)
                return None
        progress = cls(server, token)
        server.work_done_progress.begin(
            token, types.WorkDoneProgressBegin(title="Claude", message=message, cancellable=True)
        )
        cancelled = server.work_done_progress.tokens[token]
        cancelled.add_done_callback(lambda future: on_cancel() if future.cancelled() else None)
        return progress

    def observe(self, event: SessionEvent) -> None:
        if isinstance(event, SubagentEvent):  # a subagent's tool is the turn's work too
            event = event.event
        if isinstance(event, ToolCallStarted):
            self.report(event.title)

    def report(self, message: str) -> None:
        self._server.work_done_progress.report(
            self._token, types.WorkDoneProgressReport(message=message)
        )

    def end(self, message: str) -> None:
        self._server.work_done_progress.end(self._token, types.WorkDoneProgressEnd(message=message))
        # pygls never forgets tokens; drop ours so a long session does not accumulate them
        future: Any = self._server.work_done_progress.tokens.pop(self._token, None)
        if future is not None and not future.done():
            future.set_result(None)


def summary(result: dict[str, Any] | None, error: str | None) -> str:
    """The progress's end message: how the turn ended, in a few words."""
    if error is not None:
        return f"Failed: {error}"
    if result is None or result.get("stopReason") == "cancelled":
        return "Cancelled"
    turns = result.get("numTurns", 0)
    return f"Done ({turns} {'turn' if turns == 1 else 'turns'}, ${result.get('costUsd', 0):.4f})"


async def await_unless_cancelled(turn: asyncio.Future[Any], on_cancel: Callable[[], None]) -> Any:
    """Await `turn`; a cancel of the awaiting request stops the turn instead of losing it.

    pygls answers `$/cancelRequest` by cancelling the handler's task. The protocol wants
    the prompt to answer `stopReason: "cancelled"` instead, so the turn runs shielded
    and the cancel is turned into `on_cancel()`, after which its result is awaited.
    """
    try:
        return await asyncio.shield(turn)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        on_cancel()
        return await turn
