"""Claude Code's settings files and the editor's settings, end to end over LSP."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.conftest import agent_env
from tests.e2e.conftest import prompt, request, start_editor
from tests.fakeapi import FakeAnthropic, reply, text, tool_use


def write_json(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value))


async def test_settings_files_give_rules_env_and_model_and_a_broken_file_is_reported(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    write_json(
        project / ".claude" / "settings.json",
        {
            "model": "sonnet",
            "env": {"GREETING": "hola"},
            "permissions": {"allow": ["Bash(echo:*)"], "deny": ["Read(./secrets/**)"]},
        },
    )
    write_json(project / ".claude" / "settings.local.json", {"env": {"GREETING": "hallo"}})
    user_settings = tmp_path / ".claude" / "settings.json"
    user_settings.parent.mkdir(parents=True)
    user_settings.write_text('{"model": "opus",\n  oops}')
    (project / "secrets").mkdir()
    (project / "secrets" / "key").write_text("s3cret\n")
    fake_api.script(
        reply(tool_use("Bash", {"command": f"echo $GREETING > {project / 'out.txt'}"})),
        reply(tool_use("Read", {"file_path": str(project / "secrets" / "key")})),
        reply(text("done")),
    )
    async with start_editor(agent_env(fake_api, tmp_path), project, "neovim") as (client, _):
        session = await request(client, "claude/session/new", {"cwd": str(project)})
        result = await prompt(client, session["sessionId"], "greet, then read the key")
        await asyncio.sleep(0.1)
        shown = list(client.messages)

    (warning,) = session["_meta"]["claude"]["warnings"]
    assert str(user_settings) in warning and "line 2" in warning
    assert [m.message for m in shown] == [f"claude-lsp: {warning}"]
    assert shown[0].type == types.MessageType.Warning
    assert result["stopReason"] == "end_turn"
    requests = fake_api.message_requests()
    assert requests[0].body["model"] == "claude-sonnet-4-6"
    assert (project / "out.txt").read_text() == "hallo\n"  # local settings win; no question
    denied = requests[2].body["messages"][-1]["content"][0]
    assert denied["is_error"] and "Read(./secrets/**) from project settings" in str(denied)


async def test_editor_settings_from_initialization_options_and_configuration(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    write_json(project / ".claude" / "settings.json", {"model": "opus"})
    async with start_editor(
        agent_env(fake_api, tmp_path),
        project,
        initialization_options={"claude": {"permissionMode": "acceptEdits", "model": "sonnet"}},
        configuration={"claude": {"model": "haiku"}},
    ) as (client, _):
        session = await request(client, "claude/session/new", {"cwd": str(project)})
        explicit = await request(
            client, "claude/session/new", {"cwd": str(project), "modeId": "plan"}
        )

    assert session["modes"]["currentModeId"] == "acceptEdits"
    assert session["_meta"]["claude"]["model"] == "claude-haiku-4-5"  # configuration wins
    assert explicit["modes"]["currentModeId"] == "plan"  # the request's own mode wins


async def test_bypass_mode_can_be_disabled_by_settings(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    write_json(
        project / ".claude" / "settings.json",
        {
            "permissions": {
                "defaultMode": "bypassPermissions",
                "disableBypassPermissionsMode": "disable",
            }
        },
    )
    async with start_editor(agent_env(fake_api, tmp_path), project) as (client, _):
        session = await request(client, "claude/session/new", {"cwd": str(project)})
        with pytest.raises(JsonRpcException) as error:
            await request(
                client,
                "claude/session/setMode",
                {"sessionId": session["sessionId"], "modeId": "bypassPermissions"},
            )
    assert session["modes"]["currentModeId"] == "default"
    assert "disableBypassPermissionsMode" in " ".join(session["_meta"]["claude"]["warnings"])
    assert error.value.code == -32602
    assert "modeId: bypassPermissions mode is disabled" in error.value.message
