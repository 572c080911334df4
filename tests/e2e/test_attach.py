"""Terminal clients attached to an editor's server: `claude-lsp -p` in a folder an editor
has open runs in that editor's server, sees its unsaved buffers and edits them there;
only the holder of the lock's token gets in; a dead server's lock is cleaned up."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from claude_lsp.cli.attach_client import initialize_params
from claude_lsp.cli.rpc import RpcConnection, RpcError
from claude_lsp.lsp import attach_files
from tests.conftest import agent_env
from tests.e2e.conftest import new_session, start_editor
from tests.e2e.editor_buffers import EditorBuffers
from tests.fakeapi import FakeAnthropic, reply, text, tool_use

BROKEN = "def add(a, b):\n    return a - b\n"
UNSAVED = "def add(a, b):\n    # typed in the editor, not saved\n    return a - b\n"


def script_fix(fake: FakeAnthropic, calc: Path) -> None:
    fake.script(
        reply(tool_use("Read", {"file_path": str(calc)})),
        reply(
            tool_use(
                "Edit",
                {"file_path": str(calc), "old_string": "a - b", "new_string": "a + b"},
            )
        ),
        reply(text("Fixed.")),
    )


def read_result(fake: FakeAnthropic) -> str:
    """The text the model got back from the turn's Read."""
    block = fake.message_requests()[1].body["messages"][-1]["content"][0]
    assert block["type"] == "tool_result"
    return str(
        block["content"][0]["text"] if isinstance(block["content"], list) else block["content"]
    )


async def run_cli(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    """The CLI in a subprocess, awaited without blocking the editor's event loop."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "claude_lsp",
        *args,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def lock_of(root: Path) -> attach_files.ServerLock:
    """Wait for a live server's lock of `root`."""
    folder = attach_files.runtime_folder()
    deadline = time.monotonic() + 20
    while True:
        lock = attach_files.read_lock(attach_files.lock_path(folder, root.resolve()))
        if lock is not None and attach_files.is_alive(lock.pid):
            return lock
        assert time.monotonic() < deadline, f"no attach lock for {root}"
        await asyncio.sleep(0.05)


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def write_stale_lock(root: Path) -> Path:
    folder = attach_files.runtime_folder()
    path = attach_files.lock_path(folder, root.resolve())
    socket = folder / "server-gone.sock"
    socket.write_text("")  # what a killed server leaves behind
    lock = attach_files.ServerLock(dead_pid(), str(socket), "0" * 64, str(root))
    path.write_text(lock.as_json())
    return path


async def test_print_mode_runs_in_the_editors_server_and_edits_its_buffer(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    script_fix(fake_api, calc)
    env = agent_env(fake_api, tmp_path)
    async with start_editor(env, project, "visual-studio-code") as (client, recorder):
        buffers = EditorBuffers(client, recorder, "utf-16")
        uri = buffers.open(calc, UNSAVED)
        await lock_of(project)
        code, out, err = await run_cli(
            ["-p", "fix calc.py", "--permission-mode", "acceptEdits", "--output-format", "json"],
            project,
            env,
        )

    assert code == 0, err
    result = json.loads(out)
    assert (result["subtype"], result["result"]) == ("success", "Fixed.")
    assert "typed in the editor, not saved" in read_result(fake_api)
    (edit,) = recorder.edits
    assert edit.label == f"Claude: Edit {calc}"
    assert buffers.texts[uri] == UNSAVED.replace("a - b", "a + b")
    assert calc.read_text() == BROKEN  # the editor's buffer changed; saving is the user's


async def test_no_attach_runs_a_server_of_its_own(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    script_fix(fake_api, calc)
    env = agent_env(fake_api, tmp_path)
    async with start_editor(env, project, "visual-studio-code") as (client, recorder):
        EditorBuffers(client, recorder, "utf-16").open(calc, UNSAVED)
        await lock_of(project)
        code, _, err = await run_cli(
            ["-p", "fix", "--permission-mode", "acceptEdits", "--no-attach"], project, env
        )

    assert code == 0, err
    assert "typed in the editor" not in read_result(fake_api)
    assert recorder.edits == []
    assert calc.read_text() == BROKEN.replace("a - b", "a + b")


async def test_only_the_token_holder_gets_in_and_the_files_are_private(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    env = agent_env(fake_api, tmp_path)
    async with start_editor(env, project, "visual-studio-code") as (client, _):
        lock = await lock_of(project)
        folder = attach_files.runtime_folder()
        modes = {
            "folder": stat.S_IMODE(os.stat(folder).st_mode),
            "socket": stat.S_IMODE(os.stat(lock.socket).st_mode),
            "lock": stat.S_IMODE(
                os.stat(attach_files.lock_path(folder, project.resolve())).st_mode
            ),
        }

        async def connect() -> RpcConnection:
            reader, writer = await asyncio.open_unix_connection(lock.socket)
            connection = RpcConnection(reader, writer)
            connection.start()
            return connection

        stranger = await connect()
        with pytest.raises(RpcError) as before_initialize:
            await stranger.request("claude/session/new", {"cwd": str(project)})
        with pytest.raises(RpcError) as refused:
            await stranger.request(
                "initialize",
                initialize_params(project, attach_token="f" * 64, request_permission=False),
            )
        await asyncio.wait_for(stranger.closed.wait(), 5)

        member = await connect()
        await member.request(
            "initialize",
            initialize_params(project, attach_token=lock.token, request_permission=False),
        )
        with pytest.raises(RpcError) as not_lsp:
            await member.request("workspace/symbol", {"query": "add"})
        attached_session = await member.request("claude/session/new", {"cwd": str(project)})
        # The editor's connection is unaffected, and its sessions are its own.
        editor_session = await new_session(client, project)
        with pytest.raises(RpcError) as not_its_own:
            await member.request(
                "claude/session/setMode",
                {"sessionId": editor_session, "modeId": "bypassPermissions"},
            )
        await member.close()

    assert modes == {"folder": 0o700, "socket": 0o600, "lock": 0o600}
    assert before_initialize.value.code == -32600
    assert (refused.value.code, refused.value.message) == (
        -32600,
        "attach refused: wrong or missing token",
    )
    assert not_lsp.value.code == -32601
    assert not_its_own.value.code == -32602 and "another client" in not_its_own.value.message
    assert attached_session["sessionId"] != editor_session
    # The server removed its lock and socket when it exited.
    assert not attach_files.lock_path(folder, project.resolve()).exists()
    assert not Path(lock.socket).exists()


async def test_a_dead_servers_lock_is_cleaned_up_and_replaced(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    env = agent_env(fake_api, tmp_path)
    stale = write_stale_lock(project)
    script_fix(fake_api, calc)

    code, _, err = await run_cli(["-p", "fix", "--permission-mode", "acceptEdits"], project, env)

    assert code == 0, err  # answered by a server of its own
    assert calc.read_text() == BROKEN.replace("a - b", "a + b")
    assert not stale.exists()
    assert not (stale.parent / "server-gone.sock").exists()

    dead = attach_files.read_lock(write_stale_lock(project))
    async with start_editor(env, project, "visual-studio-code"):
        lock = await lock_of(project)
    assert dead is not None and lock.pid != dead.pid and lock.token != dead.token
