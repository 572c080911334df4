"""Bash, BashOutput, KillShell and BackgroundShells, against a real bash.

Waits poll with generous deadlines so a loaded machine does not make them flaky; the
only tight bound is the 0.5 s within which a cancelled command must be gone.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claude_lsp.tools import bash as bash_module
from claude_lsp.tools.base import ToolContext, ToolError, ToolResult
from claude_lsp.tools.bash import BashOutputTool, BashTool, KillShellTool
from claude_lsp.tools.shells import _OutputBuffer

PATIENCE_S = 15.0


@pytest.fixture
def ctx(shell_ctx: ToolContext) -> ToolContext:
    return shell_ctx


def alive(pid: int) -> bool:
    """Whether `pid` runs; zombies count as dead (nothing may reap orphans here)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return True
    return stat[stat.rfind(b")") + 2 :].split()[0] not in (b"Z", b"X")


async def eventually(check: Callable[[], bool], timeout: float = PATIENCE_S) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


def read_pid(path: Path) -> int | None:
    try:
        text = path.read_text()
    except OSError:
        return None
    return int(text) if text.endswith("\n") and text.strip().isdigit() else None


async def wait_pid(path: Path) -> int:
    assert await eventually(lambda: read_pid(path) is not None), f"{path} never written"
    pid = read_pid(path)
    assert pid is not None
    return pid


async def bash(ctx: ToolContext, command: str, **extra: Any) -> ToolResult:
    tool_input = {"command": command, **extra}
    assert BashTool().validate(tool_input) is None
    return await BashTool().run(tool_input, ctx)


async def output(ctx: ToolContext, bash_id: str, pattern: str | None = None) -> str:
    tool_input: dict[str, Any] = {"bash_id": bash_id}
    if pattern is not None:
        tool_input["filter"] = pattern
    assert BashOutputTool().validate(tool_input) is None
    return (await BashOutputTool().run(tool_input, ctx)).text()


# --- foreground -------------------------------------------------------------------------


async def test_stdout_then_stderr_and_exit_code(ctx: ToolContext) -> None:
    ok = await bash(ctx, "echo hello")
    assert ok.text() == "hello"
    assert not ok.is_error

    failed = await bash(ctx, "echo err >&2; echo out; exit 3")
    assert failed.is_error
    assert failed.text() == "out\nerr\nExit code 3"


async def test_no_output_note(ctx: ToolContext) -> None:
    result = await bash(ctx, "true")
    assert result.text() == "(no output)"
    assert not result.is_error


async def test_stdin_is_empty(ctx: ToolContext) -> None:
    result = await bash(ctx, "cat; echo done")
    assert result.text() == "done"


async def test_cwd_persists_but_exports_do_not(ctx: ToolContext) -> None:
    root = ctx.cwd
    (root / "sub").mkdir()
    await bash(ctx, "cd sub && export CLAUDE_LSP_TEST_X=1")
    assert ctx.cwd == (root / "sub").resolve()
    result = await bash(ctx, 'pwd -P; echo "${CLAUDE_LSP_TEST_X:-unset}"')
    assert result.text() == f"{(root / 'sub').resolve()}\nunset"


async def test_early_exit_keeps_cwd(ctx: ToolContext) -> None:
    root = ctx.cwd
    (root / "sub").mkdir()
    result = await bash(ctx, "cd sub; exit 0")
    assert not result.is_error
    assert ctx.cwd == root


async def test_heredoc_and_trailing_backslash_do_not_break_cwd_tracking(ctx: ToolContext) -> None:
    (ctx.cwd / "sub").mkdir()
    result = await bash(ctx, "cd sub\ncat <<EOF\nline\nEOF")
    assert result.text() == "line"
    assert ctx.cwd.name == "sub"
    await bash(ctx, "cd ..; echo done \\")  # a dangling backslash must not eat the wrapper
    assert ctx.cwd.name == "root"


async def test_deleted_cwd_resets_to_root_with_notice(ctx: ToolContext) -> None:
    root = ctx.cwd
    gone = root / "gone"
    gone.mkdir()
    ctx.cwd = gone
    gone.rmdir()
    result = await bash(ctx, "pwd -P")
    assert ctx.cwd == root
    assert str(root.resolve()) in result.text()
    assert "no longer exists" in result.text()

    # The command removes the directory it ends in.
    result = await bash(ctx, "mkdir doomed && cd doomed && rmdir ../doomed")
    assert ctx.cwd == root
    assert "no longer exists" in result.text()


async def test_timeout_kills_the_whole_process_group(ctx: ToolContext, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    result = await bash(
        ctx, f"echo started; sleep 100 & echo $! > {pid_file}; sleep 100", timeout=1000
    )
    assert result.is_error
    assert "started" in result.text()
    assert "timed out after 1000 ms" in result.text()
    pid = read_pid(pid_file)
    assert pid is not None
    assert await eventually(lambda: not alive(pid)), "background grandchild survived"


async def test_timeout_escalates_to_sigkill(ctx: ToolContext, tmp_path: Path) -> None:
    pid_file = tmp_path / "stubborn.pid"
    result = await bash(
        ctx, f"trap '' TERM; sleep 100 & echo $! > {pid_file}; sleep 100", timeout=500
    )
    assert "timed out" in result.text()
    pid = read_pid(pid_file)
    assert pid is not None
    assert await eventually(lambda: not alive(pid))


async def test_timeout_above_maximum_is_clamped(
    ctx: ToolContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert BashTool().validate({"command": "true", "timeout": 10**9}) is None
    assert bash_module._timeout_ms(10**9) == 600_000
    assert bash_module._timeout_ms(None) == 120_000
    monkeypatch.setattr(bash_module, "MAX_TIMEOUT_MS", 300)
    result = await bash(ctx, "sleep 100", timeout=10**9)
    assert "timed out after 300 ms" in result.text()


async def test_long_output_keeps_head_and_tail_and_saves_the_rest(ctx: ToolContext) -> None:
    result = await bash(ctx, "seq 1 20000")
    text = result.text()
    full = "\n".join(str(n) for n in range(1, 20001))
    assert len(full) > 30_000
    assert text.startswith("1\n2\n3\n")
    assert text.endswith("19999\n20000")
    assert len(text) < 30_000 + 500
    assert "cut from the middle" in text
    saved = next(word for word in text.split() if "bash-output-" in word).rstrip(";")
    assert Path(saved).parent == ctx.scratch_dir
    assert Path(saved).read_text() == full


async def test_max_output_length_env_override(ctx: ToolContext) -> None:
    ctx.env["BASH_MAX_OUTPUT_LENGTH"] = "1000"
    result = await bash(ctx, "seq 1 1000")
    text = result.text()
    assert "cut from the middle" in text
    assert text.startswith("1\n2\n")
    assert text.endswith("999\n1000")
    assert len(text) < 1000 + 500


async def test_output_flood_is_bounded(ctx: ToolContext) -> None:
    result = await bash(ctx, "yes | head -c 20000000")
    text = result.text()
    assert len(text) < 30_000 + 500
    saved = next(word for word in text.split() if "bash-output-" in word).rstrip(";")
    size = Path(saved).stat().st_size
    assert size < 6 * 1024 * 1024
    assert "bytes of output were not kept" in Path(saved).read_text()


async def test_cancellation_kills_the_process_group_quickly(
    ctx: ToolContext, tmp_path: Path
) -> None:
    leader_file = tmp_path / "leader.pid"
    child_file = tmp_path / "child.pid"
    task = asyncio.create_task(
        bash(ctx, f"sleep 100 & echo $! > {child_file}; echo $$ > {leader_file}; wait")
    )
    leader = await wait_pid(leader_file)
    child = await wait_pid(child_file)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    while (alive(leader) or alive(child)) and time.monotonic() - started < 0.5:
        time.sleep(0.005)
    assert not alive(leader), "bash survived cancellation"
    assert not alive(child), "background child survived cancellation"


async def test_invalid_input_is_rejected() -> None:
    tool = BashTool()
    assert tool.validate({}) is not None
    assert tool.validate({"command": 5}) is not None
    assert tool.validate({"command": "ls", "timeout": "fast"}) is not None
    assert tool.validate({"command": "ls", "timeout": -5}) is not None
    assert tool.validate({"command": "ls", "run_in_background": "yes"}) is not None
    assert tool.validate({"command": "ls", "surprise": 1}) is not None
    assert (
        tool.validate(
            {"command": "ls", "timeout": 5000, "description": "List", "run_in_background": False}
        )
        is None
    )
    assert BashOutputTool().validate({}) is not None
    assert BashOutputTool().validate({"bash_id": "bash_1", "filter": 3}) is not None
    assert KillShellTool().validate({"shell_id": 1}) is not None
    assert KillShellTool().validate({"shell_id": "bash_1"}) is None


def test_titles_and_kinds() -> None:
    tool = BashTool()
    assert tool.title({"command": "ls -la"}) == "Bash(ls -la)"
    assert tool.title({"command": "ls", "description": "List files"}) == "List files"
    long_title = tool.title({"command": "echo " + "x" * 300})
    assert long_title.startswith("Bash(echo xxx") and len(long_title) <= 90
    assert BashOutputTool().title({"bash_id": "bash_2"}) == "BashOutput(bash_2)"
    assert KillShellTool().title({"shell_id": "bash_3"}) == "KillShell(bash_3)"
    assert (tool.kind, tool.read_only) == ("execute", False)
    assert (BashOutputTool.kind, BashOutputTool.read_only) == ("execute", True)
    assert (KillShellTool.kind, KillShellTool.read_only) == ("execute", False)
    for schema in (tool.input_schema, BashOutputTool.input_schema, KillShellTool.input_schema):
        assert schema["type"] == "object"
        assert schema["additionalProperties"] is False
        assert all("description" in prop for prop in schema["properties"].values())


# --- background -------------------------------------------------------------------------


async def start_background(ctx: ToolContext, command: str) -> str:
    result = await bash(ctx, command, run_in_background=True)
    assert not result.is_error
    shell_id = next(word for word in result.text().split() if word.startswith("bash_"))
    return shell_id.rstrip(".")


async def test_background_incremental_reads_filter_and_exit_code(ctx: ToolContext) -> None:
    go = ctx.cwd / "go"
    shell_id = await start_background(
        ctx, "echo ONE; while [ ! -e go ]; do sleep 0.05; done; echo TWO; echo SKIP; exit 4"
    )
    assert shell_id == "bash_1"

    seen = ""

    async def collect() -> bool:
        nonlocal seen
        seen += await output(ctx, shell_id)
        return "ONE" in seen

    deadline = time.monotonic() + PATIENCE_S
    while not await collect():
        assert time.monotonic() < deadline, seen
        await asyncio.sleep(0.02)
    assert "running" in seen

    again = await output(ctx, shell_id)
    assert "ONE" not in again
    assert "(no new output)" in again

    go.touch()
    assert await eventually(lambda: ctx.shells.status(shell_id)[0] == "completed")
    filtered = await output(ctx, shell_id, "^TW")
    assert "completed (exit code 4)" in filtered
    assert "TWO" in filtered
    assert "SKIP" not in filtered
    assert "(no new output)" in await output(ctx, shell_id)


async def test_background_invalid_filter(ctx: ToolContext) -> None:
    shell_id = await start_background(ctx, "echo hi")
    with pytest.raises(ToolError, match="Invalid filter"):
        await BashOutputTool().run({"bash_id": shell_id, "filter": "("}, ctx)


async def test_kill_shell_stops_the_group(ctx: ToolContext, tmp_path: Path) -> None:
    pid_file = tmp_path / "bg.pid"
    shell_id = await start_background(ctx, f"echo up; sleep 100 & echo $! > {pid_file}; wait")
    pid = await wait_pid(pid_file)
    result = await KillShellTool().run({"shell_id": shell_id}, ctx)
    assert "Killed shell" in result.text()
    assert await eventually(lambda: not alive(pid))
    assert ctx.shells.status(shell_id)[0] == "killed"
    read = await output(ctx, shell_id)
    assert "killed" in read
    assert "up" in read
    again = await KillShellTool().run({"shell_id": shell_id}, ctx)
    assert "no longer running" in again.text()


async def test_unknown_ids_list_known_ones(ctx: ToolContext) -> None:
    with pytest.raises(ToolError, match="none have been started"):
        await BashOutputTool().run({"bash_id": "bash_9"}, ctx)
    shell_id = await start_background(ctx, "true")
    with pytest.raises(ToolError, match=shell_id):
        await KillShellTool().run({"shell_id": "bash_9"}, ctx)
    with pytest.raises(ToolError, match="bash_9"):
        ctx.shells.read_new("bash_9")


async def test_close_all_kills_everything(ctx: ToolContext, tmp_path: Path) -> None:
    pids = []
    ids = []
    for n in range(2):
        pid_file = tmp_path / f"bg{n}.pid"
        ids.append(await start_background(ctx, f"sleep 100 & echo $! > {pid_file}; wait"))
        pids.append(await wait_pid(pid_file))
    assert ids == ["bash_1", "bash_2"]
    await ctx.shells.close_all()
    for pid in pids:
        assert await eventually(lambda pid=pid: not alive(pid))
    assert [ctx.shells.status(shell_id)[0] for shell_id in ids] == ["killed", "killed"]


def test_output_buffer_is_capped() -> None:
    buffer = _OutputBuffer(cap=10)
    buffer.append("abcdef")
    buffer.append("ghijklmno")
    assert buffer.dropped == 5
    assert buffer.take(whole_lines=False) == "fghijklmno"
    buffer.append("one\ntw")
    assert buffer.take(whole_lines=True) == "one\n"
    assert buffer.take(whole_lines=False) == "tw"
