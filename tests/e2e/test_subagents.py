"""Subagents through the real server: the Agent tool starts a child with its own prompt
and tools, whose calls ask the editor (saying whose they are), show nested under the
Agent call, run side by side, and leave a transcript beside the session's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from acp import text_block

from tests.conftest import agent_env
from tests.e2e.conftest import new_session, prompt, start_editor, turn_progress
from tests.e2e.test_acp import Editor, acp_agent, initialized
from tests.fakeapi import FakeAnthropic, reply, text, tool_use
from tests.subagent_scripts import agent_call, script_two_children_that_meet

FIXER = """\
---
name: fixer
description: Fixes one bug it is pointed at
tools: Read, Edit
---
You fix bugs, changing as little as you can.
"""


def tool_results(request: Any) -> dict[str, dict[str, Any]]:
    """The tool_results the model received in `request`'s last message, by call id."""
    blocks = request.body["messages"][-1]["content"]
    return {b["tool_use_id"]: b for b in blocks if b.get("type") == "tool_result"}


def result_text(block: dict[str, Any]) -> str:
    return "".join(part.get("text", "") for part in block["content"])


def parent_of(update: dict[str, Any]) -> str | None:
    parent = update.get("_meta", {}).get("claude", {}).get("parentToolCallId")
    return str(parent) if parent is not None else None


async def test_a_project_agent_fixes_a_bug_after_asking_and_reports_back(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    (project / ".claude" / "agents").mkdir(parents=True)
    (project / ".claude" / "agents" / "fixer.md").write_text(FIXER)
    (tmp_path / ".claude" / "agents").mkdir(parents=True)  # HOME is tmp_path
    (tmp_path / ".claude" / "agents" / "fixer.md").write_text(
        "---\nname: fixer\ndescription: the user's own fixer\n---\nUser prompt.\n"
    )
    fake_api.script(
        reply(
            text("Handing it over. "),
            agent_call("fixer", "Fix add in calc.py", "toolu_agent", "Fix the bug"),
        ),
        reply(tool_use("Read", {"file_path": str(calc)}, id="toolu_read")),
        reply(
            text("Fixing. "),
            tool_use(
                "Edit",
                {"file_path": str(calc), "old_string": "a - b", "new_string": "a + b"},
                id="toolu_edit",
            ),
        ),
        reply(text("Fixed: add now returns a + b.")),
        reply(text("The fixer fixed it.")),
    )
    env = agent_env(fake_api, tmp_path)
    async with start_editor(env, project, sessionUpdate=True, requestPermission=True) as (
        client,
        recorder,
    ):
        session_id = await new_session(client, project)
        result = await prompt(client, session_id, "fix calc.py")
        (reports,) = turn_progress(client).values()

    assert result["stopReason"] == "end_turn"
    shown = [getattr(report, "message", None) for report in reports]
    assert {"fixer: Fix the bug", f"Read {calc}", f"Edit {calc}"} <= set(shown)
    main, child, *_, main_again = fake_api.message_requests()
    assert "- fixer: Fixes one bug it is pointed at" in main.body["tools"][-1]["description"]
    assert [tool["name"] for tool in child.body["tools"]] == ["Read", "Edit"]
    child_system = child.body["system"][0]["text"]
    assert "You fix bugs, changing as little as you can." in child_system
    assert "User prompt." not in child_system  # the project's agent wins
    assert child.body["messages"][0]["content"][0]["text"] == "Fix add in calc.py"
    report = tool_results(main_again)["toolu_agent"]
    assert result_text(report) == "Fixed: add now returns a + b."
    assert calc.read_text() == "def add(a, b):\n    return a + b\n"

    (question,) = recorder.permission_requests
    assert question["toolCall"]["toolCallId"] == "toolu_edit"
    assert question["toolCall"]["title"] == f"fixer subagent: Edit {calc}"

    calls = recorder.of_kind("tool_call")
    assert [(call["toolCallId"], parent_of(call)) for call in calls] == [
        ("toolu_agent", None),
        ("toolu_read", "toolu_agent"),
        ("toolu_edit", "toolu_agent"),
    ]
    assert calls[0]["title"] == "fixer: Fix the bug" and calls[0]["kind"] == "think"
    finished = {
        u["toolCallId"]: parent_of(u)
        for u in recorder.of_kind("tool_call_update")
        if u["status"] == "completed"
    }
    assert finished == {
        "toolu_read": "toolu_agent",
        "toolu_edit": "toolu_agent",
        "toolu_agent": None,
    }
    thoughts = "".join(
        u["content"]["text"]
        for u in recorder.of_kind("agent_thought_chunk")
        if parent_of(u) == "toolu_agent"
    )
    assert thoughts == "Fixing. Fixed: add now returns a + b."
    assert recorder.text() == "Handing it over. The fixer fixed it."  # the answer alone

    folder = next((tmp_path / ".claude" / "projects").iterdir())
    assert (folder / f"{session_id}.jsonl").is_file()
    (child_transcript,) = (folder / session_id / "subagents").glob("agent-*.jsonl")
    assert "Fixed: add now returns a + b." in child_transcript.read_text()


async def test_explore_cannot_edit_and_asks_nothing(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    before = calc.read_text()
    fake_api.script(
        reply(agent_call("Explore", "Fix add in calc.py", "toolu_agent")),
        reply(
            tool_use(
                "Edit",
                {"file_path": str(calc), "old_string": "a - b", "new_string": "a + b"},
                id="toolu_edit",
            ),
            tool_use("Bash", {"command": f"sed -i s/-/+/ {calc}"}, id="toolu_bash"),
        ),
        reply(text("I can only look: the bug is the minus in calc.py line 2.")),
        reply(text("Explore found it.")),
    )
    env = agent_env(fake_api, tmp_path)
    async with start_editor(env, project, sessionUpdate=True, requestPermission=True) as (
        client,
        recorder,
    ):
        session_id = await new_session(client, project, modeId="bypassPermissions")
        await prompt(client, session_id, "fix calc.py")

    child = fake_api.message_requests()[1]
    offered = {tool["name"] for tool in child.body["tools"]}
    assert offered == {"Glob", "Grep", "LS", "Symbols", "Git", "Read"}
    results = tool_results(fake_api.message_requests()[2])
    assert result_text(results["toolu_edit"]).startswith("No such tool: Edit.")
    assert result_text(results["toolu_bash"]).startswith("No such tool: Bash.")
    assert calc.read_text() == before and recorder.permission_requests == []
    report = result_text(tool_results(fake_api.message_requests()[3])["toolu_agent"])
    assert report == "I can only look: the bug is the minus in calc.py line 2."


async def test_two_looking_agents_in_one_response_work_side_by_side(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    script_two_children_that_meet(fake_api)
    env = agent_env(fake_api, tmp_path)
    async with start_editor(env, project, sessionUpdate=True) as (client, recorder):
        session_id = await new_session(client, project)
        result = await prompt(client, session_id, "do both")

    assert result["stopReason"] == "end_turn"
    results = tool_results(fake_api.message_requests()[-1])
    assert result_text(results["toolu_a"]) == "report of task A"
    assert result_text(results["toolu_b"]) == "report of task B"
    streamed = {"toolu_a": "", "toolu_b": ""}
    for update in recorder.of_kind("agent_thought_chunk"):
        streamed[str(parent_of(update))] += update["content"]["text"]
    assert streamed == {"toolu_a": "report of task A", "toolu_b": "report of task B"}


async def test_an_acp_client_gets_nested_updates_in_meta(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    fake_api.script(
        reply(agent_call("Explore", "Read calc.py", "toolu_agent")),
        reply(text("Reading. "), tool_use("Read", {"file_path": str(calc)}, id="toolu_read")),
        reply(text("It subtracts.")),
        reply(text("Done.")),
    )
    editor = Editor()
    async with acp_agent(editor, agent_env(fake_api, tmp_path), project) as agent:
        await initialized(agent)
        session = await agent.new_session(cwd=str(project))
        result = await agent.prompt(session_id=session.session_id, prompt=[text_block("look")])

    assert result.stop_reason == "end_turn"
    calls = [(u["toolCallId"], parent_of(u)) for u in editor.of_kind("tool_call")]
    assert calls == [("toolu_agent", None), ("toolu_read", "toolu_agent")]
    thoughts = [(u["content"]["text"], parent_of(u)) for u in editor.of_kind("agent_thought_chunk")]
    assert "".join(t for t, _ in thoughts) == "Reading. It subtracts."
    assert {parent for _, parent in thoughts} == {"toolu_agent"}
    assert editor.text() == "Done."
    assert str(calc) in editor.reads  # the child reads through the client, as the main agent does


def test_print_mode_stream_json_tags_a_subagents_messages_with_its_agent_call(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    """As Claude Code's stream-json does: `parent_tool_use_id` is the Agent call's id."""
    import json

    from tests.e2e.test_print_mode import run_cli

    calc = project / "calc.py"
    fake_api.script(
        reply(agent_call("Explore", "Read calc.py", "toolu_agent")),
        reply(tool_use("Read", {"file_path": str(calc)}, id="toolu_read")),
        reply(text("add subtracts.")),
        reply(text("Found it.")),
    )
    done = run_cli(
        ["-p", "look at calc.py", "--output-format", "stream-json", "--verbose", "--no-attach"],
        project,
        agent_env(fake_api, tmp_path),
    )

    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    parents = {
        block.get("id") or block.get("tool_use_id"): line["parent_tool_use_id"]
        for line in lines
        if line["type"] in ("assistant", "user")
        for block in line["message"]["content"]
        if block["type"] in ("tool_use", "tool_result")
    }
    assert parents == {"toolu_agent": None, "toolu_read": "toolu_agent"}
    assert lines[-1]["result"] == "Found it."
