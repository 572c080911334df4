"""A short-lived, per-process cache of fetched pages, so fetching a URL again within 15
minutes (another question about the same page) does not go back to the network."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

CACHE_SECONDS = 15 * 60
MAX_ENTRIES = 64

V = TypeVar("V")


class PageCache(Generic[V]):
    """Values by URL; each expires `ttl` seconds after it was stored. The least recently
    used go first when there are more than `max_entries`."""

    def __init__(
        self,
        ttl: float = CACHE_SECONDS,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()

    def get(self, url: str) -> V | None:
        entry = self._entries.get(url)
        if entry is None:
            return None
        stored, value = entry
        if self._clock() - stored >= self._ttl:
            del self._entries[url]
            return None
        self._entries.move_to_end(url)
        return value

    def put(self, url: str, value: V) -> None:
        self._entries[url] = (self._clock(), value)
        self._entries.move_to_end(url)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
