"""The agent over LSP: sessions, streamed updates, edits, permissions and errors."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.conftest import agent_env
from tests.e2e.conftest import (
    EDITORS,
    PROFILES,
    Recorder,
    negotiated_encoding,
    new_session,
    prompt,
    request,
    sent_edits,
    start_editor,
    text_edit,
    turn_progress,
)
from tests.e2e.editor_buffers import EditorBuffers
from tests.fakeapi import FakeAnthropic, hang, http_error, reply, text, tool_use


def only_updates_if_asked(claude: dict[str, Any], recorder: Recorder) -> bool:
    """Whether the client opted in to updates; one that did not must have received none."""
    if not claude.get("sessionUpdate"):
        assert recorder.updates == []
        return False
    return True


def progress_ends(client: LanguageClient) -> list[str]:
    """The end message of each work-done progress the client was shown."""
    return [reports[-1].message for reports in turn_progress(client).values()]


@pytest.mark.parametrize("editor", [*EDITORS, "helix"])
async def test_initialize_advertises_the_claude_extension(
    editor: str, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    async with start_editor(agent_env(fake_api, tmp_path), project, editor) as (client, _):
        negotiated_encoding(client, editor)
        capabilities = client.init_result.capabilities
        assert capabilities.experimental["claude"]["protocolVersion"] == 1
        assert "acceptEdits" in capabilities.experimental["claude"]["modes"]
        sync = capabilities.text_document_sync
        assert sync.change == types.TextDocumentSyncKind.Incremental
        assert client.init_result.server_info.name == "claude-lsp"


@pytest.mark.parametrize("editor", EDITORS)
async def test_fix_the_bug_streams_updates_and_edits_the_file(
    editor: str, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    fake_api.script(
        reply(text("Let me look."), tool_use("Read", {"file_path": str(calc)})),
        reply(
            tool_use(
                "Edit",
                {
                    "file_path": str(calc),
                    "old_string": "return a - b",
                    "new_string": "return a + b",
                },
            )
        ),
        reply(text("Fixed: add now returns a + b.")),
    )
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, sessionUpdate=True) as (
        client,
        recorder,
    ):
        session_id = await new_session(client, project, modeId="acceptEdits")
        result = await prompt(client, session_id, "fix the bug in calc.py")

    assert result["stopReason"] == "end_turn"
    assert result["numTurns"] == 3
    assert result["usage"]["output_tokens"] > 0 and result["costUsd"] > 0
    assert calc.read_text() == "def add(a, b):\n    return a + b\n"
    assert "Let me look." in recorder.text() and "Fixed" in recorder.text()
    calls = recorder.of_kind("tool_call")
    assert [c["_meta"]["claude"]["toolName"] for c in calls] == ["Read", "Edit"]
    assert calls[0]["kind"] == "read" and calls[1]["kind"] == "edit"
    assert calls[1]["rawInput"]["new_string"] == "return a + b"
    done = [u for u in recorder.of_kind("tool_call_update") if u["status"] == "completed"]
    assert len(done) == 2
    diff = next(c for c in done[1]["content"] if c["type"] == "diff")
    assert diff["path"] == str(calc) and "a + b" in diff["newText"]
    assert recorder.of_kind("usage_update")
    # the model saw the file's numbered lines and then the edit's confirmation
    second = fake_api.message_requests()[1].body["messages"]
    tool_result = second[-1]["content"][0]
    assert tool_result["type"] == "tool_result"
    assert "return a - b" in tool_result["content"][0]["text"]


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_reads_see_unsaved_buffers_and_edits_go_through_the_editor(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    unsaved = "def add(a, b):\n    return a - b  # unsaved\n"
    fake_api.script(
        reply(tool_use("Read", {"file_path": str(calc)})),
        reply(
            tool_use("Edit", {"file_path": str(calc), "old_string": "a - b", "new_string": "a + b"})
        ),
        reply(text("Done.")),
    )
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        recorder,
    ):
        buffers = EditorBuffers(client, recorder, negotiated_encoding(client, editor))
        uri = buffers.open(calc, unsaved, version=7)
        session_id = await new_session(client, project, modeId="acceptEdits")
        result = await prompt(client, session_id, "fix it")

    assert result["stopReason"] == "end_turn"
    read_result = fake_api.message_requests()[1].body["messages"][-1]["content"][0]
    assert "# unsaved" in read_result["content"][0]["text"]
    (edit,) = recorder.edits
    assert edit.label == f"Claude: Edit {calc}"
    assert sent_edits(editor, edit, uri, 7) == [text_edit((1, 13), (1, 14), "+")]
    assert buffers.texts[uri] == "def add(a, b):\n    return a + b  # unsaved\n"
    edit_result = fake_api.message_requests()[2].body["messages"][-1]["content"][0]
    assert not edit_result.get("is_error")
    # nothing was written behind the editor's back
    assert calc.read_text() == "def add(a, b):\n    return a - b\n"
    if only_updates_if_asked(claude, recorder):
        calls = recorder.of_kind("tool_call")
        assert [c["_meta"]["claude"]["toolName"] for c in calls] == ["Read", "Edit"]


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_rejected_editor_edit_is_reported_to_the_model(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    fake_api.script(
        reply(tool_use("Read", {"file_path": str(calc)})),
        reply(
            tool_use("Edit", {"file_path": str(calc), "old_string": "a - b", "new_string": "a + b"})
        ),
        reply(text("The edit was not applied.")),
    )
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        recorder,
    ):
        recorder.apply_edits = False
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=calc.as_uri(), language_id="python", version=1, text=calc.read_text()
                )
            )
        )
        session_id = await new_session(client, project, modeId="acceptEdits")
        result = await prompt(client, session_id, "fix it")

    assert result["result"] == "The edit was not applied."
    (edit,) = recorder.edits
    assert sent_edits(editor, edit, calc.as_uri(), 1) == [text_edit((1, 13), (1, 14), "+")]
    edit_result = fake_api.message_requests()[2].body["messages"][-1]["content"][0]
    assert edit_result["is_error"] is True
    assert "not applied" in edit_result["content"][0]["text"]
    assert calc.read_text() == "def add(a, b):\n    return a - b\n"


@pytest.mark.parametrize("answer", ["allow_once", "reject_once"])
async def test_permission_question_goes_to_the_client(
    answer: str, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    marker = project / "ran.txt"
    fake_api.script(
        reply(tool_use("Bash", {"command": f"echo hi > {marker}", "description": "Mark"})),
        reply(text("ok")),
    )
    async with start_editor(
        agent_env(fake_api, tmp_path), project, sessionUpdate=True, requestPermission=True
    ) as (client, recorder):
        recorder.permission_answer = answer
        session_id = await new_session(client, project)
        await prompt(client, session_id, "mark it")

    (question,) = recorder.permission_requests
    assert question["sessionId"] == session_id
    assert question["toolCall"]["rawInput"]["command"].startswith("echo hi")
    assert [o["kind"] for o in question["options"]] == [
        "allow_once",
        "allow_always",
        "reject_once",
        "reject_always",
    ]
    bash_result = fake_api.message_requests()[1].body["messages"][-1]["content"][0]
    if answer == "allow_once":
        assert marker.read_text() == "hi\n"
        assert not bash_result.get("is_error")
    else:
        assert not marker.exists()
        assert bash_result["is_error"] is True
        assert "denied" in bash_result["content"][0]["text"]


async def test_an_unanswered_approval_times_out_and_the_write_is_denied(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    """No requestPermission, no showMessageRequest handler: the approval queue times out."""
    fake_api.script(
        reply(tool_use("Write", {"file_path": str(project / "new.txt"), "content": "x"})),
        reply(text("I could not write.")),
    )
    env = agent_env(fake_api, tmp_path, CLAUDE_LSP_APPROVAL_TIMEOUT="0.2")
    async with start_editor(env, project, sessionUpdate=True) as (
        client,
        recorder,
    ):
        session_id = await new_session(client, project)
        result = await prompt(client, session_id, "write a file")

    assert not (project / "new.txt").exists()
    denied = fake_api.message_requests()[1].body["messages"][-1]["content"][0]
    assert denied["is_error"] is True
    assert "nobody answered the permission question in time" in denied["content"][0]["text"]
    assert result["permissionDenials"][0]["tool_name"] == "Write"
    failed = [u for u in recorder.of_kind("tool_call_update") if u["status"] == "failed"]
    assert len(failed) == 1


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_cancel_stops_the_turn_and_the_session_takes_the_next_prompt(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(hang(), reply(text("second answer")))
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        recorder,
    ):
        session_id = await new_session(client, project)
        pending = asyncio.ensure_future(prompt(client, session_id, "first"))
        await asyncio.to_thread(fake_api.wait_for_requests, 1, timeout=30)
        client.protocol.notify("claude/session/cancel", {"sessionId": session_id})
        first = await asyncio.wait_for(pending, 5)
        second = await prompt(client, session_id, "again")
        ends = progress_ends(client)

    assert first["stopReason"] == "cancelled"
    assert fake_api.message_requests()[0].disconnected.wait(5), "the HTTP stream was not closed"
    assert second["stopReason"] == "end_turn" and second["result"] == "second answer"
    assert ends[0] == "Cancelled" and ends[1].startswith("Done (1 turn, ")
    if only_updates_if_asked(claude, recorder):
        assert "second answer" in recorder.text()


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_bad_params_get_invalid_params_and_the_server_keeps_serving(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(reply(text("still here")))
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        recorder,
    ):
        with pytest.raises(JsonRpcException) as missing_cwd:
            await request(client, "claude/session/new", {})
        assert missing_cwd.value.code == -32602 and "cwd" in missing_cwd.value.message
        with pytest.raises(JsonRpcException) as relative:
            await request(client, "claude/session/new", {"cwd": "relative/dir"})
        assert relative.value.code == -32602
        with pytest.raises(JsonRpcException) as unknown:
            await request(
                client,
                "claude/session/prompt",
                {"sessionId": "nope", "prompt": [{"type": "text", "text": "hi"}]},
            )
        assert unknown.value.code == -32602 and "nope" in unknown.value.message
        session_id = await new_session(client, project)
        with pytest.raises(JsonRpcException) as bad_prompt:
            await request(
                client, "claude/session/prompt", {"sessionId": session_id, "prompt": "not a list"}
            )
        assert bad_prompt.value.code == -32602 and "prompt" in bad_prompt.value.message
        with pytest.raises(JsonRpcException) as bad_mode:
            await request(
                client, "claude/session/setMode", {"sessionId": session_id, "modeId": "yolo"}
            )
        assert bad_mode.value.code == -32602
        assert (await prompt(client, session_id, "hi"))["result"] == "still here"
    if only_updates_if_asked(claude, recorder):
        assert recorder.text() == "still here"


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_no_credentials_is_error_32001(
    editor: str, claude: dict[str, Any], project: Path, tmp_path: Path
) -> None:
    async with start_editor(agent_env(None, tmp_path), project, editor, **claude) as (client, _):
        session_id = await new_session(client, project)
        with pytest.raises(JsonRpcException) as error:
            await prompt(client, session_id, "hi")
    assert error.value.code == -32001
    assert "ANTHROPIC_API_KEY" in error.value.message


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_api_failure_after_retries_is_error_32002(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(*[http_error(529, retry_after_ms=1) for _ in range(3)])
    env = agent_env(fake_api, tmp_path, CLAUDE_LSP_MAX_RETRIES="2")
    async with start_editor(env, project, editor, **claude) as (client, recorder):
        session_id = await new_session(client, project)
        with pytest.raises(JsonRpcException) as error:
            await prompt(client, session_id, "hi")
        ends = progress_ends(client)
    assert error.value.code == -32002
    assert error.value.data == {"status": 529, "type": "overloaded_error"}
    assert len(fake_api.message_requests()) == 3
    assert ends == [f"Failed: {error.value.message}"]
    if only_updates_if_asked(claude, recorder):
        assert [u["attempt"] for u in recorder.of_kind("api_retry")] == [1, 2]


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_set_mode_reports_the_new_mode(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        recorder,
    ):
        session_id = await new_session(client, project)
        set_mode = {"sessionId": session_id, "modeId": "plan"}
        changed = await request(client, "claude/session/setMode", set_mode)
        # loading a session the server hosts describes it as it is now
        loaded = await request(client, "claude/session/load", {"sessionId": session_id})
    assert changed == {}
    assert loaded["modes"]["currentModeId"] == "plan"
    if only_updates_if_asked(claude, recorder):
        assert recorder.of_kind("current_mode_update") == [
            {"sessionUpdate": "current_mode_update", "currentModeId": "plan"}
        ]


async def test_clients_that_did_not_opt_in_get_no_session_updates(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(reply(text("plain answer")))
    async with start_editor(agent_env(fake_api, tmp_path), project) as (client, recorder):
        session_id = await new_session(client, project)
        result = await prompt(client, session_id, "hi")
    assert result["result"] == "plain answer"
    assert recorder.updates == []
