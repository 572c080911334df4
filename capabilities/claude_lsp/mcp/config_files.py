"""Adding and removing servers in the files Claude Code keeps them in, for
`claude-lsp mcp add|remove`: every other key of those files is kept as it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from claude_lsp.mcp.config import McpScope, McpServerConfig, claude_json_path, project_file
from claude_lsp.settings.local_rules import SettingsWriteError, read_json_for_update, write_json


def servers_file(scope: McpScope, project_root: Path) -> Path:
    return project_file(project_root) if scope is McpScope.PROJECT else claude_json_path()


def add_server(config: McpServerConfig, project_root: Path) -> Path:
    """Write `config` in its scope's file (replacing one of the same name); the file."""
    path = servers_file(config.scope, project_root)
    data = read_json_for_update(path)
    _servers_object(data, config.scope, project_root, path)[config.name] = config.as_json()
    write_json(path, data)
    return path


def remove_server(name: str, scope: McpScope, project_root: Path) -> Path:
    """Remove server `name` from its scope's file; SettingsWriteError when it is not there."""
    path = servers_file(scope, project_root)
    data = read_json_for_update(path)
    servers = _servers_object(data, scope, project_root, path)
    if name not in servers:
        raise SettingsWriteError(f"No {scope} MCP server named {name!r} in {path}")
    del servers[name]
    write_json(path, data)
    return path


def _servers_object(
    data: dict[str, Any], scope: McpScope, project_root: Path, path: Path
) -> dict[str, Any]:
    holder = data
    if scope is McpScope.LOCAL:
        holder = _object(_object(data, "projects", path), str(project_root), path)
    return _object(holder, "mcpServers", path)


def _object(parent: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    child = parent.setdefault(key, {})
    if not isinstance(child, dict):
        raise SettingsWriteError(f"{path}: `{key}` is not a JSON object; not changed")
    return child
