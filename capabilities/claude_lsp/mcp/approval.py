"""Approving the servers of a project's `.mcp.json` before they run.

A `.mcp.json` arrives with the code (a clone, a pull request), and a stdio server is a
command run on the user's machine, so each is asked about once, as Claude Code does.
The answer is kept in Claude Code's settings: `enabledMcpjsonServers` and
`disabledMcpjsonServers` in `.claude/settings.local.json`, and
`enableAllProjectMcpServers` approves them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

from claude_lsp.mcp.config import McpServerConfig
from claude_lsp.policy.questions import PermissionAnswer, PermissionQuestion
from claude_lsp.settings.local_rules import add_local_setting_item

ENABLED_KEY = "enabledMcpjsonServers"
DISABLED_KEY = "disabledMcpjsonServers"
ENABLE_ALL_KEY = "enableAllProjectMcpServers"


class Approval(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    UNASKED = "unasked"


def approval_of(name: str, settings: Mapping[str, Any]) -> Approval:
    """What the settings say about project server `name` (a refusal wins)."""
    if name in _names(settings, DISABLED_KEY):
        return Approval.DECLINED
    if settings.get(ENABLE_ALL_KEY) is True or name in _names(settings, ENABLED_KEY):
        return Approval.APPROVED
    return Approval.UNASKED


def approval_question(config: McpServerConfig) -> PermissionQuestion:
    """The question for the human, naming what would run (the title is a noun phrase,
    as every question's: clients ask "Allow <title>?")."""
    what = "runs" if config.transport == "stdio" else "connects to"
    return PermissionQuestion(
        tool_call_id=f"mcp-approval-{config.name}",
        tool_name=f"mcp__{config.name}",
        title=f"the MCP server {config.name!r} from {config.source}, which {what} {config.target}",
        kind="execute" if config.transport == "stdio" else "fetch",
        tool_input=config.described(),
        choices=(
            (PermissionAnswer.ALLOW_ALWAYS, "Use it (remembered for this project)"),
            (PermissionAnswer.ALLOW_ONCE, "Use it in this session only"),
            (PermissionAnswer.REJECT_ALWAYS, "Do not use it (remembered)"),
        ),
    )


def record_answer(project_root: Path, name: str, answer: PermissionAnswer) -> bool:
    """Keep a lasting answer in the project's local settings; True when it is approved."""
    if answer is PermissionAnswer.ALLOW_ALWAYS:
        add_local_setting_item(project_root, (ENABLED_KEY,), name)
    elif answer is PermissionAnswer.REJECT_ALWAYS:
        add_local_setting_item(project_root, (DISABLED_KEY,), name)
    return answer in (PermissionAnswer.ALLOW_ALWAYS, PermissionAnswer.ALLOW_ONCE)


def _names(settings: Mapping[str, Any], key: str) -> list[str]:
    value = settings.get(key)
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []
