"""Scripted model turns that start subagents, shared by the unit and end-to-end tests."""

from __future__ import annotations

import threading
from typing import Any

from tests.fakeapi import FakeAnthropic, reply, text, tool_use


def agent_call(agent: str, task: str, call_id: str, description: str = "Look it up") -> Any:
    """The model's Agent call starting `agent` on `task`."""
    return tool_use(
        "Agent", {"description": description, "prompt": task, "subagent_type": agent}, id=call_id
    )


def script_two_children_that_meet(fake_api: FakeAnthropic) -> None:
    """The model starts Plan on "task A" and Explore on "task B" in one response; each
    child answers only once the other has asked (`report of task A`), so children run one
    after the other would wait in vain and say so (`task A ran alone`). The main agent's
    next request gets "Both reported."."""
    arrived = {"task A": threading.Event(), "task B": threading.Event()}

    def route(body: dict[str, Any]) -> Any:
        task = body["messages"][0]["content"][0]["text"]
        if task not in arrived:
            return reply(text("Both reported."))
        arrived[task].set()
        other = arrived["task B" if task == "task A" else "task A"]
        return reply(text(f"report of {task}" if other.wait(20) else f"{task} ran alone"))

    fake_api.script(
        reply(
            agent_call("Plan", "task A", "toolu_a"),
            agent_call("Explore", "task B", "toolu_b"),
        )
    )
    fake_api.set_fallback(route)
