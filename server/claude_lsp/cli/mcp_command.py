"""`claude-lsp mcp add|add-json|list|get|remove`: Claude Code's `claude mcp` commands,
on the same files, so servers configured with either tool work in both.

`list` and `get` check each server by connecting to it, except project servers nobody
approved yet: their commands came with the code and do not run before that. Values of
environment variables and headers are never printed (they are often tokens).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from claude_lsp.mcp.approval import Approval, approval_of
from claude_lsp.mcp.config import (
    McpScope,
    McpServerConfig,
    configs_by_scope,
    load_server_configs,
    parse_server,
)
from claude_lsp.mcp.config_files import add_server, remove_server
from claude_lsp.mcp.connection import McpConnection, ServerState
from claude_lsp.settings.load import load_settings
from claude_lsp.settings.local_rules import SettingsWriteError

SCOPES = [McpScope.LOCAL.value, McpScope.PROJECT.value, McpScope.USER.value]
SCOPE_MEANING = {
    McpScope.LOCAL: "local (yours, this project only)",
    McpScope.PROJECT: "project (.mcp.json, shared with everyone who has the code)",
    McpScope.USER: "user (yours, every project)",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="claude-lsp mcp", description="Manage MCP servers.")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser(
        "add",
        help="add a server: NAME COMMAND [ARGS...] (stdio) or NAME URL (http, sse)",
        description="Put `--` before the server's own arguments when they start with '-'.",
    )
    _scope_option(add)
    add.add_argument("-t", "--transport", choices=["stdio", "http", "sse"], default="stdio")
    add.add_argument(
        "-e", "--env", action="append", default=[], metavar="KEY=VALUE", help="stdio only"
    )
    add.add_argument(
        "-H", "--header", action="append", default=[], metavar="'Name: value'", help="http, sse"
    )
    add.add_argument("name")
    add.add_argument("command_or_url", nargs="?", help="(or first after `--`)")
    add.add_argument("args", nargs="*", help="the server's arguments (after `--`)")
    add_json = commands.add_parser("add-json", help="add a server from its JSON entry")
    _scope_option(add_json)
    add_json.add_argument("name")
    add_json.add_argument("json")
    commands.add_parser("list", help="list the servers and check that they answer")
    get = commands.add_parser("get", help="show one server and check that it answers")
    get.add_argument("name")
    remove = commands.add_parser("remove", help="remove a server")
    remove.add_argument("-s", "--scope", choices=SCOPES, help="where it is (default: found)")
    remove.add_argument("name")
    return parser


def _scope_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-s", "--scope", choices=SCOPES, default="local")


def run_mcp_command(argv: Sequence[str], cwd: Path | None = None) -> int:
    """Options may come anywhere before `--`; what follows it is the server's own."""
    argv = list(argv)
    cut = argv.index("--") if "--" in argv else len(argv)
    parser = build_parser()
    args = parser.parse_args(argv[:cut])
    if args.command == "add":
        words = [*([args.command_or_url] if args.command_or_url else []), *args.args]
        words += argv[cut + 1 :]
        if not words:
            parser.error("add needs the server's command or URL")
        args.command_or_url, args.args = words[0], words[1:]
    root = (cwd or Path.cwd()).resolve()
    try:
        if args.command == "add":
            return _add(args, root)
        if args.command == "add-json":
            return _add_json(args, root)
        if args.command == "list":
            return asyncio.run(_list(root))
        if args.command == "get":
            return asyncio.run(_get(args.name, root))
        return _remove(args.name, args.scope, root)
    except SettingsWriteError as exc:
        print(f"claude-lsp mcp: {exc}", file=sys.stderr)
        return 1


def _add(args: argparse.Namespace, root: Path) -> int:
    misplaced = "--header" if args.transport == "stdio" and args.header else None
    if args.transport != "stdio" and (args.env or args.args):
        misplaced = "--env" if args.env else "arguments"
    if misplaced is not None:
        kind = f"{args.transport} servers"
        print(f"claude-lsp mcp: {kind} take no {misplaced}", file=sys.stderr)
        return 2
    if args.transport == "stdio":
        env = dict(_pairs(args.env, "=", "--env wants KEY=VALUE"))
        entry: dict[str, object] = {
            "type": "stdio",
            "command": args.command_or_url,
            "args": args.args,
        } | ({"env": env} if env else {})
    else:
        headers = dict(_pairs(args.header, ":", "--header wants 'Name: value'"))
        entry = {"type": args.transport, "url": args.command_or_url} | (
            {"headers": headers} if headers else {}
        )
    return _save(args.name, entry, McpScope(args.scope), root)


def _add_json(args: argparse.Namespace, root: Path) -> int:
    try:
        entry = json.loads(args.json)
    except json.JSONDecodeError as exc:
        print(f"claude-lsp mcp: the JSON is not valid: {exc}", file=sys.stderr)
        return 2
    return _save(args.name, entry, McpScope(args.scope), root)


def _save(name: str, entry: object, scope: McpScope, root: Path) -> int:
    config, problem = parse_server(name, entry, scope, "the command line")
    if config is None:
        print(f"claude-lsp mcp: {problem}", file=sys.stderr)
        return 2
    if any(c.name == name and c.scope is scope for c in configs_by_scope(root, [])):
        print(
            f"claude-lsp mcp: a {scope} MCP server named {name!r} exists already; "
            f"remove it first (claude-lsp mcp remove {name} -s {scope})",
            file=sys.stderr,
        )
        return 1
    path = add_server(config, root)
    print(f"Added {config.transport} MCP server {name!r} to {SCOPE_MEANING[scope]}: {path}")
    return 0


def _remove(name: str, scope: str | None, root: Path) -> int:
    found = [
        config
        for config in configs_by_scope(root, [])
        if config.name == name and scope in (None, config.scope.value)
    ]
    if not found:
        print(f"claude-lsp mcp: no MCP server named {name!r}", file=sys.stderr)
        return 1
    if len(found) > 1:
        scopes = ", ".join(config.scope.value for config in found)
        print(
            f"claude-lsp mcp: {name!r} is in several scopes ({scopes}); choose one with -s",
            file=sys.stderr,
        )
        return 1
    path = remove_server(name, found[0].scope, root)
    print(f"Removed MCP server {name!r} from {SCOPE_MEANING[found[0].scope]}: {path}")
    return 0


async def _list(root: Path) -> int:
    problems: list[str] = []
    configs = load_server_configs(root, problems)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not configs:
        print("No MCP servers configured. Add one with `claude-lsp mcp add`.")
        return 0
    print("Checking the MCP servers…\n")
    settings = load_settings(root).personal
    states = await asyncio.gather(*(_check(config, root, settings) for config in configs.values()))
    for config, state in zip(configs.values(), states, strict=True):
        print(f"{config.name}: {config.target} ({config.transport}) - {state}")
    return 0


async def _get(name: str, root: Path) -> int:
    problems: list[str] = []
    config = load_server_configs(root, problems).get(name)
    if config is None:
        print(f"claude-lsp mcp: no MCP server named {name!r}", file=sys.stderr)
        return 1
    lines = [
        f"{name}:",
        f"  Scope: {SCOPE_MEANING.get(config.scope, config.scope)}",
        f"  Status: {await _check(config, root, load_settings(root).personal)}",
        f"  Type: {config.transport}",
    ]
    if config.transport == "stdio":
        lines += [f"  Command: {config.command}", f"  Args: {' '.join(config.args)}"]
        if config.env:
            lines.append(f"  Environment: {', '.join(config.env)} (values not shown)")
    else:
        lines.append(f"  URL: {config.url}")
        if config.headers:
            lines.append(f"  Headers: {', '.join(config.headers)} (values not shown)")
    lines.append(f'\nTo remove it: claude-lsp mcp remove "{name}" -s {config.scope}')
    print("\n".join(lines))
    return 0


async def _check(config: McpServerConfig, root: Path, settings: Mapping[str, Any]) -> str:
    """✓ or ✗ with the reason, after trying to connect (unapproved project servers: not run)."""
    if config.scope is McpScope.PROJECT:
        approval = approval_of(config.name, settings)
        if approval is Approval.DECLINED:
            return "not run: declined for this project (disabledMcpjsonServers)"
        if approval is Approval.UNASKED:
            return "not run: not approved yet for this project (a session asks about it)"
    expanded, missing = config.expanded(os.environ)
    if missing:
        return f"✗ missing environment variables: {', '.join(missing)}"
    connection = McpConnection(expanded, cwd=root, environ=os.environ)
    try:
        await connection.connect()
        if connection.state is ServerState.CONNECTED:
            return f"✓ connected, {len(connection.tools)} tools"
        return f"✗ failed: {connection.error}"
    finally:
        await connection.close()


def _pairs(items: list[str], separator: str, usage: str) -> list[tuple[str, str]]:
    pairs = []
    for item in items:
        key, found, value = item.partition(separator)
        if not found or not key.strip():
            raise SystemExit(f"claude-lsp mcp: {usage}, got {item!r}")
        pairs.append((key.strip(), value.strip()))
    return pairs
