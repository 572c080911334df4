"""Reading MCP server configurations: scopes, shapes, variables and bad entries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claude_lsp.mcp.config import (
    McpScope,
    client_servers,
    configs_by_scope,
    load_server_configs,
    parse_server,
)
from claude_lsp.mcp.config_files import add_server, remove_server
from claude_lsp.settings.local_rules import SettingsWriteError


@pytest.fixture
def state_file(private_claude_config: Path) -> Path:
    private_claude_config.mkdir(parents=True, exist_ok=True)
    return private_claude_config / ".claude.json"


def test_local_wins_over_project_which_wins_over_user(state_file: Path, tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    state_file.write_text(
        json.dumps(
            {
                "mcpServers": {"a": {"command": "user-a"}, "b": {"command": "user-b"}},
                "projects": {str(root): {"mcpServers": {"a": {"command": "local-a"}}}},
            }
        )
    )
    (root / ".mcp.json").write_text(
        json.dumps({"mcpServers": {"a": {"command": "project-a"}, "c": {"url": "http://x/mcp"}}})
    )
    problems: list[str] = []
    servers = load_server_configs(root, problems)

    assert problems == []
    assert {name: (s.scope, s.target) for name, s in servers.items()} == {
        "a": (McpScope.LOCAL, "local-a"),
        "b": (McpScope.USER, "user-b"),
        "c": (McpScope.PROJECT, "http://x/mcp"),
    }
    assert servers["c"].transport == "http"
    assert len([c for c in configs_by_scope(root, []) if c.name == "a"]) == 3


def test_variables_expand_with_defaults_and_report_what_is_missing() -> None:
    entry = {
        "command": "${HOME_BIN}/srv",
        "args": ["--level", "${LEVEL:-info}", "${EMPTY:-}"],
        "env": {"TOKEN": "${TOKEN}"},
    }
    config, problem = parse_server("s", entry, McpScope.PROJECT, ".mcp.json")
    assert problem is None and config is not None

    expanded, missing = config.expanded({"HOME_BIN": "/opt/bin", "LEVEL": "debug"})

    assert expanded.command == "/opt/bin/srv"
    assert expanded.args == ("--level", "debug", "")
    assert expanded.env == {"TOKEN": ""}
    assert missing == ["TOKEN"]
    assert config.target == "${HOME_BIN}/srv --level ${LEVEL:-info} ${EMPTY:-}"


@pytest.mark.parametrize(
    ("name", "entry", "problem"),
    [
        (
            "bad name",
            {"command": "x"},
            "names may only use letters, digits, '_' and '-' (not '__')",
        ),
        ("a__b", {"command": "x"}, "names may only use letters, digits, '_' and '-' (not '__')"),
        ("s", ["x"], "expected an object, got an array"),
        ("s", {"type": "ws", "url": "x"}, "unknown type 'ws' (stdio, http or sse)"),
        ("s", {"command": ""}, "`command` must be a non-empty string"),
        ("s", {"command": "x", "args": "y"}, "`args` must be a list of strings"),
        ("s", {"command": "x", "env": {"A": 1}}, "`env` must map names to strings"),
        ("s", {"type": "http"}, "`url` must be a non-empty string"),
        ("s", {"type": "sse", "url": "u", "headers": []}, "`headers` must map names to strings"),
    ],
)
def test_a_malformed_entry_is_refused_with_the_reason(
    name: str, entry: object, problem: str
) -> None:
    config, reason = parse_server(name, entry, McpScope.USER, "f.json")
    assert config is None
    assert reason == f"f.json: MCP server {name!r}: {problem}"


def test_bad_files_and_entries_are_problems_and_the_rest_still_loads(
    state_file: Path, tmp_path: Path
) -> None:
    state_file.write_text("{not json")
    (tmp_path / ".mcp.json").write_text(
        json.dumps({"mcpServers": {"ok": {"command": "x"}, "bad": {"command": 3}}})
    )
    problems: list[str] = []

    servers = load_server_configs(tmp_path, problems)

    assert list(servers) == ["ok"]
    assert problems[0].startswith(f"{state_file}: invalid JSON at line 1")
    assert problems[1].endswith("MCP server 'bad': `command` must be a non-empty string")


def test_client_servers_take_acps_shapes() -> None:
    problems: list[str] = []
    servers = client_servers(
        [
            {"name": "a", "command": "srv", "args": [], "env": [{"name": "K", "value": "v"}]},
            {"type": "http", "name": "b", "url": "http://h/mcp", "headers": []},
            {"command": "nameless"},
        ],
        problems,
    )
    assert servers["a"].env == {"K": "v"} and servers["a"].scope is McpScope.CLIENT
    assert servers["b"].transport == "http"
    assert problems == ["session/new: an MCP server entry without a name was ignored"]


def test_adding_and_removing_keeps_the_rest_of_the_files(state_file: Path, tmp_path: Path) -> None:
    state_file.write_text(json.dumps({"numStartups": 7, "projects": {"/elsewhere": {"x": 1}}}))
    local, _ = parse_server("l", {"command": "srv"}, McpScope.LOCAL, "cli")
    shared, _ = parse_server("p", {"type": "http", "url": "http://h"}, McpScope.PROJECT, "cli")
    assert local is not None and shared is not None

    assert add_server(local, tmp_path) == state_file
    assert add_server(shared, tmp_path) == tmp_path / ".mcp.json"
    data = json.loads(state_file.read_text())
    assert data["numStartups"] == 7 and data["projects"]["/elsewhere"] == {"x": 1}
    assert data["projects"][str(tmp_path)]["mcpServers"]["l"] == {
        "type": "stdio",
        "command": "srv",
        "args": [],
    }

    remove_server("p", McpScope.PROJECT, tmp_path)
    assert json.loads((tmp_path / ".mcp.json").read_text()) == {"mcpServers": {}}
    with pytest.raises(SettingsWriteError, match="No user MCP server named 'l'"):
        remove_server("l", McpScope.USER, tmp_path)


def test_a_new_state_file_is_private(state_file: Path, tmp_path: Path) -> None:
    """Servers' env and headers often hold tokens."""
    server, _ = parse_server("u", {"command": "srv"}, McpScope.USER, "cli")
    assert server is not None
    add_server(server, tmp_path)
    assert state_file.stat().st_mode & 0o777 == 0o600
