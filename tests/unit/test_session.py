"""The turn loop against the fake API through the real SDK: stop reasons, retries, tools."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from claude_lsp.agent.events import (
    AgentText,
    ApiRetrying,
    PlanUpdated,
    SessionEvent,
    ToolCallStarted,
    ToolCallUpdated,
    UsageUpdated,
)
from claude_lsp.agent.session import Session, SessionOptions
from claude_lsp.host import DiskFiles
from claude_lsp.models.client import ModelClient, ModelError, RetryPolicy
from claude_lsp.models.credentials import Credentials
from claude_lsp.policy.permissions import PermissionMode
from claude_lsp.policy.questions import PermissionAnswer, PermissionQuestion
from claude_lsp.sessions.transcripts import read_entries
from tests.fakeapi import (
    FakeAnthropic,
    cut_stream,
    error_event,
    hang,
    http_error,
    reply,
    text,
    thinking,
    tool_use,
)

FAST_RETRY = RetryPolicy(max_retries=3, base_delay=0.001, max_delay=0.01)


class Asker:
    def __init__(self, answer: PermissionAnswer) -> None:
        self.answer = answer
        self.questions: list[PermissionQuestion] = []

    async def ask(self, question: PermissionQuestion) -> PermissionAnswer:
        self.questions.append(question)
        return self.answer


OPEN_SESSIONS: list[Session] = []


@pytest.fixture(autouse=True)
async def close_sessions() -> Any:
    """Sessions own background shells and a scratch folder: close them after each test."""
    yield
    while OPEN_SESSIONS:
        await OPEN_SESSIONS.pop().close()


def make_session(
    fake: FakeAnthropic,
    cwd: Path,
    events: list[SessionEvent],
    *,
    asker: Asker | None = None,
    session_id: str | None = None,
    **options: Any,
) -> Session:
    client = ModelClient(Credentials(api_key="test", base_url=fake.base_url), FAST_RETRY)
    session = Session(
        SessionOptions(cwd=cwd, **options),
        model_client=client,
        files=DiskFiles(),
        emit=events.append,
        asker=asker,
        session_id=session_id,
    )
    OPEN_SESSIONS.append(session)
    return session


def user(prompt: str) -> list[dict[str, Any]]:
    return [{"type": "text", "text": prompt}]


async def test_end_turn_streams_text_and_counts_usage(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    fake_api.script(
        reply(text("Hello there, friend."), usage={"input_tokens": 1000, "output_tokens": 200})
    )
    events: list[SessionEvent] = []
    session = make_session(fake_api, tmp_path, events, model="opus")
    result = await session.prompt(user("hi"))

    assert result.stop_reason == "end_turn" and result.result_text == "Hello there, friend."
    assert "".join(e.text for e in events if isinstance(e, AgentText)) == result.result_text
    assert result.num_turns == 1
    assert result.usage["input_tokens"] == 1000 and result.usage["output_tokens"] == 200
    assert result.cost_usd == pytest.approx((1000 * 5 + 200 * 25) / 1e6)
    (usage,) = [e for e in events if isinstance(e, UsageUpdated)]
    assert usage.model == "claude-opus-4-8"
    body = fake_api.message_requests()[0].body
    assert body["model"] == "claude-opus-4-8" and body["stream"] is True
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert body["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}


@pytest.mark.parametrize("stop_reason", ["max_tokens", "refusal"])
async def test_max_tokens_and_refusal_end_the_turn(
    stop_reason: str, fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    fake_api.script(reply(text("partial"), stop_reason=stop_reason), reply(text("next")))
    session = make_session(fake_api, tmp_path, [])
    result = await session.prompt(user("go"))
    assert result.stop_reason == stop_reason and result.num_turns == 1
    assert (await session.prompt(user("again"))).result_text == "next"


async def test_pause_turn_is_resumed(fake_api: FakeAnthropic, tmp_path: Path) -> None:
    fake_api.script(reply(text("working"), stop_reason="pause_turn"), reply(text(" done")))
    session = make_session(fake_api, tmp_path, [])
    result = await session.prompt(user("go"))
    assert result.stop_reason == "end_turn" and result.num_turns == 2
    resumed = fake_api.message_requests()[1].body["messages"]
    assert resumed[-1]["role"] == "assistant" and resumed[-1]["content"][0]["text"] == "working"


async def test_max_turns_stops_the_loop(fake_api: FakeAnthropic, tmp_path: Path) -> None:
    fake_api.script(reply(tool_use("LS", {"path": str(tmp_path)})), reply(text("never sent")))
    session = make_session(fake_api, tmp_path, [], max_turns=1)
    result = await session.prompt(user("look"))
    assert result.stop_reason == "max_turn_requests" and result.num_turns == 1
    assert len(fake_api.message_requests()) == 1
    # the history stays valid: the tool ran and its result is recorded
    assert session.messages[-1]["content"][0]["type"] == "tool_result"


async def test_thinking_blocks_are_kept_for_the_next_request(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    fake_api.script(
        reply(thinking("let me think", signature="sig-1"), tool_use("LS", {"path": str(tmp_path)})),
        reply(text("ok")),
    )
    session = make_session(fake_api, tmp_path, [])
    await session.prompt(user("think"))
    sent = fake_api.message_requests()[1].body["messages"][1]["content"][0]
    assert sent == {"type": "thinking", "thinking": "let me think", "signature": "sig-1"}


@pytest.mark.parametrize(
    "fault",
    [
        http_error(429, retry_after=0),
        http_error(529),
        http_error(500),
        cut_stream(after_events=5),
        cut_stream(after_events=5, then="end"),
        error_event(after_events=4),
    ],
)
async def test_transient_failures_are_retried(
    fault: Any, fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    fake_api.script(fault, reply(text("recovered")))
    events: list[SessionEvent] = []
    session = make_session(fake_api, tmp_path, events)
    result = await session.prompt(user("hi"))
    assert result.result_text == "recovered"
    (retry,) = [e for e in events if isinstance(e, ApiRetrying)]
    assert retry.attempt == 1 and retry.max_retries == 3


async def test_retry_after_header_is_honoured(fake_api: FakeAnthropic, tmp_path: Path) -> None:
    fake_api.script(http_error(429, retry_after_ms=300), reply(text("ok")))
    events: list[SessionEvent] = []
    await make_session(fake_api, tmp_path, events).prompt(user("hi"))
    (retry,) = [e for e in events if isinstance(e, ApiRetrying)]
    assert retry.delay_seconds == pytest.approx(0.3)


async def test_permanent_errors_are_not_retried(fake_api: FakeAnthropic, tmp_path: Path) -> None:
    fake_api.script(http_error(401, message="invalid x-api-key"))
    with pytest.raises(ModelError) as error:
        await make_session(fake_api, tmp_path, []).prompt(user("hi"))
    assert error.value.status == 401 and error.value.error_type == "authentication_error"
    assert len(fake_api.message_requests()) == 1


async def test_retries_run_out_with_a_clear_error(fake_api: FakeAnthropic, tmp_path: Path) -> None:
    fake_api.script(*[http_error(529) for _ in range(4)])
    with pytest.raises(ModelError) as error:
        await make_session(fake_api, tmp_path, []).prompt(user("hi"))
    assert "gave up after 4 attempts" in str(error.value)
    assert error.value.status == 529 and len(fake_api.message_requests()) == 4


async def test_tool_loop_reports_calls_and_results(fake_api: FakeAnthropic, tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("alpha\n")
    fake_api.script(
        reply(
            tool_use("Read", {"file_path": str(tmp_path / "a.txt")}),
            tool_use("Nope", {}),
            tool_use("Read", {"file_path": 3}),
        ),
        reply(text("done")),
    )
    events: list[SessionEvent] = []
    await make_session(fake_api, tmp_path, events).prompt(user("read"))
    started = [e for e in events if isinstance(e, ToolCallStarted)]
    assert [e.tool_name for e in started] == ["Read", "Nope", "Read"]
    finished = [
        e for e in events if isinstance(e, ToolCallUpdated) and e.status in ("completed", "failed")
    ]
    assert [e.status for e in finished] == ["completed", "failed", "failed"]
    results = fake_api.message_requests()[1].body["messages"][-1]["content"]
    assert "alpha" in results[0]["content"][0]["text"]
    assert "No such tool: Nope" in results[1]["content"][0]["text"]
    assert "InputValidationError" in results[2]["content"][0]["text"]
    assert "file_path" in results[2]["content"][0]["text"]


async def test_read_only_calls_of_one_turn_run_concurrently(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    """Two Bash-free reads in one response overlap: each waits for the other to start."""
    session = make_session(fake_api, tmp_path, [])
    both_started = asyncio.Barrier(2)
    read = session.tools["Read"]
    original = read.run

    async def meeting_read(tool_input: dict[str, Any], ctx: Any) -> Any:
        await asyncio.wait_for(both_started.wait(), 5)  # deadlocks if run one by one
        return await original(tool_input, ctx)

    read.run = meeting_read  # type: ignore[method-assign]
    (tmp_path / "a.txt").write_text("a\n")
    (tmp_path / "b.txt").write_text("b\n")
    fake_api.script(
        reply(
            tool_use("Read", {"file_path": str(tmp_path / "a.txt")}),
            tool_use("Read", {"file_path": str(tmp_path / "b.txt")}),
        ),
        reply(text("ok")),
    )
    result = await session.prompt(user("read both"))
    assert result.stop_reason == "end_turn"
    results = fake_api.message_requests()[1].body["messages"][-1]["content"]
    assert [r.get("is_error", False) for r in results] == [False, False]


async def test_asker_decides_and_always_allow_sticks(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    asker = Asker(PermissionAnswer.ALLOW_ALWAYS)
    fake_api.script(
        reply(tool_use("Bash", {"command": "echo one"})),
        reply(text("1")),
        reply(tool_use("Bash", {"command": "echo one 2>&1"})),
        reply(text("2")),
    )
    session = make_session(fake_api, tmp_path, [], asker=asker)
    await session.prompt(user("first"))
    await session.prompt(user("second"))
    # "always" remembers the command as a rule (`Bash(echo one)`), redirections aside
    assert [q.tool_input["command"] for q in asker.questions] == ["echo one"]
    assert [rule.text for rule in session.policy.allow] == ["Bash(echo one)"]
    second_result = fake_api.message_requests()[3].body["messages"][-1]["content"][0]
    assert "one" in second_result["content"][0]["text"]


async def test_plan_mode_denies_changes(fake_api: FakeAnthropic, tmp_path: Path) -> None:
    fake_api.script(
        reply(tool_use("Write", {"file_path": str(tmp_path / "x"), "content": "x"})),
        reply(text("ok")),
    )
    session = make_session(
        fake_api,
        tmp_path,
        [],
        asker=Asker(PermissionAnswer.ALLOW_ONCE),
        permission_mode=PermissionMode.PLAN,
    )
    result = await session.prompt(user("write"))
    assert not (tmp_path / "x").exists()
    assert result.permission_denials[0]["tool_name"] == "Write"


async def test_cancel_closes_the_stream_and_the_next_prompt_works(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    fake_api.script(hang(), reply(text("fresh")))
    session = make_session(fake_api, tmp_path, [])
    running = asyncio.create_task(session.prompt(user("slow")))
    await asyncio.to_thread(fake_api.wait_for_requests, 1, timeout=30)
    session.cancel()
    assert (await asyncio.wait_for(running, 2)).stop_reason == "cancelled"
    assert fake_api.message_requests()[0].disconnected.wait(5)
    assert (await session.prompt(user("next"))).result_text == "fresh"


async def test_cancel_during_a_tool_keeps_finished_results_and_marks_the_rest(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    fake_api.script(
        reply(tool_use("LS", {"path": str(tmp_path)}), tool_use("Bash", {"command": "sleep 30"})),
        reply(text("after")),
    )
    events: list[SessionEvent] = []
    session = make_session(fake_api, tmp_path, events, permission_mode=PermissionMode.BYPASS)
    running = asyncio.create_task(session.prompt(user("sleep")))
    while not bash_running(events):
        await asyncio.sleep(0.05)
    session.cancel()
    assert (await asyncio.wait_for(running, 2)).stop_reason == "cancelled"
    await session.prompt(user("what happened?"))
    sent = fake_api.message_requests()[1].body["messages"][-1]["content"]
    assert sent[0]["type"] == "tool_result" and not sent[0].get("is_error")
    assert sent[1]["is_error"] is True and "interrupted" in sent[1]["content"][0]["text"]
    assert sent[2] == {
        "type": "text",
        "text": "what happened?",
        "cache_control": {"type": "ephemeral"},
    }


def bash_running(events: list[SessionEvent]) -> bool:
    bash = {
        e.tool_call_id for e in events if isinstance(e, ToolCallStarted) and e.tool_name == "Bash"
    }
    return any(
        isinstance(e, ToolCallUpdated) and e.status == "in_progress" and e.tool_call_id in bash
        for e in events
    )


async def test_tool_calls_cut_off_by_max_tokens_are_answered_not_run(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    fake_api.script(
        reply(tool_use("Bash", {"command": "touch never"}), stop_reason="max_tokens"),
        reply(text("ok")),
    )
    session = make_session(fake_api, tmp_path, [], permission_mode=PermissionMode.BYPASS)
    assert (await session.prompt(user("go"))).stop_reason == "max_tokens"
    await session.prompt(user("continue"))
    assert not (tmp_path / "never").exists()
    sent = fake_api.message_requests()[1].body["messages"][-1]["content"]
    assert "stop reason max_tokens" in sent[0]["content"][0]["text"]
    assert sent[1]["text"] == "continue"


async def test_system_prompt_describes_the_environment(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    import pygit2

    repo = pygit2.init_repository(str(tmp_path), initial_head="feature/x")
    (tmp_path / "f.txt").write_text("x")
    repo.index.add("f.txt")
    repo.index.write()
    signature = pygit2.Signature("t", "t@example.com")
    repo.create_commit("HEAD", signature, signature, "first commit", repo.index.write_tree(), [])
    (tmp_path / "new.txt").write_text("y")
    fake_api.script(reply(text("ok")))
    await make_session(fake_api, tmp_path, [], append_system_prompt="EXTRA").prompt(user("hi"))
    system = fake_api.message_requests()[0].body["system"][0]["text"]
    assert f"Working directory: {tmp_path}" in system
    assert "Is directory a git repo: yes" in system
    assert "Current branch: feature/x" in system
    assert "?? new.txt" in system and "first commit" in system
    assert system.endswith("EXTRA")


async def test_a_loaded_session_replays_its_todo_list_as_a_plan(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    todos = [{"content": "Fix add", "status": "in_progress", "activeForm": "Fixing add"}]
    fake_api.script(reply(tool_use("TodoWrite", {"todos": todos})), reply(text("Planned.")))
    first = make_session(fake_api, tmp_path, [])
    await first.prompt(user("plan it"))
    assert first.transcript is not None
    events: list[SessionEvent] = []
    loaded = make_session(fake_api, tmp_path, events, session_id=first.id)
    loaded.restore(read_entries(first.transcript.path))
    loaded.replay()
    assert [e for e in events if isinstance(e, PlanUpdated)] == [PlanUpdated(tuple(todos))]


async def test_editor_context_reaches_the_model_but_never_makes_a_command(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    events: list[SessionEvent] = []
    session = make_session(fake_api, tmp_path, events)
    context = [{"type": "text", "text": "<system-reminder>in calc.py</system-reminder>"}]
    result = await session.prompt(user("/help"), context)
    assert result.result_text.startswith("Slash commands:")
    assert fake_api.message_requests() == []
    fake_api.script(reply(text("ok")))
    await session.prompt(user("what is this?"), context)
    sent = fake_api.message_requests()[-1].body["messages"][-1]["content"]
    assert [block["text"] for block in sent] == [context[0]["text"], "what is this?"]


async def test_memory_goes_into_the_system_prompt_and_nested_memory_arrives_on_touch(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    (tmp_path / "CLAUDE.md").write_text("Always use tabs.\n")
    sub = tmp_path / "api"
    sub.mkdir()
    (sub / "CLAUDE.md").write_text("Endpoints return JSON.\n")
    (sub / "app.py").write_text("x = 1\n")
    fake_api.script(
        reply(tool_use("Read", {"file_path": str(sub / "app.py")})),
        reply(tool_use("Read", {"file_path": str(sub / "app.py")})),
        reply(text("ok")),
    )
    await make_session(fake_api, tmp_path, []).prompt(user("look"))

    first, second, third = fake_api.message_requests()
    system = first.body["system"][0]["text"]
    assert f"Contents of {tmp_path / 'CLAUDE.md'}" in system and "Always use tabs." in system
    assert "Endpoints return JSON." not in system
    result = second.body["messages"][-1]["content"][0]
    assert result["content"][0]["text"].endswith("1\tx = 1")
    assert "Endpoints return JSON." in result["content"][1]["text"]
    again = third.body["messages"][-1]["content"][0]
    assert len(again["content"]) == 1  # loaded once per session
