"""What a session reports while it works, and its ACP `SessionUpdate` JSON form.

The event model is the Agent Client Protocol's, so the LSP adapter, the `--acp` mode,
the terminal chat and print mode all consume the same JSON. `to_session_update` is the
single place that shape is produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from claude_lsp.tools.base import Diff, ToolKind

ToolStatus = Literal["pending", "in_progress", "completed", "failed"]


@dataclass(frozen=True)
class AgentText:
    text: str


@dataclass(frozen=True)
class AgentThought:
    text: str


@dataclass(frozen=True)
class UserText:
    """A user message, replayed when a session is loaded."""

    text: str


@dataclass(frozen=True)
class ToolCallStarted:
    tool_call_id: str
    tool_name: str
    title: str
    kind: ToolKind
    raw_input: dict[str, Any]
    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class ToolCallUpdated:
    tool_call_id: str
    status: ToolStatus
    output: str | None = None
    diff: Diff | None = None
    title: str | None = None
    raw_output: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class UsageUpdated:
    """Totals for the session so far, after each model response."""

    model: str
    usage: dict[str, int]
    cost_usd: float
    context_tokens: int


@dataclass(frozen=True)
class ApiRetrying:
    """A transient API failure; the partial message (if any) will be streamed again."""

    attempt: int
    max_retries: int
    delay_seconds: float
    error: str


@dataclass(frozen=True)
class ModeChanged:
    mode_id: str


@dataclass(frozen=True)
class PlanUpdated:
    """The whole todo list after a TodoWrite: `{content, status, activeForm}` items."""

    todos: tuple[dict[str, str], ...]


@dataclass(frozen=True)
class CommandInfo:
    """A slash command as editors list it."""

    name: str
    description: str
    hint: str | None = None


@dataclass(frozen=True)
class CommandsChanged:
    """The slash commands the session offers now (built-in and custom)."""

    commands: tuple[CommandInfo, ...]


NestedEvent = AgentText | AgentThought | ToolCallStarted | ToolCallUpdated | ApiRetrying
"""What a subagent's run shows of itself; its usage counts as the session's instead."""


@dataclass(frozen=True)
class SubagentEvent:
    """A subagent's text or tool call, under the Agent tool call that started it."""

    parent_tool_call_id: str
    event: NestedEvent


SessionEvent = (
    AgentText
    | AgentThought
    | UserText
    | ToolCallStarted
    | ToolCallUpdated
    | UsageUpdated
    | ApiRetrying
    | ModeChanged
    | PlanUpdated
    | CommandsChanged
    | SubagentEvent
)


def to_session_update(event: SessionEvent) -> dict[str, Any]:
    """The ACP `SessionUpdate` object for `event` (camelCase JSON, ready to send)."""
    match event:
        case AgentText(text=text):
            return {
                "sessionUpdate": "agent_message_chunk",
                "content": {"type": "text", "text": text},
            }
        case AgentThought(text=text):
            return {
                "sessionUpdate": "agent_thought_chunk",
                "content": {"type": "text", "text": text},
            }
        case UserText(text=text):
            return {
                "sessionUpdate": "user_message_chunk",
                "content": {"type": "text", "text": text},
            }
        case ToolCallStarted():
            return {
                "sessionUpdate": "tool_call",
                "toolCallId": event.tool_call_id,
                "title": event.title,
                "kind": event.kind,
                "status": "pending",
                "rawInput": event.raw_input,
                "locations": [{"path": path} for path in event.paths],
                "_meta": {"claude": {"toolName": event.tool_name}},
            }
        case ToolCallUpdated():
            update: dict[str, Any] = {
                "sessionUpdate": "tool_call_update",
                "toolCallId": event.tool_call_id,
                "status": event.status,
            }
            if event.title is not None:
                update["title"] = event.title
            content: list[dict[str, Any]] = []
            if event.diff is not None:
                content.append(
                    {
                        "type": "diff",
                        "path": event.diff.path,
                        "oldText": event.diff.old_text,
                        "newText": event.diff.new_text,
                    }
                )
            if event.output is not None:
                content.append(
                    {"type": "content", "content": {"type": "text", "text": event.output}}
                )
            if content:
                update["content"] = content
            if event.raw_output is not None:
                update["rawOutput"] = event.raw_output
            return update
        case UsageUpdated():
            return {
                "sessionUpdate": "usage_update",
                "model": event.model,
                "usage": event.usage,
                "costUsd": event.cost_usd,
                "contextTokens": event.context_tokens,
            }
        case ApiRetrying():
            return {
                "sessionUpdate": "api_retry",
                "attempt": event.attempt,
                "maxRetries": event.max_retries,
                "delayMs": int(event.delay_seconds * 1000),
                "error": event.error,
            }
        case ModeChanged(mode_id=mode_id):
            return {"sessionUpdate": "current_mode_update", "currentModeId": mode_id}
        case PlanUpdated(todos=todos):
            return {
                "sessionUpdate": "plan",
                "entries": [
                    {
                        "content": todo["content"],
                        "priority": "medium",
                        "status": todo["status"],
                        "_meta": {"claude": {"activeForm": todo["activeForm"]}},
                    }
                    for todo in todos
                ],
            }
        case CommandsChanged(commands=commands):
            return {
                "sessionUpdate": "available_commands_update",
                "availableCommands": [_command_json(command) for command in commands],
            }
        case SubagentEvent(parent_tool_call_id=parent, event=inner):
            # A subagent's words are the main agent's work in progress, not its answer:
            # as thought chunks, a client that does not know the field keeps them apart.
            shown = AgentThought(inner.text) if isinstance(inner, AgentText) else inner
            nested = to_session_update(shown)
            nested.setdefault("_meta", {}).setdefault("claude", {})["parentToolCallId"] = parent
            return nested
    raise TypeError(f"not a session event: {event!r}")


def _command_json(command: CommandInfo) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": command.name, "description": command.description}
    if command.hint:
        entry["input"] = {"hint": command.hint}
    return entry


@dataclass
class TurnResult:
    """How one prompt ended, with the figures print mode and editors report."""

    stop_reason: Literal["end_turn", "max_tokens", "max_turn_requests", "refusal", "cancelled"]
    result_text: str
    num_turns: int
    usage: dict[str, int]
    cost_usd: float
    duration_ms: int
    duration_api_ms: int
    permission_denials: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "stopReason": self.stop_reason,
            "result": self.result_text,
            "numTurns": self.num_turns,
            "usage": self.usage,
            "costUsd": self.cost_usd,
            "durationMs": self.duration_ms,
            "durationApiMs": self.duration_api_ms,
            "permissionDenials": self.permission_denials,
        }
