"""Finding and joining the server an editor runs for this folder (see lsp/attach_files.py).

Standard library only (and our light JSON-RPC client): print mode attached to a warm
server must start in a fraction of the time a server takes to import.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claude_lsp.cli.rpc import RpcConnection, RpcError
from claude_lsp.lsp import attach_files
from claude_lsp.lsp.wire import PROTOCOL_VERSION

STREAM_LIMIT = 64 * 1024 * 1024
# How long an editor's server may take to accept a terminal client before the client
# starts a server of its own.
HANDSHAKE_SECONDS = 5.0


@dataclass
class Attached:
    connection: RpcConnection
    lock: attach_files.ServerLock


async def attach(cwd: Path, *, request_permission: bool) -> Attached | None:
    """A connection to the live server whose workspace holds `cwd`, initialized, or None
    (the caller then starts a server of its own). Stale locks met on the way (their
    server is gone) are removed; a server that does not answer in time (a stopped
    editor's, say) is passed over, its lock left alone."""
    try:
        folder = attach_files.runtime_folder()
    except (OSError, attach_files.AttachUnavailable):
        return None
    while (found := attach_files.find_lock(folder, cwd)) is not None:
        path, lock = found
        if attach_files.is_alive(lock.pid):
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_unix_connection(lock.socket, limit=STREAM_LIMIT),
                    HANDSHAKE_SECONDS,
                )
            except (ConnectionRefusedError, FileNotFoundError):
                pass  # nobody listens there any more: stale
            except (OSError, TimeoutError):
                return None
            else:
                connection = RpcConnection(reader, writer)
                connection.start()
                try:
                    await asyncio.wait_for(
                        handshake(
                            connection,
                            cwd,
                            attach_token=lock.token,
                            request_permission=request_permission,
                        ),
                        HANDSHAKE_SECONDS,
                    )
                except (RpcError, TimeoutError):
                    await connection.close()
                    return None
                return Attached(connection, lock)
        attach_files.remove_stale(path, lock)
    return None


async def handshake(
    connection: RpcConnection,
    cwd: Path,
    *,
    attach_token: str | None,
    settings: dict[str, Any] | None = None,
    request_permission: bool,
) -> None:
    """`initialize` and `initialized`, as a terminal client sends them."""
    await connection.request(
        "initialize",
        initialize_params(
            cwd,
            attach_token=attach_token,
            settings=settings,
            request_permission=request_permission,
        ),
    )
    connection.notify("initialized", {})


def initialize_params(
    cwd: Path,
    *,
    attach_token: str | None,
    settings: dict[str, Any] | None = None,
    request_permission: bool,
) -> dict[str, Any]:
    """`initialize` for a terminal client: the claude/* extension, the token to attach."""
    claude: dict[str, Any] = dict(settings or {})
    if attach_token is not None:
        claude["attachToken"] = attach_token
    return {
        "processId": os.getpid(),
        "rootUri": cwd.as_uri(),
        "capabilities": {
            "experimental": {
                "claude": {
                    "protocolVersion": PROTOCOL_VERSION,
                    "sessionUpdate": True,
                    "requestPermission": request_permission,
                }
            }
        },
        "initializationOptions": {"claude": claude} if claude else None,
    }
