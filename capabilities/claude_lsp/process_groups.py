"""A child process that leads a process group of its own, so it can always be stopped whole.

The command starts in a new session: its group then holds everything it starts, and a
timeout or a cancel can kill the whole tree, not just the top-level process. Output
arrives through protocol callbacks (the caller decides what to keep), and the pipes
are released only once the process has exited, which is when asyncio can do so safely.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Self

SPAWN_WAIT_S = 1.0
"""After a cancel, how long to wait for a process that is still starting to be handed over."""

REAP_WAIT_S = 1.0
"""By default, how long to wait for a killed leader to be reaped."""

OnData = Callable[[int, bytes], None]
"""Receives each chunk of output with the file descriptor it came from (1 or 2)."""


class GroupProtocol(asyncio.SubprocessProtocol):
    """Forwards pipe data to a callback and turns exit / EOF into futures."""

    def __init__(self, on_data: OnData, outputs: set[int]) -> None:
        loop = asyncio.get_running_loop()
        self._on_data = on_data
        self._open_outputs = set(outputs)
        self.exited: asyncio.Future[None] = loop.create_future()
        self.output_done: asyncio.Future[None] = loop.create_future()
        self.exited_at: float | None = None

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self._on_data(fd, data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        self._open_outputs.discard(fd)  # fd 0 (stdin) is not an output
        if not self._open_outputs and not self.output_done.done():
            self.output_done.set_result(None)

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited_at = time.monotonic()
            self.exited.set_result(None)


_Spawn = asyncio.Future[tuple[asyncio.SubprocessTransport, GroupProtocol]]


class GroupProcess:
    """A started process leading its own session (its group id is its pid).

    The pipes are released on their own once the process has exited and every output
    reached EOF; `close` releases them sooner when the caller is done with the output.
    """

    def __init__(self, transport: asyncio.SubprocessTransport, protocol: GroupProtocol) -> None:
        self._transport = transport
        self._protocol = protocol
        self._pgid = transport.get_pid()  # a new session: group id == leader's pid
        self._group_gone = False
        self._closed = False
        protocol.exited.add_done_callback(self._close_when_finished)
        protocol.output_done.add_done_callback(self._close_when_finished)

    @classmethod
    async def spawn(
        cls,
        argv: Sequence[str],
        *,
        cwd: Path,
        env: Mapping[str, str],
        on_data: OnData,
        stdin_data: bytes | None = None,
        merge_stderr: bool = False,
        cancel_reap_s: float = REAP_WAIT_S,
    ) -> Self:
        """Start `argv` in a new session; stdin gets `stdin_data`, or /dev/null if None.

        Raises OSError (or ValueError: a NUL byte in an argument) when it cannot start.
        If the caller is cancelled meanwhile, the process is killed before the
        CancelledError propagates, waiting at most `cancel_reap_s` for it to be reaped.
        """
        loop = asyncio.get_running_loop()
        protocol = GroupProtocol(on_data, {1} if merge_stderr else {1, 2})
        spawn: _Spawn = asyncio.ensure_future(
            loop.subprocess_exec(
                lambda: protocol,
                *argv,
                stdin=subprocess.DEVNULL if stdin_data is None else subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
                cwd=str(cwd),
                env=dict(env),
                start_new_session=True,
            )
        )
        try:
            # Shielded: cancelling asyncio's own spawn kills only the leader and then
            # waits for the pipes, which a grandchild may hold open for ever.
            transport, _ = await asyncio.shield(spawn)
        except asyncio.CancelledError:
            await _stop_cancelled_spawn(spawn, cancel_reap_s)
            raise
        process = cls(transport, protocol)
        if stdin_data is not None:
            stdin = transport.get_pipe_transport(0)
            if isinstance(stdin, asyncio.WriteTransport):
                # Buffered by the transport: a command that never reads stdin cannot
                # block us, and one that closes it early only costs an ignored EPIPE.
                stdin.write(stdin_data)
                stdin.close()
        return process

    @property
    def pid(self) -> int:
        return self._pgid

    @property
    def returncode(self) -> int | None:
        """None while the leader runs; negative when a signal ended it."""
        return self._transport.get_returncode()

    @property
    def exited(self) -> bool:
        return self._protocol.exited.done()

    @property
    def exited_at(self) -> float | None:
        """When the exit was noticed (`time.monotonic()`); None while the leader runs."""
        return self._protocol.exited_at

    @property
    def output_done(self) -> bool:
        """True once every output pipe hit EOF (a background grandchild can hold them open)."""
        return self._protocol.output_done.done()

    async def wait(self, timeout: float | None) -> bool:
        """Wait for the leader to exit; False if `timeout` seconds passed first."""
        await asyncio.wait({self._protocol.exited}, timeout=timeout)
        return self.exited

    async def wait_output(self, timeout: float | None) -> bool:
        """Wait for EOF on all output pipes; False if `timeout` seconds passed first."""
        await asyncio.wait({self._protocol.output_done}, timeout=timeout)
        return self.output_done

    def signal_group(self, sig: signal.Signals) -> bool:
        """Signal the whole group; False once it is gone (then never again: pids get reused)."""
        if self._group_gone:
            return False
        try:
            os.killpg(self._pgid, sig)
        except ProcessLookupError:
            self._group_gone = True
            return False
        except PermissionError:
            return False
        return True

    def kill_now(self) -> None:
        """SIGKILL the group at once, without awaiting (safe inside a cancelled task)."""
        self.signal_group(signal.SIGKILL)

    async def kill_and_reap(self, timeout: float = REAP_WAIT_S) -> None:
        """SIGKILL the group, then wait (bounded) for the leader to be reaped.

        For a cancelled caller: the kill is immediate; the short wait only lets the
        transport close cleanly instead of being left to a loop that may be closing.
        """
        self.kill_now()
        await self.wait(timeout)

    def close(self) -> None:
        """Release the pipes now, or as soon as the leader exits if it still runs.

        Closing the transport of a running child would make asyncio poll it in a race
        with the child watcher, so a live leader is left to exit first.
        """
        if self._closed:
            return
        if self.exited:
            self._closed = True
            self._transport.close()
        else:
            self._protocol.exited.add_done_callback(lambda _: self.close())

    def _close_when_finished(self, _: asyncio.Future[None]) -> None:
        if self.exited and self.output_done:
            self.close()


def _adopt(spawn: _Spawn) -> GroupProcess | None:
    if spawn.cancelled() or spawn.exception() is not None:
        return None
    transport, protocol = spawn.result()
    return GroupProcess(transport, protocol)


def _kill_spawned(spawn: _Spawn) -> None:
    process = _adopt(spawn)
    if process is not None:
        process.kill_now()
        process.close()


async def _stop_cancelled_spawn(spawn: _Spawn, reap_s: float) -> None:
    """Stop a command whose start was cancelled: it may already be running.

    asyncio hands the process over once its pipes are connected, which takes moments;
    waiting for that lets the group be killed now rather than whenever the loop next
    gets to it.
    """
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait({spawn}, timeout=SPAWN_WAIT_S)
    if not spawn.done():
        spawn.add_done_callback(_kill_spawned)
        return
    process = _adopt(spawn)
    if process is not None:
        with contextlib.suppress(asyncio.CancelledError):
            await process.kill_and_reap(timeout=reap_s)
        process.close()
