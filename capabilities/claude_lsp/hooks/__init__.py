"""User hooks: shell commands that settings attach to agent events (tool use, prompts,
stops, compaction, session start and end) and that can block, allow or add context.

`HookConfig.from_scopes` parses the settings, `HookConfig.matching` picks the commands
for one event, `hook_payload` builds their stdin and `run_hooks` runs them and says what
they decided. Nothing here is wired into a session; the agent loop calls it.
"""

from claude_lsp.hooks.config import (
    DEFAULT_TIMEOUT_S,
    MATCHER_FIELDS,
    HookCommand,
    HookConfig,
    HookEvent,
)
from claude_lsp.hooks.outcome import EventOutcome, HookReport, PermissionDecision
from claude_lsp.hooks.payload import hook_payload
from claude_lsp.hooks.runner import run_hooks

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "MATCHER_FIELDS",
    "EventOutcome",
    "HookCommand",
    "HookConfig",
    "HookEvent",
    "HookReport",
    "PermissionDecision",
    "hook_payload",
    "run_hooks",
]
