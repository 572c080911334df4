"""The workspace symbol index: built in the background, cached on disk, kept current by the
editor, searched in memory.

A build loads the SQLite cache, lists the workspace with ripgrep, and re-parses only files
that are new or whose mtime or size changed. Parsing runs in a pool of (at most) two worker
processes (pool.py: plain `python -m` subprocesses, so the threaded server never forks),
which load the grammars and compile the queries they will need while they start; workers
get batches of paths (the largest files first, so the last batches are small and no worker
idles long at the end), read and parse the files themselves, and send back each batch as
one marshalled message of encoded rows (`extract.rows_of`, no model objects), so the main
process only merges them into memory and hands them to its writer thread. The event loop
is never blocked for more than one batch's merge, and every query answers from whatever
has been merged so far (`ready` says when the build is complete).

In memory: each file's definitions (each encoded on its own, decoded when a query returns
it), for each distinct name the files that define it, and the ranking table
(`search.NameTable`). References stay in SQLite and are looked up by name, which keeps a
server with the standard library indexed small; writes not yet committed are consulted
first, so every query sees every update at once.

References come second. A build's workers read definitions only (references are two
thirds of the tags queries' matches: leaving them out makes the definitions ready a fifth
sooner), and `read_references` reads the rest afterwards, in the background. A lookup of a
name before that has finished first reads the references of the unread files that
mention the name as a word. Either way a file version is read for references once, and
the cache keeps them. The editor's updates and `reindex_file` read both at once.

The editor has the last word: symbols given to `update_file` (an open buffer) or read by
`reindex_file` during or since the last build are not overwritten by the next build. The
editor's symbols are cached with a stat that matches no file, so a restart reads the disk.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import marshal
import os
import re
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from claude_lsp.index.model import Definition, FileSymbols, Reference
from claude_lsp.index.pool import WorkerFailed, WorkerPool
from claude_lsp.index.scan import MAX_FILE_BYTES, ScannedFile, indexable, is_listed, scan_workspace
from claude_lsp.index.search import NameTable, SymbolHit
from claude_lsp.index.store import (
    EncodedSymbols,
    FileRecord,
    IndexStore,
    StoredFile,
    cache_file,
    defined_names,
    definition_rows,
    encode_symbols,
    to_definition,
    to_references,
)
from claude_lsp.index.worker import Batched, Job, Sent, parse_job, references_job, run_job

log = logging.getLogger(__name__)

MAX_WORKERS = 2
# The references pass after a build is nobody's wait: one worker, so that a core stays free
# for the server (with two, a request during the pass took up to ten times as long).
BACKGROUND_WORKERS = 1
# Workers run at a lower priority, as clangd's background indexer does: the server's own
# process (answering requests, merging batches) gets a core the moment it needs one, and
# an idle machine still gives the workers all of theirs.
WORKER_NICENESS = 10
# The references pass after a build runs lower still.
BACKGROUND_NICENESS = 19
# Starting worker processes costs a few hundred milliseconds: less source than this is
# parsed in a thread of the main process instead.
INLINE_BYTES = 1 << 20
# A worker's batch: small enough for steady progress and partial results, large enough
# that sending it costs nothing next to parsing it.
BATCH_BYTES = 512 << 10
BATCH_FILES = 64
# The stat recorded for symbols that came from the editor: it matches no file on disk, so
# the next start re-reads the file rather than trusting an unsaved buffer's symbols.
_EDITOR_MTIME_NS = 0
_EDITOR_SIZE = -1
# A byte that can be part of a name in every indexed language (as far as bytes tell).
_WORD_CHARACTER = re.compile(rb"[A-Za-z0-9_]")
# The sources whose changes make a cached index obsolete.
_EXTRACTOR_SOURCES = ("extract.py", "languages.py", "model.py", "search.py", "store.py")


@dataclass(frozen=True)
class IndexStats:
    """What a build did."""

    files: int
    """Files in the index afterwards."""
    parsed: int
    """Files parsed by this build (new or changed since the cache was written)."""
    reused: int
    """Files taken unchanged from the cache or from memory."""
    removed: int
    """Files dropped because they are gone (deleted, now ignored, too large)."""
    failed: int
    """Files that could not be read or parsed (tried again at the next build)."""
    definitions: int
    """Definitions in the index afterwards."""
    seconds: float
    """Wall-clock time of the build."""
    cache_rebuilt: bool
    """The cache was missing, unreadable or from another version, so nothing was reused."""


@dataclass(slots=True)
class _Entry:
    """One indexed file, as kept in memory."""

    mtime_ns: int
    size: int
    language: str
    # Each definition, marshalled (decoded only when a query returns it), and its name.
    rows: tuple[bytes, ...]
    row_names: tuple[str, ...]
    # Whether the file's references are in the cache (see the module's docstring).
    references_read: bool


class _Parsed(NamedTuple):
    """A worker's result for one file: the stat of the version it read and its encoded
    symbols, or why there are none."""

    path: str
    mtime_ns: int
    size: int
    symbols: EncodedSymbols | None
    error: str


def _received(message: bytes) -> list[_Parsed]:
    """A worker's batch back in the main process (see `worker.parse_files`)."""
    sent: list[Sent] = marshal.loads(message)
    return [
        _Parsed(path, mtime_ns, size, None if symbols is None else EncodedSymbols(*symbols), error)
        for path, mtime_ns, size, symbols, error in sent
    ]


def _fingerprint() -> str:
    """A digest of the code that decides what the index holds, to spot an outdated cache."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for source in (
        *(here / name for name in _EXTRACTOR_SOURCES),
        *sorted((here / "queries").glob("*.scm")),
    ):
        digest.update(source.name.encode())
        try:
            digest.update(source.read_bytes())
        except OSError:
            digest.update(b"-")
    return digest.hexdigest()[:16]


def _open_store(root: Path) -> tuple[IndexStore | None, list[StoredFile]]:
    """The workspace's cache and what it holds; without a usable cache folder, no cache."""
    try:
        store = IndexStore(cache_file(root), _fingerprint())
    except (OSError, sqlite3.Error) as exc:
        log.warning("symbol index for %s will not be cached: %s", root, exc)
        return None, []
    return store, store.load()


def _mentioning(root: Path, files: Sequence[ScannedFile], name: str) -> list[ScannedFile]:
    """Those of `files` whose text has `name` as a word: the ones a reference to it can be in
    (a superset: a comment or a string mentions it too)."""
    encoded = name.encode("utf-8", "replace")
    before = rb"(?<![A-Za-z0-9_])" if _WORD_CHARACTER.match(encoded) else b""
    after = rb"(?![A-Za-z0-9_])" if _WORD_CHARACTER.match(encoded[-1:]) else b""
    word = re.compile(before + re.escape(encoded) + after)
    found: list[ScannedFile] = []
    for scanned in files:
        try:
            text = (root / scanned.path).read_bytes()
        except OSError:
            continue  # gone: the next build drops it
        # The plain search finds most files out at a fraction of the word search's cost.
        if encoded in text and word.search(text):
            found.append(scanned)
    return found


def _find(names: tuple[str, ...], name: str, start: int) -> int:
    """The index of `name` in `names` from `start` on, or -1."""
    try:
        return names.index(name, start)
    except ValueError:
        return -1


def _batches(files: Sequence[ScannedFile]) -> list[list[Batched]]:
    """Group files for the workers, largest first so no worker is left with a long tail."""
    batches: list[list[Batched]] = []
    batch: list[Batched] = []
    size = 0
    for scanned in sorted(files, key=lambda f: f.size, reverse=True):
        batch.append((scanned.path, scanned.language, scanned.mtime_ns, scanned.size))
        size += scanned.size
        if size >= BATCH_BYTES or len(batch) >= BATCH_FILES:
            batches.append(batch)
            batch, size = [], 0
    if batch:
        batches.append(batch)
    return batches


def _shared_languages(batches: Sequence[Sequence[Batched]]) -> list[str]:
    """The languages of more than one batch, which every worker will likely need: the
    workers get them ready while they start (a language of one batch is left to the worker
    that gets it)."""
    batches_of = Counter(
        language for batch in batches for language in {entry[1] for entry in batch}
    )
    return [language for language, count in batches_of.most_common() if count > 1]


class SymbolIndex:
    """Definitions and references of every indexable file under a workspace root."""

    def __init__(self, root: Path, *, max_file_bytes: int = MAX_FILE_BYTES) -> None:
        self.root = root.resolve()
        self.ready = False
        self._max_file_bytes = max_file_bytes
        self._files: dict[str, _Entry] = {}
        # name -> the file defining it, or the files (each once): a plain string for the
        # great majority of names, which saves memory
        self._by_name: dict[str, str | list[str]] = {}
        self._names = NameTable()
        self._paths: dict[str, Path] = {}
        self._definitions = 0
        self._store: IndexStore | None = None
        self._store_opened = False
        # The writer thread: opens, loads and writes the cache, in submission order.
        self._io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="symbol-index")
        # Cache writes not known to be committed yet, with what each one writes; reads look
        # at `_unwritten` (the latest such record per file, None for a removal) first, so
        # they see an update at once. Without a cache, `_unwritten` simply keeps everything.
        self._writes: list[tuple[Future[None], dict[str, FileRecord | None]]] = []
        self._unwritten: dict[str, FileRecord | None] = {}
        self._build_lock = asyncio.Lock()
        # The worker pools running: a build's, and those of reference lookups.
        self._pools: set[WorkerPool] = set()
        # Files the editor or a watcher updated since the last build ended: a build keeps
        # their version. Versions order concurrent re-indexes of one file.
        self._touched: set[str] = set()
        self._versions: dict[str, int] = {}
        self._closed = False

    # ---- building

    async def build(self, on_progress: Callable[[int, int], None] | None = None) -> IndexStats:
        """Bring the index up to date with the disk; `on_progress(done, total)` follows the
        files being parsed. Queries answer from partial results meanwhile."""
        if self._closed:
            raise RuntimeError("the symbol index is closed")
        async with self._build_lock:
            try:
                return await self._build(on_progress)
            finally:
                self._touched.clear()

    async def _build(self, on_progress: Callable[[int, int], None] | None) -> IndexStats:
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        rebuilt = False
        if not self._store_opened:
            opening = loop.run_in_executor(self._io, _open_store, self.root)
            scanned = await scan_workspace(self.root, self._max_file_bytes)
            self._store, cached = await opening
            self._store_opened = True
            rebuilt = self._store is None or self._store.rebuilt
            await self._merge_cached(cached)
        else:
            scanned = await scan_workspace(self.root, self._max_file_bytes)

        listed = {scanned_file.path for scanned_file in scanned}
        removed = [path for path in self._files if path not in listed and path not in self._touched]
        for path in removed:
            self._forget(path)
        self._write((), removed)
        stale = [
            scanned_file
            for scanned_file in scanned
            if scanned_file.path not in self._touched and not self._is_current(scanned_file)
        ]
        parsed, failed = await self._parse(stale, on_progress)
        # Sort the name table while the writer thread commits the last batches.
        self._names.refresh()
        await self._flush()
        self.ready = True
        return IndexStats(
            files=len(self._files),
            parsed=parsed,
            reused=len(scanned) - len(stale),
            removed=len(removed),
            failed=failed,
            definitions=self._definitions,
            seconds=time.perf_counter() - started,
            cache_rebuilt=rebuilt,
        )

    async def _merge_cached(self, cached: list[StoredFile]) -> None:
        """Take the cache's files into memory, yielding to the loop now and then."""
        for done, stored in enumerate(cached, 1):
            # Anything already in memory came from the editor, after the cache was written.
            if stored.path not in self._files:
                try:
                    self._put(
                        stored.path,
                        stored.mtime_ns,
                        stored.size,
                        stored.language,
                        stored.definitions,
                        stored.names,
                        stored.references_read,
                    )
                except (ValueError, EOFError, TypeError) as exc:
                    # A damaged row: left out, so the scan finds the file stale and parses it.
                    log.warning("symbol index cache: bad entry for %s: %s", stored.path, exc)
            if done % 256 == 0:
                await asyncio.sleep(0)

    async def read_references(self, on_progress: Callable[[int, int], None] | None = None) -> int:
        """Read the references of every file whose references are unread (a build reads
        definitions only); returns how many files were read. Meant to follow a build in the
        background: lookups meanwhile read what they need themselves."""
        unread = self._unread()
        if not unread or self._closed:
            return 0
        await self._flush()  # the workers update the rows of committed files only
        parsed, _ = await self._parse(
            unread,
            on_progress,
            references=True,
            max_workers=BACKGROUND_WORKERS,
            niceness=BACKGROUND_NICENESS,
        )
        await self._flush()
        return parsed

    def _is_current(self, scanned: ScannedFile) -> bool:
        entry = self._files.get(scanned.path)
        return (
            entry is not None
            and entry.mtime_ns == scanned.mtime_ns
            and entry.size == scanned.size
            and entry.language == scanned.language
        )

    async def _parse(
        self,
        stale: list[ScannedFile],
        on_progress: Callable[[int, int], None] | None,
        references: bool = False,
        max_workers: int = MAX_WORKERS,
        niceness: int = WORKER_NICENESS,
    ) -> tuple[int, int]:
        """Parse `stale` files (reading their references too when `references` is set) in
        at most `max_workers` processes at `niceness`, and merge them batch by batch;
        returns (parsed, failed)."""
        if not stale:
            return 0, 0
        by_path = {scanned.path: scanned for scanned in stale}
        total = len(stale)
        done = parsed = 0

        root = str(self.root)

        def job(batch: Sequence[Batched]) -> Job:
            # References go from the workers straight into the cache when there is one.
            if references and self._store is not None:
                return references_job(root, str(self._store.path), batch)
            return parse_job(root, batch, references)

        def merge(message: bytes, batch: Sequence[Batched]) -> None:
            nonlocal done, parsed
            if references and self._store is not None:
                parsed += self._mark_references_read(marshal.loads(message), by_path)
            elif references:
                parsed += self._merge_references(_received(message))
            else:
                parsed += self._merge_parsed(_received(message), by_path)
            done += len(batch)
            if on_progress is not None:
                on_progress(done, total)

        if on_progress is not None:
            on_progress(0, total)
        batches = _batches(stale)
        if sum(scanned.size for scanned in stale) <= INLINE_BYTES:
            for batch in batches:
                merge(await asyncio.to_thread(run_job, job(batch)), batch)
            return parsed, total - parsed

        workers = max(1, min(max_workers, os.cpu_count() or 1))
        pool = WorkerPool.start(workers, _shared_languages(batches), references, niceness)
        self._pools.add(pool)

        async def run(batch: list[Batched]) -> tuple[bytes, list[Batched]]:
            return await pool.run(job(batch)), batch

        running = [asyncio.ensure_future(run(batch)) for batch in batches]
        try:
            failed = False
            for next_done in asyncio.as_completed(running):
                try:
                    result, batch = await next_done
                except WorkerFailed as exc:
                    # A worker died (a crash in a grammar): the files it and the queue held
                    # stay unindexed until the next build tries them again.
                    if not failed and not self._closed:
                        log.warning("symbol index workers failed: %s", exc)
                    failed = True
                    continue
                merge(result, batch)
                # Let requests in between batches, even when several finished at once.
                await asyncio.sleep(0)
        except BaseException:
            pool.kill()
            raise
        finally:
            self._pools.discard(pool)
            for task in running:
                task.cancel()
        await pool.close()
        return parsed, total - parsed

    def _merge_parsed(self, results: list[_Parsed], by_path: dict[str, ScannedFile]) -> int:
        """Merge one batch into memory and queue its write; returns how many parsed."""
        records: list[FileRecord] = []
        for result in results:
            if result.symbols is None:
                log.warning("could not index %s: %s", result.path, result.error)
                continue
            if result.path in self._touched:
                continue
            record = FileRecord(
                result.path,
                result.mtime_ns,
                result.size,
                by_path[result.path].language,
                result.symbols,
            )
            self._put_record(record)
            records.append(record)
        self._write(records, ())
        return sum(result.symbols is not None for result in results)

    def _mark_references_read(self, stored: list[str], by_path: dict[str, ScannedFile]) -> int:
        """Note the files whose references a worker stored, where the index still holds the
        version read; returns how many."""
        marked = 0
        for path in stored:
            entry, scanned = self._files.get(path), by_path[path]
            if entry is not None and (entry.mtime_ns, entry.size) == (
                scanned.mtime_ns,
                scanned.size,
            ):
                entry.references_read = True
                marked += 1
        return marked

    def _merge_references(self, results: list[_Parsed]) -> int:
        """Keep the references read for files at the version the index holds, without a
        cache (their definitions are in memory already); returns how many were kept."""
        records: list[FileRecord] = []
        for result in results:
            entry = self._files.get(result.path)
            if result.symbols is None:
                log.warning("could not read references of %s: %s", result.path, result.error)
                continue
            if entry is None or (entry.mtime_ns, entry.size) != (result.mtime_ns, result.size):
                continue  # changed on disk or in the editor: its update reads them
            entry.references_read = True
            records.append(
                FileRecord(
                    result.path, result.mtime_ns, result.size, entry.language, result.symbols
                )
            )
        self._write(records, ())
        return len(records)

    # ---- keeping current

    def update_file(self, path: Path, symbols: FileSymbols | None) -> None:
        """Take the editor's symbols for `path` (None: the file was deleted)."""
        relative = self._relative(path)
        if relative is None or self._closed:
            return
        self._touched.add(relative)
        self._versions[relative] = self._versions.get(relative, 0) + 1
        if symbols is None:
            if relative in self._files:
                self._forget(relative)
                self._write((), [relative])
            return
        record = FileRecord(
            relative, _EDITOR_MTIME_NS, _EDITOR_SIZE, symbols.language, encode_symbols(symbols)
        )
        self._put_record(record)
        self._write([record], ())

    async def reindex_file(self, path: Path) -> None:
        """Read `path` from disk again (a watched file was created, changed or deleted)."""
        relative = self._relative(path)
        if relative is None or self._closed:
            return
        self._touched.add(relative)
        version = self._versions[relative] = self._versions.get(relative, 0) + 1
        scanned = indexable(self.root, relative, self._max_file_bytes)
        if scanned is not None and (
            relative in self._files or await is_listed(self.root, relative)
        ):
            batch = [(relative, scanned.language, scanned.mtime_ns, scanned.size)]
            message = await asyncio.to_thread(run_job, parse_job(str(self.root), batch, True))
            (result,) = _received(message)
            if self._versions.get(relative) != version or self._closed:
                return  # a newer update of this file won
            if result.symbols is None:
                log.warning("could not index %s: %s", relative, result.error)
                return
            record = FileRecord(
                relative, result.mtime_ns, result.size, scanned.language, result.symbols
            )
            self._put_record(record)
            self._write([record], ())
        elif self._versions.get(relative) == version and relative in self._files:
            self._forget(relative)
            self._write((), [relative])
        await self._flush()

    # ---- queries

    def search(self, query: str, limit: int = 100) -> list[SymbolHit]:
        """Definitions whose names match `query` fuzzily, best first (see `search`)."""
        hits: list[SymbolHit] = []
        if limit <= 0:
            return hits
        for name in self._names.rank(query, limit):
            for hit in self._hits(name):
                hits.append(hit)
                if len(hits) >= limit:
                    return hits
        return hits

    def definitions_named(self, name: str) -> list[SymbolHit]:
        """Every definition called exactly `name`, by path and position."""
        return list(self._hits(name))

    async def references_named(self, name: str) -> list[tuple[Path, Reference]]:
        """Every reference to `name` the tags queries recognise, by path and position."""
        await self._read_references(name)
        self._settle()
        found: list[tuple[str, Reference]] = []
        if self._store is not None:
            for path, spans in self._store.references(name):
                if path not in self._unwritten:
                    found.extend((path, reference) for reference in to_references(name, spans))
        for path, record in self._unwritten.items():
            if record is not None:
                for used, spans in record.symbols.references or ():
                    if used == name:
                        found.extend((path, ref) for ref in to_references(name, spans))
        found.sort(key=lambda item: (item[0], item[1].span))
        return [(self.root / path, reference) for path, reference in found]

    async def _read_references(self, name: str) -> None:
        """Read the references of the files that mention `name` and whose references are
        unread, so that the cache has every reference to it."""
        unread = self._unread()
        if unread and not self._closed:
            mentioning = await asyncio.to_thread(_mentioning, self.root, unread, name)
            if mentioning:
                await self._flush()  # the workers update the rows of committed files only
                await self._parse(mentioning, None, references=True)

    @property
    def references_unread(self) -> int:
        """How many files' references `read_references` would read."""
        return sum(not entry.references_read for entry in self._files.values())

    def _unread(self) -> list[ScannedFile]:
        """The files whose references are not read, at the version the index holds."""
        return [
            ScannedFile(path, entry.mtime_ns, entry.size, entry.language)
            for path, entry in self._files.items()
            if not entry.references_read
        ]

    def file_definitions(self, path: Path) -> tuple[Definition, ...] | None:
        """The definitions the index holds for `path`, or None when it is not indexed."""
        relative = self._relative(path)
        entry = self._files.get(relative) if relative is not None else None
        if entry is None:
            return None
        return tuple(map(to_definition, entry.rows))

    def definitions_read_at(
        self, path: Path, stat: tuple[int, int]
    ) -> tuple[Definition, ...] | None:
        """The definitions of `path` if the index read them from the file when its
        (mtime_ns, size) was `stat`; None when it holds another version or the editor's.

        An editor opening an unchanged file gets its outline from here without a parse.
        """
        relative = self._relative(path)
        entry = None if relative is None else self._files.get(relative)
        if entry is None or (entry.mtime_ns, entry.size) != stat:
            return None
        return tuple(map(to_definition, entry.rows))

    def _hits(self, name: str) -> Iterable[SymbolHit]:
        files = self._by_name.get(name, ())
        for relative in (files,) if isinstance(files, str) else sorted(files):
            path = self._paths.get(relative)
            if path is None:
                # Joining paths costs more than the rest of a hit: do it once per file.
                path = self._paths[relative] = self.root / relative
            entry = self._files[relative]
            at = entry.row_names.index(name)
            while at >= 0:
                yield SymbolHit(path, to_definition(entry.rows[at]))
                at = _find(entry.row_names, name, at + 1)

    # ---- the in-memory table

    def _put_record(self, record: FileRecord) -> None:
        symbols = record.symbols
        self._put(
            record.path,
            record.mtime_ns,
            record.size,
            record.language,
            symbols.definitions,
            symbols.names,
            symbols.references is not None,
        )

    def _put(
        self,
        relative: str,
        mtime_ns: int,
        size: int,
        language: str,
        definitions: bytes,
        names: bytes,
        references_read: bool,
    ) -> None:
        row_names, distinct = defined_names(names)
        rows = definition_rows(definitions)
        if len(rows) != len(row_names):
            raise ValueError("definitions and their names disagree")
        if relative in self._files:
            self._forget(relative)
        by_name = self._by_name
        for name, name_initials in distinct.items():
            # Interned, so that the thousands of files defining `__init__` share one string.
            name = sys.intern(name)
            defined_in = by_name.get(name)
            if defined_in is None:
                by_name[name] = relative
                self._names.add(name, name_initials)
            elif isinstance(defined_in, str):
                by_name[name] = [defined_in, relative]
            else:
                defined_in.append(relative)
        self._files[relative] = _Entry(
            mtime_ns, size, language, rows, tuple(map(sys.intern, row_names)), references_read
        )
        self._definitions += len(rows)

    def _forget(self, relative: str) -> None:
        entry = self._files.pop(relative)
        self._paths.pop(relative, None)
        self._definitions -= len(entry.rows)
        for name in dict.fromkeys(entry.row_names):
            defined_in = self._by_name[name]
            if isinstance(defined_in, str):
                del self._by_name[name]
                self._names.discard(name)
                continue
            defined_in.remove(relative)
            if len(defined_in) == 1:
                self._by_name[name] = defined_in[0]

    def _relative(self, path: Path) -> str | None:
        """`path` relative to the root, '/'-separated; None outside the root, or for a name
        that is not UTF-8 (which the scan skips too)."""
        try:
            relative = path.resolve().relative_to(self.root).as_posix()
            relative.encode()
        except ValueError:  # UnicodeEncodeError is one
            return None
        return relative

    # ---- the cache

    def _write(self, files: Sequence[FileRecord], removed: Sequence[str]) -> None:
        """Queue a cache write on the writer thread (in order; awaited by `_flush`)."""
        if self._closed or (not files and not removed):
            return
        written: dict[str, FileRecord | None] = dict.fromkeys(removed)
        written.update((record.path, record) for record in files)
        self._unwritten.update(written)
        if self._store is not None:
            self._settle()
            self._writes.append((self._io.submit(self._store.write, files, removed), written))

    def _settle(self) -> None:
        """Let reads go to the cache for the files whose writes have been committed."""
        pending = []
        for write, written in self._writes:
            if not write.done():
                pending.append((write, written))
                continue
            for path, record in written.items():
                if path in self._unwritten and self._unwritten[path] is record:
                    del self._unwritten[path]
        self._writes = pending

    async def _flush(self) -> None:
        """Wait until every queued write is committed."""
        for write, _ in list(self._writes):
            await asyncio.wrap_future(write)
        self._settle()

    def close(self) -> None:
        """Stop a running build's workers, finish queued writes and close the cache."""
        self._closed = True
        for pool in list(self._pools):
            pool.kill()
        self._io.shutdown(wait=True)
        if self._store is not None:
            self._store.close()
