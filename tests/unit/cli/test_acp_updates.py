"""The core's session updates in ACP's shapes (`claude-lsp --acp`): what changes, what
is dropped, and that every kind the core emits passes ACP's own schema."""

from __future__ import annotations

from typing import Any

import pytest
from acp.schema import SessionNotification

from claude_lsp.acp.updates import as_acp_update
from claude_lsp.agent.events import (
    AgentText,
    CommandInfo,
    CommandsChanged,
    Diff,
    ModeChanged,
    PlanUpdated,
    SessionEvent,
    ToolCallStarted,
    ToolCallUpdated,
    UsageUpdated,
    to_session_update,
)

USAGE = UsageUpdated(
    model="claude-opus-4-8",
    usage={"input_tokens": 10, "output_tokens": 5},
    cost_usd=0.25,
    context_tokens=1234,
)


def test_usage_takes_acps_shape_with_ours_under_meta() -> None:
    update = as_acp_update(to_session_update(USAGE), 200_000)
    assert update == {
        "sessionUpdate": "usage_update",
        "used": 1234,
        "size": 200_000,
        "cost": {"amount": 0.25, "currency": "USD"},
        "_meta": {"claude": {"model": "claude-opus-4-8", "usage": USAGE.usage}},
    }


def test_api_retries_have_no_acp_update() -> None:
    retry = {"sessionUpdate": "api_retry", "attempt": 1, "maxRetries": 8, "delayMs": 500}
    assert as_acp_update(retry, 200_000) is None


@pytest.mark.parametrize(
    "event",
    [
        AgentText("hi"),
        ToolCallStarted(
            tool_call_id="t1",
            tool_name="Edit",
            title="Edit /p/calc.py",
            kind="edit",
            raw_input={"file_path": "/p/calc.py"},
            paths=("/p/calc.py",),
        ),
        ToolCallUpdated(
            tool_call_id="t1", status="completed", diff=Diff("/p/calc.py", "a", "b"), output="ok"
        ),
        PlanUpdated(({"content": "Fix", "status": "in_progress", "activeForm": "Fixing"},)),
        CommandsChanged((CommandInfo("compact", "Summarize the conversation", "focus"),)),
        ModeChanged("acceptEdits"),
        USAGE,
    ],
)
def test_every_update_fits_acps_schema(event: SessionEvent) -> None:
    update: dict[str, Any] | None = as_acp_update(to_session_update(event), 200_000)
    assert update is not None
    notification = SessionNotification.model_validate({"sessionId": "s", "update": update})
    sent = notification.model_dump(mode="json", by_alias=True, exclude_none=True)["update"]
    assert sent["sessionUpdate"] == update["sessionUpdate"]
