"""A session's way to the symbol index: the one its host keeps, or one of its own.

The language server builds an index per workspace in the background and hands it to
sessions. Print mode has none; there the first Symbols call builds one (from the cache
when an earlier run left one, so usually well under a second) and later calls reuse it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from claude_lsp.index.build import SymbolIndex


class IndexOnDemand:
    def __init__(self, root: Path, hosted: Callable[[], SymbolIndex | None] | None = None) -> None:
        self._root = root
        self._hosted = hosted
        self._own: SymbolIndex | None = None
        self._building: asyncio.Task[object] | None = None

    async def __call__(self) -> SymbolIndex | None:
        """The index; a host's one may still be building (its partial results count).

        The host is asked each time: a folder removed from its workspace takes its index
        away, a folder added brings one.
        """
        found = self._hosted() if self._hosted is not None else None
        if found is not None:
            return found
        if self._own is None:
            from claude_lsp.index.build import SymbolIndex

            self._own = SymbolIndex(self._root)
            self._building = asyncio.ensure_future(self._own.build())
        assert self._building is not None
        # A cancelled tool call must not cancel the build the next call waits for.
        await asyncio.shield(self._building)
        return self._own

    def close(self) -> None:
        """Stop an index of our own (the host's is the host's to close)."""
        if self._building is not None:
            self._building.cancel()
        if self._own is not None:
            self._own.close()
