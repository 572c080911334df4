"""The symbol index's worker processes: `python -m claude_lsp.index.worker`, each fed one
job at a time over its pipes (see worker.py for the framing).

Plain subprocesses rather than a `multiprocessing` pool: a worker then imports only the
extractor (no multiprocessing machinery, and no second import of the server's main
module, which `spawn` does in every worker), so it is parsing sooner and at a lower cost,
and the server never forks its threaded self. The jobs are named functions of worker.py
with marshalled arguments, so nothing is pickled either way.

Like a process pool, the pool is broken once any worker dies (a crash in a grammar):
every job running or waiting fails with `WorkerFailed`, and its files stay unindexed
until the next build tries them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import marshal
import sys
from collections.abc import Sequence

from claude_lsp.index.worker import HEADER_BYTES, OK, Job


class WorkerFailed(Exception):
    """A job did not run: its worker died (and with it the pool), the pool was closed, or
    the job itself raised (the pool goes on)."""


class WorkerPool:
    """Up to `size` worker processes, started together, each running one job at a time."""

    def __init__(self, processes: Sequence[asyncio.subprocess.Process]) -> None:
        self._processes = list(processes)
        # Idle workers, or None once the pool is broken (a waiting job then fails too).
        self._idle: asyncio.Queue[asyncio.subprocess.Process | None] = asyncio.Queue()
        for process in self._processes:
            self._idle.put_nowait(process)
        self._broken: str | None = None

    @classmethod
    async def start(
        cls, size: int, languages: Sequence[str], references: bool, niceness: int
    ) -> WorkerPool:
        """Start `size` workers; each loads `languages` (reading references too, when
        `references` is set) at `niceness` while the first jobs are on their way."""
        setup = _framed(marshal.dumps((list(languages), references, niceness)))
        processes: list[asyncio.subprocess.Process] = []
        try:
            for _ in range(size):
                process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    # -P: the server's working directory is usually the workspace, whose
                    # files must not shadow the modules a worker imports.
                    "-P",
                    "-m",
                    "claude_lsp.index.worker",
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.PIPE,
                )
                processes.append(process)
                assert process.stdin is not None
                process.stdin.write(setup)
        except BaseException:
            for process in processes:
                _kill(process)
            raise
        return cls(processes)

    async def run(self, job: Job) -> bytes:
        """Run `job` on the next idle worker: its marshalled result."""
        request = _framed(marshal.dumps(job))
        process = await self._idle.get()
        if process is None or self._broken is not None:
            self._idle.put_nowait(None)
            raise WorkerFailed(self._broken or _CLOSED)
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(request)
            await process.stdin.drain()
            size = int.from_bytes(await process.stdout.readexactly(HEADER_BYTES), "little")
            reply = await process.stdout.readexactly(size)
        except (OSError, asyncio.IncompleteReadError) as exc:
            if self._broken is not None:  # closed meanwhile: that is the news
                raise WorkerFailed(self._broken) from exc
            self._break(_DIED, kill=True)
            raise WorkerFailed(f"{_DIED} (status {await _exit_status(process)})") from exc
        except BaseException:
            # Cancelled mid-job: its answer would come out of turn, so this worker goes.
            _kill(process)
            self._processes.remove(process)
            if not self._processes:
                self._break("every worker was stopped", kill=False)
            raise
        self._idle.put_nowait(process)
        if reply[:1] != OK:
            raise WorkerFailed(reply[1:].decode("utf-8", "replace"))
        return reply[1:]

    async def close(self) -> None:
        """Let the workers exit (their stdin closes) and wait for them, so that their CPU
        time is the parent's to count."""
        self._break(_CLOSED, kill=False)
        for process in self._processes:
            if process.stdin is not None:
                process.stdin.close()
        for process in self._processes:
            await process.wait()

    def kill(self) -> None:
        """Stop every worker now (the index is closing, or the build was cancelled)."""
        self._break(_CLOSED, kill=True)

    def _break(self, reason: str, kill: bool) -> None:
        """Fail every job from now on (and the waiting ones), stopping the workers if `kill`."""
        if kill:
            for process in self._processes:
                _kill(process)
        if self._broken is None:
            self._broken = reason
            self._idle.put_nowait(None)


_CLOSED = "the worker pool is closed"
_DIED = "a worker process exited"


def _framed(payload: bytes) -> bytes:
    return len(payload).to_bytes(HEADER_BYTES, "little") + payload


async def _exit_status(process: asyncio.subprocess.Process) -> int | str:
    """The exit status of a worker whose pipes closed (the pool is broken already, so a
    cancel meanwhile loses nothing)."""
    with contextlib.suppress(asyncio.TimeoutError):
        return await asyncio.wait_for(process.wait(), 1.0)
    return "unknown"


def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
