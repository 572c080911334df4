"""`claude-lsp --acp` driven by the ACP Python client library, as Zed drives an agent:
initialize, session/new, prompt with the client's buffers (fs/read_text_file and
fs/write_text_file), session/request_permission, set_mode, cancel, load, list, and
errors that leave the agent serving."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from acp import PROTOCOL_VERSION, RequestError, text_block
from acp.client.connection import ClientSideConnection
from acp.schema import (
    AllowedOutcome,
    ClientCapabilities,
    DeniedOutcome,
    FileSystemCapabilities,
    PermissionOption,
    ReadTextFileResponse,
    RequestPermissionResponse,
    ToolCallUpdate,
    WriteTextFileResponse,
)
from acp.stdio import spawn_agent_process

from tests.conftest import agent_env
from tests.fakeapi import FakeAnthropic, http_error, reply, text, timed_text, tool_use

BROKEN = "def add(a, b):\n    return a - b\n"
UNSAVED = "def add(a, b):\n    # typed in the editor, not saved\n    return a - b\n"


class Editor:
    """An ACP client with Zed's habits: open buffers it reads and writes for the agent,
    and a user who answers permission questions from a script."""

    def __init__(
        self,
        buffers: dict[Path, str] | None = None,
        answers: list[str] | None = None,
        *,
        refuse_writes: bool = False,
    ):
        self.buffers = {str(path): text for path, text in (buffers or {}).items()}
        self.answers = list(answers or [])
        self.refuse_writes = refuse_writes
        self.updates: list[dict[str, Any]] = []
        self.questions: list[dict[str, Any]] = []
        self.reads: list[str] = []
        self.writes: list[tuple[str, str]] = []
        self.log: list[tuple[str, str]] = []  # (what arrived, its tool call or path), in order
        self.question_asked = asyncio.Event()
        self.hold_questions: asyncio.Event | None = None  # answer only once it is set

    async def session_update(self, session_id: str, update: Any, **kwargs: Any) -> None:
        data = update.model_dump(mode="json", by_alias=True, exclude_none=True)
        self.updates.append(data)
        self.log.append((data["sessionUpdate"], data.get("toolCallId", "")))

    async def request_permission(
        self,
        session_id: str,
        tool_call: ToolCallUpdate,
        options: list[PermissionOption],
        **kwargs: Any,
    ) -> RequestPermissionResponse:
        self.questions.append(
            {
                "toolCall": tool_call.model_dump(mode="json", by_alias=True, exclude_none=True),
                "options": [o.model_dump(mode="json", by_alias=True) for o in options],
            }
        )
        self.log.append(("request_permission", tool_call.tool_call_id))
        self.question_asked.set()
        if self.hold_questions is not None:
            await self.hold_questions.wait()
        if not self.answers:
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        return RequestPermissionResponse(
            outcome=AllowedOutcome(outcome="selected", option_id=self.answers.pop(0))
        )

    async def read_text_file(
        self,
        session_id: str,
        path: str,
        line: int | None = None,
        limit: int | None = None,
        **_: Any,
    ) -> ReadTextFileResponse:
        self.reads.append(path)
        self.log.append(("fs/read_text_file", path))
        if path in self.buffers:
            return ReadTextFileResponse(content=self.buffers[path])
        return ReadTextFileResponse(content=Path(path).read_text())

    async def write_text_file(
        self, session_id: str, path: str, content: str, **kwargs: Any
    ) -> WriteTextFileResponse:
        self.log.append(("fs/write_text_file", path))
        if self.refuse_writes:
            raise RequestError(-32603, "the buffer is read-only")
        self.writes.append((path, content))
        self.buffers[path] = content
        return WriteTextFileResponse()

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [u for u in self.updates if u["sessionUpdate"] == kind]

    def text(self) -> str:
        return "".join(u["content"]["text"] for u in self.of_kind("agent_message_chunk"))


@asynccontextmanager
async def acp_agent(
    editor: Editor, env: dict[str, str], cwd: Path, command: list[str] | None = None
) -> AsyncIterator[ClientSideConnection]:
    """`claude-lsp --acp` (or `command`) in a subprocess, connected to `editor`."""
    program, *args = command or [sys.executable, "-m", "claude_lsp", "--acp"]
    async with spawn_agent_process(
        editor,  # type: ignore[arg-type]  # the Client methods an editor needs, not all
        program,
        *args,
        env=env,
        cwd=cwd,
        transport_kwargs={"stderr": subprocess.DEVNULL},
    ) as (connection, _process):
        yield connection


async def initialized(connection: ClientSideConnection, *, fs: bool = True) -> dict[str, Any]:
    response = await connection.initialize(
        protocol_version=PROTOCOL_VERSION,
        client_capabilities=ClientCapabilities(
            fs=FileSystemCapabilities(read_text_file=fs, write_text_file=fs)
        ),
    )
    return response.model_dump(mode="json", by_alias=True, exclude_none=True)


def script_fix(fake: FakeAnthropic, calc: Path) -> None:
    fake.script(
        reply(text("Reading the file. "), tool_use("Read", {"file_path": str(calc)})),
        reply(
            tool_use(
                "Edit",
                {"file_path": str(calc), "old_string": "a - b", "new_string": "a + b"},
            )
        ),
        reply(text("Fixed the sign.")),
    )


def tool_result_text(fake: FakeAnthropic, request: int) -> str:
    """The text of the tool_result the model got in its `request`-th call."""
    block = fake.message_requests()[request].body["messages"][-1]["content"][0]
    assert block["type"] == "tool_result"
    content = block["content"]
    return str(content[0]["text"] if isinstance(content, list) else content)


async def wait_for(condition: Any, timeout: float = 10) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


async def test_a_session_reads_and_edits_the_editors_buffer_after_asking(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    editor = Editor({calc: UNSAVED}, answers=["allow_once"])
    script_fix(fake_api, calc)
    async with acp_agent(editor, agent_env(fake_api, tmp_path), project) as agent:
        hello = await initialized(agent)
        assert hello["protocolVersion"] == PROTOCOL_VERSION
        assert hello["agentCapabilities"]["loadSession"] is True
        mcp = hello["agentCapabilities"]["mcpCapabilities"]
        assert mcp["http"] is True and mcp["sse"] is True
        assert hello["agentCapabilities"]["promptCapabilities"]["embeddedContext"] is True
        assert hello["agentInfo"]["name"] == "claude-lsp"

        session = await agent.new_session(cwd=str(project))
        assert session.modes is not None
        assert session.modes.current_mode_id == "default"
        assert {m.id for m in session.modes.available_modes} >= {"default", "acceptEdits", "plan"}
        await wait_for(lambda: editor.of_kind("available_commands_update"))
        names = {
            c["name"] for c in editor.of_kind("available_commands_update")[0]["availableCommands"]
        }
        assert {"compact", "clear"} <= names

        result = await agent.prompt(
            session_id=session.session_id, prompt=[text_block("Fix the bug in calc.py")]
        )

    assert result.stop_reason == "end_turn"
    assert result.usage is not None and result.usage.total_tokens > 0
    # The model read the unsaved buffer, through the client.
    assert "typed in the editor, not saved" in tool_result_text(fake_api, 1)
    assert str(calc) in editor.reads
    # The edit was asked about, with its diff against the buffer, then went to the buffer.
    (question,) = editor.questions
    diff = question["toolCall"]["content"][0]
    assert diff["type"] == "diff" and diff["path"] == str(calc)
    assert diff["oldText"] == UNSAVED and diff["newText"] == UNSAVED.replace("a - b", "a + b")
    kinds = [o["kind"] for o in question["options"]]
    assert kinds[0] == "allow_once" and "reject_once" in kinds
    assert editor.writes == [(str(calc), UNSAVED.replace("a - b", "a + b"))]
    assert calc.read_text() == BROKEN  # the disk is the editor's business
    # What the client was shown: the text, the calls with their outcome, the usage.
    assert editor.text() == "Reading the file. Fixed the sign."
    started = editor.of_kind("tool_call")
    assert [call["title"].split()[0] for call in started] == ["Read", "Edit"]
    assert started[1]["kind"] == "edit"
    finished = [u for u in editor.of_kind("tool_call_update") if u.get("status") == "completed"]
    assert len(finished) == 2
    usage = editor.of_kind("usage_update")[-1]
    assert usage["size"] == 200_000 and usage["cost"]["currency"] == "USD"
    # A request to the client never overtakes the tool call it belongs to.
    read_call, edit_call = (call["toolCallId"] for call in started)
    assert editor.log.index(("tool_call", read_call)) < editor.log.index(
        ("fs/read_text_file", str(calc))
    )
    assert editor.log.index(("tool_call", edit_call)) < editor.log.index(
        ("request_permission", edit_call)
    )


async def test_modes_cancel_and_a_later_prompt(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    editor = Editor()
    async with acp_agent(editor, agent_env(fake_api, tmp_path), project) as agent:
        await initialized(agent, fs=False)
        session = await agent.new_session(cwd=str(project))
        sid = session.session_id

        # acceptEdits: the edit is made without a question, on disk (no fs capability).
        await agent.set_session_mode(session_id=sid, mode_id="acceptEdits")
        await wait_for(lambda: editor.of_kind("current_mode_update"))
        assert editor.of_kind("current_mode_update")[-1]["currentModeId"] == "acceptEdits"
        fake_api.script(
            reply(tool_use("Read", {"file_path": str(calc)})),
            reply(
                tool_use(
                    "Edit",
                    {"file_path": str(calc), "old_string": "a - b", "new_string": "a + b"},
                )
            ),
            reply(text("Done.")),
        )
        done = await agent.prompt(session_id=sid, prompt=[text_block("fix it")])
        assert done.stop_reason == "end_turn"
        assert editor.questions == []
        assert calc.read_text() == BROKEN.replace("a - b", "a + b")

        # A long answer, cancelled once it streams: the prompt ends `cancelled`.
        fake_api.script(reply(timed_text(400), chunk_delay=0.02), reply(text("Still here.")))
        before = len(editor.of_kind("agent_message_chunk"))
        running = asyncio.ensure_future(
            agent.prompt(session_id=sid, prompt=[text_block("talk for a while")])
        )
        await wait_for(lambda: len(editor.of_kind("agent_message_chunk")) > before)
        await agent.cancel(session_id=sid)
        cancelled = await asyncio.wait_for(running, 5)
        assert cancelled.stop_reason == "cancelled"

        # The session takes the next prompt.
        after = await agent.prompt(session_id=sid, prompt=[text_block("are you there?")])
        assert after.stop_reason == "end_turn"
        assert editor.text().endswith("Still here.")

        with pytest.raises(RequestError) as unknown_mode:
            await agent.set_session_mode(session_id=sid, mode_id="yolo")
        assert unknown_mode.value.code == -32602


async def test_a_session_is_listed_and_loaded_in_a_new_agent(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    env = agent_env(fake_api, tmp_path)
    fake_api.script(reply(text("Hello from the first run.")))
    async with acp_agent(Editor(), env, project) as agent:
        await initialized(agent)
        first = await agent.new_session(cwd=str(project))
        await agent.prompt(session_id=first.session_id, prompt=[text_block("say hello")])

    later = Editor()
    async with acp_agent(later, env, project) as agent:
        await initialized(agent)
        listed = await agent.list_sessions(cwd=str(project))
        assert [s.session_id for s in listed.sessions] == [first.session_id]
        assert listed.sessions[0].title == "say hello"

        loaded = await agent.load_session(cwd=str(project), session_id=first.session_id)
        assert loaded.modes is not None
        replayed = [
            (u["sessionUpdate"], u["content"]["text"]) for u in later.updates if "content" in u
        ]
        assert replayed == [
            ("user_message_chunk", "say hello"),
            ("agent_message_chunk", "Hello from the first run."),
        ]

        # It carries on with the earlier conversation.
        fake_api.script(reply(text("Again.")))
        await agent.prompt(session_id=first.session_id, prompt=[text_block("once more")])
        messages = fake_api.message_requests()[-1].body["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant", "user"]


async def test_bad_requests_get_errors_and_the_agent_keeps_serving(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    editor = Editor()
    no_key = agent_env(None, tmp_path)
    async with acp_agent(editor, no_key, project) as agent:
        await initialized(agent)
        with pytest.raises(RequestError) as bad_cwd:
            await agent.new_session(cwd="relative/folder")
        assert bad_cwd.value.code == -32602

        with pytest.raises(RequestError) as unknown:
            await agent.prompt(session_id="no-such-session", prompt=[text_block("hi")])
        assert unknown.value.code == -32602

        with pytest.raises(RequestError) as missing:
            await agent.load_session(cwd=str(project), session_id="0000-none")
        assert missing.value.code == -32002  # ACP's resource_not_found

        session = await agent.new_session(cwd=str(project))
        with pytest.raises(RequestError) as no_credentials:
            await agent.prompt(session_id=session.session_id, prompt=[text_block("hi")])
        assert no_credentials.value.code == -32000  # ACP's auth_required
        assert "ANTHROPIC_API_KEY" in str(no_credentials.value.data)

        # Still answering after all that.
        again = await agent.new_session(cwd=str(project))
        assert again.session_id != session.session_id


async def test_a_failed_model_call_is_an_error_and_the_session_goes_on(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(http_error(400, message="prompt is too long"), reply(text("Recovered.")))
    async with acp_agent(Editor(), agent_env(fake_api, tmp_path), project) as agent:
        await initialized(agent)
        session = await agent.new_session(cwd=str(project))
        with pytest.raises(RequestError) as failed:
            await agent.prompt(session_id=session.session_id, prompt=[text_block("hi")])
        assert failed.value.code == -32603
        assert "prompt is too long" in str(failed.value)
        assert failed.value.data == {"status": 400, "type": "invalid_request_error"}
        again = await agent.prompt(session_id=session.session_id, prompt=[text_block("hi")])
        assert again.stop_reason == "end_turn"


async def test_a_malformed_line_is_skipped(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    async with spawn_agent_process(
        Editor(),  # type: ignore[arg-type]
        sys.executable,
        "-m",
        "claude_lsp",
        "--acp",
        env=agent_env(fake_api, tmp_path),
        cwd=project,
        transport_kwargs={"stderr": subprocess.DEVNULL},
    ) as (agent, process):
        assert process.stdin is not None
        process.stdin.write(b'{"jsonrpc": "2.0", "id": 99, "method": \n')
        process.stdin.write(b"\x00\xff not json at all\n")
        await process.stdin.drain()
        hello = await initialized(agent)
        assert hello["agentInfo"]["name"] == "claude-lsp"
        assert process.returncode is None


async def test_a_write_the_editor_refuses_is_not_made_on_disk(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    editor = Editor(refuse_writes=True)
    fake_api.script(
        reply(tool_use("Read", {"file_path": str(calc)})),
        reply(tool_use("Edit", {"file_path": str(calc), "old_string": "-", "new_string": "+"})),
        reply(text("It could not be changed.")),
    )
    async with acp_agent(editor, agent_env(fake_api, tmp_path), project) as agent:
        await initialized(agent)
        session = await agent.new_session(cwd=str(project))
        await agent.set_session_mode(session_id=session.session_id, mode_id="acceptEdits")
        await agent.prompt(session_id=session.session_id, prompt=[text_block("fix it")])

    assert ("fs/write_text_file", str(calc)) in editor.log
    assert "was not applied: the editor could not write it" in tool_result_text(fake_api, 2)
    assert calc.read_text() == BROKEN


async def test_cancel_while_a_question_waits_and_loading_a_running_session(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    editor = Editor(answers=["allow_once"])
    editor.hold_questions = asyncio.Event()
    fake_api.script(
        reply(tool_use("Bash", {"command": f"rm {calc}"})),
        reply(text("Not removed.")),
    )
    async with acp_agent(editor, agent_env(fake_api, tmp_path), project) as agent:
        await initialized(agent)
        session = await agent.new_session(cwd=str(project))
        sid = session.session_id
        running = asyncio.ensure_future(
            agent.prompt(session_id=sid, prompt=[text_block("clean up")])
        )
        await asyncio.wait_for(editor.question_asked.wait(), 10)

        with pytest.raises(RequestError) as busy:
            await agent.load_session(cwd=str(project), session_id=sid)
        assert busy.value.code == -32600

        await agent.cancel(session_id=sid)
        assert (await asyncio.wait_for(running, 5)).stop_reason == "cancelled"
        editor.hold_questions.set()  # the late answer changes nothing
        after = await agent.prompt(session_id=sid, prompt=[text_block("status?")])
        assert after.stop_reason == "end_turn"

    assert calc.exists()


async def test_folders_must_be_absolute_and_exist(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    async with acp_agent(Editor(), agent_env(fake_api, tmp_path), project) as agent:
        await initialized(agent)
        for extra in (["relative/dir"], [str(tmp_path / "missing")]):
            with pytest.raises(RequestError) as refused:
                await agent.new_session(cwd=str(project), additional_directories=extra)
            assert refused.value.code == -32602
            assert "additionalDirectories" in str(refused.value.data)
        with pytest.raises(RequestError) as bad_cursor:
            await agent.list_sessions(cwd=str(project), cursor="abc")
        assert bad_cursor.value.code == -32602
        other = tmp_path / "other"
        other.mkdir()
        session = await agent.new_session(cwd=str(project), additional_directories=[str(other)])
        meta = session.field_meta or {}
        assert meta["claude"]["cwd"] == str(project.resolve())
        assert "Read" in meta["claude"]["tools"]


async def test_mcp_servers_the_client_passes_are_started_for_the_session(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    from acp.schema import EnvVariable, McpServerStdio

    editor = Editor(answers=["allow_once"])
    fake_api.script(
        reply(tool_use("mcp__clock__get_current_time", {"timezone": "Europe/Paris"})),
        reply(text("Noted the time.")),
    )
    server = McpServerStdio(
        name="clock",
        command=sys.executable,
        args=["-m", "mcp_server_time"],
        env=[EnvVariable(name="TZ", value="UTC")],
    )
    async with acp_agent(editor, agent_env(fake_api, tmp_path), project) as agent:
        await initialized(agent)
        session = await agent.new_session(cwd=str(project), mcp_servers=[server])
        result = await agent.prompt(
            session_id=session.session_id, prompt=[text_block("what time is it in Paris?")]
        )

    assert result.stop_reason == "end_turn"
    [question] = editor.questions
    assert question["toolCall"]["title"] == "clock: get_current_time (MCP)"
    assert '"timezone": "Europe/Paris"' in tool_result_text(fake_api, 1)
