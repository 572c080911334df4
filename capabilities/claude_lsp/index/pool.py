"""The symbol index's worker processes: `python -m claude_lsp.index.worker`, each fed one
job at a time over its pipes (see worker.py for the framing).

Plain subprocesses rather than a `multiprocessing` pool: a worker then imports only the
extractor (no multiprocessing machinery, and no second import of the server's main
module, which `spawn` does in every worker), so it is parsing sooner and at a lower cost,
and the server never forks its threaded self. The jobs are named functions of worker.py
with marshalled arguments, so nothing is pickled either way.

Each exchange runs in a thread of the pool's own (not the event loop's default executor,
which the server's other blocking work needs meanwhile), whose blocking reads take a reply
(a few hundred KiB) into one bytes object of its exact size, passed on without a copy: a
copy of each reply (the status byte sliced off) left the server's heap 5 MiB larger after
a cold build of the standard library. Reaping stopped workers happens there too, never on
the event loop.

Like a process pool, the pool is broken once any worker dies (a crash in a grammar):
every job running or waiting fails with `WorkerFailed`, and its files stay unindexed
until the next build tries them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import marshal
import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import IO

from claude_lsp.index.worker import HEADER_BYTES, OK, Job
from claude_lsp.python_command import python_module_command

# How long a stopped worker may take to be reaped.
_REAP_SECONDS = 5.0


class WorkerFailed(Exception):
    """A job did not run: its worker died (and with it the pool), the pool was closed, or
    the job itself raised (the pool goes on)."""


class WorkerPool:
    """Up to `size` worker processes, started together, each running one job at a time."""

    def __init__(self, processes: Sequence[subprocess.Popen[bytes]]) -> None:
        self._processes = list(processes)
        # Idle workers, or None once the pool is broken (a waiting job then fails too).
        self._idle: asyncio.Queue[subprocess.Popen[bytes] | None] = asyncio.Queue()
        for process in self._processes:
            self._idle.put_nowait(process)
        self._broken: str | None = None
        # One thread per worker's exchange, and one to reap stopped workers.
        self._threads = ThreadPoolExecutor(
            len(self._processes) + 1, thread_name_prefix="index-worker-pipes"
        )

    @classmethod
    def start(
        cls, size: int, languages: Sequence[str], references: bool, niceness: int
    ) -> WorkerPool:
        """Start `size` workers; each loads `languages` (reading references too, when
        `references` is set) at `niceness` while the first jobs are on their way."""
        setup = _framed(marshal.dumps((list(languages), references, niceness)))
        processes: list[subprocess.Popen[bytes]] = []
        try:
            for _ in range(size):
                process = subprocess.Popen(
                    python_module_command("claude_lsp.index.worker"),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                )
                processes.append(process)
                assert process.stdin is not None
                process.stdin.write(setup)
                process.stdin.flush()
        except BaseException:
            _stop(processes, kill=True)
            raise
        return cls(processes)

    async def run(self, job: Job) -> bytes:
        """Run `job` on the next idle worker: its marshalled result."""
        request = _framed(marshal.dumps(job))
        process = await self._idle.get()
        if process is None or self._broken is not None:
            self._idle.put_nowait(None)
            raise WorkerFailed(self._broken or _CLOSED)
        loop = asyncio.get_running_loop()
        try:
            reply = await loop.run_in_executor(self._threads, _exchange, process, request)
        except _WorkerDied as died:
            # Every job failing from now on says why, the status included.
            self._break(f"a worker process exited (status {died.status})", kill=True)
            raise WorkerFailed(self._broken) from died
        except BaseException:
            # Cancelled mid-job: its answer would come out of turn, so this worker goes.
            self._processes.remove(process)
            _kill(process)
            self._reap([process])
            if not self._processes:
                self._break("every worker was stopped", kill=False)
            raise
        self._idle.put_nowait(process)
        status, result = reply
        if status != OK:
            raise WorkerFailed(result.decode("utf-8", "replace"))
        return result

    async def close(self) -> None:
        """Let the workers exit (their stdin closes) and wait for them, so that their CPU
        time is the parent's to count (one that has not exited after `_REAP_SECONDS` is
        killed)."""
        self._break(_CLOSED, kill=False)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._threads, _stop, self._processes, False)
        self._threads.shutdown(wait=False)

    def kill(self) -> None:
        """Stop every worker now (the index is closing, or the build was cancelled); they
        are reaped in the background."""
        self._break(_CLOSED, kill=True)
        self._reap(self._processes)
        self._threads.shutdown(wait=False)

    def _reap(self, processes: Sequence[subprocess.Popen[bytes]]) -> None:
        """Reap killed workers and close their pipes, off the event loop."""
        with contextlib.suppress(RuntimeError):  # the pool is shut down: reaped already
            self._threads.submit(_stop, list(processes), True)

    def _break(self, reason: str, kill: bool) -> None:
        """Fail every job from now on (and the waiting ones), stopping the workers if `kill`."""
        if kill:
            for process in self._processes:
                _kill(process)
        if self._broken is None:
            self._broken = reason
            self._idle.put_nowait(None)


_CLOSED = "the worker pool is closed"


def _framed(payload: bytes) -> bytes:
    return len(payload).to_bytes(HEADER_BYTES, "little") + payload


class _WorkerDied(Exception):
    def __init__(self, status: int | str) -> None:
        super().__init__(f"status {status}")
        self.status = status


def _exchange(process: subprocess.Popen[bytes], request: bytes) -> tuple[bytes, bytes]:
    """Send one request and read its reply, (status, result); both block, so this runs in
    a thread, which also waits for the exit status of a worker found dead."""
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(request)
        process.stdin.flush()
        header = _read_exactly(process.stdout, 1 + HEADER_BYTES)
        return header[:1], _read_exactly(process.stdout, int.from_bytes(header[1:], "little"))
    except (OSError, ValueError, EOFError) as exc:  # ValueError: a pipe closed by kill()
        raise _WorkerDied(_exit_status(process)) from exc


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data: bytes = stream.read(size)
    if len(data) < size:
        raise EOFError("the worker's output ended")
    return data


def _exit_status(process: subprocess.Popen[bytes]) -> int | str:
    """The exit status of a worker whose pipes closed."""
    try:
        return process.wait(_REAP_SECONDS)
    except subprocess.TimeoutExpired:
        return "unknown"


def _kill(process: subprocess.Popen[bytes]) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.kill()


def _stop(processes: Sequence[subprocess.Popen[bytes]], kill: bool) -> None:
    """End `processes` (killed, or left to exit as their stdin closes, and killed if they
    have not after `_REAP_SECONDS`), reap them and close their pipes. Blocking: run it in a
    thread."""
    for process in processes:
        if kill:
            _kill(process)
        if process.stdin is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()
    for process in processes:
        try:
            process.wait(_REAP_SECONDS)
        except subprocess.TimeoutExpired:
            _kill(process)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(_REAP_SECONDS)
        if process.stdout is not None:
            process.stdout.close()
