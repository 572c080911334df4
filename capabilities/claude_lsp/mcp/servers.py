"""A session's MCP servers: which may run, starting them together, and what they offer
(tools, resources, prompts as slash commands, `@server:uri` mentions, `/mcp` status).

Servers start at the session's first prompt, all at once, so a slow one costs its own
start-up and no more; each that fails is reported and left out.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claude_lsp.mcp.approval import (
    ENABLED_KEY,
    Approval,
    approval_of,
    approval_question,
    record_answer,
)
from claude_lsp.mcp.config import McpScope, McpServerConfig, load_server_configs
from claude_lsp.mcp.connection import (
    McpCallError,
    McpConnection,
    RemotePrompt,
    ServerState,
)
from claude_lsp.mcp.results import content_blocks, resource_blocks
from claude_lsp.mcp.tools import ListMcpResourcesTool, ReadMcpResourceTool, remote_tool, tool_name
from claude_lsp.policy.questions import PermissionAnswer, PermissionQuestion
from claude_lsp.settings.local_rules import SettingsWriteError
from claude_lsp.tools.base import ContentBlock, Tool

# `@server:scheme://path`: a resource mention in a prompt.
RESOURCE_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_-]+):([A-Za-z][\w+.-]*://\S+)")

Ask = Callable[[PermissionQuestion], Awaitable[PermissionAnswer]]


@dataclass(frozen=True)
class PromptCommand:
    """An MCP prompt offered as `/mcp__server__prompt`."""

    name: str
    connection: McpConnection
    prompt: RemotePrompt

    @property
    def hint(self) -> str:
        return " ".join(
            f"<{arg['name']}>" if arg.get("required") else f"[{arg['name']}]"
            for arg in self.prompt.arguments
        )

    @property
    def description(self) -> str:
        return f"{self.prompt.description or self.prompt.name} (MCP {self.connection.name})"


class McpServers:
    """The servers configured for a session's project, plus those its client passed."""

    def __init__(
        self,
        project_root: Path,
        settings: Mapping[str, Any],
        environ: Mapping[str, str],
        client_configs: Mapping[str, McpServerConfig],
        warnings: list[str],
    ) -> None:
        self.project_root = project_root
        self.configs = {**load_server_configs(project_root, warnings), **client_configs}
        self.connections: dict[str, McpConnection] = {}
        self._settings = settings
        self._environ = environ
        self._warnings = warnings
        self._started: asyncio.Task[None] | None = None

    async def start(self, ask: Ask | None, denied: Callable[[str], bool]) -> None:
        """Start every server that may run, once: not those `denied` (by a rule naming the
        whole server), and project servers only once approved (`ask` asks about them).

        Shielded: a cancelled caller leaves the start going for the next one to await.
        """
        if self._started is None:
            self._started = asyncio.create_task(self._start_all(ask, denied))
        await asyncio.shield(self._started)

    async def close(self) -> None:
        if self._started is not None and not self._started.done():
            self._started.cancel()
        await asyncio.gather(*(c.close() for c in self.connections.values()))

    def tools(self) -> list[Tool]:
        """The connected servers' tools, and the resource tools when any has resources."""
        tools: list[Tool] = []
        names: set[str] = set()
        for connection in self._connected():
            for remote in connection.tools:
                tool = remote_tool(connection, remote)
                if tool.name in names:
                    self._warnings.append(
                        f"MCP server {connection.name!r}: tool {remote.name!r} is left out: its "
                        f"name {tool.name} is taken (names are cut at 64 characters)"
                    )
                    continue
                names.add(tool.name)
                tools.append(tool)
        if any(connection.has_resources for connection in self._connected()):
            tools += [ListMcpResourcesTool(self.connections), ReadMcpResourceTool(self.connections)]
        return tools

    def instructions(self) -> str:
        """The connected servers' own instructions, for the system prompt."""
        sections = [
            f"## {connection.name}\n{connection.instructions}"
            for connection in self._connected()
            if connection.instructions
        ]
        if not sections:
            return ""
        return "# Instructions from the MCP servers\n\n" + "\n\n".join(sections)

    def prompt_commands(self) -> list[PromptCommand]:
        return [
            PromptCommand(tool_name(connection.name, prompt.name), connection, prompt)
            for connection in self._connected()
            for prompt in connection.prompts
        ]

    async def expand_prompt(self, command: PromptCommand, arguments: str) -> list[ContentBlock]:
        """The prompt's messages as content, `arguments` given to its parameters in order.

        Raises McpCallError when required arguments are missing or the server fails.
        """
        values = arguments.split()
        names = [str(arg["name"]) for arg in command.prompt.arguments]
        missing = [
            str(arg["name"])
            for index, arg in enumerate(command.prompt.arguments)
            if arg.get("required") and index >= len(values)
        ]
        if missing:
            raise McpCallError(
                f"/{command.name} needs {', '.join(missing)}. Usage: /{command.name} {command.hint}"
            )
        if len(values) > len(names) and names:  # the last parameter takes the rest
            values = [*values[: len(names) - 1], " ".join(values[len(names) - 1 :])]
        messages = await command.connection.get_prompt(
            command.prompt.name, dict(zip(names, values, strict=False))
        )
        return [
            block for message in messages for block in content_blocks(message.get("content", {}))
        ]

    async def mentioned_resources(self, text: str) -> list[ContentBlock]:
        """The resources a prompt names as `@server:scheme://path`, read."""
        blocks: list[ContentBlock] = []
        for server, uri in dict.fromkeys(RESOURCE_MENTION.findall(text)):
            connection = self.connections.get(server)
            if connection is None:
                continue
            try:
                contents = await connection.read_resource(uri)
            except McpCallError as exc:
                blocks.append({"type": "text", "text": f"(@{server}:{uri} was not read: {exc})"})
                continue
            blocks += resource_blocks(contents)
        return blocks

    def summary(self) -> list[dict[str, str]]:
        """Each server's name and state, as Claude Code's `init` message lists them
        (`pending` until the first prompt starts them)."""
        return [
            {
                "name": name,
                "status": str(
                    self.connections[name].state if name in self.connections else "pending"
                ),
            }
            for name in self.configs
        ]

    def status(self) -> str:
        """`/mcp`: each server, where it is configured, and how it is doing."""
        if not self.configs:
            return (
                "No MCP servers are configured. Add one with `claude-lsp mcp add`, or in "
                ".mcp.json (project) or ~/.claude.json (user)."
            )
        lines = ["MCP servers:"]
        for name, config in self.configs.items():
            connection = self.connections.get(name)
            lines.append(f"  {name} ({config.scope}, {config.transport}: {config.target})")
            lines.append(f"    {self._state_line(name, connection)}")
        return "\n".join(lines)

    def _state_line(self, name: str, connection: McpConnection | None) -> str:
        if connection is None:
            if self._started is not None and self._started.done():
                return f"not started: a deny rule covers it (mcp__{name})"
            return "not started yet: servers start with the first prompt"
        if connection.state is ServerState.NEEDS_APPROVAL:
            return (
                f"needs approval: list {name!r} in {ENABLED_KEY} in "
                ".claude/settings.local.json, or answer the question in a session that can ask"
            )
        if connection.state is ServerState.CONNECTED:
            offers = [f"{len(connection.tools)} tools"]
            if connection.prompts:
                offers.append(f"{len(connection.prompts)} prompts")
            if connection.has_resources:
                offers.append("resources")
            label = f" ({connection.server_label})" if connection.server_label else ""
            return f"connected{label}: {', '.join(offers)}"
        if connection.state is ServerState.DECLINED:
            return "not used: declined for this project (disabledMcpjsonServers)"
        detail = f": {connection.error}" if connection.error else ""
        return f"{connection.state}{detail}"

    def _connected(self) -> list[McpConnection]:
        return [c for c in self.connections.values() if c.state is ServerState.CONNECTED]

    async def _start_all(self, ask: Ask | None, denied: Callable[[str], bool]) -> None:
        starting: list[McpConnection] = []
        for name, config in self.configs.items():
            if denied(name):
                continue
            connection = self.connections[name] = await self._prepare(name, config, ask)
            if connection.state is ServerState.PENDING:
                starting.append(connection)
        await asyncio.gather(*(connection.connect() for connection in starting))
        for connection in starting:
            if connection.state is ServerState.FAILED:
                self._warnings.append(f"MCP server {connection.name!r} failed: {connection.error}")

    async def _prepare(self, name: str, config: McpServerConfig, ask: Ask | None) -> McpConnection:
        """The connection: to start (pending), or saying why it will not."""
        approval = (
            await self._project_approval(name, config, ask)
            if config.scope is McpScope.PROJECT
            else Approval.APPROVED
        )
        expanded, missing = config.expanded(self._environ)
        connection = McpConnection(expanded, cwd=self.project_root, environ=self._environ)
        if approval is Approval.UNASKED:
            connection.state = ServerState.NEEDS_APPROVAL
        elif approval is Approval.DECLINED:
            connection.state = ServerState.DECLINED
        elif missing:
            connection.state = ServerState.FAILED
            connection.error = f"missing environment variables: {', '.join(missing)}"
            self._warnings.append(f"MCP server {name!r} not started: {connection.error}")
        return connection

    async def _project_approval(
        self, name: str, config: McpServerConfig, ask: Ask | None
    ) -> Approval:
        """The settings' answer, else the human's (kept when it is a lasting one)."""
        approval = approval_of(name, self._settings)  # the user's settings, not the repo's
        if approval is not Approval.UNASKED:
            return approval
        if ask is None:
            self._warnings.append(
                f"MCP server {name!r} of {config.source} is not approved for this project, "
                f"so it was not started: list it in {ENABLED_KEY} in "
                ".claude/settings.local.json, or start a session that can ask you"
            )
            return approval
        answer = await ask(approval_question(config))
        try:
            approved = record_answer(self.project_root, name, answer)
        except SettingsWriteError as exc:
            self._warnings.append(str(exc))
            approved = answer is PermissionAnswer.ALLOW_ALWAYS
        return Approval.APPROVED if approved else Approval.DECLINED
