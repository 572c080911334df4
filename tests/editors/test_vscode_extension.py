"""The VS Code extension (editors/vscode) builds, lints, passes its node tests, handles a
real server's messages, and packages into a .vsix, as CI does it: on a copy of the folder,
so the checkout gets no node_modules, out/ or .vsix."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import agent_env
from tests.fakeapi import FakeAnthropic, fix_calc

EXTENSION = Path(__file__).resolve().parents[2] / "editors" / "vscode"
NOT_COPIED = shutil.ignore_patterns("node_modules", "out", "*.vsix")


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    """Runs a command, failing the test with its whole output when it exits non-zero."""
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{output}"
    return output


def npm_env() -> dict[str, str]:
    """The test's environment without what would turn on the real-server test."""
    return {key: value for key, value in os.environ.items() if not key.startswith("CLAUDE_LSP_")}


@pytest.fixture(scope="module")
def extension(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the extension with its locked dependencies installed and compiled."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail(
            "node and npm are needed to build the VS Code extension (Node 20 or newer); "
            "install them, or see docs/editors/vscode.md"
        )
    folder = tmp_path_factory.mktemp("vscode") / "extension"
    shutil.copytree(EXTENSION, folder, ignore=NOT_COPIED)
    run(["npm", "ci", "--no-audit", "--no-fund"], folder, npm_env())
    run(["npm", "run", "compile"], folder, npm_env())
    return folder


def test_it_compiles_the_extension_and_the_chat_view_script(extension: Path) -> None:
    assert (extension / "out" / "extension.js").is_file()
    assert (extension / "out" / "webview" / "chat.js").is_file()


def test_it_is_lint_clean(extension: Path) -> None:
    run(["npm", "run", "lint"], extension, npm_env())


def summary_count(output: str, name: str) -> int:
    """A count from node's test summary ("<info sign> pass 3" from the spec reporter, "# pass 3"
    in TAP)."""
    found = re.findall(rf"^(?:\N{{INFORMATION SOURCE}}|#) {name} (\d+)$", output, re.MULTILINE)
    assert len(found) == 1, f"no single '{name}' line in the test summary:\n{output}"
    return int(found[0])


def test_its_unit_tests_pass(extension: Path) -> None:
    output = run(["npm", "test"], extension, npm_env())
    assert summary_count(output, "fail") == 0, output
    assert summary_count(output, "pass") > 0, output


def test_its_message_handling_works_against_the_real_server(
    extension: Path, fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    calc = project / "calc.py"
    calc.write_text("def add(a, b):\n    return a - b\n")
    fake_api.set_fallback(fix_calc(str(calc)))
    env = agent_env(
        fake_api,
        tmp_path,
        CLAUDE_LSP_COMMAND=json.dumps([sys.executable, "-m", "claude_lsp"]),
        CLAUDE_LSP_TEST_PROJECT=str(project),
    )

    output = run(
        ["node", "--test", "--test-reporter=spec", "out/test/realServer.test.js"], extension, env
    )

    # Node 20 reports a skipped suite as passing, so the passed test's own line is checked.
    assert summary_count(output, "pass") == 1 and summary_count(output, "fail") == 0, output
    assert re.search(r"^\s*✔ sends the editor context", output, re.MULTILINE), output
    # The edit went into the (simulated) editor's buffer; the file on disk is the user's to save.
    assert calc.read_text() == "def add(a, b):\n    return a - b\n"
    prompts = [json.dumps(request.body) for request in fake_api.message_requests()]
    assert any(
        f"The user is working in {calc} in the editor." in body and "Selected lines 2-2" in body
        for body in prompts
    ), "the editorContext did not reach the model"


def test_it_packages_into_a_vsix(extension: Path) -> None:
    run(["npx", "vsce", "package", "--out", "claude-lsp.vsix"], extension, npm_env())

    with zipfile.ZipFile(extension / "claude-lsp.vsix") as vsix:
        names = set(vsix.namelist())
        manifest = json.loads(vsix.read("extension/package.json"))
    assert "extension/out/extension.js" in names
    assert "extension/out/webview/chat.js" in names
    assert "extension/media/chat.css" in names
    assert "extension/node_modules/vscode-languageclient/package.json" in names
    assert not any(name.startswith("extension/src/") for name in names)
    assert not any(name.startswith("extension/out/test/") for name in names)
    commands = {command["command"] for command in manifest["contributes"]["commands"]}
    assert {"claudeLsp.openChat", "claudeLsp.newSession", "claudeLsp.cancel"} <= commands
    # The server's claude.* commands are registered by the language client; contributing
    # one of them too would register it twice.
    assert not any(command.startswith("claude.") for command in commands)
    views = manifest["contributes"]["views"]["claudeLsp"]
    assert views == [{"type": "webview", "id": "claudeLsp.chat", "name": "Chat"}]
    assert "vscode-languageclient" in manifest["dependencies"]
