"""What hooks' exits and outputs mean for the agent, per hook and then for the event.

The exit code decides first: 0 reads stdout (a JSON object, or plain text), 2 blocks
with stderr as the reason, anything else (a crash, a timeout) is a warning the user
sees while the agent carries on. A hook's mistakes (bad JSON fields, a wrong
`hookEventName`) become warnings too; they never raise and never block by accident.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from claude_lsp.hooks.config import HookCommand, HookEvent
from claude_lsp.hooks.process import OUTPUT_CAP_BYTES, HookRun

PermissionDecision = Literal["allow", "deny", "ask"]

_T = TypeVar("_T")

_DECISION_RANK: dict[PermissionDecision, int] = {"allow": 0, "ask": 1, "deny": 2}

PLAIN_STDOUT_IS_CONTEXT = frozenset({HookEvent.USER_PROMPT_SUBMIT, HookEvent.SESSION_START})
ADDITIONAL_CONTEXT_EVENTS = frozenset(
    {HookEvent.USER_PROMPT_SUBMIT, HookEvent.SESSION_START, HookEvent.POST_TOOL_USE}
)
BLOCKABLE_EVENTS = frozenset(
    {
        HookEvent.PRE_TOOL_USE,
        HookEvent.POST_TOOL_USE,
        HookEvent.USER_PROMPT_SUBMIT,
        HookEvent.STOP,
        HookEvent.SUBAGENT_STOP,
    }
)
"""Events an exit code 2 or `decision: "block"` blocks; for the others exit 2 only
shows stderr to the user."""


@dataclass(frozen=True)
class HookReport:
    """One hook's run, for logs and the transcript."""

    command: str
    scope: str
    exit_code: int | None
    duration_s: float
    timed_out: bool
    stdout_truncated: bool
    stderr_truncated: bool
    output: str
    """Stdout to show in the transcript; empty when the hook set `suppressOutput`."""
    stderr: str


@dataclass
class EventOutcome:
    """What the hooks of one event decided, combined.

    Check `stop` first: it ends the agent loop whatever else was decided, with
    `stop_reason` shown to the user. `blocked` then means, per event:
    PreToolUse: the tool does not run (`permission_decision` is "deny" and the model
    reads `reason_for_model`); PostToolUse: the tool already ran, the model reads
    `reason_for_model`; UserPromptSubmit: the prompt is dropped and `message_for_user`
    says why; Stop/SubagentStop: the agent must not stop yet, and goes on with
    `reason_for_model` (set `stop_hook_active` in the next Stop payload).
    """

    blocked: bool = False
    reason_for_model: str | None = None
    message_for_user: str | None = None
    permission_decision: PermissionDecision | None = None
    """PreToolUse only: overrides the permission policy (deny > ask > allow)."""
    permission_reason: str | None = None
    """For "allow" and "ask", shown to the user; for "deny" also in `reason_for_model`."""
    updated_input: dict[str, Any] | None = None
    """PreToolUse only: the tool input to use instead (never set with "deny")."""
    additional_context: list[str] = field(default_factory=list)
    stop: bool = False
    stop_reason: str | None = None
    system_messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    outputs: list[HookReport] = field(default_factory=list)


def interpret(command: HookCommand, run: HookRun) -> EventOutcome:
    """The outcome of one hook's run on its own."""
    outcome = EventOutcome()
    label = _label(command.command)
    suppress_output = False
    if run.start_error is not None:
        outcome.warnings.append(f"Hook {label} could not start: {run.start_error}")
    elif run.timed_out:
        outcome.warnings.append(
            f"Hook {label} timed out after {command.timeout_s:g} s and was stopped"
        )
    elif run.exit_code == 0:
        data = _json_object(run.stdout)
        if data is not None:
            suppress_output = _apply_json(command.event, label, data, outcome)
        elif command.event in PLAIN_STDOUT_IS_CONTEXT and run.stdout.strip():
            outcome.additional_context.append(run.stdout.strip())
    elif run.exit_code == 2:
        _apply_block(command.event, label, run.stderr.strip(), outcome)
    else:
        detail = f": {run.stderr.strip()}" if run.stderr.strip() else ""
        outcome.warnings.append(f"Hook {label} failed with {_describe_exit(run.exit_code)}{detail}")
    for stream, truncated in (("stdout", run.stdout_truncated), ("stderr", run.stderr_truncated)):
        if truncated:
            outcome.warnings.append(
                f"Hook {label}: {stream} past {OUTPUT_CAP_BYTES // 1024} KiB was dropped"
            )
    outcome.outputs.append(
        HookReport(
            command=command.command,
            scope=command.scope,
            exit_code=run.exit_code,
            duration_s=run.duration_s,
            timed_out=run.timed_out,
            stdout_truncated=run.stdout_truncated,
            stderr_truncated=run.stderr_truncated,
            output="" if suppress_output else run.stdout,
            stderr=run.stderr,
        )
    )
    return outcome


def combine(outcomes: Sequence[EventOutcome]) -> EventOutcome:
    """One outcome for the event from each hook's, given in configuration order.

    Any block blocks and any stop stops; reasons and messages are joined by newlines;
    deny beats ask beats allow. `updated_input` comes from the first hook, in
    configuration order, that returned one without denying; a later hook's different
    rewrite is dropped with a warning (there is no sound way to merge two rewrites).
    """
    result = EventOutcome(
        blocked=any(o.blocked for o in outcomes),
        reason_for_model=_join(o.reason_for_model for o in outcomes),
        message_for_user=_join(o.message_for_user for o in outcomes),
        stop=any(o.stop for o in outcomes),
        stop_reason=_join(o.stop_reason for o in outcomes),
    )
    for outcome in outcomes:
        result.additional_context.extend(outcome.additional_context)
        result.system_messages.extend(outcome.system_messages)
        result.warnings.extend(outcome.warnings)
        result.outputs.extend(outcome.outputs)
    decisions = [o.permission_decision for o in outcomes if o.permission_decision is not None]
    if not decisions:
        return result
    final = max(decisions, key=_DECISION_RANK.__getitem__)
    result.permission_decision = final
    result.permission_reason = _join(
        o.permission_reason for o in outcomes if o.permission_decision == final
    )
    if final != "deny":
        rewrites = [o.updated_input for o in outcomes if o.updated_input is not None]
        if rewrites:
            result.updated_input = rewrites[0]
            if any(rewrite != rewrites[0] for rewrite in rewrites[1:]):
                result.warnings.append(
                    "Several hooks rewrote the tool input differently; the first configured "
                    "hook's version is used"
                )
    return result


def _apply_block(event: HookEvent, label: str, message: str, outcome: EventOutcome) -> None:
    """A block (exit code 2, or a JSON block/deny) with `message` as its reason."""
    if event not in BLOCKABLE_EVENTS:
        outcome.message_for_user = message or f"Hook {label} exited with code 2"
        return
    reason = message or f"Blocked by hook {label}"
    outcome.blocked = True
    if event is HookEvent.USER_PROMPT_SUBMIT:
        outcome.message_for_user = reason
        return
    outcome.reason_for_model = reason
    if event is HookEvent.PRE_TOOL_USE:
        outcome.permission_decision = "deny"
        outcome.permission_reason = reason


def _apply_json(event: HookEvent, label: str, data: dict[str, Any], outcome: EventOutcome) -> bool:
    """Apply a hook's JSON answer to `outcome`; whether it asked to suppress its output."""
    fields = _Fields(label, data, outcome.warnings)
    if fields.boolean("continue") is False:
        outcome.stop = True
        outcome.stop_reason = fields.string("stopReason") or f"Stopped by hook {label}"
    message = fields.string("systemMessage")
    if message:
        outcome.system_messages.append(message)
    specific = _specific_output(event, fields)
    context = specific.string("additionalContext") if specific else None
    if context and event in ADDITIONAL_CONTEXT_EVENTS:
        outcome.additional_context.append(context)
    if event is HookEvent.PRE_TOOL_USE:
        _apply_permission(label, fields, specific, outcome)
    elif event in BLOCKABLE_EVENTS:
        decision = fields.string("decision")
        if decision == "block":
            _apply_block(event, label, fields.string("reason") or "", outcome)
        elif decision is not None:
            outcome.warnings.append(f"Hook {label}: unknown decision {decision!r}; ignored")
    return fields.boolean("suppressOutput") is True


def _apply_permission(
    label: str, fields: _Fields, specific: _Fields | None, outcome: EventOutcome
) -> None:
    """PreToolUse: `hookSpecificOutput.permissionDecision`, else the legacy `decision`."""
    decision: str | None = None
    reason: str | None = None
    if specific is not None:
        decision = specific.string("permissionDecision")
        reason = specific.string("permissionDecisionReason")
    if decision is None:
        legacy = fields.string("decision")
        decision = {"approve": "allow", "block": "deny"}.get(legacy or "", legacy)
        reason = fields.string("reason")
    if decision is None:
        if specific is not None and "updatedInput" in specific.data:
            outcome.warnings.append(
                f"Hook {label}: updatedInput ignored without a permissionDecision"
            )
        return
    if decision == "deny":
        _apply_block(HookEvent.PRE_TOOL_USE, label, reason or "", outcome)
        return
    if decision not in ("allow", "ask"):
        outcome.warnings.append(f"Hook {label}: unknown permission decision {decision!r}; ignored")
        return
    outcome.permission_decision = "allow" if decision == "allow" else "ask"
    outcome.permission_reason = reason
    if specific is not None:
        outcome.updated_input = specific.mapping("updatedInput")


def _specific_output(event: HookEvent, fields: _Fields) -> _Fields | None:
    """`hookSpecificOutput`, when it is an object for this very event."""
    specific = fields.mapping("hookSpecificOutput")
    if specific is None:
        return None
    named = specific.get("hookEventName")
    if named != event.value:
        fields.warnings.append(
            f"Hook {fields.label}: hookSpecificOutput.hookEventName is {named!r}, "
            f"expected {event.value!r}; hookSpecificOutput ignored"
        )
        return None
    return _Fields(fields.label, specific, fields.warnings)


@dataclass
class _Fields:
    """Typed reads of a hook's JSON object; a wrongly typed field is a warning, then None."""

    label: str
    data: dict[str, Any]
    warnings: list[str]

    def string(self, key: str) -> str | None:
        return self._typed(key, str, "a string")

    def boolean(self, key: str) -> bool | None:
        return self._typed(key, bool, "true or false")

    def mapping(self, key: str) -> dict[str, Any] | None:
        return self._typed(key, dict, "an object")

    def _typed(self, key: str, kind: type[_T], description: str) -> _T | None:
        value = self.data.get(key)
        if value is None or isinstance(value, kind):
            return value
        self.warnings.append(f"Hook {self.label}: {key!r} must be {description}; ignored")
        return None


def _json_object(text: str) -> dict[str, Any] | None:
    stripped = text.strip()
    if not stripped.startswith("{"):
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _join(parts: Iterable[str | None]) -> str | None:
    kept = [part for part in parts if part]
    return "\n".join(kept) if kept else None


def _label(command: str) -> str:
    """The command as messages quote it: its first line, shortened."""
    lines = command.strip().splitlines() or [""]
    first = lines[0]
    if len(first) > 60:
        first = first[:57].rstrip() + "..."
    elif len(lines) > 1:
        first += " ..."
    return f"`{first}`"


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "no exit status"
    if code >= 0:
        return f"exit code {code}"
    try:
        return f"signal {signal.Signals(-code).name}"
    except ValueError:
        return f"signal {-code}"
