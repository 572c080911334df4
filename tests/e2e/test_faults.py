"""Throw bad input at the server, then check that a normal chat still works."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

from tests.conftest import agent_env
from tests.fakeapi import FakeAnthropic, hang, reply, text, tool_use


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def message(**fields: Any) -> bytes:
    return frame(json.dumps({"jsonrpc": "2.0", **fields}).encode())


class RawClient:
    """A client that writes whatever it likes and reads what comes back, by id."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin and process.stdout
        self.stdin: IO[bytes] = process.stdin
        self.stdout: IO[bytes] = process.stdout
        self.notifications: list[dict[str, Any]] = []

    def send(self, data: bytes) -> None:
        self.stdin.write(data)
        self.stdin.flush()

    def read(self) -> dict[str, Any]:
        length = 0
        while (line := self.stdout.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        assert length, "the server closed its output"
        return dict(json.loads(self.stdout.read(length)))

    def response(self, request_id: Any) -> dict[str, Any]:
        """Read until the response to `request_id`, keeping notifications aside."""
        while True:
            received = self.read()
            if received.get("id") == request_id and "method" not in received:
                return received
            if "method" not in received and received.get("id") is None:
                continue  # an error answer to a message that had no id
            if "method" in received and "id" in received:  # a request: answer null
                self.send(message(id=received["id"], result=None))
            else:
                self.notifications.append(received)


def test_malformed_frames_wrong_params_and_a_cancel_storm_leave_the_server_working(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    before = calc.read_text()
    fake_api.script(
        hang(),  # the prompt the storm cancels
        reply(tool_use("Read", {"file_path": str(calc)})),
        reply(text("all good")),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "claude_lsp"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=agent_env(fake_api, tmp_path),
    )
    client = RawClient(process)
    try:
        client.send(
            message(
                id=1,
                method="initialize",
                params={
                    "processId": None,
                    "rootUri": project.as_uri(),
                    "capabilities": {
                        "experimental": {"claude": {"protocolVersion": 1, "sessionUpdate": True}}
                    },
                },
            )
        )
        assert client.response(1)["result"]["serverInfo"]["name"] == "claude-lsp"
        client.send(message(method="initialized", params={}))

        # malformed frames and messages
        client.send(frame(b"{not json"))
        client.send(frame(b'{"jsonrpc": "2.0", "id": 2}'))
        client.send(frame(b"[1, 2, 3]"))
        client.send(message(id=3, method="no/such/method", params={}))
        assert client.response(3)["error"]["code"] == -32601
        # wrong params
        for request_id, method, params in (
            (4, "claude/session/new", {"cwd": 42}),
            (5, "claude/session/prompt", {"sessionId": "x"}),
            (6, "claude/session/setMode", None),
            (7, "claude/tool/run", {"sessionId": "x", "name": "Bash"}),
        ):
            client.send(message(id=request_id, method=method, params=params))
            assert client.response(request_id)["error"]["code"] == -32602
        # a huge prompt for an unknown session is refused, not choked on
        huge = "x" * 5_000_000
        client.send(
            message(
                id=8,
                method="claude/session/prompt",
                params={"sessionId": "nope", "prompt": [{"type": "text", "text": huge}]},
            )
        )
        assert client.response(8)["error"]["code"] == -32602

        # a cancel storm around a running prompt
        client.send(message(id=9, method="claude/session/new", params={"cwd": str(project)}))
        session_id = client.response(9)["result"]["sessionId"]
        client.send(
            message(
                id=10,
                method="claude/session/prompt",
                params={"sessionId": session_id, "prompt": [{"type": "text", "text": "slow"}]},
            )
        )
        fake_api.wait_for_requests(1, timeout=30)
        storm = (
            b"".join(message(method="$/cancelRequest", params={"id": i}) for i in range(1000, 1200))
            + b"".join(
                message(method="claude/session/cancel", params={"sessionId": f"ghost-{i}"})
                for i in range(100)
            )
            + message(method="claude/session/cancel", params={"sessionId": session_id})
            + message(method="$/cancelRequest", params={"id": 10}) * 20
        )
        client.send(storm)
        assert client.response(10)["result"]["stopReason"] == "cancelled"

        # and a normal chat still works
        client.send(
            message(
                id=11,
                method="claude/session/prompt",
                params={"sessionId": session_id, "prompt": [{"type": "text", "text": "read calc"}]},
            )
        )
        answer = client.response(11)["result"]
        assert answer["stopReason"] == "end_turn" and answer["result"] == "all good"
        client.send(message(id=12, method="shutdown"))
        assert client.response(12)["result"] is None
        client.send(message(method="exit"))
        assert process.wait(15) == 0
    finally:
        process.kill()
        process.wait(10)
    assert calc.read_text() == before
    assert fake_api.message_requests()[0].disconnected.wait(5)


async def test_client_disappearing_mid_prompt_ends_the_server(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(hang())
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "claude_lsp",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env=agent_env(fake_api, tmp_path),
    )
    assert server.stdin is not None
    server.stdin.write(
        message(
            id=1,
            method="initialize",
            params={"processId": None, "rootUri": project.as_uri(), "capabilities": {}},
        )
    )
    server.stdin.write(message(id=2, method="claude/session/new", params={"cwd": str(project)}))
    await server.stdin.drain()
    await asyncio.sleep(1)
    server.stdin.close()  # the editor crashed
    assert await asyncio.wait_for(server.wait(), 20) is not None
