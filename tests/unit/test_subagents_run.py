"""Subagents run through the Agent tool, against the fake API through the real SDK: the
child's own request, its permission questions, parallel runs, cancel, usage, transcripts
and the nested updates editors receive."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from claude_lsp.agent.events import (
    AgentText,
    AgentThought,
    SessionEvent,
    SubagentEvent,
    ToolCallStarted,
    ToolCallUpdated,
    UsageUpdated,
    to_session_update,
)
from claude_lsp.agent.session import Session, SessionOptions
from claude_lsp.agent.tool_runner import INTERRUPTED
from claude_lsp.agent.update_stream import UpdateStream
from claude_lsp.host import DiskFiles
from claude_lsp.models.client import ModelClient, RetryPolicy
from claude_lsp.models.credentials import Credentials
from claude_lsp.policy.permissions import PermissionMode
from claude_lsp.policy.questions import PermissionAnswer, PermissionQuestion
from claude_lsp.sessions.transcripts import read_entries, remove_old_transcripts
from tests.fakeapi import FakeAnthropic, hang, reply, text, tool_use
from tests.subagent_scripts import agent_call, script_two_children_that_meet
from tests.unit.test_session_hooks import hook, settings_with_hooks

FAST_RETRY = RetryPolicy(max_retries=0, base_delay=0.001, max_delay=0.01)
FINDER = """\
---
name: finder
description: Finds where things are defined
tools: Read, Grep
model: haiku
---
You find things and say where they are.
"""


class Asker:
    def __init__(self, answer: PermissionAnswer = PermissionAnswer.ALLOW_ONCE) -> None:
        self.answer = answer
        self.questions: list[PermissionQuestion] = []

    async def ask(self, question: PermissionQuestion) -> PermissionAnswer:
        self.questions.append(question)
        return self.answer


@pytest.fixture
async def sessions() -> Any:
    """Sessions own background shells and a scratch folder: close them after each test."""
    made: list[Session] = []
    yield made
    for session in made:
        await session.close()


def make_session(
    fake: FakeAnthropic,
    cwd: Path,
    sessions: list[Session],
    events: list[SessionEvent],
    asker: Asker | None = None,
    **options: Any,
) -> Session:
    client = ModelClient(Credentials(api_key="test", base_url=fake.base_url), FAST_RETRY)
    session = Session(
        SessionOptions(cwd=cwd, **options),
        model_client=client,
        files=DiskFiles(),
        emit=events.append,
        asker=asker,
    )
    sessions.append(session)
    return session


def user(prompt: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": prompt}]


def system_text(request: Any) -> str:
    return "".join(block["text"] for block in request.body["system"])


def tool_names(request: Any) -> list[str]:
    return [tool["name"] for tool in request.body["tools"]]


def tool_results(request: Any) -> dict[str, dict[str, Any]]:
    """The tool_results the model received in `request`'s last message, by call id."""
    blocks = request.body["messages"][-1]["content"]
    return {b["tool_use_id"]: b for b in blocks if b.get("type") == "tool_result"}


def result_text(block: dict[str, Any]) -> str:
    return "".join(part.get("text", "") for part in block["content"])


async def test_the_child_has_its_own_prompt_and_tools_and_its_report_is_the_result(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    (tmp_path / ".claude" / "agents").mkdir(parents=True)
    (tmp_path / ".claude" / "agents" / "finder.md").write_text(FINDER)
    (tmp_path / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    fake_api.script(
        reply(
            agent_call("finder", "Where is add defined?", "toolu_agent"),
            usage={"input_tokens": 100, "output_tokens": 10},
        ),
        reply(
            tool_use("Read", {"file_path": "calc.py"}, id="toolu_read"),
            usage={"input_tokens": 7, "output_tokens": 1},
        ),
        reply(
            text("add is defined in calc.py, line 1."),
            usage={"input_tokens": 9, "output_tokens": 2},
        ),
        reply(text("It is in calc.py."), usage={"input_tokens": 120, "output_tokens": 5}),
    )
    events: list[SessionEvent] = []
    session = make_session(fake_api, tmp_path, sessions, events, model="opus")

    result = await session.prompt(user("where is add?"))

    main, child, child_again, main_again = fake_api.message_requests()
    agents_intro = "Agents (`subagent_type`: when to use it; general-purpose when left out)"
    assert agents_intro in main.body["tools"][-1]["description"]
    assert "- finder: Finds where things are defined" in main.body["tools"][-1]["description"]
    assert "Agent" in tool_names(main) and "Agent" not in tool_names(child)
    assert tool_names(child) == ["Grep", "Read"]
    assert "# You are a subagent: finder" in system_text(child)
    assert "You find things and say where they are." in system_text(child)
    assert "You find things" not in system_text(main)
    assert child.body["model"] == "claude-haiku-4-5" and main.body["model"] == "claude-opus-4-8"
    assert [m["content"][0]["text"] for m in child.body["messages"]] == ["Where is add defined?"]
    read = tool_results(child_again)["toolu_read"]
    assert "return a + b" in result_text(read)
    report = tool_results(main_again)["toolu_agent"]
    assert result_text(report) == "add is defined in calc.py, line 1." and "is_error" not in report

    assert result.result_text == "It is in calc.py."
    assert result.usage["input_tokens"] == 100 + 7 + 9 + 120
    assert session.usage.input_tokens == 236 and session.usage.output_tokens == 18
    assert session.context_tokens == 125  # the main conversation's own window
    usage_events = [e for e in events if isinstance(e, UsageUpdated)]
    assert [e.usage["input_tokens"] for e in usage_events] == [100, 107, 116, 236]

    nested = [e for e in events if isinstance(e, SubagentEvent)]
    assert {e.parent_tool_call_id for e in nested} == {"toolu_agent"}
    started = [e.event for e in nested if isinstance(e.event, ToolCallStarted)]
    assert [(e.tool_call_id, e.tool_name) for e in started] == [("toolu_read", "Read")]
    nested_text = "".join(e.event.text for e in nested if isinstance(e.event, AgentText))
    assert nested_text == "add is defined in calc.py, line 1."
    main_text = "".join(e.text for e in events if isinstance(e, AgentText))
    assert main_text == "It is in calc.py."
    main_calls = [e.tool_call_id for e in events if isinstance(e, ToolCallStarted)]
    assert main_calls == ["toolu_agent"]


async def test_the_child_transcript_lies_beside_the_main_one_and_stays_apart(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    fake_api.script(
        reply(agent_call("general-purpose", "Say hello", "toolu_agent")),
        reply(text("hello from the child")),
        reply(text("The child said hello.")),
    )
    session = make_session(fake_api, tmp_path, sessions, [])
    await session.prompt(user("ask a child"))

    assert session.transcript is not None
    main_path = session.transcript.path
    (child_path,) = (main_path.parent / session.id / "subagents").glob("agent-*.jsonl")
    child_entries = read_entries(child_path)
    assert [e["message"]["role"] for e in child_entries] == ["user", "assistant"]
    assert child_entries[1]["message"]["content"] == [
        {"type": "text", "text": "hello from the child"}
    ]
    agent_id = child_path.stem.removeprefix("agent-")
    assert all(
        e["isSidechain"] is True and e["agentId"] == agent_id and e["sessionId"] == session.id
        for e in child_entries
    )
    main_entries = read_entries(main_path)
    assert all(e["isSidechain"] is False and "agentId" not in e for e in main_entries)
    assert "hello from the child" not in [
        block.get("text")
        for e in main_entries
        if e["type"] == "assistant"
        for block in e["message"]["content"]
    ]
    assert [m["role"] for m in session.messages] == ["user", "assistant", "user", "assistant"]


async def test_a_childs_permission_question_says_it_comes_from_the_subagent(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    marker = tmp_path / "made-by-child"
    fake_api.script(
        reply(agent_call("general-purpose", "Make the marker", "toolu_agent")),
        reply(tool_use("Bash", {"command": f"touch {marker}", "description": "Make marker"})),
        reply(text("Made it.")),
        reply(text("The child made it.")),
    )
    asker = Asker()
    session = make_session(fake_api, tmp_path, sessions, [], asker)

    await session.prompt(user("go"))

    assert [q.title for q in asker.questions] == ["general-purpose subagent: Make marker"]
    assert asker.questions[0].tool_name == "Bash"
    assert marker.exists()
    assert result_text(tool_results(fake_api.message_requests()[3])["toolu_agent"]) == "Made it."


async def test_subagent_stop_hooks_run_for_the_child_and_stop_hooks_for_the_main_agent(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    events_seen = tmp_path / "hook-events"
    record = (
        "import json, sys; d = json.load(sys.stdin); "
        f"open({str(events_seen)!r}, 'a').write(d['hook_event_name'] + chr(10)); "
    )
    settings_with_hooks(
        tmp_path,
        {
            "SubagentStop": hook(
                record + "print(json.dumps({}) if d['stop_hook_active'] else "
                "json.dumps({'decision': 'block', 'reason': 'check once more'}))"
            ),
            "Stop": hook(record),
        },
    )
    fake_api.script(
        reply(agent_call("general-purpose", "Check", "toolu_agent")),
        reply(text("first look")),
        reply(text("checked twice")),
        reply(text("All checked.")),
    )
    session = make_session(fake_api, tmp_path, sessions, [])

    await session.prompt(user("go"))

    requests = fake_api.message_requests()
    assert requests[2].body["messages"][-1]["content"][-1]["text"] == (
        "Stop hook feedback: check once more"
    )
    assert result_text(tool_results(requests[3])["toolu_agent"]) == "checked twice"
    assert events_seen.read_text().split() == ["SubagentStop", "SubagentStop", "Stop"]


async def test_explore_only_looks_even_when_everything_is_allowed(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    (tmp_path / "notes.txt").write_text("old\n")
    fake_api.script(
        reply(agent_call("Explore", "Change notes.txt", "toolu_agent")),
        reply(
            tool_use(
                "Edit",
                {"file_path": "notes.txt", "old_string": "old", "new_string": "new"},
                id="toolu_edit",
            ),
            tool_use("Git", {"operation": "commit", "message": "x"}, id="toolu_commit"),
        ),
        reply(text("I could not change anything.")),
        reply(text("Explore cannot edit.")),
    )
    asker = Asker()
    session = make_session(
        fake_api, tmp_path, sessions, [], asker, permission_mode=PermissionMode.BYPASS
    )

    await session.prompt(user("go"))

    child = fake_api.message_requests()[1]
    assert tool_names(child) == ["Glob", "Grep", "LS", "Symbols", "Git", "Read"]
    results = tool_results(fake_api.message_requests()[2])
    assert results["toolu_edit"]["is_error"] is True
    assert result_text(results["toolu_edit"]).startswith("No such tool: Edit.")
    assert results["toolu_commit"]["is_error"] is True
    assert "this agent only looks" in result_text(results["toolu_commit"])
    assert (tmp_path / "notes.txt").read_text() == "old\n" and asker.questions == []


async def test_an_unknown_agent_is_an_error_naming_the_valid_ones(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    fake_api.script(
        reply(agent_call("explorer", "Look", "toolu_agent")),
        reply(text("Sorry.")),
    )
    session = make_session(fake_api, tmp_path, sessions, [])

    await session.prompt(user("go"))

    block = tool_results(fake_api.message_requests()[1])["toolu_agent"]
    assert block["is_error"] is True
    assert result_text(block) == (
        "There is no agent 'explorer'; subagent_type is one of: general-purpose, Explore, Plan."
    )
    assert len(fake_api.message_requests()) == 2  # no child was started


async def test_two_looking_agents_in_one_response_run_at_the_same_time(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    script_two_children_that_meet(fake_api)
    events: list[SessionEvent] = []
    session = make_session(fake_api, tmp_path, sessions, events)

    await session.prompt(user("do both"))

    results = tool_results(fake_api.message_requests()[-1])
    assert result_text(results["toolu_a"]) == "report of task A"
    assert result_text(results["toolu_b"]) == "report of task B"
    streamed = {"toolu_a": "", "toolu_b": ""}
    for event in events:
        if isinstance(event, SubagentEvent) and isinstance(event.event, AgentText):
            streamed[event.parent_tool_call_id] += event.event.text
    assert streamed == {"toolu_a": "report of task A", "toolu_b": "report of task B"}


async def test_cancelling_the_turn_stops_the_running_subagent(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    fake_api.script(reply(agent_call("general-purpose", "Take long", "toolu_agent")), hang())
    session = make_session(fake_api, tmp_path, sessions, [])
    running = asyncio.create_task(session.prompt(user("go")))
    await asyncio.to_thread(fake_api.wait_for_requests, 2, timeout=30)

    session.cancel()

    assert (await asyncio.wait_for(running, 10)).stop_reason == "cancelled"
    assert fake_api.message_requests()[1].disconnected.wait(5)
    (result,) = session.messages[-1]["content"]
    assert result["tool_use_id"] == "toolu_agent" and result["is_error"] is True
    assert result["content"][0]["text"] == INTERRUPTED


async def test_agents_lists_the_agents_and_rereads_the_files(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    session = make_session(fake_api, tmp_path, sessions, [])
    folder = tmp_path / ".claude" / "agents"
    folder.mkdir(parents=True)
    (folder / "finder.md").write_text(FINDER)
    (folder / "broken.md").write_text("no frontmatter\n")

    listing = (await session.prompt(user("/agents"))).result_text

    assert f"  finder (project: {folder / 'finder.md'}): Finds where things are defined" in listing
    assert "    tools: Read, Grep; model: haiku" in listing
    assert "  Explore (built-in): " in listing
    assert "    tools: all but Agent, ExitPlanMode; model: inherit" in listing
    assert f"  ! agent file {folder / 'broken.md'} is ignored: it has no frontmatter" in listing
    assert fake_api.message_requests() == []
    assert ("finder", "Finds where things are defined") in session.subagents.listing()


async def test_a_deny_rule_on_agent_turns_subagents_off(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    session = make_session(fake_api, tmp_path, sessions, [], disallowed_tools=["Agent"])

    assert "Agent" not in session.tools
    listing = (await session.prompt(user("/agents"))).result_text
    assert listing.startswith("Subagents (none can start: a deny rule turns the Agent tool off)")


def test_nested_updates_carry_the_agent_call_and_keep_the_answer_apart() -> None:
    started = ToolCallStarted("toolu_read", "Read", "Read a.py", "read", {"file_path": "a.py"})

    assert to_session_update(SubagentEvent("toolu_agent", AgentText("Looking."))) == {
        "sessionUpdate": "agent_thought_chunk",
        "content": {"type": "text", "text": "Looking."},
        "_meta": {"claude": {"parentToolCallId": "toolu_agent"}},
    }
    tool_call = to_session_update(SubagentEvent("toolu_agent", started))
    assert tool_call["sessionUpdate"] == "tool_call" and tool_call["toolCallId"] == "toolu_read"
    assert tool_call["_meta"] == {"claude": {"toolName": "Read", "parentToolCallId": "toolu_agent"}}
    done = to_session_update(
        SubagentEvent("toolu_agent", ToolCallUpdated("toolu_read", "completed", output="x"))
    )
    assert done["_meta"] == {"claude": {"parentToolCallId": "toolu_agent"}}


async def test_the_stream_joins_text_of_one_agent_only() -> None:
    sent: list[dict[str, Any]] = []
    stream = UpdateStream(sent.append)

    stream(AgentText("main "))  # at once
    stream(AgentText("text"))
    stream(SubagentEvent("toolu_a", AgentText("from ")))
    stream(SubagentEvent("toolu_a", AgentText("a")))
    stream(SubagentEvent("toolu_b", AgentText("from b")))
    stream(SubagentEvent("toolu_b", AgentThought("b thinks")))
    stream.flush()

    assert [
        (u["sessionUpdate"], u["content"]["text"], u.get("_meta", {}).get("claude")) for u in sent
    ] == [
        ("agent_message_chunk", "main ", None),
        ("agent_message_chunk", "text", None),
        ("agent_thought_chunk", "from a", {"parentToolCallId": "toolu_a"}),
        ("agent_thought_chunk", "from b", {"parentToolCallId": "toolu_b"}),
        ("agent_thought_chunk", "b thinks", {"parentToolCallId": "toolu_b"}),
    ]


def test_clean_up_covers_subagent_transcripts(private_claude_config: Path) -> None:
    project = private_claude_config / "projects" / "-work-demo"
    subagents = project / "session-1" / "subagents"
    subagents.mkdir(parents=True)
    main = project / "session-1.jsonl"
    old_child = subagents / "agent-1.jsonl"
    new_child = project / "session-2" / "subagents" / "agent-2.jsonl"
    new_child.parent.mkdir(parents=True)
    for path in (main, old_child, new_child):
        path.write_text("{}\n")
    day = 86400.0
    for path in (main, old_child):
        os.utime(path, (1000 * day, 1000 * day))
    os.utime(new_child, (1100 * day, 1100 * day))

    removed = remove_old_transcripts(30, now=1101 * day)

    assert sorted(removed) == sorted([main, old_child])
    assert not (project / "session-1").exists()  # emptied: gone too
    assert new_child.exists()
    assert remove_old_transcripts(0) == [new_child]
