"""`claude-lsp mcp ...` on real files, checking a real stdio server (mcp-server-time)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_lsp.cli.main import main


@pytest.fixture(autouse=True)
def root_logger_restored() -> Iterator[None]:
    """main() sets up logging for the whole process, as a CLI does: undo it for the tests
    that run after these in the same process."""
    root = logging.getLogger()
    level, handlers = root.level, root.handlers[:]
    yield
    root.setLevel(level)
    root.handlers[:] = handlers


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["mcp", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_get_remove(
    capsys: pytest.CaptureFixture[str],
    private_claude_config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(
        capsys, "add", "-e", "TZ=UTC", "time", "--", sys.executable, "-m", "mcp_server_time"
    )
    assert code == 0 and out.startswith("Added stdio MCP server 'time' to local")
    code, out, _ = run(
        capsys,
        "add",
        "-s",
        "user",
        "-t",
        "http",
        "docs",
        "http://127.0.0.1:9/mcp",
        "-H",
        "Authorization: Bearer sekrit",
    )
    assert code == 0
    project = {"mcpServers": {"shared": {"command": "definitely-not-run"}}}
    (tmp_path / ".mcp.json").write_text(json.dumps(project))

    code, out, _ = run(capsys, "list")
    lines = out.splitlines()
    assert code == 0
    assert f"time: {sys.executable} -m mcp_server_time (stdio) - ✓ connected, 2 tools" in lines
    assert any(line.startswith("docs: http://127.0.0.1:9/mcp (http) - ✗ failed:") for line in lines)
    assert "shared: definitely-not-run (stdio) - not run: not approved yet" in out

    code, out, _ = run(capsys, "get", "docs")
    assert "Headers: Authorization (values not shown)" in out and "sekrit" not in out
    code, out, _ = run(capsys, "get", "time")
    assert "Environment: TZ (values not shown)" in out

    state = json.loads((private_claude_config / ".claude.json").read_text())
    assert state["mcpServers"]["docs"]["headers"] == {"Authorization": "Bearer sekrit"}
    assert state["projects"][str(tmp_path.resolve())]["mcpServers"]["time"]["env"] == {"TZ": "UTC"}

    code, _, err = run(capsys, "add", "-s", "user", "docs", "other-command")
    assert code == 1 and "a user MCP server named 'docs' exists already" in err
    assert run(capsys, "remove", "docs")[0] == 0
    assert run(capsys, "remove", "time")[0] == 0
    code, _, err = run(capsys, "remove", "time")
    assert code == 1 and err == "claude-lsp mcp: no MCP server named 'time'\n"


def test_bad_input_is_refused_and_nothing_is_written(
    capsys: pytest.CaptureFixture[str],
    private_claude_config: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "add-json", "x", "{oops")
    assert code == 2 and err.startswith("claude-lsp mcp: the JSON is not valid")
    code, _, err = run(capsys, "add-json", "x", '{"type": "http"}')
    assert code == 2 and err.endswith("MCP server 'x': `url` must be a non-empty string\n")
    code, _, err = run(capsys, "add", "-t", "sse", "x", "http://h/sse", "--", "extra")
    assert code == 2 and err == "claude-lsp mcp: sse servers take no arguments\n"
    code, _, err = run(capsys, "add", "-H", "A: b", "x", "cmd")
    assert code == 2 and err == "claude-lsp mcp: stdio servers take no --header\n"
    with pytest.raises(SystemExit):
        run(capsys, "add", "-e", "NOEQUALS", "x", "cmd")
    assert not (private_claude_config / ".claude.json").exists()
