"""Plan mode over LSP: ExitPlanMode puts the plan to the user through every way of asking.

VS Code with the extension gets claude/session/requestPermission with the plan and the
three plan answers; Neovim gets window/showMessageRequest; Helix the approval queue.
The answer decides the next permission mode, announced as current_mode_update.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types

from tests.conftest import agent_env
from tests.e2e.conftest import new_session, prompt, start_editor
from tests.e2e.test_permissions import actions_for, run_command, tool_result, wait_for_approvals
from tests.fakeapi import FakeAnthropic, reply, text, tool_use

PLAN = "## Plan\n1. Make add() add\n2. Run the tests"
CHOICES = ["Yes, and auto-accept edits", "Yes, and approve each edit", "No, keep planning"]


def exit_plan_then_edit(project: Path) -> list[Any]:
    calc = str(project / "calc.py")
    return [
        reply(tool_use("ExitPlanMode", {"plan": PLAN})),
        reply(tool_use("Read", {"file_path": calc})),
        reply(tool_use("Edit", {"file_path": calc, "old_string": "a - b", "new_string": "a + b"})),
        reply(text("Fixed.")),
    ]


async def test_vscode_gets_the_plan_and_auto_accept_edits(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(*exit_plan_then_edit(project))
    async with start_editor(
        agent_env(fake_api, tmp_path), project, sessionUpdate=True, requestPermission=True
    ) as (client, recorder):
        recorder.permission_answer = "allow_always"
        session_id = await new_session(client, project, modeId="plan")
        result = await prompt(client, session_id, "fix add")
        modes = [u["currentModeId"] for u in recorder.of_kind("current_mode_update")]

    (question,) = recorder.permission_requests  # the edit after it was not asked about
    assert question["toolCall"]["kind"] == "switch_mode"
    assert question["toolCall"]["rawInput"] == {"plan": PLAN}
    assert {"type": "content", "content": {"type": "text", "text": PLAN}} in question["toolCall"][
        "content"
    ]
    assert [option["name"] for option in question["options"]] == CHOICES
    assert modes == ["acceptEdits"]
    assert result["stopReason"] == "end_turn"
    assert (project / "calc.py").read_text() == "def add(a, b):\n    return a + b\n"


async def test_neovim_dialog_shows_the_plan_and_approve_each_edit_asks_later(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(*exit_plan_then_edit(project))
    asked: list[types.ShowMessageRequestParams] = []
    async with start_editor(agent_env(fake_api, tmp_path), project, "neovim") as (client, _):

        @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
        def on_message(params: types.ShowMessageRequestParams) -> types.MessageActionItem:
            asked.append(params)
            title = "Yes, and approve each edit" if len(asked) == 1 else "Allow once"
            return types.MessageActionItem(title=title)

        await prompt(client, await new_session(client, project, modeId="plan"), "fix add")

    plan_question, edit_question = asked  # default mode again: the edit was asked about
    assert plan_question.message.startswith("Claude wants to leave plan mode")
    assert PLAN in plan_question.message
    assert [action.title for action in plan_question.actions or []] == CHOICES
    assert "edit calc.py" in edit_question.message
    assert (project / "calc.py").read_text() == "def add(a, b):\n    return a + b\n"


async def test_helix_keep_planning_code_action_keeps_plan_mode(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(reply(tool_use("ExitPlanMode", {"plan": PLAN})), reply(text("What next?")))
    async with start_editor(agent_env(fake_api, tmp_path), project, "helix") as (client, _):
        session_id = await new_session(client, project, modeId="plan")
        turn = asyncio.ensure_future(prompt(client, session_id, "fix add"))
        ((uri, diagnostic),) = await wait_for_approvals(client)
        assert PLAN in diagnostic.message
        actions = await actions_for(client, uri, diagnostic)
        assert set(actions) == {
            "Claude: yes, and auto-accept edits",
            "Claude: yes, and approve each edit",
            "Claude: no, keep planning",
        }
        keep = actions["Claude: no, keep planning"]
        await run_command(client, keep.command, *(keep.arguments or []))
        await asyncio.wait_for(turn, 10)

    refused = tool_result(fake_api)
    assert refused["is_error"] is True and "plan mode stays on" in refused["content"][0]["text"]
    assert (project / "calc.py").read_text() == "def add(a, b):\n    return a - b\n"
