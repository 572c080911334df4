"""MCP servers through the real server, against real MCP servers from the package
registries: mcp-server-time (PyPI, stdio) and the reference "everything" server (npm,
stdio and streamable HTTP). The scripted model calls their tools; the tests check what
the model received and what the user was asked."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import agent_env
from tests.e2e.conftest import new_session, prompt, start_editor
from tests.e2e.test_print_mode import run_cli
from tests.fakeapi import FakeAnthropic, reply, text, tool_use
from tests.npm_packages import npm_ci

SERVERS = Path(__file__).parent.parent / "mcp_servers"
RESOURCE = "demo://resource/static/document/architecture.md"


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference server's entry script, installed with `npm ci` from its lock file."""
    folder = npm_ci(
        SERVERS, ("package.json", "package-lock.json"), tmp_path_factory.mktemp("mcp-servers")
    )
    return (
        folder
        / "node_modules"
        / "@modelcontextprotocol"
        / "server-everything"
        / "dist"
        / "index.js"
    )


@pytest.fixture
def everything_http(everything: Path) -> Iterator[str]:
    """The reference server on streamable HTTP, on a free local port; its endpoint URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        ["node", str(everything), "streamableHttp"],
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as attempt:
                if attempt.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(10)


def user_servers(home: Path, servers: dict[str, Any]) -> None:
    """Servers in the user's scope: `mcpServers` of ~/.claude.json."""
    (home / ".claude.json").write_text(json.dumps({"mcpServers": servers}))


def time_server() -> dict[str, Any]:
    return {"command": sys.executable, "args": ["-m", "mcp_server_time"]}


def tool_results(fake_api: FakeAnthropic, index: int) -> list[dict[str, Any]]:
    """The tool_result blocks of the `index`th request's last message."""
    content = fake_api.message_requests()[index].body["messages"][-1]["content"]
    return [block for block in content if block.get("type") == "tool_result"]


def result_text(block: dict[str, Any]) -> str:
    return "\n".join(part.get("text", "") for part in block["content"])


async def test_a_stdio_server_s_tool_is_offered_asked_about_and_called(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    user_servers(tmp_path, {"time": time_server()})
    fake_api.script(
        reply(tool_use("mcp__time__get_current_time", {"timezone": "UTC"})),
        reply(text("It is late.")),
    )
    async with start_editor(
        agent_env(fake_api, tmp_path), project, sessionUpdate=True, requestPermission=True
    ) as (client, recorder):
        session_id = await new_session(client, project)
        result = await prompt(client, session_id, "what time is it?", timeout=60)

    assert result["stopReason"] == "end_turn"
    tools = {tool["name"]: tool for tool in fake_api.message_requests()[0].body["tools"]}
    offered = tools["mcp__time__get_current_time"]
    assert "timezone" in offered["input_schema"]["properties"]
    assert "mcp__time__convert_time" in tools
    [question] = recorder.permission_requests
    assert question["toolCall"]["title"] == "time: get_current_time (MCP)"
    [block] = tool_results(fake_api, 1)
    assert not block.get("is_error")
    assert json.loads(result_text(block))["timezone"] == "UTC"


async def test_a_project_server_is_approved_once_with_variables_expanded(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path, everything: Path
) -> None:
    (project / ".mcp.json").write_text(
        json.dumps(
            {
                "mcpServers": {
                    "everything": {
                        "command": "node",
                        "args": ["${EVERYTHING_JS}", "${TRANSPORT:-stdio}"],
                    }
                }
            }
        )
    )
    # A committed settings file cannot approve the repository's own servers.
    (project / ".claude").mkdir()
    (project / ".claude" / "settings.json").write_text(
        json.dumps({"enableAllProjectMcpServers": True, "enabledMcpjsonServers": ["everything"]})
    )
    fake_api.script(
        reply(tool_use("mcp__everything__echo", {"message": "hello"})),
        reply(text("Echoed.")),
        reply(tool_use("mcp__everything__get-sum", {"a": 2, "b": 3})),
        reply(text("Summed.")),
    )
    env = agent_env(fake_api, tmp_path, EVERYTHING_JS=str(everything))
    async with start_editor(env, project, sessionUpdate=True, requestPermission=True) as (
        client,
        recorder,
    ):
        recorder.permission_answer = "allow_always"
        session_id = await new_session(client, project)
        await prompt(client, session_id, "echo hello", timeout=60)
        asked_first = [r["toolCall"]["title"] for r in recorder.permission_requests]
        second = await new_session(client, project)
        await prompt(client, second, "add 2 and 3", timeout=60)
        asked_later = [r["toolCall"]["title"] for r in recorder.permission_requests]

    assert asked_first[0].startswith("the MCP server 'everything' from ")
    # The command as written: expanded values (a token, say) are not shown.
    assert asked_first[0].endswith(", which runs node ${EVERYTHING_JS} ${TRANSPORT:-stdio}")
    assert asked_first[1] == "everything: echo (MCP)"
    settings = json.loads((project / ".claude" / "settings.local.json").read_text())
    assert settings["enabledMcpjsonServers"] == ["everything"]
    # Approved once; "always allow" on a tool keeps a rule for that tool only.
    assert asked_later[len(asked_first) :] == ["everything: get-sum (MCP)"]
    assert settings["permissions"]["allow"] == ["mcp__everything__echo", "mcp__everything__get-sum"]
    assert result_text(tool_results(fake_api, 1)[0]) == "Echo: hello"
    assert result_text(tool_results(fake_api, 3)[0]) == "The sum of 2 and 3 is 5."


async def test_http_server_resources_mentions_prompts_and_status(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path, everything_http: str
) -> None:
    user_servers(tmp_path, {"ev": {"type": "http", "url": everything_http}})
    fake_api.script(
        reply(tool_use("ListMcpResourcesTool", {"server": "ev"})),
        reply(tool_use("ReadMcpResourceTool", {"server": "ev", "uri": RESOURCE})),
        reply(text("Read it.")),
        reply(text("Seen the mention.")),
        reply(text("Weather noted.")),
    )
    env = agent_env(fake_api, tmp_path)
    async with start_editor(env, project, sessionUpdate=True, requestPermission=True) as (
        client,
        recorder,
    ):
        session_id = await new_session(client, project)
        await prompt(client, session_id, "what documents are there?", timeout=60)
        await prompt(client, session_id, f"summarise @ev:{RESOURCE} please")
        await prompt(client, session_id, "/mcp__ev__args-prompt Paris")
        await prompt(client, session_id, "/mcp")
        commands = [u["availableCommands"] for u in recorder.of_kind("available_commands_update")][
            -1
        ]

    listed = json.loads(result_text(tool_results(fake_api, 1)[0]))
    assert {"uri": RESOURCE, "server": "ev"}.items() <= next(
        item for item in listed if item["uri"] == RESOURCE
    ).items()
    read = result_text(tool_results(fake_api, 2)[0])
    assert read.startswith(f"[{RESOURCE}]\n# Everything Server")
    assert recorder.permission_requests == []  # the resource tools only look
    mention = fake_api.message_requests()[3].body["messages"][-1]["content"]
    assert any(block.get("text", "").startswith(f"[{RESOURCE}]") for block in mention)
    weather = fake_api.message_requests()[4].body["messages"][-1]["content"]
    assert (
        weather[0]["text"] == "<command-name>/mcp__ev__args-prompt</command-name>\n"
        "<command-args>Paris</command-args>"
    )
    assert weather[1]["text"] == "What's weather in Paris?"
    assert any(c["name"] == "mcp__ev__args-prompt" for c in commands)
    status_text = recorder.text()
    assert f"ev (user, http: {everything_http})" in status_text
    assert "connected (mcp-servers/everything 2.0.0):" in status_text


async def test_failing_hanging_and_crashing_servers_never_take_the_agent_down(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path, everything: Path
) -> None:
    marker = f"crash-me-{os.getpid()}-{time.monotonic_ns()}"
    user_servers(
        tmp_path,
        {
            "missing": {"command": "no-such-mcp-server-here"},
            "hangs": {"command": "sleep", "args": ["600"]},
            "crashy": {"command": "node", "args": [str(everything), "stdio", marker]},
            "time": time_server(),
        },
    )
    long_call = {"duration": 60, "steps": 60}
    fake_api.script(
        reply(tool_use("mcp__crashy__trigger-long-running-operation", long_call)),
        reply(tool_use("mcp__crashy__echo", {"message": "still there?"})),
        reply(tool_use("mcp__time__get_current_time", {"timezone": "UTC"})),
        reply(text("Done despite the crash.")),
    )
    env = agent_env(fake_api, tmp_path, MCP_TIMEOUT="5000")
    async with start_editor(env, project, sessionUpdate=True, requestPermission=True) as (
        client,
        recorder,
    ):
        session_id = await new_session(client, project)
        turn = asyncio.create_task(prompt(client, session_id, "go", timeout=90))
        running = await _running_call(recorder, "crashy: trigger-long-running-operation (MCP)")
        assert running is not None
        _kill_processes_with(marker)
        result = await turn
        status = await prompt(client, session_id, "/mcp")

    assert result["stopReason"] == "end_turn" and status["stopReason"] == "end_turn"
    [crashed] = tool_results(fake_api, 1)
    assert crashed["is_error"] is True
    assert "MCP server 'crashy' stopped during the request" in result_text(crashed)
    [after] = tool_results(fake_api, 2)
    assert after["is_error"] is True and "'crashy' is not connected (failed" in result_text(after)
    [fine] = tool_results(fake_api, 3)
    assert json.loads(result_text(fine))["timezone"] == "UTC"
    shown = recorder.text()
    assert "MCP server 'missing' failed: command not found: no-such-mcp-server-here" in shown
    assert "MCP server 'hangs' failed: did not answer within 5 s (MCP_TIMEOUT)" in shown
    assert "crashy (user, stdio" in shown and "failed: the connection closed" in shown
    offered = {tool["name"] for tool in fake_api.message_requests()[0].body["tools"]}
    assert "mcp__time__get_current_time" in offered and "mcp__crashy__echo" in offered
    assert not any(name.startswith(("mcp__missing", "mcp__hangs")) for name in offered)


async def _running_call(recorder: Any, title: str) -> dict[str, Any] | None:
    """The tool call with `title` once the server reports it running (after the answer)."""
    async with asyncio.timeout(60):
        while True:
            calls = {
                u["toolCallId"]: u for u in recorder.of_kind("tool_call") if u["title"] == title
            }
            for update in recorder.of_kind("tool_call_update"):
                if update["toolCallId"] in calls and update.get("status") == "in_progress":
                    await asyncio.sleep(1)  # the request is on its way to the server
                    return update
            await asyncio.sleep(0.05)


def _kill_processes_with(marker: str) -> None:
    """SIGKILL every process whose command line holds `marker`: a crash, not a shutdown."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline:
            os.kill(int(entry.name), signal.SIGKILL)


def test_print_mode_runs_approved_servers_and_warns_about_the_others(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    """Print mode cannot ask: an unapproved project server stays off, an approved one runs."""
    (project / ".mcp.json").write_text(
        json.dumps({"mcpServers": {"clock": time_server(), "unasked": {"command": "true"}}})
    )
    (project / ".claude").mkdir()
    (project / ".claude" / "settings.local.json").write_text(
        json.dumps({"enabledMcpjsonServers": ["clock"]})
    )
    fake_api.script(
        reply(tool_use("mcp__clock__get_current_time", {"timezone": "UTC"})),
        reply(text("Time told.")),
    )
    done = run_cli(
        [
            *["-p", "time?", "--output-format", "stream-json", "--verbose"],
            *["--allowedTools", "mcp__clock", "--no-attach"],
        ],
        project,
        agent_env(fake_api, tmp_path),
    )

    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0]["subtype"] == "init"
    assert lines[0]["mcp_servers"] == [
        {"name": "clock", "status": "pending"},
        {"name": "unasked", "status": "pending"},
    ]
    assert lines[-1]["result"] == "Time told."
    assert json.loads(result_text(tool_results(fake_api, 1)[0]))["timezone"] == "UTC"
    assert "MCP server 'unasked' of " in done.stdout + done.stderr
    assert "is not approved for this project, so it was not started" in done.stdout + done.stderr


async def test_a_server_a_deny_rule_covers_is_not_started_or_read(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path, everything_http: str
) -> None:
    user_servers(
        tmp_path,
        {"ev": {"type": "http", "url": everything_http}, "time": time_server()},
    )
    (project / ".claude").mkdir()
    (project / ".claude" / "settings.json").write_text(
        json.dumps({"permissions": {"deny": ["mcp__ev"]}})
    )
    fake_api.script(reply(text("Nothing to read.")))
    async with start_editor(
        agent_env(fake_api, tmp_path), project, sessionUpdate=True, requestPermission=True
    ) as (client, recorder):
        session_id = await new_session(client, project)
        await prompt(client, session_id, f"summarise @ev:{RESOURCE}", timeout=60)
        await prompt(client, session_id, "/mcp")

    request = fake_api.message_requests()[0].body
    offered = {tool["name"] for tool in request["tools"]}
    assert "mcp__time__get_current_time" in offered
    assert not any(name.startswith("mcp__ev") for name in offered)
    mention = request["messages"][-1]["content"]
    assert not any("Everything Server" in block.get("text", "") for block in mention)
    assert "not started: a deny rule covers it (mcp__ev)" in recorder.text()
