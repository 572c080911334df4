"""Context management: automatic compaction, cache breakpoints and extended thinking."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from claude_lsp.agent.context_window import auto_compact_threshold
from claude_lsp.agent.model_request import thinking_budget, with_cache_breakpoints
from claude_lsp.agent.session import COMPACT_INTRO, COMPACT_REQUEST, CONTINUE_AFTER_COMPACT
from claude_lsp.policy.permissions import PermissionMode
from claude_lsp.sessions.transcripts import read_entries
from tests.fakeapi import FakeAnthropic, reply, text, thinking, tool_use
from tests.unit.test_session import close_sessions, make_session, user
from tests.unit.test_session_hooks import hook, settings_with_hooks

__all__ = ["close_sessions"]  # the fixture that closes the sessions these tests open

FULL = {"input_tokens": 170_000, "output_tokens": 100}  # past the 167k default threshold


@pytest.mark.parametrize(
    ("env", "threshold"),
    [
        ({}, 200_000 - 20_000 - 13_000),
        ({"CLAUDE_AUTOCOMPACT_PCT_OVERRIDE": "50"}, 90_000),
        ({"CLAUDE_AUTOCOMPACT_PCT_OVERRIDE": "99"}, 167_000),  # only ever earlier
        ({"CLAUDE_AUTOCOMPACT_PCT_OVERRIDE": "nonsense"}, 167_000),
        ({"CLAUDE_CODE_AUTO_COMPACT_WINDOW": "100000"}, 100_000 - 20_000 - 13_000),
        ({"DISABLE_AUTO_COMPACT": "1"}, None),
    ],
)
def test_auto_compact_threshold(env: dict[str, str], threshold: int | None) -> None:
    assert auto_compact_threshold(64_000, env) == threshold


@pytest.mark.parametrize(
    ("env", "always", "limit", "budget"),
    [
        ({}, False, 64_000, None),
        ({}, True, 64_000, 31_999),
        ({"MAX_THINKING_TOKENS": "5000"}, False, 64_000, 5000),
        ({"MAX_THINKING_TOKENS": "0"}, True, 64_000, None),
        ({}, True, 8000, 7999),  # below max_tokens, as the API requires
        ({"MAX_THINKING_TOKENS": "500"}, False, 64_000, None),  # under the API's floor
    ],
)
def test_thinking_budget(env: dict[str, str], always: bool, limit: int, budget: int | None) -> None:
    assert thinking_budget(env, always, limit) == budget


def breakpoints(messages: list[dict[str, Any]]) -> list[int]:
    return [
        index
        for index, message in enumerate(messages)
        for block in message["content"]
        if "cache_control" in block
    ]


def test_cache_breakpoints_mark_the_newest_and_the_previous_request_end() -> None:
    def message(role: str, *kinds: str) -> dict[str, Any]:
        return {"role": role, "content": [{"type": kind} for kind in kinds]}

    history = [
        message("user", "text"),
        message("assistant", "text", "tool_use"),
        message("user", "tool_result"),
        message("assistant", "thinking", "tool_use"),
        message("user", "tool_result", "tool_result"),
    ]
    marked = with_cache_breakpoints(history)
    assert breakpoints(marked) == [2, 4]
    assert "cache_control" in marked[4]["content"][-1]
    assert breakpoints(history) == []  # the history itself is not touched
    assert breakpoints(with_cache_breakpoints(history[:1])) == [0]
    assert with_cache_breakpoints([]) == []


async def test_requests_carry_at_most_four_breakpoints(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("hello\n")
    fake_api.script(
        reply(tool_use("Read", {"file_path": str(tmp_path / "a.txt")})), reply(text("done"))
    )
    await make_session(fake_api, tmp_path, []).prompt(user("read it"))
    body = fake_api.message_requests()[-1].body
    marks = (
        sum("cache_control" in tool for tool in body["tools"])
        + sum("cache_control" in block for block in body["system"])
        + len(breakpoints(body["messages"]))
    )
    assert marks == 4


async def test_full_context_compacts_before_the_next_prompt(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    payloads = tmp_path / "pre-compact.jsonl"
    settings_with_hooks(
        tmp_path,
        {
            "PreCompact": hook(
                f"import sys; open({str(payloads)!r}, 'a').write(sys.stdin.read() + chr(10))",
                matcher="auto",
            )
        },
    )
    fake_api.script(
        reply(text("Noted: the parser must stay pure."), usage=FULL),
        reply(text("SUMMARY: keep the parser pure.")),
        reply(text("Working on it.")),
    )
    session = make_session(fake_api, tmp_path, [])
    await session.prompt(user("remember: the parser must stay pure"))
    await session.prompt(user("now refactor it"))

    _, summary, after = fake_api.message_requests()
    assert COMPACT_REQUEST in summary.body["messages"][-1]["content"][-1]["text"]
    (message,) = after.body["messages"]  # the history is one summary message now
    texts = [block["text"] for block in message["content"]]
    assert texts[0] == COMPACT_INTRO + "SUMMARY: keep the parser pure."
    assert texts[-1] == "now refactor it"
    (payload,) = [json.loads(line) for line in payloads.read_text().splitlines()]
    assert payload["hook_event_name"] == "PreCompact" and payload["trigger"] == "auto"
    assert session.transcript is not None
    entries = read_entries(session.transcript.path)
    kinds = [entry.get("subtype") or entry["type"] for entry in entries]
    assert kinds == ["user", "assistant", "compact_boundary", "user", "user", "assistant"]
    assert entries[2]["compactMetadata"] == {"trigger": "auto", "preTokens": 170_100}


async def test_full_context_mid_turn_compacts_and_carries_on_with_open_todos(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    todos = [
        {"content": "Read a.txt", "status": "completed", "activeForm": "Reading a.txt"},
        {"content": "Fix the bug", "status": "in_progress", "activeForm": "Fixing the bug"},
    ]
    (tmp_path / "a.txt").write_text("hello\n")
    fake_api.script(
        reply(tool_use("TodoWrite", {"todos": todos})),
        reply(tool_use("Read", {"file_path": str(tmp_path / "a.txt")}), usage=FULL),
        reply(text("SUMMARY: fixing the bug in a.txt.")),
        reply(text("Fixed.")),
    )
    session = make_session(fake_api, tmp_path, [], permission_mode=PermissionMode.DEFAULT)
    result = await session.prompt(user("fix the bug"))

    assert result.result_text == "Fixed."
    assert result.num_turns == 3  # the summary call is not a model turn
    after = fake_api.message_requests()[-1].body["messages"]
    assert len(after) == 1
    text_blocks = [block["text"] for block in after[0]["content"]]
    assert "Open todos:\n- [in_progress] Fix the bug" in text_blocks[0]
    assert "Read a.txt" not in text_blocks[0]
    assert text_blocks[-1] == CONTINUE_AFTER_COMPACT


async def test_disabled_auto_compact_never_summarises(
    fake_api: FakeAnthropic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISABLE_AUTO_COMPACT", "1")
    fake_api.script(reply(text("one"), usage=FULL), reply(text("two")))
    session = make_session(fake_api, tmp_path, [])
    await session.prompt(user("a"))
    await session.prompt(user("b"))
    assert len(fake_api.message_requests()) == 2


async def test_thinking_from_settings_and_blocks_kept_with_tool_results(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    folder = tmp_path / ".claude"
    folder.mkdir()
    (folder / "settings.json").write_text(json.dumps({"alwaysThinkingEnabled": True}))
    (tmp_path / "a.txt").write_text("hello\n")
    fake_api.script(
        reply(
            thinking("Read the file first.", signature="SigAbc=="),
            tool_use("Read", {"file_path": str(tmp_path / "a.txt")}),
        ),
        reply(text("It says hello.")),
    )
    await make_session(fake_api, tmp_path, []).prompt(user("what is in a.txt?"))

    first, second = fake_api.message_requests()
    assert first.body["thinking"] == {"type": "enabled", "budget_tokens": 31_999}
    assistant = second.body["messages"][1]
    assert assistant["role"] == "assistant"
    assert assistant["content"][0] == {
        "type": "thinking",
        "thinking": "Read the file first.",
        "signature": "SigAbc==",
    }


async def test_context_command_reports_the_window_and_the_compaction_point(
    fake_api: FakeAnthropic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_api.script(reply(text("hi"), usage={"input_tokens": 50_000, "output_tokens": 10}))
    session = make_session(fake_api, tmp_path, [])
    await session.prompt(user("hello"))
    report = (await session.prompt(user("/context"))).result_text
    assert "50,010 of 200,000 tokens in use (25%)" in report
    assert "Automatic compaction starts at 167,000 tokens." in report
    monkeypatch.setenv("DISABLE_AUTO_COMPACT", "true")
    assert "Automatic compaction is off." in (await session.prompt(user("/context"))).result_text
    assert len(fake_api.message_requests()) == 1
