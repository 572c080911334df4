"""The `hooks` settings value: parsed from every scope, matched against one event.

Settings are user-written JSON, so parsing never raises: a malformed entry becomes a
warning that names its scope and its place in the structure, and is skipped. Matchers
are compiled once here, so an invalid regex is reported once, not on every tool call.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from claude_lsp.tools.agent import AgentTool

DEFAULT_TIMEOUT_S = 60.0
DEFAULT_PROMPT_TIMEOUT_S = 30.0


class HookEvent(StrEnum):
    PRE_TOOL_USE = "PreToolUse"
    POST_TOOL_USE = "PostToolUse"
    USER_PROMPT_SUBMIT = "UserPromptSubmit"
    NOTIFICATION = "Notification"
    STOP = "Stop"
    SUBAGENT_STOP = "SubagentStop"
    PRE_COMPACT = "PreCompact"
    SESSION_START = "SessionStart"
    SESSION_END = "SessionEnd"


MATCHER_FIELDS: dict[HookEvent, str] = {
    HookEvent.PRE_TOOL_USE: "tool_name",
    HookEvent.POST_TOOL_USE: "tool_name",
    HookEvent.NOTIFICATION: "notification_type",
    HookEvent.PRE_COMPACT: "trigger",
    HookEvent.SESSION_START: "source",
    HookEvent.SESSION_END: "reason",
}
"""Events whose matcher means something, and the payload field it is compared with.
Other events (UserPromptSubmit, Stop, SubagentStop) run every hook and ignore matchers."""

PROMPT_HOOK_EVENTS = frozenset(
    {HookEvent.PRE_TOOL_USE, HookEvent.USER_PROMPT_SUBMIT, HookEvent.STOP, HookEvent.SUBAGENT_STOP}
)
"""Where a `prompt` hook (a yes/no question to a small model) can decide something."""


@dataclass(frozen=True)
class Matcher:
    """A group's matcher: everything (missing, empty, `*`), a whole-value regex, or a
    literal string when the text is not a valid regex."""

    text: str
    pattern: re.Pattern[str] | None

    @classmethod
    def parse(cls, text: str) -> tuple[Matcher, str | None]:
        """The matcher, and an error message when `text` had to be taken literally."""
        if text in ("", "*"):
            return cls(text, None), None
        try:
            return cls(text, re.compile(text)), None
        except re.error as exc:
            return cls(text, None), str(exc)

    @property
    def matches_all(self) -> bool:
        return self.text in ("", "*")

    def matches(self, value: str | None) -> bool:
        """Whether `value` (a tool name, a trigger, ...) is selected; None only by match-all."""
        if self.matches_all:
            return True
        if value is None:
            return False
        if self.pattern is None:
            return value == self.text
        return self.pattern.fullmatch(value) is not None


@dataclass(frozen=True)
class HookCommand:
    """One hook to run for an event, and where it was configured.

    A `command` hook runs `command` in a shell; a `prompt` hook puts `command` (its
    prompt text) to a small model, `model` when set.
    """

    event: HookEvent
    command: str
    timeout_s: float
    scope: str
    matcher: str
    kind: Literal["command", "prompt"] = "command"
    model: str | None = None


@dataclass(frozen=True)
class HookGroup:
    """One `{matcher, hooks}` entry of one event in one scope."""

    event: HookEvent
    scope: str
    matcher: Matcher
    commands: tuple[HookCommand, ...]


@dataclass(frozen=True)
class HookConfig:
    """Every hook group from every scope, in the order the scopes were given."""

    groups: tuple[HookGroup, ...] = ()

    @classmethod
    def from_scopes(cls, scopes: Sequence[tuple[str, object]]) -> tuple[HookConfig, list[str]]:
        """Parse `(scope_name, hooks_value)` pairs; malformed parts are skipped and warned."""
        groups: list[HookGroup] = []
        warnings: list[str] = []
        for scope, value in scopes:
            groups.extend(_parse_scope(scope, value, warnings))
        return cls(tuple(groups)), warnings

    def matching(self, event: HookEvent, match_value: str | None = None) -> list[HookCommand]:
        """The commands to run for `event`, each command once (the first one configured).

        `match_value` is the value named in `MATCHER_FIELDS` (the tool name for tool
        events); it is ignored for events without matchers.
        """
        uses_matcher = event in MATCHER_FIELDS
        selected: dict[str, HookCommand] = {}
        for group in self.groups:
            if group.event is not event:
                continue
            if uses_matcher and not _matches(group.matcher, event, match_value):
                continue
            for command in group.commands:
                selected.setdefault(command.command, command)
        return list(selected.values())


def _matches(matcher: Matcher, event: HookEvent, value: str | None) -> bool:
    """A tool event's matcher may name a tool by its earlier name (`Task` for Agent), as
    Claude Code still accepts."""
    if matcher.matches(value):
        return True
    tool_event = MATCHER_FIELDS[event] == "tool_name"
    return tool_event and value == AgentTool.name and matcher.matches(AgentTool.legacy_name)


def _parse_scope(scope: str, value: object, warnings: list[str]) -> list[HookGroup]:
    if not isinstance(value, dict):
        warnings.append(f"{scope}: `hooks` must be an object; ignored")
        return []
    groups: list[HookGroup] = []
    for name, entries in value.items():
        where = f"hooks.{name}"
        try:
            event = HookEvent(name)
        except ValueError:
            warnings.append(f"{scope}: {where}: unknown hook event; ignored")
            continue
        if not isinstance(entries, list):
            warnings.append(f"{scope}: {where} must be a list; ignored")
            continue
        for index, entry in enumerate(entries):
            group = _parse_group(scope, event, f"{where}[{index}]", entry, warnings)
            if group is not None:
                groups.append(group)
    return groups


def _parse_group(
    scope: str, event: HookEvent, where: str, entry: object, warnings: list[str]
) -> HookGroup | None:
    if not isinstance(entry, dict):
        warnings.append(f"{scope}: {where} must be an object; ignored")
        return None
    matcher_text = entry.get("matcher", "")
    if not isinstance(matcher_text, str):
        warnings.append(f"{scope}: {where}.matcher must be a string; group ignored")
        return None
    matcher, error = Matcher.parse(matcher_text)
    if error is not None:
        warnings.append(
            f"{scope}: {where}.matcher {matcher_text!r} is not a valid regular expression "
            f"({error}); it is compared literally"
        )
    hooks = entry.get("hooks")
    if not isinstance(hooks, list):
        warnings.append(f"{scope}: {where}.hooks must be a list; group ignored")
        return None
    commands = []
    for index, hook in enumerate(hooks):
        command = _parse_command(scope, event, matcher_text, f"{where}.hooks[{index}]", hook)
        if isinstance(command, str):
            warnings.append(command)
        else:
            commands.append(command)
    return HookGroup(event, scope, matcher, tuple(commands))


def _parse_command(
    scope: str, event: HookEvent, matcher: str, where: str, hook: object
) -> HookCommand | str:
    """The command, or the warning that explains why the entry is skipped."""
    if not isinstance(hook, dict):
        return f"{scope}: {where} must be an object; ignored"
    kind = hook.get("type")
    if kind == "prompt":
        return _parse_prompt(scope, event, matcher, where, hook)
    if kind != "command":
        return f"{scope}: {where}: unsupported hook type {kind!r}; ignored"
    command = hook.get("command")
    if not isinstance(command, str) or not command.strip():
        return f"{scope}: {where}.command must be a non-empty string; hook ignored"
    timeout = _timeout(hook, DEFAULT_TIMEOUT_S)
    if timeout is None:
        return f"{scope}: {where}.timeout must be a positive number of seconds; hook ignored"
    return HookCommand(event, command, timeout, scope, matcher)


def _parse_prompt(
    scope: str, event: HookEvent, matcher: str, where: str, hook: dict[str, object]
) -> HookCommand | str:
    if event not in PROMPT_HOOK_EVENTS:
        names = ", ".join(sorted(e.value for e in PROMPT_HOOK_EVENTS))
        return f"{scope}: {where}: prompt hooks only work for {names}; ignored"
    prompt = hook.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        return f"{scope}: {where}.prompt must be a non-empty string; hook ignored"
    model = hook.get("model")
    if model is not None and not (isinstance(model, str) and model):
        return f"{scope}: {where}.model must be a model name; hook ignored"
    timeout = _timeout(hook, DEFAULT_PROMPT_TIMEOUT_S)
    if timeout is None:
        return f"{scope}: {where}.timeout must be a positive number of seconds; hook ignored"
    return HookCommand(event, prompt, timeout, scope, matcher, kind="prompt", model=model)


def _timeout(hook: dict[str, object], default: float) -> float | None:
    """The hook's `timeout` in seconds, None when it is not a positive number."""
    timeout = hook.get("timeout", default)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool):
        return None
    return float(timeout) if math.isfinite(timeout) and timeout > 0 else None
