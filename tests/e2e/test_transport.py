"""The server's transports and its resilience to broken input."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

import pytest
from lsprotocol import types
from pygls.lsp.client import LanguageClient

from tests.conftest import agent_env


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_message(stream: IO[bytes]) -> dict[str, Any]:
    length = 0
    while (line := stream.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return dict(json.loads(stream.read(length)))


def initialize(root: Path) -> bytes:
    return frame(
        json.dumps(
            {
                "jsonrpc": "2.0",
                "id": 1,
                "method": "initialize",
                "params": {"processId": None, "rootUri": root.as_uri(), "capabilities": {}},
            }
        ).encode()
    )


@pytest.fixture
def raw_server(tmp_path: Path) -> Any:
    process = subprocess.Popen(
        [sys.executable, "-m", "claude_lsp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=agent_env(None, tmp_path),
    )
    yield process
    process.kill()
    process.wait(10)


def test_malformed_messages_get_errors_and_the_server_keeps_serving(
    raw_server: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    assert raw_server.stdin and raw_server.stdout
    raw_server.stdin.write(frame(b'{"jsonrpc": "2.0", "id": 7, "method": '))
    raw_server.stdin.write(frame(b'{"jsonrpc": "2.0", "id": 8, "params": []}'))
    raw_server.stdin.write(initialize(tmp_path))
    raw_server.stdin.flush()
    parse_error = read_message(raw_server.stdout)
    assert parse_error["error"]["code"] == -32700 and parse_error["id"] is None
    invalid = read_message(raw_server.stdout)
    assert invalid["error"]["code"] in (-32600, -32601)
    answer = read_message(raw_server.stdout)
    assert answer["id"] == 1 and answer["result"]["serverInfo"]["name"] == "claude-lsp"
    # a deliberate error is answered once, with no stray null-id error after it
    raw_server.stdin.write(
        frame(b'{"jsonrpc": "2.0", "id": 2, "method": "claude/session/new", "params": {}}')
    )
    raw_server.stdin.write(frame(b'{"jsonrpc": "2.0", "id": 3, "method": "shutdown"}'))
    raw_server.stdin.flush()
    invalid_params = read_message(raw_server.stdout)
    assert invalid_params["id"] == 2 and invalid_params["error"]["code"] == -32602
    assert read_message(raw_server.stdout) == {"jsonrpc": "2.0", "id": 3, "result": None}


def run_server(
    root: Path, *messages: bytes, options: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[bytes]:
    """The server run to its end on stdio: `initialize` for `root`, then `messages`."""
    return subprocess.run(
        [sys.executable, "-m", "claude_lsp", *options],
        input=initialize(root) + b"".join(map(frame, messages)),
        capture_output=True,
        env=agent_env(None, root),
        timeout=30,
    )


def test_logs_go_to_the_log_file_never_stdout(tmp_path: Path) -> None:
    log_file = tmp_path / "server.log"
    process = run_server(
        tmp_path,
        b'{"jsonrpc": "2.0", "id": 2, "method": "shutdown"}',
        b'{"jsonrpc": "2.0", "method": "exit"}',
        options=("--log-level", "debug", "--log-file", str(log_file)),
    )
    assert process.returncode == 0
    assert process.stdout.startswith(b"Content-Length:")
    bodies = process.stdout.split(b"Content-Length:")[1:]
    assert len(bodies) == 2  # the initialize and shutdown answers, nothing else
    assert "Language server initialized" in log_file.read_text()


def test_exit_without_shutdown_leaves_with_status_1(tmp_path: Path) -> None:
    process = run_server(
        tmp_path,
        b'{"jsonrpc": "2.0", "method": "initialized", "params": {}}',
        b'{"jsonrpc": "2.0", "method": "exit"}',
    )
    assert process.returncode == 1  # what LSP asks for when `shutdown` never came


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_tcp_transport(tmp_path: Path) -> None:
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "claude_lsp",
        "--tcp",
        f"127.0.0.1:{port}",
        env=agent_env(None, tmp_path),
        stderr=asyncio.subprocess.DEVNULL,
    )
    client = LanguageClient("tcp-test", "1")
    try:
        for _ in range(100):
            try:
                await client.start_tcp("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.1)
        result = await asyncio.wait_for(
            client.initialize_async(
                types.InitializeParams(
                    capabilities=types.ClientCapabilities(), root_uri=tmp_path.as_uri()
                )
            ),
            15,
        )
        assert result.capabilities.experimental["claude"]["protocolVersion"] == 1
        await asyncio.wait_for(client.shutdown_async(None), 15)
    finally:
        server.kill()
        await server.wait()
