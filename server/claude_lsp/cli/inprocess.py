"""An LSP connection to a server living in this process.

Print mode talks real JSON-RPC to a real `ClaudeLanguageServer`, but through two
in-memory byte channels instead of a child process, so a one-shot run pays for one
Python start-up, not two.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from pygls.io_ import run_async
from pygls.lsp.client import LanguageClient

from claude_lsp.lsp.server import ClaudeLanguageServer, create_server
from claude_lsp.models.client import ModelClient

CHANNEL_LIMIT = 64 * 1024 * 1024


class _Channel:
    """One direction of the connection: what one side writes, the other reads."""

    def __init__(self) -> None:
        self.reader = asyncio.StreamReader(limit=CHANNEL_LIMIT)

    def write(self, data: bytes) -> None:
        self.reader.feed_data(data)

    def close(self) -> None:
        self.reader.feed_eof()


@dataclass
class InProcessConnection:
    server: ClaudeLanguageServer
    _channels: tuple[_Channel, _Channel]
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    async def close(self) -> None:
        self._stop.set()
        for channel in self._channels:
            channel.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def connect_in_process(
    client: LanguageClient, model_client: ModelClient | None = None
) -> InProcessConnection:
    """Start a server in this event loop and wire `client` to it."""
    server = create_server(model_client)
    to_server, to_client = _Channel(), _Channel()
    server.protocol.set_writer(to_client)
    client.protocol.set_writer(to_server)
    connection = InProcessConnection(server, (to_server, to_client))
    for reader, protocol in (
        (to_server.reader, server.protocol),
        (to_client.reader, client.protocol),
    ):
        connection._tasks.append(
            asyncio.create_task(
                run_async(stop_event=connection._stop, reader=reader, protocol=protocol)
            )
        )
    return connection
