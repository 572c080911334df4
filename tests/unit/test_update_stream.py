"""The update stream every host uses: text deltas coalesced, everything else in order,
and the permission answer an ACP outcome picks."""

from __future__ import annotations

import asyncio
from typing import Any

from claude_lsp.agent.events import AgentText, AgentThought, ModeChanged
from claude_lsp.agent.permission_request import chosen_answer
from claude_lsp.agent.update_stream import TEXT_BATCH_SECONDS, UpdateStream
from claude_lsp.policy.questions import PermissionAnswer


async def test_text_is_sent_at_once_then_batched_and_flushed_before_other_updates() -> None:
    sent: list[dict[str, Any]] = []
    stream = UpdateStream(sent.append)

    stream(AgentText("Hel"))  # nothing went out lately: at once
    stream(AgentText("lo "))
    stream(AgentText("there"))  # these two wait for the batch interval
    assert [u["content"]["text"] for u in sent] == ["Hel"]

    stream(ModeChanged("plan"))  # another kind flushes the held text first
    assert [u["sessionUpdate"] for u in sent] == [
        "agent_message_chunk",
        "agent_message_chunk",
        "current_mode_update",
    ]
    assert sent[1]["content"]["text"] == "lo there"

    stream(AgentThought("hmm"))
    await asyncio.sleep(TEXT_BATCH_SECONDS * 3)  # the timer sends it by itself
    assert sent[-1] == {
        "sessionUpdate": "agent_thought_chunk",
        "content": {"type": "text", "text": "hmm"},
    }


def test_an_outcome_picks_an_offered_answer_and_anything_else_denies() -> None:
    assert chosen_answer({"outcome": "selected", "optionId": "allow_always"}) is (
        PermissionAnswer.ALLOW_ALWAYS
    )
    assert chosen_answer({"outcome": "cancelled"}) is PermissionAnswer.REJECT_ONCE
    assert chosen_answer({"outcome": "selected", "optionId": "timed_out"}) is (
        PermissionAnswer.REJECT_ONCE
    )
    assert chosen_answer(None) is PermissionAnswer.REJECT_ONCE
