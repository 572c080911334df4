"""Where MCP servers are configured, and what a configuration says.

Three scopes, as Claude Code has them, the nearer winning on a name: `local` (this
project, just for me: `projects.<folder>.mcpServers` in `~/.claude.json`), `project`
(`.mcp.json` at the project root, shared through version control, so each of its
servers is approved once before it runs) and `user` (`mcpServers` in `~/.claude.json`).
An editor or ACP client may add servers of its own to one session (`client`).

`${VAR}` and `${VAR:-default}` are expanded in a server's command, arguments,
environment, URL and headers when the session starts it, not when it is listed, so a
listing never shows a secret.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from claude_lsp.settings.files import json_type, read_settings_file

Transport = Literal["stdio", "http", "sse"]
TRANSPORTS: tuple[Transport, ...] = ("stdio", "http", "sse")

PROJECT_FILE = ".mcp.json"
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
# The names the API allows in a tool name, which is built from the server's name.
SERVER_NAME = re.compile(r"[A-Za-z0-9_-]+")


class McpScope(StrEnum):
    LOCAL = "local"
    PROJECT = "project"
    USER = "user"
    CLIENT = "client"


@dataclass(frozen=True)
class McpServerConfig:
    """One server as written (variables not yet expanded)."""

    name: str
    transport: Transport
    scope: McpScope
    command: str = ""
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    url: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    source: str = ""  # the file it came from, for messages

    @property
    def target(self) -> str:
        """The command line or URL, for listings."""
        if self.transport == "stdio":
            return " ".join([self.command, *self.args])
        return self.url

    def described(self) -> dict[str, Any]:
        """The entry with the names of its `env` and `headers` but not their values,
        which are often tokens: what questions and listings may show."""
        entry = self.as_json()
        for key in ("env", "headers"):
            if key in entry:
                entry[key] = sorted(entry[key])
        return entry

    def as_json(self) -> dict[str, Any]:
        """The entry as Claude Code writes it in `.mcp.json` and `~/.claude.json`."""
        if self.transport == "stdio":
            return {"type": "stdio", "command": self.command, "args": list(self.args)} | (
                {"env": dict(self.env)} if self.env else {}
            )
        return {"type": self.transport, "url": self.url} | (
            {"headers": dict(self.headers)} if self.headers else {}
        )

    def expanded(self, environ: Mapping[str, str]) -> tuple[McpServerConfig, list[str]]:
        """A copy with `${VAR}` and `${VAR:-default}` replaced, and the unset names."""
        missing: list[str] = []

        def expand(text: str) -> str:
            def one(match: re.Match[str]) -> str:
                value = environ.get(match[1])
                if value is not None:
                    return value
                if match[2] is not None:
                    return match[2]
                missing.append(match[1])
                return ""

            return _VARIABLE.sub(one, text)

        copy = McpServerConfig(
            name=self.name,
            transport=self.transport,
            scope=self.scope,
            command=expand(self.command),
            args=tuple(expand(arg) for arg in self.args),
            env={key: expand(value) for key, value in self.env.items()},
            url=expand(self.url),
            headers={key: expand(value) for key, value in self.headers.items()},
            source=self.source,
        )
        return copy, sorted(set(missing))


def claude_json_path() -> Path:
    """Claude Code's own state file: user and local servers live there."""
    configured = os.environ.get("CLAUDE_CONFIG_DIR")
    if configured:
        return Path(configured).expanduser() / ".claude.json"
    return Path.home() / ".claude.json"


def project_file(project_root: Path) -> Path:
    return project_root / PROJECT_FILE


def parse_server(
    name: str, entry: object, scope: McpScope, source: str
) -> tuple[McpServerConfig | None, str | None]:
    """One `mcpServers` entry; None with the reason when it cannot be used."""
    where = f"{source}: MCP server {name!r}"
    if not SERVER_NAME.fullmatch(name) or "__" in name:
        return None, f"{where}: names may only use letters, digits, '_' and '-' (not '__')"
    if not isinstance(entry, dict):
        return None, f"{where}: expected an object, got {json_type(entry)}"
    transport = entry.get("type", "stdio" if "command" in entry else "http")
    if transport == "streamable-http":
        transport = "http"
    if transport not in TRANSPORTS:
        return None, f"{where}: unknown type {transport!r} (stdio, http or sse)"
    if transport == "stdio":
        command, args, env = entry.get("command"), entry.get("args", []), entry.get("env", {})
        if not isinstance(command, str) or not command.strip():
            return None, f"{where}: `command` must be a non-empty string"
        if not _strings(args):
            return None, f"{where}: `args` must be a list of strings"
        if not _string_map(env):
            return None, f"{where}: `env` must map names to strings"
        return McpServerConfig(
            name, "stdio", scope, command=command, args=tuple(args), env=env, source=source
        ), None
    url, headers = entry.get("url"), entry.get("headers", {})
    if not isinstance(url, str) or not url.strip():
        return None, f"{where}: `url` must be a non-empty string"
    if not _string_map(headers):
        return None, f"{where}: `headers` must map names to strings"
    return McpServerConfig(name, transport, scope, url=url, headers=headers, source=source), None


def parse_servers(
    data: object, scope: McpScope, source: str, problems: list[str]
) -> dict[str, McpServerConfig]:
    """The servers of one `mcpServers` object; problems are appended, not raised."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(f"{source}: `mcpServers` must be an object, not {json_type(data)}")
        return {}
    servers: dict[str, McpServerConfig] = {}
    for name, entry in data.items():
        server, problem = parse_server(name, entry, scope, source)
        if server is not None:
            servers[name] = server
        elif problem is not None:
            problems.append(problem)
    return servers


def load_server_configs(project_root: Path, problems: list[str]) -> dict[str, McpServerConfig]:
    """Every configured server for `project_root`, local over project over user."""
    return {config.name: config for config in configs_by_scope(project_root, problems)}


def configs_by_scope(project_root: Path, problems: list[str]) -> list[McpServerConfig]:
    """The servers of each scope, user then project then local (so the nearer wins when
    they are put in a dict), those of one name in several scopes included."""
    state_path = claude_json_path()
    state, state_problems = read_settings_file(state_path)
    problems.extend(state_problems)
    state = state or {}
    project_data, project_problems = read_settings_file(project_file(project_root))
    problems.extend(project_problems)
    projects = state.get("projects")
    local = projects.get(str(project_root)) if isinstance(projects, dict) else None
    scopes = [
        (McpScope.USER, state.get("mcpServers"), str(state_path)),
        (McpScope.PROJECT, (project_data or {}).get("mcpServers"), str(project_file(project_root))),
        (
            McpScope.LOCAL,
            local.get("mcpServers") if isinstance(local, dict) else None,
            f"{state_path} (project {project_root})",
        ),
    ]
    return [
        config
        for scope, data, source in scopes
        for config in parse_servers(data, scope, source, problems).values()
    ]


def client_servers(entries: object, problems: list[str]) -> dict[str, McpServerConfig]:
    """Servers an editor passes with a new session, in ACP's shape: `env` and `headers`
    are lists of `{name, value}`; an entry with `url` is http (or its `type`)."""
    if not isinstance(entries, list):
        return {}
    servers: dict[str, McpServerConfig] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            problems.append("session/new: an MCP server entry without a name was ignored")
            continue
        shaped = dict(entry)
        for key in ("env", "headers"):
            if isinstance(shaped.get(key), list):
                shaped[key] = {
                    item.get("name"): item.get("value")
                    for item in shaped[key]
                    if isinstance(item, dict)
                }
        server, problem = parse_server(entry["name"], shaped, McpScope.CLIENT, "session/new")
        if server is not None:
            servers[server.name] = server
        elif problem is not None:
            problems.append(problem)
    return servers


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _string_map(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(key, str) and isinstance(item, str) for key, item in value.items()
    )
