"""A session's events as ACP `SessionUpdate` objects, text deltas coalesced.

Every host streams the same way (LSP's claude/session/update, the `--acp` agent's
session/update); only how an update is sent differs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from claude_lsp.agent.events import (
    AgentText,
    AgentThought,
    SessionEvent,
    SubagentEvent,
    to_session_update,
)

TEXT_BATCH_SECONDS = 0.04

Chunk = AgentText | AgentThought


class UpdateStream:
    """Sends a session's events through `send`, coalescing text deltas.

    A throttle with a leading edge: a text or thought chunk goes out at once when none
    went out in the last TEXT_BATCH_SECONDS; chunks arriving sooner are held and sent
    together when that interval ends. A model streaming slowly is never delayed, and a
    fast stream does not become thousands of tiny messages. Any other event flushes
    first, so the client sees things in the order they happened. Only chunks of one
    kind from one agent (the main one, or one subagent) are joined.
    """

    def __init__(self, send: Callable[[dict[str, Any]], None]) -> None:
        self._send_update = send
        # Held chunks, each with the Agent call of the subagent it comes from (None: the
        # main agent).
        self._pending: list[tuple[str | None, Chunk]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._last_text_sent = float("-inf")

    def __call__(self, event: SessionEvent) -> None:
        chunk = _chunk_of(event)
        if chunk is not None:
            parent, piece = chunk
            if self._pending:
                held_parent, held = self._pending[-1]
                if held_parent != parent or type(held) is not type(piece):
                    self.flush()
            self._pending.append(chunk)
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
        parent, first = self._pending[0]
        joined = type(first)("".join(chunk.text for _, chunk in self._pending))
        self._pending.clear()
        self._last_text_sent = asyncio.get_running_loop().time()
        event = joined if parent is None else SubagentEvent(parent, joined)
        self._send_update(to_session_update(event))


def _chunk_of(event: SessionEvent) -> tuple[str | None, Chunk] | None:
    """A text or thought chunk and the subagent's Agent call it comes from (None: the
    main agent); None for any other event."""
    if isinstance(event, AgentText | AgentThought):
        return None, event
    if isinstance(event, SubagentEvent) and isinstance(event.event, AgentText | AgentThought):
        return event.parent_tool_call_id, event.event
    return None
