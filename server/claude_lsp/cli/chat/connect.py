"""The chat's server: the editor's for this folder when one runs (attached), else one
started for the chat over stdio."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from claude_lsp.cli.attach_client import STREAM_LIMIT, attach
from claude_lsp.cli.rpc import RpcConnection
from claude_lsp.python_command import python_module_command

STOP_SECONDS = 5.0


@dataclass
class ServerLink:
    connection: RpcConnection
    initialized: bool
    """Attached: the editor's server has had this client's `initialize` already."""
    description: str
    close: Callable[[], Awaitable[None]]


async def connect(
    cwd: Path, *, no_attach: bool, log_file: str | None, log_level: str | None
) -> ServerLink:
    if not no_attach:
        attached = await attach(cwd, request_permission=True)
        if attached is not None:
            return ServerLink(
                attached.connection,
                True,
                f"attached to the server of {attached.lock.root} (pid {attached.lock.pid})",
                attached.connection.close,
            )
    return await _spawn(log_file, log_level)


async def _spawn(log_file: str | None, log_level: str | None) -> ServerLink:
    """`claude-lsp` over stdio, taking no attached clients of its own; its log goes to
    `log_file` or nowhere (the terminal is the chat's)."""
    argv = python_module_command("claude_lsp", "--stdio", "--no-attach")
    if log_file:
        argv += ["--log-file", log_file]
    if log_level:
        argv += ["--log-level", log_level]
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        limit=STREAM_LIMIT,
    )
    assert process.stdin is not None and process.stdout is not None
    connection = RpcConnection(process.stdout, process.stdin)
    connection.start()

    async def close() -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(connection.request("shutdown"), STOP_SECONDS)
            connection.notify("exit")
        try:
            await asyncio.wait_for(process.wait(), STOP_SECONDS)
        except TimeoutError:
            process.kill()
            await process.wait()
        await connection.close()

    return ServerLink(connection, False, f"server started (pid {process.pid})", close)
