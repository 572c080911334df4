"""Files through an ACP client: its buffers when it offers `fs/read_text_file` and
`fs/write_text_file` (Zed does), so the agent reads unsaved text and its edits land in
the editor; the disk otherwise."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from claude_lsp.host import DiskFiles, WriteOutcome
from claude_lsp.tools.text_files import SNIFF_BYTES, looks_binary

if TYPE_CHECKING:
    from acp.interfaces import Client

    from claude_lsp.acp.updates import ClientUpdates

log = logging.getLogger(__name__)


class ClientFiles(DiskFiles):
    def __init__(
        self, client: Client, updates: ClientUpdates, session_id: str, *, read: bool, write: bool
    ) -> None:
        self._client = client
        self._updates = updates
        self._session_id = session_id
        self._read = read
        self._write = write

    async def open_buffer_text(self, path: Path) -> str | None:
        """The client's text of an existing text file; None leaves it to the disk, which
        also tells a missing, binary or unreadable file apart with its own message."""
        if not self._read or not await asyncio.to_thread(_text_file, path):
            return None
        await self._updates.flushed()  # the tool call first, then its read
        try:
            response = await self._client.read_text_file(
                session_id=self._session_id, path=str(path)
            )
        except Exception as exc:  # an error answer or a broken client: read the disk
            log.warning("fs/read_text_file %s failed: %s", path, exc)
            return None
        return response.content

    async def write_text(
        self, path: Path, text: str, *, old_text: str | None, title: str
    ) -> WriteOutcome:
        if not self._write:
            return await super().write_text(path, text, old_text=old_text, title=title)
        await self._updates.flushed()
        try:
            await self._client.write_text_file(
                session_id=self._session_id, path=str(path), content=text
            )
        except Exception as exc:  # nothing was written behind the client's back
            return WriteOutcome(applied=False, reason=f"the editor could not write it ({exc})")
        return WriteOutcome(applied=True)


def _text_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return not looks_binary(handle.read(SNIFF_BYTES))
    except OSError:
        return False
