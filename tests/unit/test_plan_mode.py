"""Plan mode end to end through the turn loop: read-only work, the plan file, ExitPlanMode."""

from __future__ import annotations

from pathlib import Path

from claude_lsp.agent.events import ModeChanged, SessionEvent
from claude_lsp.agent.plan_approval import KEEP_PLANNING, NOBODY_TO_ASK, NOT_IN_PLAN_MODE
from claude_lsp.policy.permissions import PermissionMode
from claude_lsp.policy.questions import PermissionAnswer
from tests.fakeapi import FakeAnthropic, reply, text, tool_use
from tests.unit.test_session import Asker, close_sessions, make_session, user

__all__ = ["close_sessions"]  # the autouse fixture that closes each test's sessions

PLAN = "1. Fix add() in calc.py\n2. Run the tests"


def tool_results(fake: FakeAnthropic, request: int) -> list[dict[str, object]]:
    """The tool_result blocks of the `request`-th message request."""
    last = fake.message_requests()[request].body["messages"][-1]
    return [block for block in last["content"] if block.get("type") == "tool_result"]


def result_text(block: dict[str, object]) -> str:
    content = block["content"]
    assert isinstance(content, list)
    return "".join(part.get("text", "") for part in content)


async def test_plan_file_then_approval_switches_to_accept_edits(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    (tmp_path / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    asker = Asker(PermissionAnswer.ALLOW_ALWAYS)
    events: list[SessionEvent] = []
    session = make_session(
        fake_api, tmp_path, events, asker=asker, permission_mode=PermissionMode.PLAN
    )
    plan_file = session.ctx.plan_file
    assert plan_file is not None
    fake_api.script(
        reply(
            tool_use("Write", {"file_path": str(tmp_path / "calc.py"), "content": "x = 1\n"}),
            tool_use("Write", {"file_path": str(plan_file), "content": PLAN}),
        ),
        reply(tool_use("ExitPlanMode", {})),
        reply(tool_use("Read", {"file_path": str(tmp_path / "calc.py")})),
        reply(
            tool_use(
                "Edit",
                {
                    "file_path": str(tmp_path / "calc.py"),
                    "old_string": "a - b",
                    "new_string": "a + b",
                },
            )
        ),
        reply(text("Done.")),
    )
    result = await session.prompt(user("fix add"))

    first = fake_api.message_requests()[0].body["messages"][-1]["content"]
    reminder = next(b["text"] for b in first if "Plan mode is on" in b.get("text", ""))
    assert str(plan_file) in reminder
    refused, wrote_plan = tool_results(fake_api, 1)
    assert refused["is_error"] is True and "not available in plan mode" in result_text(refused)
    assert "is_error" not in wrote_plan and plan_file.read_text() == PLAN
    (approved,) = tool_results(fake_api, 2)
    assert "approved your plan" in result_text(approved)
    # The plan was asked about once, with the plan-specific choices; the edit after it
    # ran without a question because the answer chose auto-accepting edits.
    (question,) = asker.questions
    assert question.kind == "switch_mode" and question.tool_input == {"plan": PLAN}
    assert question.choices[0][1] == "Yes, and auto-accept edits"
    assert session.policy.mode is PermissionMode.ACCEPT_EDITS
    assert ModeChanged("acceptEdits") in events
    assert (tmp_path / "calc.py").read_text() == "def add(a, b):\n    return a + b\n"
    assert result.result_text == "Done." and len(result.permission_denials) == 1
    # No reminder once plan mode is over.
    fake_api.script(reply(text("ok")))
    await session.prompt(user("thanks"))
    last = fake_api.message_requests()[-1].body["messages"][-1]["content"]
    assert not any("Plan mode is on" in b.get("text", "") for b in last)


async def test_allow_once_returns_to_default_mode(fake_api: FakeAnthropic, tmp_path: Path) -> None:
    asker = Asker(PermissionAnswer.ALLOW_ONCE)
    session = make_session(fake_api, tmp_path, [], asker=asker, permission_mode=PermissionMode.PLAN)
    fake_api.script(reply(tool_use("ExitPlanMode", {"plan": PLAN})), reply(text("Starting.")))
    await session.prompt(user("plan it"))
    assert session.policy.mode is PermissionMode.DEFAULT
    assert asker.questions[0].tool_input == {"plan": PLAN}


async def test_rejected_plan_keeps_plan_mode(fake_api: FakeAnthropic, tmp_path: Path) -> None:
    asker = Asker(PermissionAnswer.REJECT_ONCE)
    session = make_session(fake_api, tmp_path, [], asker=asker, permission_mode=PermissionMode.PLAN)
    fake_api.script(reply(tool_use("ExitPlanMode", {"plan": PLAN})), reply(text("What to change?")))
    result = await session.prompt(user("plan it"))
    (rejected,) = tool_results(fake_api, 1)
    assert rejected["is_error"] is True and result_text(rejected) == KEEP_PLANNING
    assert session.policy.mode is PermissionMode.PLAN
    assert result.permission_denials[0]["tool_name"] == "ExitPlanMode"


async def test_exit_plan_mode_outside_plan_mode_asks_nothing(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    asker = Asker(PermissionAnswer.ALLOW_ONCE)
    session = make_session(fake_api, tmp_path, [], asker=asker)
    fake_api.script(reply(tool_use("ExitPlanMode", {"plan": PLAN})), reply(text("ok")))
    await session.prompt(user("go"))
    (block,) = tool_results(fake_api, 1)
    assert block["is_error"] is True and result_text(block) == NOT_IN_PLAN_MODE
    assert asker.questions == []


async def test_missing_plan_and_no_one_to_ask(fake_api: FakeAnthropic, tmp_path: Path) -> None:
    session = make_session(fake_api, tmp_path, [], permission_mode=PermissionMode.PLAN)
    fake_api.script(
        reply(tool_use("ExitPlanMode", {})),
        reply(tool_use("ExitPlanMode", {"plan": PLAN})),
        reply(text("Here is the plan.")),
    )
    await session.prompt(user("plan it"))
    (missing,) = tool_results(fake_api, 1)
    assert "no plan to present" in result_text(missing)
    (unanswered,) = tool_results(fake_api, 2)
    assert result_text(unanswered) == NOBODY_TO_ASK
    assert session.policy.mode is PermissionMode.PLAN
