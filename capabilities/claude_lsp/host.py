"""Ports the core needs from whoever hosts it (the LSP adapter, tests).

The core never talks to an editor directly: it reads and writes files through
`FileAccess`, asks the human through `PermissionAsker` and streams events through an
`EventSink`. `DiskFiles` is the host-free implementation used when no editor buffer is
involved; the LSP adapter layers open buffers on top of it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from claude_lsp.agent.events import SessionEvent
    from claude_lsp.policy.questions import PermissionAnswer, PermissionQuestion


@dataclass(frozen=True)
class WriteOutcome:
    """What happened to a write: applied, or refused with the reason the model sees."""

    applied: bool
    reason: str = ""


class FileAccess(Protocol):
    """Read files as the editor sees them; write them where the user will see them."""

    async def open_buffer_text(self, path: Path) -> str | None:
        """The unsaved text of `path` when an editor has it open, else None."""

    async def write_text(
        self, path: Path, text: str, *, old_text: str | None, title: str
    ) -> WriteOutcome:
        """Replace `path`'s content with `text` (`old_text` None means a new file)."""

    async def save_edited(self) -> None:
        """Before a tool that reads the disk: get edited-but-unsaved buffers saved."""


class PermissionAsker(Protocol):
    async def ask(self, question: PermissionQuestion) -> PermissionAnswer:
        """Put the question to the human and wait for the answer."""


EventSink = Callable[["SessionEvent"], None]


class DiskFiles:
    """Plain files on disk: no buffers, atomic writes (temporary file + rename)."""

    async def open_buffer_text(self, path: Path) -> str | None:
        return None

    async def write_text(
        self, path: Path, text: str, *, old_text: str | None, title: str
    ) -> WriteOutcome:
        write_atomically(path, text)
        return WriteOutcome(applied=True)

    async def save_edited(self) -> None:
        """Disk writes need no saving."""


def write_atomically(path: Path, text: str) -> None:
    """Write via a sibling temp file and rename, keeping the old file's mode.

    A crash or a full disk leaves either the old or the new content, never half.
    Text is written byte for byte (no newline translation): callers decide line endings.
    A symlink is written through, not replaced.
    """
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode: int | None = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
