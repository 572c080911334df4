"""Hooks from settings files, run by a real session at each event (real processes)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from claude_lsp.agent.events import AgentText, SessionEvent
from claude_lsp.hooks.prompt_hook import JUDGE_SYSTEM_PROMPT
from claude_lsp.policy.permissions import PermissionMode
from tests.fakeapi import FakeAnthropic, reply, text, tool_use
from tests.unit.test_session import close_sessions, make_session, user

__all__ = ["close_sessions"]  # the fixture that closes the sessions these tests open


def settings_with_hooks(project: Path, hooks: dict[str, Any]) -> None:
    folder = project / ".claude"
    folder.mkdir(exist_ok=True)
    (folder / "settings.json").write_text(json.dumps({"hooks": hooks}))


def hook(script: str, matcher: str = "", timeout: float | None = None) -> list[dict[str, Any]]:
    """One matcher group running `script` with this Python; stdin is the payload."""
    command: dict[str, Any] = {
        "type": "command",
        "command": f"{sys.executable} -c {json.dumps(script)}",
    }
    if timeout is not None:
        command["timeout"] = timeout
    return [{"matcher": matcher, "hooks": [command]}]


def last_user_blocks(fake_api: FakeAnthropic) -> list[dict[str, Any]]:
    return list(fake_api.message_requests()[-1].body["messages"][-1]["content"])


async def test_pre_tool_use_exit_2_blocks_and_post_tool_use_adds_context(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    payloads = tmp_path / "payloads.jsonl"
    record = (
        f"import sys, os; p = sys.stdin.read(); open({str(payloads)!r}, 'a').write(p + chr(10)); "
    )
    settings_with_hooks(
        tmp_path,
        {
            "PreToolUse": hook(
                record + "import json; d = json.loads(p); "
                "cmd = d['tool_input'].get('command', ''); "
                "(sys.stderr.write('no rm here'), sys.exit(2)) if 'rm ' in cmd else None",
                matcher="Bash",
            ),
            "PostToolUse": hook(
                "import json; print(json.dumps({'hookSpecificOutput': {'hookEventName': "
                "'PostToolUse', 'additionalContext': 'lint is clean'}}))",
                matcher="Read|Write",
            ),
        },
    )
    (tmp_path / "a.txt").write_text("hello\n")
    fake_api.script(
        reply(tool_use("Bash", {"command": "rm -rf build"})),
        reply(tool_use("Read", {"file_path": str(tmp_path / "a.txt")})),
        reply(text("done")),
    )
    session = make_session(fake_api, tmp_path, [], permission_mode=PermissionMode.BYPASS)
    await session.prompt(user("clean and read"))

    blocked = fake_api.message_requests()[1].body["messages"][-1]["content"][0]
    assert blocked["is_error"] and "no rm here" in blocked["content"][0]["text"]
    (read,) = last_user_blocks(fake_api)
    assert read["content"][-1]["text"] == "PostToolUse hook: lint is clean"
    (payload,) = [json.loads(line) for line in payloads.read_text().splitlines()]
    assert payload["hook_event_name"] == "PreToolUse" and payload["tool_name"] == "Bash"
    assert payload["tool_input"] == {"command": "rm -rf build"}
    assert payload["session_id"] == session.id and payload["cwd"] == str(tmp_path)
    assert payload["permission_mode"] == "bypassPermissions"
    assert payload["transcript_path"].endswith(f"{session.id}.jsonl")


async def test_pre_tool_use_allow_and_updated_input_skip_the_question(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    settings_with_hooks(
        tmp_path,
        {
            "PreToolUse": hook(
                "import json; print(json.dumps({'hookSpecificOutput': {'hookEventName': "
                "'PreToolUse', 'permissionDecision': 'allow', "
                "'updatedInput': {'command': 'echo rewritten > out.txt'}}}))",
                matcher="Bash",
            )
        },
    )
    fake_api.script(reply(tool_use("Bash", {"command": "echo original"})), reply(text("ok")))
    # default mode and nobody to ask: without the hook, Bash would be refused
    await make_session(fake_api, tmp_path, []).prompt(user("go"))
    assert (tmp_path / "out.txt").read_text() == "rewritten\n"


async def test_user_prompt_submit_adds_context_or_blocks_and_session_start_runs_once(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    starts = tmp_path / "starts.txt"
    settings_with_hooks(
        tmp_path,
        {
            "SessionStart": hook(f"open({str(starts)!r}, 'a').write('x'); print('branch: main')"),
            "UserPromptSubmit": hook(
                "import json, sys; p = json.load(sys.stdin)['prompt']; "
                "(sys.stderr.write('no secrets please'), sys.exit(2)) if 'password' in p "
                "else print('ticket ABC-1')"
            ),
        },
    )
    fake_api.script(reply(text("hi")), reply(text("again")))
    events: list[SessionEvent] = []
    session = make_session(fake_api, tmp_path, events)
    await session.prompt(user("hello"))
    blocked = await session.prompt(user("my password is hunter2"))
    await session.prompt(user("next"))

    first = fake_api.message_requests()[0].body["messages"][0]["content"]
    texts = [block["text"] for block in first]
    assert texts == [
        "<system-reminder>\nbranch: main\n</system-reminder>",
        "<system-reminder>\nticket ABC-1\n</system-reminder>",
        "hello",
    ]
    assert blocked.result_text == "no secrets please" and blocked.num_turns == 0
    assert len(fake_api.message_requests()) == 2  # the blocked prompt never reached the model
    assert all("hunter2" not in json.dumps(r.body) for r in fake_api.message_requests())
    assert starts.read_text() == "x"
    assert any(isinstance(e, AgentText) and "no secrets please" in e.text for e in events)


async def test_a_stop_hook_makes_the_agent_go_on_once(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    settings_with_hooks(
        tmp_path,
        {
            "Stop": hook(
                "import json, sys; d = json.load(sys.stdin); "
                "print(json.dumps({}) if d['stop_hook_active'] else "
                "json.dumps({'decision': 'block', 'reason': 'run the tests first'}))"
            )
        },
    )
    fake_api.script(reply(text("finished")), reply(text("tests pass")))
    result = await make_session(fake_api, tmp_path, []).prompt(user("fix it"))
    assert result.result_text == "tests pass" and result.num_turns == 2
    assert last_user_blocks(fake_api)[-1]["text"] == "Stop hook feedback: run the tests first"


async def test_a_hanging_hook_is_stopped_at_its_timeout(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    settings_with_hooks(
        tmp_path, {"UserPromptSubmit": hook("import time; time.sleep(60)", timeout=1)}
    )
    fake_api.script(reply(text("still here")))
    result = await make_session(fake_api, tmp_path, []).prompt(user("hi"))
    assert result.result_text == "still here"


async def test_continue_false_from_a_tool_hook_ends_the_turn(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    settings_with_hooks(
        tmp_path,
        {
            "PostToolUse": hook(
                "import json; print(json.dumps({'continue': False, 'stopReason': 'build broke'}))"
            )
        },
    )
    (tmp_path / "a.txt").write_text("x\n")
    fake_api.script(
        reply(tool_use("Read", {"file_path": str(tmp_path / "a.txt")})), reply(text("never"))
    )
    result = await make_session(fake_api, tmp_path, []).prompt(user("read"))
    assert result.result_text == "build broke" and result.num_turns == 1
    assert len(fake_api.message_requests()) == 1


async def test_disable_all_hooks_turns_them_off(fake_api: FakeAnthropic, tmp_path: Path) -> None:
    settings_with_hooks(tmp_path, {"UserPromptSubmit": hook("import sys; sys.exit(2)")})
    settings = json.loads((tmp_path / ".claude" / "settings.json").read_text())
    (tmp_path / ".claude" / "settings.json").write_text(
        json.dumps({**settings, "disableAllHooks": True})
    )
    fake_api.script(reply(text("answered")))
    result = await make_session(fake_api, tmp_path, []).prompt(user("hi"))
    assert result.result_text == "answered"


async def test_a_prompt_stop_hook_asks_the_small_model_and_keeps_the_agent_going(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    settings_with_hooks(
        tmp_path,
        {"Stop": [{"hooks": [{"type": "prompt", "prompt": "Were tests run? $ARGUMENTS"}]}]},
    )
    fake_api.script(
        reply(text("All done.")),
        reply(text('{"ok": false, "reason": "Run the tests first."}')),
        reply(text("Tests pass.")),
        reply(text('{"ok": true}')),
    )
    session = make_session(fake_api, tmp_path, [])
    result = await session.prompt(user("fix it"))

    assert result.result_text == "Tests pass." and result.num_turns == 2
    first_check, second_check = (fake_api.message_requests()[i].body for i in (1, 3))
    for check in (first_check, second_check):
        assert check["model"] == "claude-haiku-4-5" and check["system"] == JUDGE_SYSTEM_PROMPT
        assert "tools" not in check
    asked = first_check["messages"][0]["content"][0]["text"]
    payload = json.loads(asked.removeprefix("Were tests run? "))
    assert payload["hook_event_name"] == "Stop" and payload["stop_hook_active"] is False
    assert '"stop_hook_active": true' in second_check["messages"][0]["content"][0]["text"]
    continued = fake_api.message_requests()[2].body["messages"][-1]["content"]
    assert continued[-1]["text"] == "Stop hook feedback: Run the tests first."
