"""MCP servers' tools and resources as tools the model calls.

Each remote tool is offered as `mcp__<server>__<tool>` with the server's own schema
and description; rules name it that way (`mcp__server` covers every tool of a server).
Calls ask permission like any tool that is not known to be harmless: a server's
`readOnlyHint` is its own claim, not something the policy can check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from claude_lsp.mcp.connection import McpCallError, McpConnection, RemoteTool, ServerState
from claude_lsp.mcp.results import capped, max_output_tokens, resource_blocks, tool_result_blocks
from claude_lsp.tools.base import Tool, ToolContext, ToolError, ToolKind, ToolResult

# The Messages API's limit on a tool's name.
MAX_TOOL_NAME = 64
MAX_DESCRIPTION = 2048
_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_-]")


def tool_name(server: str, tool: str) -> str:
    """`mcp__server__tool`, with characters the API refuses replaced by `_`."""
    return f"mcp__{server}__{_NOT_ALLOWED.sub('_', tool)}"[:MAX_TOOL_NAME]


class McpTool(Tool):
    """One remote tool; `remote_tool` makes a subclass per tool for its name and schema."""

    read_only = False
    kind: ClassVar[ToolKind] = "other"

    def __init__(self, connection: McpConnection, remote: RemoteTool) -> None:
        self.connection = connection
        self.remote = remote

    def validate(self, tool_input: Any) -> str | None:
        try:
            return super().validate(tool_input)
        except Exception:  # a schema jsonschema cannot use: the server checks its input
            return None if isinstance(tool_input, dict) else "the input must be an object"

    def title(self, tool_input: dict[str, Any]) -> str:
        return f"{self.connection.name}: {self.remote.name} (MCP)"

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        try:
            result = await self.connection.call_tool(self.remote.name, tool_input)
        except McpCallError as exc:
            raise ToolError(str(exc)) from exc
        blocks = capped(tool_result_blocks(result), max_output_tokens(ctx.subprocess_env()))
        return ToolResult(blocks, is_error=bool(result.get("isError")))


def remote_tool(connection: McpConnection, remote: RemoteTool) -> McpTool:
    """The tool offered to the model for `remote` of `connection`."""
    description = remote.description.strip() or f"The {remote.name} tool of {connection.name}."
    attributes = {
        "name": tool_name(connection.name, remote.name),
        "description": description[:MAX_DESCRIPTION],
        "input_schema": remote.input_schema or {"type": "object", "properties": {}},
    }
    subclass = type(f"McpTool[{attributes['name']}]", (McpTool,), attributes)
    tool: McpTool = subclass(connection, remote)
    return tool


class ListMcpResourcesTool(Tool):
    name = "ListMcpResourcesTool"
    description = (
        "Lists the resources (documents, records, files) that connected MCP servers "
        "offer, with each one's server and URI. Give `server` to list one server's only. "
        "Read one with ReadMcpResourceTool."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {"server": {"type": "string", "description": "Only this server's"}},
        "additionalProperties": False,
    }
    read_only = True
    kind: ClassVar[ToolKind] = "read"

    def __init__(self, connections: Mapping[str, McpConnection]) -> None:
        self.connections = connections

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        wanted = tool_input.get("server")
        if wanted is not None and wanted not in self.connections:
            raise ToolError(f"No MCP server {wanted!r}. Servers: {', '.join(self.connections)}")
        listed: list[dict[str, Any]] = []
        problems: list[str] = []
        for name, connection in self.connections.items():
            if wanted not in (None, name) or not _serves_resources(connection):
                continue
            try:
                resources = await connection.list_resources()
            except McpCallError as exc:
                problems.append(str(exc))
                continue
            listed += [resource | {"server": name} for resource in resources]
        if not listed and problems:
            raise ToolError("\n".join(problems))
        text = json.dumps(listed, indent=2) if listed else "No resources found."
        return ToolResult("\n".join([text, *problems]))


class ReadMcpResourceTool(Tool):
    name = "ReadMcpResourceTool"
    description = "Reads one resource of an MCP server by its URI (from ListMcpResourcesTool)."
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "server": {"type": "string", "description": "The MCP server's name"},
            "uri": {"type": "string", "description": "The resource's URI"},
        },
        "required": ["server", "uri"],
        "additionalProperties": False,
    }
    read_only = True
    kind: ClassVar[ToolKind] = "read"

    def __init__(self, connections: Mapping[str, McpConnection]) -> None:
        self.connections = connections

    def title(self, tool_input: dict[str, Any]) -> str:
        return f"Read {tool_input.get('server', '')}:{tool_input.get('uri', '')}"

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return ToolResult(
            await read_resource(self.connections, tool_input["server"], tool_input["uri"], ctx)
        )


async def read_resource(
    connections: Mapping[str, McpConnection], server: str, uri: str, ctx: ToolContext
) -> list[dict[str, Any]]:
    """A resource's content blocks, capped like tool output; ToolError when unreadable."""
    connection = connections.get(server)
    if connection is None:
        raise ToolError(f"No MCP server {server!r}. Servers: {', '.join(connections) or 'none'}")
    try:
        contents = await connection.read_resource(uri)
    except McpCallError as exc:
        raise ToolError(str(exc)) from exc
    return capped(resource_blocks(contents), max_output_tokens(ctx.subprocess_env()))


def _serves_resources(connection: McpConnection) -> bool:
    return connection.state is ServerState.CONNECTED and connection.has_resources
