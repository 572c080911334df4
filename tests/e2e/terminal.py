"""Driving a terminal program the way a person does: tmux sends the keys, and what the
pane shows is read back (capture-pane)."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
import uuid
from pathlib import Path

WIDTH, HEIGHT = 120, 40


class Tmux:
    """One program in its own tmux server (a private socket), in a pane of fixed size."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], script: Path) -> None:
        if shutil.which("tmux") is None:
            raise RuntimeError("the terminal chat tests need tmux: apt-get install tmux")
        self._socket = f"cl-{uuid.uuid4().hex[:12]}"
        # The environment goes through a script: tmux starts panes with its own.
        exports = "".join(f"export {key}={shlex.quote(value)}\n" for key, value in env.items())
        script.write_text(
            f"{exports}cd {shlex.quote(str(cwd))}\n{shlex.join(argv)}\n"
            "echo '[exited' $?']'\nsleep 600\n"
        )
        self._tmux(
            "new-session", "-d", "-s", "main", "-x", str(WIDTH), "-y", str(HEIGHT),
            f"bash {shlex.quote(str(script))}",
        )  # fmt: skip

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self._socket, *args], capture_output=True, text=True, timeout=10
        )
        return done.stdout

    def send(self, *keys: str) -> None:
        """Keys in tmux's names (Enter, Escape, C-c, BTab) or literal text."""
        self._tmux("send-keys", "-t", "main", *keys)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "main", "-l", text)

    def screen(self) -> str:
        """The whole pane, scrollback included, wrapped lines joined."""
        return self._tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "main")

    def wait_for(self, text: str, timeout: float = 30, count: int = 1) -> str:
        """Wait until `text` shows (`count` times, for text that shows more than once)."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if screen.count(text) >= count:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} did not show; the screen:\n{screen}")
            time.sleep(0.1)

    def close(self) -> None:
        self._tmux("kill-server")
