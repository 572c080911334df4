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

from claude_lsp.cli.rpc import RpcConnection
from claude_lsp.lsp import attach_files
from claude_lsp.lsp.wire import PROTOCOL_VERSION

STREAM_LIMIT = 64 * 1024 * 1024


@dataclass
class Attached:
    connection: RpcConnection
    lock: attach_files.ServerLock


async def attach(cwd: Path) -> Attached | None:
    """A connection to the live server whose workspace holds `cwd`, or None. Stale locks
    met on the way (their server is gone) are removed."""
    try:
        folder = attach_files.runtime_folder()
    except (OSError, attach_files.AttachUnavailable):
        return None
    while (found := attach_files.find_lock(folder, cwd)) is not None:
        path, lock = found
        if attach_files.is_alive(lock.pid):
            try:
                reader, writer = await asyncio.open_unix_connection(lock.socket, limit=STREAM_LIMIT)
            except OSError:
                pass
            else:
                connection = RpcConnection(reader, writer)
                connection.start()
                return Attached(connection, lock)
        attach_files.remove_stale(path, lock)
    return None


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
