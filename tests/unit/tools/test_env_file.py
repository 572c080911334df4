"""CLAUDE_ENV_FILE: the session's env file, sourced by Bash before every command."""

from __future__ import annotations

import asyncio
import json
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from tests.fakeapi import FakeAnthropic, reply, text, tool_use
from tests.unit.test_session import close_sessions, make_session, user

from claude_lsp.policy.permissions import PermissionMode
from claude_lsp.tools.base import ToolContext
from claude_lsp.tools.bash import (
    ENV_FILE_VAR,
    BashOutputTool,
    BashTool,
    env_file_to_source,
    provide_env_file,
)

__all__ = ["close_sessions"]  # the fixture that closes the sessions these tests open


@pytest.fixture(autouse=True)
def no_inherited_env_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test runner's own CLAUDE_ENV_FILE, if any, must not leak into these tests."""
    monkeypatch.delenv(ENV_FILE_VAR, raising=False)


@pytest.fixture
def ctx(shell_ctx: ToolContext) -> ToolContext:
    return shell_ctx


async def bash(ctx: ToolContext, command: str, **extra: Any) -> str:
    return (await BashTool().run({"command": command, **extra}, ctx)).text()


def test_session_env_file_is_private_empty_and_named_in_the_env(ctx: ToolContext) -> None:
    path = provide_env_file(ctx)
    assert path is not None and path.parent == ctx.scratch_dir
    assert path.read_text() == "" and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ctx.subprocess_env()[ENV_FILE_VAR] == str(path)
    assert env_file_to_source(ctx.subprocess_env()) is None  # empty: nothing to source


async def test_exports_in_the_env_file_reach_every_command(ctx: ToolContext) -> None:
    path = provide_env_file(ctx)
    assert path is not None
    assert await bash(ctx, 'echo "${FOO:-unset}"') == "unset"
    path.write_text("export FOO=bar\nexport PATH_NOTE='a b'\n")
    assert await bash(ctx, 'echo "$FOO/$PATH_NOTE"') == "bar/a b"
    assert await bash(ctx, 'echo "$FOO again"') == "bar again"


async def test_a_broken_env_file_reports_its_error_and_the_command_still_runs(
    ctx: ToolContext,
) -> None:
    path = provide_env_file(ctx)
    assert path is not None
    path.write_text("export GOOD=yes\nif then (\n")
    result = await BashTool().run({"command": 'echo "ran $GOOD"'}, ctx)
    out, _, err = result.text().partition("\n")
    assert out == "ran yes" and not result.is_error
    assert str(path) in err and "syntax error" in err


async def test_a_preset_env_file_is_sourced_not_replaced(
    ctx: ToolContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "my env"
    mine.write_text("export FROM_USER=1\n")
    monkeypatch.setenv(ENV_FILE_VAR, str(mine))
    assert provide_env_file(ctx) == mine
    assert ENV_FILE_VAR not in ctx.env and not (tmp_path / "scratch").exists()
    assert await bash(ctx, 'echo "$FROM_USER $CLAUDE_ENV_FILE"') == f"1 {mine}"


async def test_background_commands_source_it_too(ctx: ToolContext) -> None:
    path = provide_env_file(ctx)
    assert path is not None
    path.write_text("export FOO=background\n")
    started = await bash(ctx, 'echo "$FOO"', run_in_background=True)
    shell_id = started.split(" id ")[1].split(".")[0]
    deadline = time.monotonic() + 15
    while ctx.shells.status(shell_id)[0] == "running" and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    shown = (await BashOutputTool().run({"bash_id": shell_id}, ctx)).text()
    assert shown.splitlines() == [f"Shell {shell_id}: completed (exit code 0)", "background"]
    assert ctx.shells.read_new(shell_id).command == 'echo "$FOO"'


async def test_session_start_hook_exports_reach_the_models_bash_call(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    hook = {"type": "command", "command": 'echo "export FOO=bar" >> "$CLAUDE_ENV_FILE"'}
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude" / "settings.json").write_text(
        json.dumps({"hooks": {"SessionStart": [{"matcher": "", "hooks": [hook]}]}})
    )
    fake_api.script(
        reply(tool_use("Bash", {"command": 'echo "FOO is $FOO"'})),
        reply(text("done")),
    )
    session = make_session(fake_api, tmp_path, [], permission_mode=PermissionMode.BYPASS)
    await session.prompt(user("show FOO"))

    (result,) = fake_api.message_requests()[1].body["messages"][-1]["content"]
    assert result["type"] == "tool_result" and not result.get("is_error")
    assert result["content"][0]["text"] == "FOO is bar"
