"""Transcripts on disk, claude/session/list and claude/session/load across server restarts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from claude_lsp.sessions.transcripts import messages_of, read_entries
from tests.conftest import agent_env
from tests.e2e.conftest import PROFILES, new_session, prompt, request, start_editor
from tests.fakeapi import FakeAnthropic, reply, text, tool_use


def transcript_of(home: Path, project: Path, session_id: str) -> Path:
    slug = "".join(c if c.isalnum() else "-" for c in str(project.resolve()))
    return home / ".claude" / "projects" / slug / f"{session_id}.jsonl"


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_a_session_is_written_listed_and_loaded_after_a_restart(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    fake_api.script(
        reply(text("Let me read it."), tool_use("Read", {"file_path": str(calc)})),
        reply(text("It subtracts.")),
        reply(text("Yes, I remember: it subtracts.")),
    )
    env = agent_env(fake_api, tmp_path)
    async with start_editor(env, project, editor, **claude) as (client, _):
        session_id = await new_session(client, project)
        await prompt(client, session_id, "what does add do?")

    path = transcript_of(tmp_path, project, session_id)
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    assert [e["type"] for e in entries] == ["user", "assistant", "user", "assistant"]
    assert all(e["sessionId"] == session_id and e["cwd"] == str(project.resolve()) for e in entries)
    assert [e["parentUuid"] for e in entries[1:]] == [e["uuid"] for e in entries[:-1]]
    assert entries[2]["message"]["content"][0]["type"] == "tool_result"

    async with start_editor(env, project, editor, **claude) as (client, recorder):
        listed = await request(client, "claude/session/list", {})
        loaded = await request(client, "claude/session/load", {"sessionId": session_id})
        replayed = [
            u["update"]["sessionUpdate"]
            for u in recorder.updates
            if u["update"]["sessionUpdate"] != "available_commands_update"
        ]
        result = await prompt(client, session_id, "do you remember?")

    (info,) = listed["sessions"]
    assert info["sessionId"] == session_id and info["title"] == "what does add do?"
    assert info["cwd"] == str(project.resolve()) and info["updatedAt"].endswith("Z")
    assert loaded["sessionId"] == session_id
    if claude.get("sessionUpdate"):
        assert replayed == [
            "user_message_chunk",
            "agent_message_chunk",
            "tool_call",
            "tool_call_update",
            "agent_message_chunk",
        ]
        assert recorder.of_kind("user_message_chunk")[0]["content"]["text"] == "what does add do?"
        assert recorder.of_kind("tool_call_update")[0]["status"] == "completed"
    else:  # no replay for a client that did not opt in to updates; the load still works
        assert recorder.updates == []
    assert result["result"] == "Yes, I remember: it subtracts."
    sent = fake_api.message_requests()[-1].body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user", "assistant", "user"]
    assert sent[-1]["content"][0]["text"] == "do you remember?"
    assert len(read_entries(path)) == 6  # the new turn was appended to the same transcript


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_loading_unknown_or_hostile_ids_is_invalid_params(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        _,
    ):
        for session_id in ("no-such-session", "../../etc/passwd"):
            with pytest.raises(JsonRpcException) as error:
                await request(client, "claude/session/load", {"sessionId": session_id})
            assert error.value.code == -32602
        assert (await request(client, "claude/session/list", {}))["sessions"] == []


def test_a_torn_last_line_is_skipped_and_roles_are_joined(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    lines = [
        {"type": "user", "message": {"role": "user", "content": "hi"}},
        {
            "type": "assistant",
            "message": {"role": "assistant", "content": [{"type": "text", "text": "a"}]},
        },
        {
            "type": "user",
            "message": {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "t", "content": "x"}],
            },
        },
        {"type": "user", "message": {"role": "user", "content": "next"}},
        {"type": "summary", "summary": "ignored"},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + '\n{"type": "assist')
    messages = messages_of(read_entries(path))
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[2]["content"][1] == {"type": "text", "text": "next"}
