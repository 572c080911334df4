"""What the model has seen of each file, so that writes never clobber text it has not read.

Freshness is judged by a content digest rather than a modification time: editor buffers
have no mtime, and formatters can rewrite a file within the same second.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from claude_lsp.tools.base import ToolError

NOT_READ_MESSAGE = "File has not been read yet. Read it first before writing to it."
CHANGED_MESSAGE = (
    "File has been modified since it was last read (by the user, a formatter or another "
    "tool). Read it again before writing to it."
)


def content_digest(text: str) -> str:
    """A digest of `text` as UTF-8; equals the digest of the bytes of a UTF-8 file."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class FileReadState:
    """Per resolved path, the digest of the content the model last saw or wrote."""

    def __init__(self) -> None:
        self._digests: dict[Path, str] = {}

    @staticmethod
    def _key(path: Path) -> Path:
        return Path(path).resolve()

    def record(self, path: Path, text: str) -> None:
        """Note that the model has seen (or just wrote) `text` as the content of `path`."""
        self._digests[self._key(path)] = content_digest(text)

    def record_digest(self, path: Path, digest: str) -> None:
        """Like `record`, for callers that hashed the content themselves (streamed reads)."""
        self._digests[self._key(path)] = digest

    def has_seen(self, path: Path) -> bool:
        return self._key(path) in self._digests

    def forget(self, path: Path) -> None:
        self._digests.pop(self._key(path), None)

    def clear(self) -> None:
        self._digests.clear()

    def check_fresh(self, path: Path, current_text: str) -> None:
        """Raise `ToolError` unless the model has seen exactly `current_text` for `path`."""
        seen = self._digests.get(self._key(path))
        if seen is None:
            raise ToolError(NOT_READ_MESSAGE)
        if seen != content_digest(current_text):
            raise ToolError(CHANGED_MESSAGE)
