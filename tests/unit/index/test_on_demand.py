"""A session's way to the index: the host's for its folder as the workspace is now, or
one of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_lsp.index.build import SymbolIndex
from claude_lsp.index.on_demand import IndexOnDemand


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_LSP_CACHE_DIR", str(tmp_path / "cache"))


async def test_the_host_is_asked_at_every_call_and_its_absence_builds_one(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "tool.py").write_text("def sharpen():\n    pass\n")
    first, second = SymbolIndex(folder), SymbolIndex(folder)
    hosted: list[SymbolIndex | None] = [first]
    on_demand = IndexOnDemand(folder, lambda: hosted[0])
    try:
        assert await on_demand() is first
        hosted[0] = second  # the folder was removed from the workspace and added again
        assert await on_demand() is second
        hosted[0] = None  # removed for good: the session indexes the folder itself
        own = await on_demand()
        assert own is not None and own not in (first, second)
        assert [hit.definition.name for hit in own.search("sharpen")] == ["sharpen"]
    finally:
        on_demand.close()
        first.close()
        second.close()
