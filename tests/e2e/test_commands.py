"""Slash commands and the todo plan over LSP: available_commands_update, plan, /compact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from claude_lsp.sessions.transcripts import messages_of, read_entries
from tests.conftest import agent_env
from tests.e2e.conftest import PROFILES, new_session, prompt, request, start_editor
from tests.fakeapi import FakeAnthropic, reply, text, tool_use


def write_command(folder: Path, relative: str, text: str) -> None:
    path = folder / ".claude" / "commands" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


async def test_a_new_session_lists_builtin_and_custom_commands(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    write_command(
        project,
        "frontend/component.md",
        "---\ndescription: Scaffold a component\nargument-hint: name\n---\nMake $1.\n",
    )
    user_config = tmp_path / "config"
    (user_config / "commands").mkdir(parents=True)
    (user_config / "commands" / "standup.md").write_text("Summarise yesterday's commits.\n")
    env = agent_env(fake_api, tmp_path, CLAUDE_CONFIG_DIR=str(user_config))
    async with start_editor(env, project, sessionUpdate=True) as (client, recorder):
        await new_session(client, project)
        update = await recorder.next_of_kind("available_commands_update")

    commands = {c["name"]: c for c in update["availableCommands"]}
    assert {
        "clear",
        "compact",
        "help",
        "cost",
        "context",
        "model",
        "init",
        "review",
        "resume",
    } <= set(commands)
    assert commands["resume"]["input"]["hint"] == "session id"
    assert commands["component"] == {
        "name": "component",
        "description": "Scaffold a component (project:frontend)",
        "input": {"hint": "name"},
    }
    assert commands["standup"]["description"] == "Summarise yesterday's commits. (user)"
    assert commands["compact"]["input"]["hint"]


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_local_commands_answer_without_the_model(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path, editor: str, claude: dict[str, Any]
) -> None:
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        recorder,
    ):
        session_id = await new_session(client, project)
        helped = await prompt(client, session_id, "/help")
        unknown = await prompt(client, session_id, "/frobnicate now")
        switched = await prompt(client, session_id, "/model sonnet")
        cost = await prompt(client, session_id, "/cost")

    assert fake_api.message_requests() == []
    assert helped["stopReason"] == "end_turn" and helped["numTurns"] == 0
    assert "/compact <optional instructions for the summary>" in helped["result"]
    assert unknown["result"].startswith("Unknown command: /frobnicate.")
    assert switched["result"] == "Switched the model to claude-sonnet-4-6."
    assert "Total cost: $0.0000" in cost["result"]
    if claude.get("sessionUpdate"):
        assert "Slash commands:" in recorder.text()
    else:
        assert recorder.updates == []


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_a_custom_command_becomes_the_prompt_with_its_arguments(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path, editor: str, claude: dict[str, Any]
) -> None:
    write_command(
        project,
        "fix-issue.md",
        "---\nmodel: haiku\n---\nFix issue #$1 with priority $2. All: $ARGUMENTS\n",
    )
    fake_api.script(reply(text("On it.")))
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        _,
    ):
        session_id = await new_session(client, project)
        result = await prompt(client, session_id, "/fix-issue 123 high")

    assert result["result"] == "On it."
    (sent,) = fake_api.message_requests()
    assert sent.body["model"] == "claude-haiku-4-5"
    texts = [block["text"] for block in sent.body["messages"][0]["content"]]
    assert (
        texts[0] == "<command-name>/fix-issue</command-name>\n<command-args>123 high</command-args>"
    )
    assert texts[1] == "Fix issue #123 with priority high. All: 123 high"


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_todo_write_becomes_a_plan_update(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path, editor: str, claude: dict[str, Any]
) -> None:
    todos = [
        {"content": "Read calc.py", "status": "completed", "activeForm": "Reading calc.py"},
        {"content": "Fix add", "status": "in_progress", "activeForm": "Fixing add"},
    ]
    fake_api.script(reply(tool_use("TodoWrite", {"todos": todos})), reply(text("Planned.")))
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        recorder,
    ):
        session_id = await new_session(client, project, modeId="plan")
        result = await prompt(client, session_id, "plan the fix")

    assert result["result"] == "Planned."
    tool_result = fake_api.message_requests()[-1].body["messages"][-1]["content"][0]
    assert tool_result["type"] == "tool_result" and "is_error" not in tool_result
    if not claude.get("sessionUpdate"):
        assert recorder.updates == []
        return
    (plan,) = recorder.of_kind("plan")
    assert plan["entries"] == [
        {
            "content": "Read calc.py",
            "priority": "medium",
            "status": "completed",
            "_meta": {"claude": {"activeForm": "Reading calc.py"}},
        },
        {
            "content": "Fix add",
            "priority": "medium",
            "status": "in_progress",
            "_meta": {"claude": {"activeForm": "Fixing add"}},
        },
    ]


async def test_compact_replaces_the_history_and_survives_a_reload(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(
        reply(text("add subtracts; it should add.")),
        reply(text("The user asked what add does; it subtracts (a bug).")),
        reply(text("Still on it.")),
        reply(text("Fresh start.")),
    )
    env = agent_env(fake_api, tmp_path)
    async with start_editor(env, project, sessionUpdate=True) as (client, _):
        session_id = await new_session(client, project)
        await prompt(client, session_id, "what does add do?")
        compacted = await prompt(client, session_id, "/compact focus on the bug")
        await prompt(client, session_id, "go on")

    summary_request, after = fake_api.message_requests()[1:3]
    asked = summary_request.body["messages"][-1]["content"][-1]["text"]
    assert asked.endswith("Also: focus on the bug\n")
    assert compacted["result"].startswith("Compacted 2 messages into a summary.")
    sent = after.body["messages"]
    assert [m["role"] for m in sent] == ["user"]
    assert "it subtracts (a bug)" in sent[0]["content"][0]["text"]
    assert sent[0]["content"][-1]["text"] == "go on"

    transcripts = list((tmp_path / ".claude" / "projects").glob(f"*/{session_id}.jsonl"))
    restored = messages_of(read_entries(transcripts[0]))
    assert [m["role"] for m in restored] == ["user", "assistant"]
    assert "it subtracts (a bug)" in restored[0]["content"][0]["text"]

    async with start_editor(env, project, sessionUpdate=True) as (client, _):
        await request(client, "claude/session/load", {"sessionId": session_id})
        cleared = await prompt(client, session_id, "/clear")
        await prompt(client, session_id, "hello")
    assert cleared["result"].startswith("Cleared the conversation.")
    last = fake_api.message_requests()[-1].body["messages"]
    assert [m["role"] for m in last] == ["user"] and last[0]["content"][-1]["text"] == "hello"


async def test_status_permissions_memory_and_add_dir(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    (project / "CLAUDE.md").write_text("Use tabs.\n")
    settings = project / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text('{"permissions": {"deny": ["Bash(rm:*)"]}}')
    other = tmp_path / "shared"
    other.mkdir()
    (other / "notes.txt").write_text("shared notes\n")
    fake_api.script(
        reply(tool_use("Read", {"file_path": str(other / "notes.txt")})), reply(text("ok"))
    )
    async with start_editor(agent_env(fake_api, tmp_path), project, "neovim") as (client, _):
        session_id = await new_session(client, project, allowedTools=["Read(//etc/**)"])
        status = await prompt(client, session_id, "/status")
        rules = await prompt(client, session_id, "/permissions")
        memory = await prompt(client, session_id, "/memory")
        added = await prompt(client, session_id, f"/add-dir {other}")
        await prompt(client, session_id, "read the shared notes")

    assert f"Settings files: {settings}" in status["result"]
    assert "Memory files: 1" in status["result"]
    assert "  Bash(rm:*) (from project settings)" in rules["result"]
    assert "  Read(//etc/**) (from the command line)" in rules["result"]
    assert f"  {project / 'CLAUDE.md'} (project)" in memory["result"]
    assert added["result"].startswith(f"Added {other.resolve()}")
    read = fake_api.message_requests()[-1].body["messages"][-1]["content"][0]
    assert not read.get("is_error") and "shared notes" in read["content"][0]["text"]
    system = fake_api.message_requests()[0].body["system"][0]["text"]
    assert str(other.resolve()) in system  # the model is told about the new folder


async def test_shell_spans_files_and_allowed_tools_of_a_custom_command(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    write_command(
        project,
        "check.md",
        "---\nallowed-tools: Bash(echo:*)\n---\nStatus: !`echo hi from the shell`\n"
        "Notes: @notes.txt\n",
    )
    write_command(project, "unsafe.md", "Status: !`echo not allowed`\n")
    (project / "notes.txt").write_text("remember the milk\n")
    fake_api.script(
        reply(tool_use("Bash", {"command": "echo during the command"})),
        reply(text("Checked.")),
        reply(tool_use("Bash", {"command": "echo in the next turn"})),
        reply(text("Again.")),
    )
    env = agent_env(fake_api, tmp_path)
    async with start_editor(env, project, sessionUpdate=True, requestPermission=True) as (
        client,
        recorder,
    ):
        session_id = await new_session(client, project)
        refused = await prompt(client, session_id, "/unsafe")
        assert fake_api.message_requests() == []
        checked = await prompt(client, session_id, "/check")
        asked_during_command = list(recorder.permission_requests)
        again = await prompt(client, session_id, "do that again")

    assert refused["result"].startswith("/unsafe did not run")
    assert "!`echo not allowed` needs allowed-tools: Bash(echo not allowed)" in refused["result"]
    assert checked["result"] == "Checked." and again["result"] == "Again."
    first, during, _, after = fake_api.message_requests()
    sent = [block.get("text", "") for block in first.body["messages"][0]["content"]]
    assert "Status: hi from the shell\nNotes: @notes.txt" in sent
    assert any("remember the milk" in text for text in sent)
    ran = during.body["messages"][-1]["content"][0]
    assert not ran.get("is_error") and ran["content"][0]["text"] == "during the command"
    assert asked_during_command == []  # allowed-tools covered the command's own turn
    (question,) = recorder.permission_requests  # ... but not the next one
    assert question["toolCall"]["rawInput"]["command"] == "echo in the next turn"
    assert not after.body["messages"][-1]["content"][0].get("is_error")


async def test_resume_lists_and_continues_an_earlier_session(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(reply(text("Noted: apple.")), reply(text("The word was apple.")))
    env = agent_env(fake_api, tmp_path)
    async with start_editor(env, project, sessionUpdate=True) as (client, _):
        old_id = await new_session(client, project)
        await prompt(client, session_id=old_id, text="remember the word apple")
    async with start_editor(env, project, sessionUpdate=True) as (client, recorder):
        session_id = await new_session(client, project)
        listed = await prompt(client, session_id, "/resume")
        unknown = await prompt(client, session_id, "/resume 00000000-nope")
        resumed = await prompt(client, session_id, f"/resume {old_id[:8]}")
        answer = await prompt(client, session_id, "what was the word?")

    assert f"  {old_id}  " in listed["result"] and "remember the word apple" in listed["result"]
    assert session_id not in listed["result"]
    assert unknown["result"].startswith("No session 00000000-nope in this project.")
    assert resumed["result"].startswith(f"Resumed session {old_id}")
    assert answer["result"] == "The word was apple."
    sent = fake_api.message_requests()[-1].body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[0]["content"][-1]["text"] == "remember the word apple"
    assert sent[1]["content"][0]["text"] == "Noted: apple."
    assert sent[2]["content"][-1]["text"] == "what was the word?"
    shown = [u["content"]["text"] for u in recorder.of_kind("user_message_chunk")]
    assert "remember the word apple" in shown  # the editor is shown the old history

    async with start_editor(env, project, sessionUpdate=True) as (client, _):
        await request(client, "claude/session/load", {"sessionId": session_id})
        fake_api.script(reply(text("Still apple.")))
        await prompt(client, session_id, "and now?")
    reloaded = fake_api.message_requests()[-1].body["messages"]
    assert reloaded[0]["content"][-1]["text"] == "remember the word apple"
