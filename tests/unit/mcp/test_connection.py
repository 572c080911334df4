"""One MCP connection's life with real processes: a real server (mcp-server-time), one
that never answers, one that is not there; nothing is left running afterwards."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from claude_lsp.mcp.config import McpScope, McpServerConfig
from claude_lsp.mcp.connection import McpCallError, McpConnection, ServerState


def stdio(command: str, *args: str) -> McpServerConfig:
    return McpServerConfig("s", "stdio", McpScope.USER, command=command, args=args)


def sleeper(marker: str) -> McpServerConfig:
    """A "server" that never answers; `marker` stays in its command line."""
    return stdio(sys.executable, "-c", "import time; time.sleep(600)", marker)


def running(marker: str) -> bool:
    """Whether a process whose command line holds `marker` is alive."""
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker.encode() in (entry / "cmdline").read_bytes():
                return True
        except OSError:
            continue
    return False


async def test_a_real_server_connects_answers_and_closes(tmp_path: Path) -> None:
    connection = McpConnection(
        stdio(sys.executable, "-m", "mcp_server_time"), cwd=tmp_path, environ={}
    )
    await connection.connect()
    assert connection.state is ServerState.CONNECTED
    assert {tool.name for tool in connection.tools} == {"get_current_time", "convert_time"}
    result = await connection.call_tool("get_current_time", {"timezone": "UTC"})
    assert '"timezone": "UTC"' in result["content"][0]["text"]
    failed = await connection.call_tool("get_current_time", {"timezone": "Mars/Olympus"})
    assert failed["isError"] is True
    assert "Invalid timezone" in failed["content"][0]["text"]

    await connection.close()

    assert connection.state is ServerState.CLOSED
    with pytest.raises(McpCallError, match=r"'s' is not connected \(closed\)"):
        await connection.call_tool("get_current_time", {"timezone": "UTC"})


async def test_a_server_that_never_answers_fails_after_the_timeout_and_is_ended(
    tmp_path: Path,
) -> None:
    marker = f"{tmp_path}/never-answers"
    connection = McpConnection(
        sleeper(marker),
        cwd=tmp_path,
        environ={"MCP_TIMEOUT": "300"},
    )
    await connection.connect()

    assert connection.state is ServerState.FAILED
    assert connection.error == "did not answer within 0.3 s (MCP_TIMEOUT)"
    assert not running(marker)  # ended when it was given up on, not at close


async def test_a_missing_command_fails_with_its_name(tmp_path: Path) -> None:
    connection = McpConnection(stdio("no-such-mcp-server"), cwd=tmp_path, environ={})
    await connection.connect()
    assert connection.state is ServerState.FAILED
    assert connection.error == "command not found: no-such-mcp-server"
    await connection.close()


async def test_cancelling_a_start_leaves_nothing_running(tmp_path: Path) -> None:
    marker = f"{tmp_path}/slow-start"
    connection = McpConnection(sleeper(marker), cwd=tmp_path, environ={})
    start = asyncio.create_task(connection.connect())
    async with asyncio.timeout(10):
        while not running(marker):
            await asyncio.sleep(0.02)
    start.cancel()
    with pytest.raises(asyncio.CancelledError):
        await start

    await connection.close()

    assert not running(marker)
