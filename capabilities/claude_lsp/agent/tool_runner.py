"""Runs the tool_use blocks of one model response and builds their tool_results.

Consecutive read-only calls run concurrently; anything that changes state runs alone,
in the order the model asked, so edits and commands never race each other.
"""

from __future__ import annotations

import asyncio
import logging
import shlex
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

from claude_lsp.agent.events import ModeChanged, PlanUpdated, ToolCallStarted, ToolCallUpdated
from claude_lsp.agent.plan_approval import (
    KEEP_PLANNING,
    NOBODY_TO_ASK,
    NOT_IN_PLAN_MODE,
    mode_after,
    plan_question,
)
from claude_lsp.agent.session_hooks import SessionHooks
from claude_lsp.hooks import EventOutcome, HookEvent
from claude_lsp.host import EventSink, PermissionAsker
from claude_lsp.memory.discovery import MemoryIndex
from claude_lsp.memory.render import render
from claude_lsp.policy.permissions import PermissionMode, PermissionPolicy
from claude_lsp.policy.questions import PermissionAnswer, PermissionQuestion
from claude_lsp.policy.rules import Rule
from claude_lsp.tools.base import Tool, ToolContext, ToolError, ToolResult
from claude_lsp.tools.exit_plan_mode import plan_text

log = logging.getLogger(__name__)


KEPT_FOR_SESSION = frozenset({"edit", "read", "search"})

INTERRUPTED = "The user interrupted this tool call before it finished; it did not complete."

# The tool call a task is running, so work a tool starts (a subagent) can show its
# updates under that call: each call runs in a task of its own (`run_all`, `run_one`).
_RUNNING_CALL: ContextVar[str | None] = ContextVar("running_tool_call", default=None)


def running_call_id() -> str | None:
    """The id of the tool call the current task is running, if any."""
    return _RUNNING_CALL.get()


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
    memory: MemoryIndex | None = None
    # Saves "always allow" rules beyond the session (`.claude/settings.local.json`).
    keep_rules: Callable[[list[str]], None] | None = None
    hooks: SessionHooks | None = None
    # A read-only subagent's runner: calls that would change something are refused.
    read_only: bool = False
    # Allow rules this runner's calls do not get: a subagent's runner leaves out what a
    # custom command's `allowed-tools` granted the main agent for the command's turn.
    withheld: tuple[Rule, ...] = ()
    # Set when a hook answered `continue: false`: the turn ends after these calls.
    stop_reason: str | None = None
    _notifications: set[asyncio.Task[Any]] = field(default_factory=set)
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
            read_only = tool is not None and tool.is_read_only(call.get("input") or {})
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
        if result.todos is not None:
            self.emit(PlanUpdated(tuple(result.todos)))
        content = result.as_blocks()
        if not result.is_error and tool is not None:
            content = [*content, *self._memory_for(tool, tool_input)]
        block: dict[str, Any] = {"type": "tool_result", "tool_use_id": call_id, "content": content}
        if result.is_error:
            block["is_error"] = True
        self.finished[call_id] = block
        return block

    def _memory_for(self, tool: Tool, tool_input: dict[str, Any]) -> list[dict[str, Any]]:
        """Memory files that apply to what a read or edit just touched, not yet loaded.

        They travel with the tool's result, so the model has them before it goes on.
        """
        if self.memory is None or tool.kind not in ("read", "edit"):
            return []
        found = [
            file for path in tool.paths(tool_input, self.ctx) for file in self.memory.touched(path)
        ]
        if not found:
            return []
        return [{"type": "text", "text": f"<system-reminder>\n{render(found)}\n</system-reminder>"}]

    async def _execute(
        self, call_id: str, name: str, tool: Tool | None, tool_input: dict[str, Any], title: str
    ) -> ToolResult:
        if tool is None:
            known = ", ".join(sorted(self.tools))
            return ToolResult(f"No such tool: {name}. Available tools: {known}", is_error=True)
        problem = tool.validate(tool_input)
        if problem is not None:
            return ToolResult(problem, is_error=True)
        pre = await self._hook(HookEvent.PRE_TOOL_USE, call_id, tool, tool_input)
        if pre is not None and pre.stop:
            self.stop_reason = pre.stop_reason or "A PreToolUse hook stopped the agent."
        if pre is not None and (pre.stop or pre.blocked or pre.permission_decision == "deny"):
            why = pre.reason_for_model or pre.stop_reason or "a PreToolUse hook blocked it"
            return ToolResult(f"{name} did not run: {why}", is_error=True)
        if pre is not None and pre.updated_input is not None:
            tool_input = pre.updated_input
            problem = tool.validate(tool_input)
            if problem is not None:
                return ToolResult(f"A PreToolUse hook changed the input: {problem}", is_error=True)
        if self.read_only and not tool.is_read_only(tool_input):  # the input that would run
            return ToolResult(
                f"{name} did not run: this agent only looks, and this call would change "
                "something. Leave changes to the main agent; say in your report what to change.",
                is_error=True,
            )
        hook_decision = pre.permission_decision if pre is not None else None
        try:
            if tool.kind == "switch_mode":
                refusal = await self._approve_plan(call_id, tool_input, hook_decision)
            else:
                refusal = await self._permission(call_id, tool, tool_input, title, hook_decision)
        except ToolError as exc:
            return ToolResult(str(exc), is_error=True)
        if refusal is not None:
            self.denials.append(
                {"tool_name": name, "tool_use_id": call_id, "tool_input": tool_input}
            )
            return ToolResult(refusal, is_error=True)
        self.emit(ToolCallUpdated(tool_call_id=call_id, status="in_progress"))
        try:
            if tool.reads_disk:
                await self.ctx.files.save_edited()
            running = _RUNNING_CALL.set(call_id)
            try:
                result = await tool.run(tool_input, self.ctx)
            finally:
                _RUNNING_CALL.reset(running)
            return await self._after(call_id, tool, tool_input, result)
        except ToolError as exc:
            return ToolResult(str(exc), is_error=True)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in a tool must not end the session
            log.exception("tool %s failed", name)
            return ToolResult(
                f"{name} failed unexpectedly: {type(exc).__name__}: {exc}", is_error=True
            )

    async def _hook(
        self, event: HookEvent, call_id: str, tool: Tool, tool_input: dict[str, Any], **more: Any
    ) -> EventOutcome | None:
        if self.hooks is None:
            return None
        return await self.hooks.run(
            event,
            tool.name,
            tool_name=tool.name,
            tool_input=tool_input,
            tool_use_id=call_id,
            **more,
        )

    async def _after(
        self, call_id: str, tool: Tool, tool_input: dict[str, Any], result: ToolResult
    ) -> ToolResult:
        """PostToolUse: what its hooks tell the model joins the result."""
        response = {"content": result.text(), "is_error": result.is_error}
        post = await self._hook(
            HookEvent.POST_TOOL_USE, call_id, tool, tool_input, tool_response=response
        )
        if post is None:
            return result
        if post.stop:
            self.stop_reason = post.stop_reason or "A PostToolUse hook stopped the agent."
        notes = [post.reason_for_model] if post.blocked and post.reason_for_model else []
        notes += post.additional_context
        if not notes:
            return result
        extra = [{"type": "text", "text": f"PostToolUse hook: {note}"} for note in notes]
        return replace(result, content=[*result.as_blocks(), *extra])

    async def _approve_plan(
        self, call_id: str, tool_input: dict[str, Any], hook_decision: str | None
    ) -> str | None:
        """ExitPlanMode: None when the user approved the plan (the mode has switched)."""
        if self.policy.mode is not PermissionMode.PLAN:
            raise ToolError(NOT_IN_PLAN_MODE)
        plan = plan_text(tool_input, self.ctx.plan_file)
        if hook_decision == "allow":
            answer = PermissionAnswer.ALLOW_ONCE
        elif self.asker is None:
            return NOBODY_TO_ASK
        else:
            self._notify("Claude has a plan ready for your approval")
            answer = await self.asker.ask(plan_question(call_id, plan))
        mode = mode_after(answer)
        if mode is None:
            return KEEP_PLANNING
        self.policy.mode = mode
        self.emit(ModeChanged(mode.value))
        return None

    def _notify(self, message: str) -> None:
        """The Notification hook, run beside a question so it never delays it."""
        if self.hooks is None:
            return
        notifying = asyncio.ensure_future(
            self.hooks.run(
                HookEvent.NOTIFICATION,
                "permission_prompt",
                message=message,
                notification_type="permission_prompt",
            )
        )
        self._notifications.add(notifying)
        notifying.add_done_callback(self._notifications.discard)

    def _policy_now(self) -> PermissionPolicy:
        """The session's policy as it stands, less the `withheld` allow rules (by
        identity, so an equal rule from settings still counts)."""
        if not self.withheld:
            return self.policy
        allow = [rule for rule in self.policy.allow if not any(rule is w for w in self.withheld)]
        return replace(self.policy, allow=allow)

    async def _permission(
        self,
        call_id: str,
        tool: Tool,
        tool_input: dict[str, Any],
        title: str,
        hook_decision: str | None = None,
    ) -> str | None:
        """None when the call may run, else the refusal the model reads.

        A PreToolUse hook's "allow" skips the question but never a deny rule; its
        "ask" asks even where rules or the mode would allow.
        """
        paths = tool.paths(tool_input, self.ctx)
        policy = self._policy_now()
        decision = policy.decide(tool, tool_input, paths)
        if decision.behavior == "deny":
            return f"Permission to use {tool.name} was denied: {decision.reason}."
        if hook_decision == "allow" or (decision.behavior == "allow" and hook_decision != "ask"):
            return None
        if self.asker is None:
            why = f" ({decision.reason})" if decision.reason else ""
            rules = ",".join(policy.suggest_rules(tool, tool_input, paths)) or tool.name
            return (
                f"Permission to use {tool.name} was denied: it needs approval{why} and no "
                f"one can give it in this session (permission mode '{self.policy.mode}'). "
                "The user can allow it with another permission mode (acceptEdits for file "
                "edits inside the workspace, bypassPermissions for everything) or by "
                "allowing the tool (print mode: --permission-mode, --allowedTools "
                f"{shlex.quote(rules)})."
            )
        question = PermissionQuestion(
            tool_call_id=call_id,
            tool_name=tool.name,
            title=title,
            kind=tool.kind,
            tool_input=tool_input,
            always_rules=tuple(policy.suggest_rules(tool, tool_input, paths)),
        )
        self._notify(f"Claude needs your permission to use {tool.name}")
        answer = await self.asker.ask(question)
        if answer is PermissionAnswer.ALLOW_ALWAYS:
            known = len(policy.allow)
            added = policy.allow_always(tool, tool_input, paths)
            if policy is not self.policy:  # a view: what it learnt is the session's
                self.policy.allow.extend(policy.allow[known:])
            # Claude Code keeps edit and read approvals for the session only; a saved
            # `Read` rule would outlive the question that allowed one folder.
            if added and tool.kind not in KEPT_FOR_SESSION and self.keep_rules is not None:
                self.keep_rules(added)
        if answer in (PermissionAnswer.ALLOW_ONCE, PermissionAnswer.ALLOW_ALWAYS):
            return None
        if answer is PermissionAnswer.TIMED_OUT:
            return (
                f"Permission to use {tool.name} was denied: nobody answered the permission "
                "question in time, so it did not run. Ask the user before trying it again."
            )
        if answer is PermissionAnswer.REJECT_ALWAYS:
            self.policy.reject_always(tool, tool_input, paths)
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
