"""Turn control over LSP: cancellation, work-done progress, editor context, tool runs."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.conftest import agent_env
from tests.e2e.conftest import (
    PROFILES,
    negotiated_encoding,
    new_session,
    prompt,
    request,
    start_editor,
    turn_progress,
)
from tests.fakeapi import FakeAnthropic, hang, reply, text, tool_use


def prompt_params(session_id: str, words: str, **extra: Any) -> dict[str, Any]:
    return {"sessionId": session_id, "prompt": [{"type": "text", "text": words}], **extra}


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_cancel_request_on_the_prompt_answers_cancelled(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(hang(), reply(text("next one")))
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        _,
    ):
        session_id = await new_session(client, project)
        pending = asyncio.ensure_future(
            client.protocol.send_request_async(
                "claude/session/prompt", prompt_params(session_id, "slow"), msg_id="prompt-1"
            )
        )
        await asyncio.to_thread(fake_api.wait_for_requests, 1, timeout=30)
        client.cancel_request(types.CancelParams(id="prompt-1"))
        first = await asyncio.wait_for(pending, 5)
        second = await prompt(client, session_id, "again")
    assert first["stopReason"] == "cancelled"
    assert fake_api.message_requests()[0].disconnected.wait(5)
    assert second["result"] == "next one"


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_each_turn_reports_work_done_progress(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(
        reply(tool_use("Read", {"file_path": str(project / "calc.py")})),
        reply(tool_use("LS", {"path": str(project)})),
        reply(text("looked")),
    )
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        _,
    ):
        session_id = await new_session(client, project)
        await prompt(client, session_id, "look around\nsecond line")
        ((_token, reports),) = turn_progress(client).items()
    assert [r.kind for r in reports] == ["begin", "report", "report", "end"]
    assert reports[0].title == "Claude" and reports[0].cancellable is True
    assert reports[0].message == "look around"
    assert reports[1].message == f"Read {project / 'calc.py'}"
    assert reports[2].message == f"LS {project}"
    assert reports[3].message.startswith("Done (3 turns")


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_a_client_token_is_used_and_cancelling_it_cancels_the_turn(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(hang(), reply(text("fine")))
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        _,
    ):
        # a client may only hand over a token of its own if it declared the capability
        window = client.capabilities.window if client.capabilities else None
        assert window is not None and window.work_done_progress is True
        session_id = await new_session(client, project)
        client.progress_reports["my-token"] = []  # the client's own token, known to it
        pending = asyncio.ensure_future(
            request(
                client,
                "claude/session/prompt",
                prompt_params(session_id, "slow", workDoneToken="my-token"),
            )
        )
        await asyncio.to_thread(fake_api.wait_for_requests, 1, timeout=30)
        client.window_work_done_progress_cancel(
            types.WorkDoneProgressCancelParams(token="my-token")
        )
        result = await asyncio.wait_for(pending, 5)
        kinds = [r.kind for r in client.progress_reports["my-token"]]
    assert result["stopReason"] == "cancelled"
    assert list(turn_progress(client)) == ["my-token"]  # no turn token of the server's own
    assert kinds == ["begin", "end"]
    assert client.progress_reports["my-token"][-1].message == "Cancelled"


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_editor_context_reaches_the_model(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    source = "x = 'é'\ndef add(a, b):\n    return a - b  # 😀 bug\n"
    uri = (project / "calc.py").as_uri()
    fake_api.script(reply(text("I see it")))
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        _,
    ):
        # the selection ends after the emoji, so its end column depends on the encoding
        end = {"utf-8": 28, "utf-16": 26, "utf-32": 25}[negotiated_encoding(client, editor)]
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=4, text=source
                )
            )
        )
        session_id = await new_session(client, project)
        selection = {"start": {"line": 2, "character": 4}, "end": {"line": 2, "character": end}}
        await request(
            client,
            "claude/session/prompt",
            prompt_params(
                session_id,
                "what is wrong here?",
                editorContext={"textDocument": {"uri": uri, "version": 4}, "ranges": [selection]},
            ),
        )
    sent = fake_api.message_requests()[0].body["messages"][0]["content"]
    assert str(project / "calc.py") in sent[0]["text"]
    assert "Selected lines 3-3:\n```\nreturn a - b  # 😀 bug\n```" in sent[0]["text"]
    assert sent[1]["text"] == "what is wrong here?"


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_tool_run_streams_returns_and_is_remembered(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(reply(text("I saw your ls")))
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        recorder,
    ):
        session_id = await new_session(client, project, modeId="bypassPermissions")
        ran = await request(
            client,
            "claude/tool/run",
            {"sessionId": session_id, "name": "Bash", "input": {"command": "ls"}},
        )
        await prompt(client, session_id, "what did I just see?")
        with_bad_input = await request(
            client,
            "claude/tool/run",
            {"sessionId": session_id, "name": "Read", "input": {"path": "nope"}},
        )
        try:
            await request(
                client, "claude/tool/run", {"sessionId": session_id, "name": "Nope", "input": {}}
            )
            raise AssertionError("unknown tool accepted")
        except JsonRpcException as exc:
            assert exc.code == -32602 and "Nope" in exc.message
    assert ran["isError"] is False and "calc.py" in ran["content"][0]["text"]
    if claude.get("sessionUpdate"):
        (call, *_) = recorder.of_kind("tool_call")
        assert call["_meta"]["claude"]["toolName"] == "Bash" and call["kind"] == "execute"
    else:
        assert recorder.updates == []
    sent = fake_api.message_requests()[0].body["messages"][0]["content"]
    assert sent[0]["text"].startswith("<user-tool-run>The user ran Bash")
    assert "calc.py" in sent[0]["text"] and sent[1]["text"] == "what did I just see?"
    assert with_bad_input["isError"] is True
    assert "InputValidationError" in with_bad_input["content"][0]["text"]


async def test_tool_run_obeys_the_permission_policy(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    env = agent_env(fake_api, tmp_path, CLAUDE_LSP_APPROVAL_TIMEOUT="0.2")
    async with start_editor(env, project) as (client, _):
        session_id = await new_session(client, project)
        denied = await request(
            client,
            "claude/tool/run",
            {
                "sessionId": session_id,
                "name": "Bash",
                "input": {"command": f"touch {project / 'marker'}"},
            },
        )
    assert denied["isError"] is True and "denied" in denied["content"][0]["text"]
    assert not (project / "marker").exists()


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_two_sessions_stream_at_once_and_the_server_keeps_answering(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(hang(3, then=reply(text("slow answer"))), reply(text("quick answer")))
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        recorder,
    ):
        slow_session = await new_session(client, project)
        quick_session = await new_session(client, project)
        slow = asyncio.ensure_future(prompt(client, slow_session, "slow"))
        await asyncio.to_thread(fake_api.wait_for_requests, 1, timeout=30)
        quick = await prompt(client, quick_session, "quick")
        listed = await request(client, "claude/session/list", {}, timeout=2)
        assert not slow.done()
        try:
            await prompt(client, slow_session, "while busy")
            raise AssertionError("a busy session took a second prompt")
        except JsonRpcException as exc:
            assert exc.code == -32600 and "already running" in exc.message
        assert (await asyncio.wait_for(slow, 10))["result"] == "slow answer"
    assert quick["result"] == "quick answer"
    assert {s["sessionId"] for s in listed["sessions"]} == {slow_session, quick_session}
    # each turn had its own work-done progress
    ended = {reports[0].message: reports[-1].message for reports in turn_progress(client).values()}
    assert ended["slow"].startswith("Done (1 turn") and ended["quick"].startswith("Done (1 turn")
    if claude.get("sessionUpdate"):
        texts: dict[str, str] = {}
        for u in recorder.updates:
            if u["update"]["sessionUpdate"] == "agent_message_chunk":
                texts[u["sessionId"]] = (
                    texts.get(u["sessionId"], "") + u["update"]["content"]["text"]
                )
        assert texts == {slow_session: "slow answer", quick_session: "quick answer"}
    else:
        assert recorder.updates == []
