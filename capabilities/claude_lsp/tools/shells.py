"""Shell processes the agent starts, in the foreground (Bash) or in the background.

Every command runs as `bash -c` in a session of its own, so its process group holds
everything it started: a timeout, a cancel or KillShell can then stop the whole tree,
not just the top-level bash. Output arrives through asyncio protocol callbacks and is
kept in capped buffers, so a command that floods its output cannot exhaust memory.
"""

from __future__ import annotations

import asyncio
import codecs
import os
import re
import shutil
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import AnyStr, Generic, Literal

from claude_lsp.process_groups import GroupProcess
from claude_lsp.tools.base import ToolError

KILL_GRACE_S = 1.0
"""How long a process group gets to exit after SIGTERM before it is sent SIGKILL."""

BUFFER_CAP_CHARS = 2 * 1024 * 1024
"""Unread background output kept per shell; older unread text is dropped past this."""

OUTPUT_SETTLE_S = 0.5
"""After bash exits, how long its pipes may stay open before output counts as complete
(a `cmd &` it started can hold them open indefinitely)."""

_POLL_S = 0.05

_CANCEL_REAP_S = 0.5
"""How long a start cancelled midway waits for the killed bash to be reaped."""

ShellState = Literal["running", "completed", "killed"]


def bash_executable() -> str:
    """`/bin/bash` where it exists (the usual case), else whatever bash is on PATH."""
    if os.access("/bin/bash", os.X_OK):
        return "/bin/bash"
    found = shutil.which("bash")
    if found is None:
        raise ToolError("bash was not found on this machine.")
    return found


def describe_exit(returncode: int) -> str:
    """`exit code N`, or the signal that ended the process, in the shell's numbering."""
    if returncode >= 0:
        return f"exit code {returncode}"
    signum = -returncode
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    return f"exit code {128 + signum} (killed by {name})"


def compile_filter(pattern: str) -> re.Pattern[str]:
    """The compiled regex, or a ToolError the model can act on."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ToolError(f"Invalid filter regular expression {pattern!r}: {exc}") from exc


def _group_alive(pgid: int) -> bool:
    """Whether the process group still has a member that is not a zombie.

    Zombies count as gone: in some containers nothing reaps orphans, so they linger and
    a plain `killpg(pgid, 0)` would report the group alive for ever.
    """
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        entries = os.listdir("/proc")
    except OSError:
        return True  # no /proc (macOS): trust killpg
    for name in entries:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) >= 3 and fields[2] == str(pgid).encode() and fields[0] not in (b"Z", b"X"):
            return True
    return False


class ShellProcess(GroupProcess):
    """One `bash -c` running in its own process group; output goes to `on_data(fd, bytes)`."""

    @classmethod
    async def start(
        cls,
        command: str,
        *,
        cwd: Path,
        env: dict[str, str],
        merge_stderr: bool,
        on_data: Callable[[int, bytes], None],
    ) -> ShellProcess:
        """Spawn `bash -c command` with stdin from /dev/null in a new session."""
        try:
            return await cls.spawn(
                [bash_executable(), "-c", command],
                cwd=cwd,
                env=env,
                on_data=on_data,
                merge_stderr=merge_stderr,
                cancel_reap_s=_CANCEL_REAP_S,
            )
        except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the command
            raise ToolError(f"Could not start bash in {cwd}: {exc}") from exc

    @property
    def settled(self) -> bool:
        """Exited, and its output read: pipes at EOF, or `OUTPUT_SETTLE_S` since the exit.

        The exit can be noticed before the last bytes in the pipe are read; waiting a
        moment keeps a "completed" status from hiding output that is about to arrive.
        """
        exited_at = self.exited_at
        if exited_at is None:
            return False
        return self.output_done or time.monotonic() - exited_at >= OUTPUT_SETTLE_S

    async def terminate(self, grace: float = KILL_GRACE_S) -> None:
        """SIGTERM the group, SIGKILL whatever is left after `grace`, then reap the leader."""
        if self.signal_group(signal.SIGTERM):
            deadline = time.monotonic() + grace
            while _group_alive(self.pid) and time.monotonic() < deadline:
                await asyncio.sleep(_POLL_S)
            if _group_alive(self.pid):
                self.signal_group(signal.SIGKILL)
        await self.wait(grace)


class RecentChunks(Generic[AnyStr]):
    """The newest `cap` characters (or bytes) of a stream, in the chunks they came in.

    Past the cap the oldest are dropped and counted, so a flood of output costs bounded
    memory and the reader can say how much it lost.
    """

    def __init__(self, cap: int, empty: AnyStr) -> None:
        self._cap = cap
        self._empty: AnyStr = empty
        self._chunks: deque[AnyStr] = deque()
        self._size = 0
        self.dropped = 0

    def append(self, data: AnyStr) -> None:
        if not data:
            return
        self._chunks.append(data)
        self._size += len(data)
        while self._size > self._cap:
            excess = self._size - self._cap
            first = self._chunks[0]
            if len(first) <= excess:
                self._chunks.popleft()
                self._size -= len(first)
                self.dropped += len(first)
            else:
                self._chunks[0] = first[excess:]
                self._size -= excess
                self.dropped += excess

    def joined(self) -> AnyStr:
        return self._empty.join(self._chunks)

    def clear(self) -> None:
        self._chunks.clear()
        self._size = 0


class _OutputBuffer(RecentChunks[str]):
    """Unread text of a background shell: the newest `cap` characters."""

    def __init__(self, cap: int) -> None:
        super().__init__(cap, "")

    def take(self, *, whole_lines: bool) -> str:
        """Everything unread; with `whole_lines`, a trailing partial line stays unread."""
        text = self.joined()
        self.clear()
        if whole_lines and text and not text.endswith("\n"):
            cut = text.rfind("\n") + 1
            self.append(text[cut:])
            text = text[:cut]
        return text


@dataclass(frozen=True)
class ShellRead:
    """What `BackgroundShells.read_new` found: new output plus the shell's state."""

    shell_id: str
    command: str
    state: ShellState
    returncode: int | None
    output: str
    dropped_chars: int


class _BackgroundShell:
    def __init__(self, shell_id: str, command: str, description: str | None) -> None:
        self.shell_id = shell_id
        self.command = command
        self.description = description
        self.buffer = _OutputBuffer(BUFFER_CAP_CHARS)
        self.killed = False
        self.process: ShellProcess | None = None
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._flushed = False

    def on_data(self, fd: int, data: bytes) -> None:
        self.buffer.append(self._decoder.decode(data))

    def flush(self) -> None:
        """Decode a trailing partial character once no more bytes can come."""
        if not self._flushed and self.process is not None and self.process.output_done:
            self._flushed = True
            self.buffer.append(self._decoder.decode(b"", final=True))

    def state(self) -> tuple[ShellState, int | None]:
        assert self.process is not None
        code = self.process.returncode
        if self.killed:
            return "killed", code
        if code is None or not self.process.settled:
            return "running", None
        return "completed", code


class BackgroundShells:
    """The session's background commands, by id (`bash_1`, `bash_2`, ...).

    Output is buffered until read; `close_all` must run when the session ends so no
    command outlives it.
    """

    def __init__(self) -> None:
        self._shells: dict[str, _BackgroundShell] = {}
        self._counter = 0

    def ids(self) -> list[str]:
        return list(self._shells)

    async def start(
        self,
        command: str,
        *,
        cwd: Path,
        env: dict[str, str],
        description: str | None = None,
        script: str | None = None,
    ) -> str:
        """Start `command` and return its id at once.

        `script` is what bash runs when that is more than the command (a prelude that
        sources the session's env file); reads still report `command`.
        """
        self._counter += 1
        shell = _BackgroundShell(f"bash_{self._counter}", command, description)
        shell.process = await ShellProcess.start(
            script or command, cwd=cwd, env=env, merge_stderr=True, on_data=shell.on_data
        )
        self._shells[shell.shell_id] = shell
        return shell.shell_id

    def status(self, shell_id: str) -> tuple[ShellState, int | None]:
        """The state and return code, without consuming any output."""
        return self._get(shell_id).state()

    def read_new(self, shell_id: str, filter_regex: str | None = None) -> ShellRead:
        """Output not returned by an earlier call, and the current state.

        With `filter_regex`, only matching lines are returned; the rest are consumed all
        the same. While output may still come, a trailing partial line is held back so
        the filter always sees whole lines.
        """
        shell = self._get(shell_id)
        pattern = compile_filter(filter_regex) if filter_regex is not None else None
        shell.flush()
        state, code = shell.state()
        assert shell.process is not None
        text = shell.buffer.take(whole_lines=pattern is not None and not shell.process.output_done)
        if pattern is not None:
            text = "".join(line for line in text.splitlines(keepends=True) if pattern.search(line))
        dropped, shell.buffer.dropped = shell.buffer.dropped, 0
        return ShellRead(shell_id, shell.command, state, code, text, dropped)

    async def kill(self, shell_id: str) -> bool:
        """Stop the shell's whole process group; False if its bash had already exited.

        Even then, anything it left running in its group is stopped.
        """
        shell = self._get(shell_id)
        process = shell.process
        assert process is not None
        was_running = not process.exited and not shell.killed
        if was_running:
            shell.killed = True
        await process.terminate()
        process.close()
        return was_running

    async def close_all(self) -> None:
        """Stop every shell (the session is ending); never raises for one that fails."""
        shells = list(self._shells)
        await asyncio.gather(*(self.kill(shell_id) for shell_id in shells), return_exceptions=True)

    def _get(self, shell_id: str) -> _BackgroundShell:
        shell = self._shells.get(shell_id)
        if shell is None:
            known = ", ".join(self._shells) or "none have been started"
            raise ToolError(f"No background shell with id {shell_id!r}. Known shells: {known}.")
        return shell
