"""Runs the tool_use blocks of one model response and builds their tool_results.

Consecutive read-only calls run concurrently; anything that changes state runs alone,
in the order the model asked, so edits and commands never race each other.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from claude_lsp.agent.events import ToolCallStarted, ToolCallUpdated
from claude_lsp.host import EventSink, PermissionAsker
from claude_lsp.policy.permissions import (
    PermissionAnswer,
    PermissionPolicy,
    PermissionQuestion,
)
from claude_lsp.tools.base import Tool, ToolContext, ToolError, ToolResult

log = logging.getLogger(__name__)


INTERRUPTED = "The user interrupted this tool call before it finished; it did not complete."


def error_result(call_id: str, message: str) -> dict[str, Any]:
    """A tool_result for a call that did not run (or did not finish)."""
    return {
        "type": "tool_result",
        "tool_use_id": call_id,
        "is_error": True,
        "content": [{"type": "text", "text": message}],
    }


@dataclass
class ToolRunner:
    tools: dict[str, Tool]
    policy: PermissionPolicy
    asker: PermissionAsker | None
    emit: EventSink
    ctx: ToolContext
    denials: list[dict[str, Any]] = field(default_factory=list)
    finished: dict[str, dict[str, Any]] = field(default_factory=dict)

    async def run_all(self, calls: list[dict[str, Any]]) -> None:
        """Run `calls` (tool_use blocks); `results_for` has their tool_results."""
        for batch in self._batches(calls):
            await asyncio.gather(*(self.run_one(call) for call in batch))

    def results_for(self, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """tool_results in call order; calls a cancel stopped are marked interrupted."""
        return [
            self.finished.get(call["id"]) or error_result(call["id"], INTERRUPTED) for call in calls
        ]

    def _batches(self, calls: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """Group consecutive read-only calls; every other call is a batch of its own."""
        batches: list[list[dict[str, Any]]] = []
        previous_read_only = False
        for call in calls:
            tool = self.tools.get(call["name"])
            read_only = tool is not None and tool.read_only
            if read_only and previous_read_only:
                batches[-1].append(call)
            else:
                batches.append([call])
            previous_read_only = read_only
        return batches

    async def run_one(self, call: dict[str, Any]) -> dict[str, Any]:
        call_id, name = call["id"], call["name"]
        tool = self.tools.get(name)
        started = call_started(tool, call, self.ctx)
        self.emit(started)
        tool_input = started.raw_input
        result = await self._execute(call_id, name, tool, tool_input, started.title)
        self.emit(
            ToolCallUpdated(
                tool_call_id=call_id,
                status="failed" if result.is_error else "completed",
                output=result.text(),
                diff=result.diff,
                raw_output=result.as_blocks(),
            )
        )
        block: dict[str, Any] = {
            "type": "tool_result",
            "tool_use_id": call_id,
            "content": result.as_blocks(),
        }
        if result.is_error:
            block["is_error"] = True
        self.finished[call_id] = block
        return block

    async def _execute(
        self, call_id: str, name: str, tool: Tool | None, tool_input: dict[str, Any], title: str
    ) -> ToolResult:
        if tool is None:
            known = ", ".join(sorted(self.tools))
            return ToolResult(f"No such tool: {name}. Available tools: {known}", is_error=True)
        problem = tool.validate(tool_input)
        if problem is not None:
            return ToolResult(problem, is_error=True)
        refusal = await self._permission(call_id, tool, tool_input, title)
        if refusal is not None:
            self.denials.append(
                {"tool_name": name, "tool_use_id": call_id, "tool_input": tool_input}
            )
            return ToolResult(refusal, is_error=True)
        self.emit(ToolCallUpdated(tool_call_id=call_id, status="in_progress"))
        try:
            if tool.reads_disk:
                await self.ctx.files.save_edited()
            return await tool.run(tool_input, self.ctx)
        except ToolError as exc:
            return ToolResult(str(exc), is_error=True)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in a tool must not end the session
            log.exception("tool %s failed", name)
            return ToolResult(
                f"{name} failed unexpectedly: {type(exc).__name__}: {exc}", is_error=True
            )

    async def _permission(
        self, call_id: str, tool: Tool, tool_input: dict[str, Any], title: str
    ) -> str | None:
        """None when the call may run, else the refusal the model reads."""
        decision = self.policy.decide(tool, tool.paths(tool_input, self.ctx))
        if decision.behavior == "allow":
            return None
        if decision.behavior == "deny":
            return f"Permission to use {tool.name} was denied: {decision.reason}."
        if self.asker is None:
            why = f" ({decision.reason})" if decision.reason else ""
            return (
                f"Permission to use {tool.name} was denied: it needs approval{why} and no "
                f"one can give it in this session (permission mode '{self.policy.mode}'). "
                "The user can allow it with another permission mode (acceptEdits for file "
                "edits inside the workspace, bypassPermissions for everything) or by "
                f"allowing the tool (print mode: --permission-mode, --allowedTools {tool.name})."
            )
        question = PermissionQuestion(
            tool_call_id=call_id,
            tool_name=tool.name,
            title=title,
            kind=tool.kind,
            tool_input=tool_input,
        )
        answer = await self.asker.ask(question)
        if answer is PermissionAnswer.ALLOW_ALWAYS:
            self.policy.allow_always(tool)
        if answer in (PermissionAnswer.ALLOW_ONCE, PermissionAnswer.ALLOW_ALWAYS):
            return None
        if answer is PermissionAnswer.TIMED_OUT:
            return (
                f"Permission to use {tool.name} was denied: nobody answered the permission "
                "question in time, so it did not run. Ask the user before trying it again."
            )
        return (
            f"The user denied permission to use {tool.name}. Do not retry it unchanged; "
            "ask the user how to proceed if you need it."
        )


def call_started(tool: Tool | None, call: dict[str, Any], ctx: ToolContext) -> ToolCallStarted:
    """The `tool_call` event for a tool_use block (run now, or replayed from a transcript)."""
    tool_input = call.get("input") if isinstance(call.get("input"), dict) else {}
    assert isinstance(tool_input, dict)
    return ToolCallStarted(
        tool_call_id=call["id"],
        tool_name=call["name"],
        title=_safe_title(tool, tool_input) if tool else call["name"],
        kind=tool.kind if tool else "other",
        raw_input=tool_input,
        paths=tuple(_safe_paths(tool, tool_input, ctx)),
    )


def _safe_title(tool: Tool, tool_input: dict[str, Any]) -> str:
    try:
        return tool.title(tool_input)
    except Exception:  # malformed input: validation reports it properly later
        return tool.name


def _safe_paths(tool: Tool | None, tool_input: dict[str, Any], ctx: ToolContext) -> list[str]:
    if tool is None:
        return []
    try:
        return [str(path) for path in tool.paths(tool_input, ctx)]
    except Exception:  # malformed input: validation reports it properly later
        return []
