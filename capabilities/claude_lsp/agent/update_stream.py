"""A session's events as ACP `SessionUpdate` objects, text deltas coalesced.

Every host streams the same way (LSP's claude/session/update, the `--acp` agent's
session/update); only how an update is sent differs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from claude_lsp.agent.events import AgentText, AgentThought, SessionEvent, to_session_update

TEXT_BATCH_SECONDS = 0.04


class UpdateStream:
    """Sends a session's events through `send`, coalescing text deltas.

    A throttle with a leading edge: a text or thought chunk goes out at once when none
    went out in the last TEXT_BATCH_SECONDS; chunks arriving sooner are held and sent
    together when that interval ends. A model streaming slowly is never delayed, and a
    fast stream does not become thousands of tiny messages. Any other event flushes
    first, so the client sees things in the order they happened.
    """

    def __init__(self, send: Callable[[dict[str, Any]], None]) -> None:
        self._send_update = send
        self._pending: list[AgentText | AgentThought] = []
        self._timer: asyncio.TimerHandle | None = None
        self._last_text_sent = float("-inf")

    def __call__(self, event: SessionEvent) -> None:
        if isinstance(event, AgentText | AgentThought):
            if self._pending and type(self._pending[-1]) is not type(event):
                self.flush()
            self._pending.append(event)
            if self._timer is None:
                loop = asyncio.get_running_loop()
                wait = self._last_text_sent + TEXT_BATCH_SECONDS - loop.time()
                if wait <= 0:
                    self.flush()
                else:
                    self._timer = loop.call_later(wait, self.flush)
            return
        self.flush()
        self._send_update(to_session_update(event))

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._pending:
            return
        first = self._pending[0]
        text = "".join(event.text for event in self._pending)
        self._pending.clear()
        self._last_text_sent = asyncio.get_running_loop().time()
        event = AgentText(text) if isinstance(first, AgentText) else AgentThought(text)
        self._send_update(to_session_update(event))
