"""Checking the known keys of one settings source, so a mistake costs one key, not the file.

A known key with the wrong shape is dropped and reported, naming the source and the
key; everything else in the source still applies. Unknown keys pass through untouched:
newer Claude Code versions add keys, and a file shared with them must keep working here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from claude_lsp.settings.files import json_type

# The modes `permissions.defaultMode` may name (policy.permissions.PermissionMode's values;
# a test keeps the two in step without making settings import the policy).
PERMISSION_MODES = ("default", "acceptEdits", "plan", "bypassPermissions")
Behavior = Literal["allow", "ask", "deny"]
BEHAVIORS: tuple[Behavior, ...] = ("allow", "ask", "deny")

# A check returns what the value should have been, or None when it is fine.
Check = Callable[[Any], str | None]


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) else "a string"


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "true or false"


def _object(value: Any) -> str | None:
    return None if isinstance(value, dict) else "an object"


def _strings(value: Any) -> str | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return None
    return "a list of strings"


def _days(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return None
    return "a whole number of days, 0 or more"


def _one_of(*choices: str) -> Check:
    expected = " or ".join(f'"{choice}"' for choice in choices)
    return lambda value: None if value in choices else expected


TOP_LEVEL: dict[str, Check] = {
    "model": _string,
    "apiKeyHelper": _string,
    "outputStyle": _string,
    "includeCoAuthoredBy": _boolean,
    "disableAllHooks": _boolean,
    "alwaysThinkingEnabled": _boolean,
    "enableAllProjectMcpServers": _boolean,
    "enabledMcpjsonServers": _strings,
    "disabledMcpjsonServers": _strings,
    "cleanupPeriodDays": _days,
    "statusLine": _object,
    # Documented under `permissions`; accepted here too, as it can only make things stricter.
    "disableBypassPermissionsMode": _one_of("disable"),
}

PERMISSIONS: dict[str, Check] = {
    **{name: _strings for name in BEHAVIORS},
    "additionalDirectories": _strings,
    "defaultMode": _one_of(*PERMISSION_MODES),
    "disableBypassPermissionsMode": _one_of("disable"),
}


def validate_settings(data: Mapping[str, Any], label: str) -> tuple[dict[str, Any], list[str]]:
    """`data` without its malformed known keys, and one problem per key dropped."""
    problems: list[str] = []
    clean: dict[str, Any] = {}
    for key, value in data.items():
        if key == "env":
            _keep_env(clean, value, label, problems)
        elif key == "permissions":
            _keep_permissions(clean, value, label, problems)
        elif key == "hooks":
            _keep_hooks(clean, value, label, problems)
        elif key in TOP_LEVEL:
            _keep_checked(clean, key, value, TOP_LEVEL[key], key, label, problems)
        else:
            clean[key] = value
    return clean, problems


def _keep_checked(
    into: dict[str, Any],
    key: str,
    value: Any,
    check: Check,
    name: str,
    label: str,
    problems: list[str],
) -> None:
    expected = check(value)
    if expected is None:
        into[key] = value
    else:
        problems.append(f"{label}: `{name}` must be {expected}, not {json_type(value)}; ignored")


def _keep_env(into: dict[str, Any], value: Any, label: str, problems: list[str]) -> None:
    """Variables are checked one by one: a bad one does not cost the others."""
    if not isinstance(value, dict):
        _keep_checked(into, "env", value, _object, "env", label, problems)
        return
    env: dict[str, str] = {}
    for name, text in value.items():
        _keep_checked(env, name, text, _string, f"env.{name}", label, problems)
    into["env"] = env


def _keep_permissions(into: dict[str, Any], value: Any, label: str, problems: list[str]) -> None:
    if not isinstance(value, dict):
        _keep_checked(into, "permissions", value, _object, "permissions", label, problems)
        return
    permissions: dict[str, Any] = {}
    for key, item in value.items():
        if key in PERMISSIONS:
            name = f"permissions.{key}"
            _keep_checked(permissions, key, item, PERMISSIONS[key], name, label, problems)
        else:
            permissions[key] = item
    into["permissions"] = permissions


def _keep_hooks(into: dict[str, Any], value: Any, label: str, problems: list[str]) -> None:
    """Matcher groups are checked one by one; event names are not (new ones appear)."""
    if not isinstance(value, dict):
        _keep_checked(into, "hooks", value, _object, "hooks", label, problems)
        return
    hooks: dict[str, list[Any]] = {}
    for event, groups in value.items():
        if not isinstance(groups, list):
            problems.append(
                f"{label}: `hooks.{event}` must be a list of matcher groups, "
                f"not {json_type(groups)}; ignored"
            )
            continue
        kept = []
        for index, group in enumerate(groups):
            problem = _hook_group_problem(group)
            if problem is None:
                kept.append(group)
            else:
                problems.append(f"{label}: `hooks.{event}[{index}]` {problem}; ignored")
        hooks[event] = kept
    into["hooks"] = hooks


def _hook_group_problem(group: Any) -> str | None:
    if not isinstance(group, dict):
        return f"must be an object with `matcher` and `hooks`, not {json_type(group)}"
    if not isinstance(group.get("matcher", ""), str):
        return "has a `matcher` that is not a string"
    entries = group.get("hooks")
    if not isinstance(entries, list):
        return "needs `hooks`, a list of hook objects"
    for index, entry in enumerate(entries):
        problem = _hook_problem(entry)
        if problem is not None:
            return f"has a bad hook {index}: {problem}"
    return None


def _hook_problem(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return f"it is {json_type(entry)}, not an object"
    kind = entry.get("type")
    if not isinstance(kind, str):
        return "`type` must be a string"
    if kind == "command" and not (isinstance(entry.get("command"), str) and entry["command"]):
        return "a command hook needs a `command` string"
    if kind == "prompt" and not (isinstance(entry.get("prompt"), str) and entry["prompt"]):
        return "a prompt hook needs a `prompt` string"
    timeout = entry.get("timeout")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0
    ):
        return "`timeout` must be a positive number of seconds"
    return None
