"""GroupProcess against real processes: pipes, stdin, killing the whole group, cancels.

Waits poll with generous deadlines so a loaded machine does not make them flaky.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from pathlib import Path

import pytest

from claude_lsp.process_groups import GroupProcess
from tests.unit.hooks.helpers import alive, wait_gone

PATIENCE_S = 15.0


class Output:
    """Chunks received per file descriptor."""

    def __init__(self) -> None:
        self.chunks: dict[int, bytearray] = {}

    def __call__(self, fd: int, data: bytes) -> None:
        self.chunks.setdefault(fd, bytearray()).extend(data)

    def get(self, fd: int) -> bytes:
        return bytes(self.chunks.get(fd, b""))


def live_pids_with(marker: str) -> list[int]:
    """Running (non-zombie) processes whose command line contains `marker`."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{name}/cmdline").read_bytes()
        except OSError:
            continue
        if marker.encode() in cmdline and alive(int(name)):
            found.append(int(name))
    return found


async def running(marker: str, count: int) -> list[int]:
    """Wait until `count` live processes carry `marker`; their pids."""
    deadline = time.monotonic() + PATIENCE_S
    while len(pids := live_pids_with(marker)) < count:
        assert time.monotonic() < deadline, f"{count} processes with {marker} never ran"
        await asyncio.sleep(0.02)
    return pids


def unique_sleep() -> str:
    """A `sleep` duration no other process uses, to find this test's processes by."""
    return f"1000.{uuid.uuid4().int % 10**9:09d}"


async def sh(
    script: str,
    cwd: Path,
    output: Output,
    *,
    stdin_data: bytes | None = None,
    merge_stderr: bool = False,
) -> GroupProcess:
    return await GroupProcess.spawn(
        ["/bin/sh", "-c", script],
        cwd=cwd,
        env=dict(os.environ),
        on_data=output,
        stdin_data=stdin_data,
        merge_stderr=merge_stderr,
    )


async def test_each_stream_arrives_on_its_descriptor(tmp_path: Path) -> None:
    output = Output()
    process = await sh("echo out; echo err >&2; exit 3", tmp_path, output)
    assert await process.wait(PATIENCE_S)
    assert await process.wait_output(PATIENCE_S)
    assert (output.get(1), output.get(2)) == (b"out\n", b"err\n")
    assert process.returncode == 3
    assert process.exited_at is not None and process.exited_at <= time.monotonic()


async def test_merged_stderr_arrives_on_stdout(tmp_path: Path) -> None:
    output = Output()
    process = await sh("echo out; echo err >&2", tmp_path, output, merge_stderr=True)
    assert await process.wait_output(PATIENCE_S)
    assert output.get(1) == b"out\nerr\n"
    assert 2 not in output.chunks


async def test_stdin_data_is_written_then_closed(tmp_path: Path) -> None:
    output = Output()
    process = await sh("cat; echo end", tmp_path, output, stdin_data=b'{"a": 1}')
    assert await process.wait(PATIENCE_S)
    assert await process.wait_output(PATIENCE_S)
    assert output.get(1) == b'{"a": 1}end\n'


async def test_without_data_stdin_is_empty(tmp_path: Path) -> None:
    output = Output()
    process = await sh("cat; echo end", tmp_path, output)
    assert await process.wait(PATIENCE_S)
    assert await process.wait_output(PATIENCE_S)
    assert output.get(1) == b"end\n"


async def test_runs_in_cwd_with_env(tmp_path: Path) -> None:
    output = Output()
    process = await GroupProcess.spawn(
        ["/bin/sh", "-c", 'pwd -P; echo "$GREETING"'],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "GREETING": "hello"},
        on_data=output,
    )
    assert await process.wait_output(PATIENCE_S)
    assert output.get(1).decode() == f"{tmp_path.resolve()}\nhello\n"


async def test_kill_and_reap_stops_the_whole_group(tmp_path: Path) -> None:
    duration = unique_sleep()
    process = await sh(f"sleep {duration} & sleep {duration}", tmp_path, Output())
    try:
        pids = await running(duration, 3)  # the shell and its two sleeps
        assert {os.getpgid(pid) for pid in pids} == {process.pid} != {os.getpgrp()}
    finally:
        await process.kill_and_reap(PATIENCE_S)
    assert process.returncode == -signal.SIGKILL
    assert wait_gone(pids), "part of the group survived"


async def test_signal_group_is_false_once_the_group_is_gone(tmp_path: Path) -> None:
    process = await sh("exit 0", tmp_path, Output())
    assert await process.wait(PATIENCE_S)
    assert not process.signal_group(signal.SIGTERM)
    assert not process.signal_group(signal.SIGKILL)


async def test_close_leaves_a_running_process_to_finish(tmp_path: Path) -> None:
    process = await sh("sleep 0.2; exit 4", tmp_path, Output())
    process.close()
    assert not process.exited
    assert await process.wait(PATIENCE_S)
    assert process.returncode == 4


async def test_a_process_that_cannot_start_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await sh("true", tmp_path / "missing", Output())
    with pytest.raises(ValueError):
        await sh("echo \0", tmp_path, Output())


async def test_cancel_while_starting_leaves_nothing_running(tmp_path: Path) -> None:
    duration = unique_sleep()
    task = asyncio.create_task(sh(f"sleep {duration} & sleep {duration}", tmp_path, Output()))
    await asyncio.sleep(0)  # the spawn is under way, not yet handed over
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # Running the same command uncancelled shows that its processes would be seen.
    control = await sh(f"sleep {duration} & sleep {duration}", tmp_path, Output())
    try:
        seen = await running(duration, 3)
    finally:
        await control.kill_and_reap(PATIENCE_S)
    assert wait_gone(seen)
    assert live_pids_with(duration) == [], "the cancelled command survived"
