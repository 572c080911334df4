"""The editor configurations shipped in editors/ start a working server as written: the
Helix languages.toml (with a Helix-like client), Zed's settings for the agent panel
(`claude-lsp --acp`) and for the language server, and the Zed extension's languages."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Any

from acp import PROTOCOL_VERSION
from lsprotocol import types

from tests.conftest import agent_env
from tests.e2e.conftest import start_editor
from tests.e2e.test_acp import Editor, acp_agent, initialized
from tests.fakeapi import FakeAnthropic

EDITORS = Path(__file__).parents[2] / "editors"
# The languages the symbol index reads, by each editor's name for them.
HELIX_LANGUAGES = {
    "python", "javascript", "jsx", "typescript", "tsx", "go", "rust", "java", "c", "cpp",
    "ruby", "bash",
}  # fmt: skip
ZED_LANGUAGES = {
    "Python", "JavaScript", "TypeScript", "TSX", "Go", "Rust", "Java", "C", "C++", "Ruby",
    "Shell Script",
}  # fmt: skip


def installed(command: str, args: list[str], log: Path) -> list[str]:
    """The configured command line as it runs here: `claude-lsp` is this environment's
    script, and the log goes to the test's folder."""
    script = Path(sys.executable).parent / command
    assert script.exists(), f"{command} is not installed next to {sys.executable}"
    args = list(args)
    if "--log-file" in args:
        args[args.index("--log-file") + 1] = str(log)
    return [str(script), *args]


async def test_the_helix_configuration_adds_a_working_server_to_each_language(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    config = tomllib.loads((EDITORS / "helix" / "languages.toml").read_text())
    server = config["language-server"]["claude-lsp"]
    languages = {entry["name"]: entry["language-servers"] for entry in config["language"]}
    assert set(languages) >= HELIX_LANGUAGES
    for name, servers in languages.items():
        assert servers[-1] == "claude-lsp", name
        assert len(servers) > 1, f"{name}: the language's usual server is gone"

    command = installed(server["command"], server["args"], tmp_path / "helix.log")
    env = agent_env(fake_api, tmp_path)
    async with start_editor(env, project, "helix", server_command=command) as (client, _):
        commands = client.init_result.capabilities.execute_command_provider
        assert commands is not None
        assert {"claude.openChat", "claude.approve", "claude.deny"} <= set(commands.commands)
        calc = project / "calc.py"
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(calc.as_uri(), "python", 1, calc.read_text())
            )
        )
        symbols = await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(types.TextDocumentIdentifier(calc.as_uri()))
        )
    assert [symbol.name for symbol in symbols or []] == ["add"]
    assert (tmp_path / "helix.log").exists()


async def test_the_zed_agent_server_settings_start_an_acp_agent(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    settings = json.loads((EDITORS / "zed" / "settings.json").read_text())
    agent = settings["agent_servers"]["claude-lsp"]
    assert agent["type"] == "custom"
    command = installed(agent["command"], agent["args"], tmp_path / "unused.log")
    env = {**agent_env(fake_api, tmp_path), **agent["env"]}
    async with acp_agent(Editor(), env, project, command) as connection:
        hello = await initialized(connection)
        assert hello["protocolVersion"] == PROTOCOL_VERSION
        session = await connection.new_session(cwd=str(project))
        assert session.modes is not None


async def test_the_zed_language_server_settings_reach_the_server(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    lsp = json.loads((EDITORS / "zed" / "settings.json").read_text())["lsp"]["claude-lsp"]
    binary = lsp["binary"]
    command = installed(binary["path"], binary["arguments"], tmp_path / "zed.log")
    # The settings' shape, with a mode a new session would not have by itself.
    options: dict[str, Any] = lsp["initialization_options"]
    options = {"claude": {**options["claude"], "permissionMode": "plan"}}
    env = agent_env(fake_api, tmp_path)
    async with start_editor(
        env,
        project,
        initialization_options=options,
        server_command=command,
        sessionUpdate=True,
    ) as (client, _):
        session = await client.protocol.send_request_async(
            "claude/session/new", {"cwd": str(project)}
        )
        assert session["modes"]["currentModeId"] == "plan"

    extension = tomllib.loads((EDITORS / "zed" / "extension" / "extension.toml").read_text())
    server = extension["language_servers"]["claude-lsp"]
    assert set(server["languages"]) >= ZED_LANGUAGES
