"""What a subagent inherits from the main session and what it does not: permission
rules (under Claude Code's old tool name too), plan mode, a command's grants, hooks and
their fields, the user's system prompt text, limits; and how failures and refusals come
back. Against the fake API through the real SDK."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pygit2
import pytest

from claude_lsp.agent.events import (
    AgentText,
    SessionEvent,
    SubagentEvent,
    ToolCallStarted,
    ToolCallUpdated,
)
from claude_lsp.agent.session import Session
from claude_lsp.policy.permissions import PermissionMode, parse_rules
from tests.fakeapi import FakeAnthropic, http_error, reply, text, tool_use
from tests.subagent_scripts import agent_call
from tests.unit.test_session_hooks import hook, settings_with_hooks
from tests.unit.test_subagents_run import (
    Asker,
    make_session,
    result_text,
    sessions,
    system_text,
    tool_results,
    user,
)

__all__ = ["sessions"]  # the fixture, used by name


def write_agent(cwd: Path, name: str, frontmatter: str) -> None:
    folder = cwd / ".claude" / "agents"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.md").write_text(
        f"---\nname: {name}\ndescription: d\n{frontmatter}---\nDo the task.\n"
    )


async def test_a_hooks_updated_input_cannot_make_a_read_only_agent_change_anything(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    repository = pygit2.init_repository(str(tmp_path), initial_head="main")
    repository.config["user.name"] = "Test"
    repository.config["user.email"] = "test@example.com"
    (tmp_path / "staged.txt").write_text("x\n")
    repository.index.add("staged.txt")
    repository.index.write()
    commit = {"operation": "commit", "message": "sneaked in"}
    output = {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "allow",
            "updatedInput": commit,
        }
    }
    settings_with_hooks(tmp_path, {"PreToolUse": hook(f"print({json.dumps(output)!r})", "Git")})
    fake_api.script(
        reply(agent_call("Explore", "Look at the status", "toolu_agent")),
        reply(tool_use("Git", {"operation": "status"}, id="toolu_git")),
        reply(text("Could not look.")),
        reply(text("Done.")),
    )
    session = make_session(
        fake_api, tmp_path, sessions, [], Asker(), permission_mode=PermissionMode.BYPASS
    )

    await session.prompt(user("go"))

    git = tool_results(fake_api.message_requests()[2])["toolu_git"]
    assert git["is_error"] is True
    assert result_text(git).startswith("Git did not run: this agent only looks")
    assert repository.head_is_unborn  # nothing was committed


async def test_a_commands_allowed_tools_are_not_a_subagents(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    commands = tmp_path / ".claude" / "commands"
    commands.mkdir(parents=True)
    (commands / "mark.md").write_text("---\nallowed-tools: Bash(touch:*)\n---\nMake markers.\n")
    mine, childs = tmp_path / "main-marker", tmp_path / "child-marker"
    fake_api.script(
        reply(tool_use("Bash", {"command": f"touch {mine}", "description": "Main marker"})),
        reply(agent_call("general-purpose", "Make the child marker", "toolu_agent")),
        reply(tool_use("Bash", {"command": f"touch {childs}", "description": "Child marker"})),
        reply(text("Made it.")),
        reply(text("Both made.")),
    )
    asker = Asker()
    session = make_session(fake_api, tmp_path, sessions, [], asker)
    before = list(session.policy.allow)

    await session.prompt(user("/mark"))

    assert [q.title for q in asker.questions] == ["general-purpose subagent: Child marker"]
    assert mine.exists() and childs.exists()
    assert session.policy.allow == before


async def test_in_plan_mode_a_general_purpose_agent_starts_but_cannot_edit(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    (tmp_path / "notes.txt").write_text("old\n")
    edit = {"file_path": "notes.txt", "old_string": "old", "new_string": "new"}
    fake_api.script(
        reply(agent_call("general-purpose", "Change notes.txt", "toolu_agent")),
        reply(tool_use("Read", {"file_path": "notes.txt"}, id="toolu_read")),
        reply(tool_use("Edit", edit, id="toolu_edit")),
        reply(text("Plan mode kept me from editing.")),
        reply(text("Nothing changed.")),
    )
    asker = Asker()
    session = make_session(
        fake_api, tmp_path, sessions, [], asker, permission_mode=PermissionMode.PLAN
    )

    result = await session.prompt(user("go"))

    refused = tool_results(fake_api.message_requests()[3])["toolu_edit"]
    assert refused["is_error"] is True and "plan mode" in result_text(refused)
    assert (tmp_path / "notes.txt").read_text() == "old\n" and asker.questions == []
    assert result.permission_denials == [
        {"tool_name": "Edit", "tool_use_id": "toolu_edit", "tool_input": edit}
    ]


async def test_a_failing_child_is_an_error_result_and_the_main_agent_goes_on(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    fake_api.script(
        reply(agent_call("general-purpose", "Do it", "toolu_agent")),
        http_error(400, message="prompt is too long"),
        reply(text("The agent failed; I will do it myself.")),
    )
    session = make_session(fake_api, tmp_path, sessions, [])

    result = await session.prompt(user("go"))

    block = tool_results(fake_api.message_requests()[2])["toolu_agent"]
    assert block["is_error"] is True
    assert result_text(block).startswith("The general-purpose agent stopped: ")
    assert "prompt is too long" in result_text(block)
    assert result.stop_reason == "end_turn"
    assert result.result_text == "The agent failed; I will do it myself."


async def test_the_report_is_the_final_response_never_an_earlier_one(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    fake_api.script(
        reply(agent_call("Explore", "Look at a.py", "toolu_agent")),
        reply(text("Let me check a.py first."), tool_use("Read", {"file_path": "a.py"})),
        reply(),  # an empty final response
        reply(text("Done.")),
    )
    session = make_session(fake_api, tmp_path, sessions, [])

    await session.prompt(user("go"))

    report = result_text(tool_results(fake_api.message_requests()[3])["toolu_agent"])
    assert report == "The Explore agent finished without a report."


async def test_the_users_appended_prompt_stays_and_max_turns_is_the_main_agents_alone(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    fake_api.script(
        reply(agent_call("Explore", "Read a.py twice", "toolu_agent")),
        reply(tool_use("Read", {"file_path": "a.py"})),
        reply(tool_use("Read", {"file_path": "a.py", "offset": 1})),
        reply(text("x is 1.")),
        reply(text("x is 1, says Explore.")),
    )
    session = make_session(
        fake_api,
        tmp_path,
        sessions,
        [],
        append_system_prompt="Always answer in English.",
        max_turns=2,
    )

    result = await session.prompt(user("go"))

    child_system = system_text(fake_api.message_requests()[1])
    assert "Always answer in English." in child_system
    assert child_system.index("Always answer in English.") < child_system.index(
        "# You are a subagent: Explore"
    )
    report = result_text(tool_results(fake_api.message_requests()[4])["toolu_agent"])
    assert report == "x is 1."  # three requests, beyond the main agent's --max-turns 2
    assert result.result_text == "x is 1, says Explore."


async def test_an_agents_own_max_turns_stops_it_and_says_so(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    write_agent(tmp_path, "brief", "tools: Read\nmaxTurns: 1\n")
    (tmp_path / "a.py").write_text("x = 1\n")
    fake_api.script(
        reply(agent_call("brief", "Read a.py", "toolu_agent")),
        reply(text("Reading a.py."), tool_use("Read", {"file_path": "a.py"})),
        reply(text("Stopped early.")),
    )
    session = make_session(fake_api, tmp_path, sessions, [])

    await session.prompt(user("go"))

    assert len(fake_api.message_requests()) == 3  # one for the child
    report = result_text(tool_results(fake_api.message_requests()[2])["toolu_agent"])
    assert report == (
        "Reading a.py.\n\n(The brief agent stopped before it was done: it reached the "
        "limit on model requests.)"
    )


async def test_the_childs_hooks_name_the_agent_and_show_under_its_call(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    payloads = tmp_path / "payloads"
    record = (
        "import json, sys; d = json.load(sys.stdin); "
        f"open({str(payloads)!r}, 'a').write(json.dumps(d) + chr(10)); "
    )
    settings_with_hooks(
        tmp_path,
        {
            "PreToolUse": hook(record + "print(json.dumps({'systemMessage': 'seen'}))", "Read"),
            "SubagentStop": hook(record),
        },
    )
    (tmp_path / "a.py").write_text("x = 1\n")
    fake_api.script(
        reply(agent_call("Explore", "Read a.py", "toolu_agent")),
        reply(tool_use("Read", {"file_path": "a.py"})),
        reply(text("x is 1.")),
        reply(text("Done.")),
    )
    events: list[SessionEvent] = []
    session = make_session(fake_api, tmp_path, sessions, events)

    await session.prompt(user("go"))

    pre, stop = (json.loads(line) for line in payloads.read_text().splitlines())
    assert session.transcript is not None
    (child_transcript,) = (session.transcript.path.parent / session.id / "subagents").glob("*")
    agent_id = child_transcript.stem.removeprefix("agent-")
    for payload in (pre, stop):
        assert payload["session_id"] == session.id
        assert payload["transcript_path"] == str(session.transcript.path)
        assert payload["agent_id"] == agent_id and payload["agent_type"] == "Explore"
    assert pre["hook_event_name"] == "PreToolUse" and "agent_transcript_path" not in pre
    assert stop["hook_event_name"] == "SubagentStop"
    assert stop["agent_transcript_path"] == str(child_transcript)
    assert SubagentEvent("toolu_agent", AgentText("\nseen\n")) in events
    assert AgentText("\nseen\n") not in events  # not the main agent's


async def test_rules_naming_task_apply_to_agent_and_can_name_one_agent(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    fake_api.script(
        reply(
            tool_use("Agent", {"description": "Look", "prompt": "Look around"}, id="toolu_default"),
            agent_call("Explore", "Look around", "toolu_explore"),
        ),
        reply(text("general-purpose looked.")),
        reply(text("One ran.")),
    )
    session = make_session(fake_api, tmp_path, sessions, [], disallowed_tools=["Task(Explore)"])

    result = await session.prompt(user("go"))

    results = tool_results(fake_api.message_requests()[-1])
    assert result_text(results["toolu_default"]) == "general-purpose looked."
    assert results["toolu_explore"]["is_error"] is True
    assert result_text(results["toolu_explore"]) == (
        "Permission to use Agent was denied: denied by rule Agent(Explore) from the command line."
    )
    assert [d["tool_use_id"] for d in result.permission_denials] == ["toolu_explore"]
    denied = make_session(fake_api, tmp_path, sessions, [], disallowed_tools=["Task"])
    assert "Agent" not in denied.tools


async def test_a_hook_matcher_naming_task_matches_agent(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    block = "import sys; print('no subagents today', file=sys.stderr); sys.exit(2)"
    settings_with_hooks(tmp_path, {"PreToolUse": hook(block, "Task")})
    fake_api.script(
        reply(agent_call("Explore", "Look", "toolu_agent")),
        reply(text("Blocked.")),
    )
    session = make_session(fake_api, tmp_path, sessions, [])

    await session.prompt(user("go"))

    blocked = tool_results(fake_api.message_requests()[1])["toolu_agent"]
    assert blocked["is_error"] is True and "no subagents today" in result_text(blocked)
    assert len(fake_api.message_requests()) == 2  # no child was started


async def test_only_agents_that_only_look_run_beside_other_calls(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    write_agent(tmp_path, "reader", "tools: Read, Grep, Glob\n")
    write_agent(tmp_path, "runner", "tools: Read, Bash\n")
    write_agent(tmp_path, "careful", "disallowedTools: Bash, Edit, Write, NotebookEdit\n")
    session = make_session(fake_api, tmp_path, sessions, [])
    agent = session.tools["Agent"]

    looks = {
        name: agent.is_read_only({"subagent_type": name})
        for name in ("Explore", "Plan", "reader", "general-purpose", "runner", "careful")
    }

    assert looks == {
        "Explore": True,
        "Plan": True,
        "reader": True,
        "general-purpose": False,
        "runner": False,
        "careful": False,  # Git, GitHub and KillShell can still change things
    }
    assert agent.is_read_only({}) is False  # general-purpose


async def test_two_agents_that_may_edit_run_one_after_the_other(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    order: list[str] = []

    def route(body: dict[str, Any]) -> Any:
        task = body["messages"][0]["content"][0]["text"]
        order.append(task)
        return reply(text(f"report of {task}" if task != "go" else "Both done."))

    fake_api.script(
        reply(
            agent_call("general-purpose", "task A", "toolu_a"),
            tool_use("Read", {"file_path": "missing.txt"}, id="toolu_read"),
            agent_call("general-purpose", "task B", "toolu_b"),
        )
    )
    fake_api.set_fallback(route)
    events: list[SessionEvent] = []
    session = make_session(fake_api, tmp_path, sessions, events)

    await session.prompt(user("go"))

    assert order == ["task A", "task B", "go"]
    steps = [
        (event.tool_call_id, "start" if isinstance(event, ToolCallStarted) else event.status)
        for event in events
        if isinstance(event, ToolCallStarted)
        or (isinstance(event, ToolCallUpdated) and event.status in ("completed", "failed"))
    ]
    # Each call starts once the one before it is over: a batch of its own each.
    assert steps == [
        ("toolu_a", "start"),
        ("toolu_a", "completed"),
        ("toolu_read", "start"),
        ("toolu_read", "failed"),
        ("toolu_b", "start"),
        ("toolu_b", "completed"),
    ]


@pytest.mark.parametrize("variable", ["sonnet", "inherit"])
async def test_claude_code_subagent_model_overrides_the_agents_model(
    fake_api: FakeAnthropic,
    tmp_path: Path,
    sessions: list[Session],
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
) -> None:
    monkeypatch.setenv("CLAUDE_CODE_SUBAGENT_MODEL", variable)
    write_agent(tmp_path, "quick", "model: haiku\n")
    fake_api.script(
        reply(agent_call("quick", "Look", "toolu_agent")),
        reply(text("Looked.")),
        reply(text("Done.")),
    )
    session = make_session(fake_api, tmp_path, sessions, [], model="opus")

    await session.prompt(user("go"))

    child = fake_api.message_requests()[1]
    expected = "claude-sonnet-4-6" if variable == "sonnet" else "claude-haiku-4-5"
    assert child.body["model"] == expected


def test_a_malformed_deny_rule_naming_task_still_turns_agent_off() -> None:
    warnings: list[str] = []

    (rule,) = parse_rules(["Task(not an agent)"], behavior="deny", warnings=warnings)

    assert rule.covers_every_use("Agent")
    assert warnings == [
        "deny rule 'Task(not an agent)' is malformed ('not an agent' is not an agent name); "
        "it applies to every use of Task instead"
    ]
