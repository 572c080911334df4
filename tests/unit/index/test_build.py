"""The workspace index end to end on real files: cold and warm builds, the cache, updates."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from claude_lsp.index.build import INLINE_BYTES, IndexStats, SymbolIndex
from claude_lsp.index.extract import extract
from claude_lsp.index.search import SymbolHit
from claude_lsp.index.store import cache_file

GREETER = """\
class Greeter:
    def hello(self, name):
        def shout(text):
            return text.upper()
        return shout(name)


def main():
    Greeter().hello("world")
"""

UTIL = """\
def helper(value):
    return value * 2


MAX_ITEMS = 10
"""

APP_JS = """\
class Widget {
  render() { return helper(1); }
}
"""


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("CLAUDE_LSP_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    (root / ".git").mkdir(parents=True)
    (root / ".gitignore").write_text("generated/\n")
    write(root, "greeter.py", GREETER)
    write(root, "pkg/util.py", UTIL)
    write(root, "web/app.js", APP_JS)
    write(root, "generated/skip.py", "def ignored_function():\n    pass\n")
    return root


@pytest.fixture
async def index(workspace: Path) -> AsyncIterator[SymbolIndex]:
    symbol_index = SymbolIndex(workspace)
    yield symbol_index
    symbol_index.close()


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def write_many(root: Path, count: int) -> str:
    """`count` modules `m000.py`... defining `func_000`..., over `INLINE_BYTES` in all, so a
    build parses them in worker processes; the padding each carries."""
    padding = "# " + "x" * 78 + "\n"
    body = padding * (INLINE_BYTES // count // len(padding) + 1)
    for number in range(count):
        write(root, f"m{number:03}.py", f"def func_{number:03}():\n    pass\n{body}")
    return body


def edit(path: Path, text: str) -> None:
    """Rewrite a file so that its mtime surely changes, whatever the clock's granularity."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def names(hits: list[SymbolHit]) -> list[str]:
    return [hit.definition.name for hit in hits]


async def rebuild(root: Path) -> tuple[SymbolIndex, IndexStats]:
    """A new index on the same root: what a restarted server sees."""
    symbol_index = SymbolIndex(root)
    return symbol_index, await symbol_index.build()


async def test_cold_build_indexes_every_definition_nested_ones_too(
    index: SymbolIndex, workspace: Path
) -> None:
    assert not index.ready

    stats = await index.build()

    assert index.ready
    assert (stats.files, stats.parsed, stats.reused, stats.removed, stats.failed) == (
        3,
        3,
        0,
        0,
        0,
    )
    assert stats.cache_rebuilt
    assert stats.definitions == 8
    assert cache_file(workspace).is_file()
    (shout,) = index.search("shout")
    assert shout.path == workspace / "greeter.py"
    assert (shout.definition.kind, shout.definition.container) == ("function", "Greeter.hello")
    assert names(index.search("hello")) == ["hello"]
    assert names(index.search("Widget")) == ["Widget"]
    assert index.search("ignored_function") == []


async def test_search_ranks_and_limits(index: SymbolIndex) -> None:
    await index.build()

    assert names(index.search("h")) == ["hello", "helper", "shout"]
    assert names(index.search("MI")) == ["MAX_ITEMS", "main"]
    assert names(index.search("h", limit=2)) == ["hello", "helper"]
    assert index.search("h", limit=0) == []


async def test_definitions_references_and_file_definitions(
    index: SymbolIndex, workspace: Path
) -> None:
    await index.build()

    (helper,) = index.definitions_named("helper")
    assert helper.path == workspace / "pkg" / "util.py"
    assert index.definitions_named("help") == []
    found = await index.references_named("helper")
    assert [(path.name, ref.span.start_line) for path, ref in found] == [("app.js", 1)]
    _, parsed = extract("python", GREETER.encode())
    assert index.file_definitions(workspace / "greeter.py") == parsed.definitions
    assert [d.name for d in parsed.definitions] == ["Greeter", "hello", "shout", "main"]
    for reference in parsed.references:
        assert (workspace / "greeter.py", reference) in await index.references_named(reference.name)
    assert index.file_definitions(workspace / "generated" / "skip.py") is None
    assert index.file_definitions(workspace.parent / "elsewhere.py") is None


def references_read(root: Path) -> dict[str, bool]:
    """Which files' references the cache holds."""
    with contextlib.closing(sqlite3.connect(cache_file(root))) as db:
        rows = db.execute(
            "SELECT f.path, d.references_read FROM files f JOIN definitions d ON d.file_id = f.id"
        ).fetchall()
    return {path: bool(read) for path, read in rows}


async def test_references_are_read_once_for_the_files_that_mention_the_name(
    index: SymbolIndex, workspace: Path
) -> None:
    await index.build()
    assert references_read(workspace) == dict.fromkeys(
        ["greeter.py", "pkg/util.py", "web/app.js"], False
    )

    found = await index.references_named("helper")

    assert [path.name for path, _ in found] == ["app.js"]
    # util.py defines helper, so it mentions it; greeter.py does not and stays unread.
    assert references_read(workspace) == {
        "greeter.py": False,
        "pkg/util.py": True,
        "web/app.js": True,
    }
    # A read file is not read again: its cached references answer, even once the file
    # changed on disk (until the next build or watcher event notices the change).
    (workspace / "web" / "app.js").write_text("// helper was here\n")
    assert [path.name for path, _ in await index.references_named("helper")] == ["app.js"]
    index.close()

    warm, stats = await rebuild(workspace)
    assert stats.parsed == 1  # app.js, re-read without its references
    assert await warm.references_named("helper") == []
    assert references_read(workspace)["pkg/util.py"]
    warm.close()


async def test_read_references_reads_the_rest_after_a_build(
    index: SymbolIndex, workspace: Path
) -> None:
    await index.build()
    assert index.references_unread == 3
    # Changed on disk since the build read it, and not re-indexed yet: left for its update.
    edit(workspace / "greeter.py", GREETER + "\nmain()\n")

    assert await index.read_references() == 2

    assert index.references_unread == 1
    assert references_read(workspace) == {
        "greeter.py": False,
        "pkg/util.py": True,
        "web/app.js": True,
    }
    assert [path.name for path, _ in await index.references_named("helper")] == ["app.js"]
    await index.reindex_file(workspace / "greeter.py")
    assert index.references_unread == 0
    assert await index.read_references() == 0


async def test_warm_start_parses_nothing_when_nothing_changed(
    index: SymbolIndex, workspace: Path
) -> None:
    await index.build()
    before = [(hit.path, hit.definition) for hit in index.search("", limit=100)]
    index.close()

    warm, stats = await rebuild(workspace)

    assert (stats.files, stats.parsed, stats.reused, stats.cache_rebuilt) == (3, 0, 3, False)
    assert [(hit.path, hit.definition) for hit in warm.search("", limit=100)] == before
    assert [path.name for path, _ in await warm.references_named("upper")] == ["greeter.py"]
    warm.close()


async def test_warm_start_parses_exactly_the_changed_and_new_files(
    index: SymbolIndex, workspace: Path
) -> None:
    await index.build()
    index.close()
    edit(workspace / "pkg" / "util.py", "def renamed_helper():\n    return 1\n")
    write(workspace, "pkg/new.py", "def brand_new():\n    pass\n")

    warm, stats = await rebuild(workspace)

    assert (stats.files, stats.parsed, stats.reused, stats.removed) == (4, 2, 2, 0)
    assert names(warm.search("renamed_helper")) == ["renamed_helper"]
    assert warm.definitions_named("helper") == []
    assert warm.definitions_named("MAX_ITEMS") == []
    assert names(warm.search("brand_new")) == ["brand_new"]
    warm.close()


async def test_deleted_files_are_dropped(index: SymbolIndex, workspace: Path) -> None:
    await index.build()
    index.close()
    (workspace / "web" / "app.js").unlink()

    warm, stats = await rebuild(workspace)

    assert (stats.files, stats.parsed, stats.removed) == (2, 0, 1)
    assert warm.search("Widget") == []
    assert await warm.references_named("helper") == []
    warm.close()
    again, stats = await rebuild(workspace)
    assert (stats.files, stats.parsed, stats.removed) == (2, 0, 0)
    again.close()


async def test_a_corrupt_cache_is_rebuilt(index: SymbolIndex, workspace: Path) -> None:
    await index.build()
    index.close()
    cache = cache_file(workspace)
    for leftover in cache.parent.glob(cache.name + "-*"):
        leftover.unlink()
    cache.write_bytes(b"\x00garbage" * 512)

    warm, stats = await rebuild(workspace)

    assert (stats.files, stats.parsed, stats.cache_rebuilt) == (3, 3, True)
    assert names(warm.search("Greeter")) == ["Greeter"]
    warm.close()


async def test_a_second_build_only_rescans(index: SymbolIndex, workspace: Path) -> None:
    await index.build()
    edit(workspace / "greeter.py", "def replaced():\n    pass\n")

    stats = await index.build()

    assert (stats.parsed, stats.reused, stats.cache_rebuilt) == (1, 2, False)
    assert names(index.search("replaced")) == ["replaced"]
    assert index.search("Greeter") == []


async def test_partial_results_while_workers_build(tmp_path: Path) -> None:
    root = tmp_path / "big"
    count = 150
    body = write_many(root, count)
    first = write(root, "m000.py", f"class First:\n    def func_000(self):\n        go()\n{body}")
    symbol_index = SymbolIndex(root)
    seen: list[tuple[int, int, int, bool]] = []

    def progress(done: int, total: int) -> None:
        found = len(symbol_index.search("func_", limit=1000))
        seen.append((done, total, found, symbol_index.ready))

    stats = await symbol_index.build(progress)

    assert stats.parsed == count
    assert seen[0] == (0, count, 0, False)
    assert seen[-1] == (count, count, count, False)
    partial = [found for done, _, found, _ in seen if 0 < done < count]
    assert partial and all(0 < found < count for found in partial)
    assert symbol_index.ready
    assert len(symbol_index.search("func_", limit=1000)) == count
    # What the workers stored is what the editor's path finds in the same file.
    _, parsed = extract("python", first.read_bytes())
    assert symbol_index.file_definitions(first) == parsed.definitions
    assert [path.name for path, _ in await symbol_index.references_named("go")] == ["m000.py"]
    symbol_index.close()


async def test_workers_that_die_leave_their_files_to_the_next_build(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = tmp_path / "big"
    count = 150
    write_many(root, count)
    symbol_index = SymbolIndex(root)

    def progress(done: int, total: int) -> None:
        if 0 < done < total:  # a crash in a grammar, after the first batch came back
            for pool in symbol_index._pools:
                for process in pool._processes:
                    process.kill()

    stats = await symbol_index.build(progress)

    assert 0 < stats.parsed < count and stats.failed == count - stats.parsed
    assert "symbol index workers failed: a worker process exited (status" in caplog.text
    # The server's side goes on: the next build parses what the dead workers held.
    again = await symbol_index.build()
    assert (again.parsed, again.failed) == (count - stats.parsed, 0)
    assert len(symbol_index.search("func_", limit=1000)) == count
    symbol_index.close()


async def test_a_cancelled_build_stops_its_workers(tmp_path: Path) -> None:
    root = tmp_path / "big"
    write_many(root, 100)
    symbol_index = SymbolIndex(root)
    workers: list[subprocess.Popen[bytes]] = []

    def progress(done: int, total: int) -> None:
        if 0 < done < total and not workers:
            workers.extend(p for pool in symbol_index._pools for p in pool._processes)
            building.cancel()

    building = asyncio.ensure_future(symbol_index.build(progress))
    with pytest.raises(asyncio.CancelledError):
        await building

    # Killed (a worker let go would exit with 0 once its stdin closed), reaped meanwhile.
    assert workers and all(worker.wait(10) != 0 for worker in workers)
    assert not symbol_index._pools
    symbol_index.close()


async def test_a_file_gone_before_it_is_parsed_is_counted_as_failed(
    index: SymbolIndex, workspace: Path
) -> None:
    def progress(done: int, total: int) -> None:
        if done == 0:
            (workspace / "pkg" / "util.py").unlink()

    stats = await index.build(progress)

    assert (stats.files, stats.parsed, stats.failed) == (2, 2, 1)
    assert index.definitions_named("helper") == []
    assert names(index.search("Greeter")) == ["Greeter"]


async def test_update_file_takes_the_editors_symbols(index: SymbolIndex, workspace: Path) -> None:
    await index.build()
    path = workspace / "pkg" / "util.py"
    _, symbols = extract("python", b"def typed_in_editor():\n    helper_two()\n")

    index.update_file(path, symbols)

    assert names(index.search("typed_in_editor")) == ["typed_in_editor"]
    assert index.definitions_named("helper") == []
    assert index.file_definitions(path) == symbols.definitions
    assert [p.name for p, _ in await index.references_named("helper_two")] == ["util.py"]
    index.close()

    # The buffer was never saved: a restart reads the file from disk again.
    warm, stats = await rebuild(workspace)
    assert stats.parsed == 1
    assert names(warm.search("helper")) == ["helper"]
    warm.close()


async def test_definitions_read_at_only_for_the_version_the_index_read(
    index: SymbolIndex, workspace: Path
) -> None:
    await index.build()
    path = workspace / "pkg" / "util.py"
    _, parsed = extract("python", UTIL.encode())

    def stat_of(path: Path) -> tuple[int, int]:
        stat = path.stat()
        return stat.st_mtime_ns, stat.st_size

    read = stat_of(path)
    assert index.definitions_read_at(path, read) == parsed.definitions
    edit(path, UTIL + "\n\ndef added():\n    pass\n")
    assert index.definitions_read_at(path, stat_of(path)) is None  # not re-read yet
    assert index.definitions_read_at(path, read) == parsed.definitions  # that version
    await index.reindex_file(path)
    assert [d.name for d in index.definitions_read_at(path, stat_of(path)) or ()][-1] == "added"
    _, symbols = extract("python", b"def typed_in_editor():\n    pass\n")
    index.update_file(path, symbols)
    assert index.definitions_read_at(path, stat_of(path)) is None  # the editor's, not the disk's
    assert index.definitions_read_at(workspace / "missing.py", read) is None


async def test_update_file_with_none_removes_the_file(index: SymbolIndex, workspace: Path) -> None:
    await index.build()

    index.update_file(workspace / "greeter.py", None)
    index.update_file(workspace.parent / "outside.py", None)

    assert index.search("Greeter") == []
    assert index.file_definitions(workspace / "greeter.py") is None


async def test_an_update_during_a_build_is_not_overwritten(
    index: SymbolIndex, workspace: Path
) -> None:
    _, symbols = extract("python", b"def from_editor():\n    pass\n")

    def progress(done: int, total: int) -> None:
        if done == 0:
            index.update_file(workspace / "greeter.py", symbols)

    await index.build(progress)

    assert names(index.search("from_editor")) == ["from_editor"]
    assert index.search("Greeter") == []


async def test_reindex_file_follows_the_disk(index: SymbolIndex, workspace: Path) -> None:
    await index.build()
    greeter = workspace / "greeter.py"

    edit(greeter, "def after_edit():\n    pass\n")
    await index.reindex_file(greeter)
    assert names(index.search("after_edit")) == ["after_edit"]
    assert index.search("Greeter") == []

    created = write(workspace, "pkg/created.py", "def created_later():\n    pass\n")
    await index.reindex_file(created)
    assert names(index.search("created_later")) == ["created_later"]

    ignored = write(workspace, "generated/more.py", "def still_ignored():\n    pass\n")
    await index.reindex_file(ignored)
    assert index.search("still_ignored") == []

    greeter.unlink()
    await index.reindex_file(greeter)
    assert index.search("after_edit") == []
    index.close()

    warm, stats = await rebuild(workspace)
    assert (stats.files, stats.parsed) == (3, 0)
    assert names(warm.search("created_later")) == ["created_later"]
    warm.close()


async def test_close_stops_further_builds(index: SymbolIndex) -> None:
    await index.build()
    index.close()

    with pytest.raises(RuntimeError):
        await index.build()


async def test_an_unwritable_cache_leaves_an_index_in_memory(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("CLAUDE_LSP_CACHE_DIR", str(blocker))
    symbol_index = SymbolIndex(workspace)
    progress: list[tuple[int, int]] = []

    stats = await symbol_index.build(lambda done, total: progress.append((done, total)))

    assert (stats.files, stats.cache_rebuilt) == (3, True)
    assert progress == [(0, 3), (3, 3)]
    assert names(symbol_index.search("Greeter")) == ["Greeter"]
    # Without a cache the references stay in memory.
    assert [
        (path.name, ref.span.start_line)
        for path, ref in await symbol_index.references_named("shout")
    ] == [("greeter.py", 4)]
    symbol_index.update_file(workspace / "greeter.py", None)
    assert await symbol_index.references_named("shout") == []
    symbol_index.close()


async def test_a_name_defined_in_several_files(index: SymbolIndex, workspace: Path) -> None:
    for relative in ("a.py", "b.py", "c.py"):
        write(workspace, relative, "def shared():\n    pass\n")
    await index.build()
    assert [hit.path.name for hit in index.definitions_named("shared")] == [
        "a.py",
        "b.py",
        "c.py",
    ]

    index.update_file(workspace / "b.py", None)
    assert [hit.path.name for hit in index.search("shared")] == ["a.py", "c.py"]
    index.update_file(workspace / "a.py", None)
    assert [hit.path.name for hit in index.search("shared")] == ["c.py"]
    index.update_file(workspace / "c.py", None)
    assert index.search("shared") == []


async def test_a_damaged_cache_entry_is_parsed_again(index: SymbolIndex, workspace: Path) -> None:
    await index.build()
    index.close()
    with sqlite3.connect(cache_file(workspace)) as db:
        db.execute(
            "UPDATE definitions SET rows = x'00ff' WHERE file_id ="
            " (SELECT id FROM files WHERE path = 'greeter.py')"
        )
    db.close()

    warm, stats = await rebuild(workspace)

    assert (stats.files, stats.parsed, stats.reused, stats.cache_rebuilt) == (3, 1, 2, False)
    assert names(warm.search("Greeter")) == ["Greeter"]
    warm.close()
