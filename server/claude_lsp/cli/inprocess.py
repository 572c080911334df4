"""An LSP connection to a server living in this process.

Print mode without a server to attach to talks real JSON-RPC to a real
`ClaudeLanguageServer`, but through two in-memory byte channels instead of a child
process, so a one-shot run pays for one Python start-up, not two.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

from pygls.io_ import run_async

from claude_lsp.cli.rpc import RpcConnection
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
        if not self.reader.at_eof():
            self.reader.feed_eof()


@dataclass
class InProcessServer:
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
    model_client: ModelClient | None = None,
) -> tuple[RpcConnection, InProcessServer]:
    """Start a server in this event loop; a client connection to it, and the server."""
    server = create_server(model_client)
    to_server, to_client = _Channel(), _Channel()
    server.protocol.set_writer(to_client)
    running = InProcessServer(server, (to_server, to_client))
    running._tasks.append(
        asyncio.create_task(
            run_async(stop_event=running._stop, reader=to_server.reader, protocol=server.protocol)
        )
    )
    connection = RpcConnection(to_client.reader, to_server)
    connection.start()
    return connection, running
