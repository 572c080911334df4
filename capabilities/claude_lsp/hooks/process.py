"""One hook command as a process: `/bin/sh -c`, JSON on stdin, capped output, a deadline.

Hooks are user scripts that may misbehave in every way, so nothing here trusts them:
output arrives through protocol callbacks into capped buffers (a flood can neither
exhaust memory nor block the hook on a full pipe), the command runs in a session of
its own so a timeout or a cancel kills everything it started, and a background child
that keeps the pipes open after the hook exits delays the result only briefly.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from claude_lsp.process_groups import GroupProcess

OUTPUT_CAP_BYTES = 1024 * 1024
"""Per stream; bytes past this are dropped (and the run is marked truncated)."""

OUTPUT_SETTLE_S = 0.5
"""After the hook exits, how long its pipes may stay open before its output counts as
complete (a `cmd &` it left behind can hold them open indefinitely; it is left running,
as notifiers such as `afplay sound.aiff &` are meant to)."""

REAP_WAIT_S = 1.0
"""How long to wait for a killed hook to be reaped, also when the cancel came as it started."""

SHELL = "/bin/sh"


@dataclass(frozen=True)
class HookRun:
    """What one hook process did, before any interpretation."""

    command: str
    exit_code: int | None
    """None when it could not start or outlived its kill; negative: ended by that signal."""
    stdout: str
    stderr: str
    duration_s: float
    timed_out: bool = False
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    start_error: str | None = None


class _CappedBytes:
    """The first `cap` bytes of a stream; later bytes are counted as dropped."""

    def __init__(self, cap: int) -> None:
        self._cap = cap
        self._parts: list[bytes] = []
        self._size = 0
        self.truncated = False

    def add(self, data: bytes) -> None:
        room = self._cap - self._size
        if len(data) > room:
            self.truncated = True
            data = data[:room]
        if data:
            self._parts.append(data)
            self._size += len(data)

    def text(self) -> str:
        return b"".join(self._parts).decode("utf-8", errors="replace")


async def run_hook_process(
    command: str,
    stdin_data: bytes,
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout_s: float,
) -> HookRun:
    """Run `command` to completion or to its deadline; never raises except on cancel.

    A cancel kills the hook's whole process group before the CancelledError propagates.
    """
    started = time.monotonic()
    outputs = {1: _CappedBytes(OUTPUT_CAP_BYTES), 2: _CappedBytes(OUTPUT_CAP_BYTES)}
    try:
        process = await GroupProcess.spawn(
            [SHELL, "-c", command],
            cwd=cwd,
            env=env,
            on_data=lambda fd, data: outputs[fd].add(data),
            stdin_data=stdin_data,
            cancel_reap_s=REAP_WAIT_S,
        )
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the command
        return HookRun(
            command, None, "", "", time.monotonic() - started, start_error=f"{SHELL}: {exc}"
        )
    timed_out = False
    try:
        if not await process.wait(timeout_s):
            timed_out = True
            await process.kill_and_reap(REAP_WAIT_S)
        else:
            await process.wait_output(OUTPUT_SETTLE_S)
    except asyncio.CancelledError:
        if process.returncode is None:
            with contextlib.suppress(asyncio.CancelledError):
                await process.kill_and_reap(REAP_WAIT_S)
        raise
    finally:
        process.close()
    return HookRun(
        command=command,
        exit_code=process.returncode,
        stdout=outputs[1].text(),
        stderr=outputs[2].text(),
        duration_s=time.monotonic() - started,
        timed_out=timed_out,
        stdout_truncated=outputs[1].truncated,
        stderr_truncated=outputs[2].truncated,
    )
