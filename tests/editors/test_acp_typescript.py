"""`claude-lsp --acp` driven by the ACP TypeScript SDK (the library Zed's adapters and
other editors build on), installed from the npm registry: its schema checks every
message the agent sends, so this is the strictest peer the agent has here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import agent_env
from tests.fakeapi import FakeAnthropic, fix_calc
from tests.npm_packages import npm_ci

CLIENT = Path(__file__).parent / "acp_node"
UNSAVED = "def add(a, b):\n    # unsaved in the editor\n    return a - b\n"


@pytest.fixture(scope="module")
def acp_client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The script and its locked dependencies, installed with `npm ci`."""
    names = ("package.json", "package-lock.json", "session.mjs")
    return npm_ci(CLIENT, names, tmp_path_factory.mktemp("acp-node"))


def test_a_typescript_sdk_client_runs_a_session(
    acp_client: Path, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    fake_api.set_fallback(fix_calc(str(calc)))
    run = subprocess.run(
        ["node", "session.mjs", str(project), sys.executable, "-m", "claude_lsp", "--acp"],
        cwd=acp_client,
        env=agent_env(fake_api, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)

    assert report["agent"]["name"] == "claude-lsp" and report["loadSession"] is True
    assert report["modes"][:3] == ["default", "acceptEdits", "plan"]
    assert report["stopReason"] == "end_turn"
    # The Read saw the client's buffer, the Edit asked first and went back to it.
    assert str(calc) in report["reads"]
    assert report["questions"] == [
        {
            "title": f"Edit {calc}",
            "kinds": ["allow_once", "allow_always", "reject_once", "reject_always"],
        }
    ]
    fixed = UNSAVED.replace("a - b", "a + b")
    assert report["writes"] == [[str(calc), fixed]] and report["buffer"] == fixed
    assert calc.read_text() == "def add(a, b):\n    return a - b\n"
    updates = report["updates"]
    assert updates.count("tool_call") == 2 and "agent_message_chunk" in updates
    assert updates[-1] == "usage_update"
