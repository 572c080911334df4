"""The symbol index on disk: one SQLite file per workspace, so a restart re-parses only what
changed.

Layout, chosen for the two things that must be fast:

- `files(path, mtime_ns, size, language)`: what was indexed, to compare with a fresh scan.
- `definitions(file_id, rows, names)`: a file's definitions, each marshalled on its own (so
  one can be decoded without the rest) and packed into one blob, and the name of each with
  the initials of each distinct name (what the search table needs, computed once by the
  worker that parsed the file). A warm start loads every file's definitions at once (the
  search table lives in memory), and one row per file loads and writes an order of
  magnitude faster than one row per definition.
- `references(file_id, name, spans)`: one row per name used in a file, with all its spans,
  indexed by name: references are only ever looked up by name, never all loaded. A bulk
  build reads no references (`definitions.references_read` is 0); a lookup reads those of
  the files it needs and stores them, so each file version is read for references once.

The file lives at `$XDG_CACHE_HOME/claude-lsp/index/<sha256 of the resolved root>.sqlite`
(`CLAUDE_LSP_CACHE_DIR` replaces `$XDG_CACHE_HOME/claude-lsp`). It is only a cache: a file
that cannot be read, or was written by another schema or extractor, is deleted and rebuilt,
and an error while writing resets it rather than failing the index.

Threads: `open`, `load` and `write` run on one thread at a time (the index's writer thread);
`references` uses a second connection from one other thread (the event
loop's). The database is in WAL mode, so reads see the last committed write and never wait.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from claude_lsp.index.extract import DefinitionRow, UsedNames, as_definition
from claude_lsp.index.model import Definition, FileSymbols, Reference, Span
from claude_lsp.index.search import initials

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
BUSY_SECONDS = 30.0
_PAGE_SIZE = 16384


_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE files(
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    mtime_ns INTEGER NOT NULL,
    size INTEGER NOT NULL,
    language TEXT NOT NULL
);
CREATE TABLE definitions(
    file_id INTEGER PRIMARY KEY,
    rows BLOB NOT NULL,
    names BLOB NOT NULL,
    references_read INTEGER NOT NULL
);
CREATE TABLE "references"(
    file_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    spans BLOB NOT NULL,
    PRIMARY KEY (file_id, name)
) WITHOUT ROWID;
CREATE INDEX references_by_name ON "references"(name);
"""


@dataclass(frozen=True)
class EncodedSymbols:
    """A file's symbols in the stored form: compact, and cheap to send between processes."""

    definitions: bytes
    """The `DefinitionRow`s in source order, each marshalled, as a marshalled tuple."""
    names: bytes
    """Marshalled: the name of each row, and the initials of each distinct name (in the
    order the names first appear)."""
    references: list[tuple[str, bytes]] | None
    """(name, marshalled spans: 4 ints each) per referenced name; None when the file's
    references were not read (a bulk build's)."""


@dataclass(frozen=True)
class FileRecord:
    """One file's entry: its stat when it was read, its language and its symbols."""

    path: str
    mtime_ns: int
    size: int
    language: str
    symbols: EncodedSymbols


@dataclass(frozen=True)
class StoredFile:
    """A file as loaded at start-up: everything but its references."""

    path: str
    mtime_ns: int
    size: int
    language: str
    definitions: bytes
    names: bytes
    references_read: bool


def cache_file(root: Path) -> Path:
    """Where the index of the workspace at `root` is kept (folders are created, mode 0700)."""
    override = os.environ.get("CLAUDE_LSP_CACHE_DIR")
    if override:
        base = Path(override)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        # The XDG spec says to ignore a relative XDG_CACHE_HOME.
        cache_home = Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache"
        cache_home.mkdir(parents=True, exist_ok=True)
        base = cache_home / "claude-lsp"
    folder = base / "index"
    for private in (base, folder):
        private.mkdir(mode=0o700, parents=True, exist_ok=True)
    digest = hashlib.sha256(os.fsencode(root.resolve())).hexdigest()
    return folder / f"{digest}.sqlite"


def encode_rows(rows: Sequence[DefinitionRow], used: UsedNames | None) -> EncodedSymbols:
    """A file's symbols, as `extract.rows_of` gives them, in the stored form."""
    row_names = tuple(row[0] for row in rows)
    distinct = tuple(map(initials, dict.fromkeys(row_names)))
    return EncodedSymbols(
        marshal.dumps(tuple(map(marshal.dumps, rows))),
        marshal.dumps((row_names, distinct)),
        None if used is None else encode_references(used),
    )


def encode_references(used: UsedNames) -> list[tuple[str, bytes]]:
    """A file's references in the stored form: (name, marshalled spans) per name."""
    return [(name, marshal.dumps(spans)) for name, spans in used.items()]


# A file whose references were read outside the index's process: (path, mtime_ns, size of
# the version read, its references as `encode_references` gives them)
ReadReferences = tuple[str, int, int, list[tuple[str, bytes]]]


def store_references(database: Path, found: Sequence[ReadReferences]) -> list[str]:
    """Store references read by a worker process, on a connection of its own, for the
    files the cache still holds at the version read; the paths stored (none when the
    cache cannot be written: the files stay unread).

    A pass over a whole workspace's references so never goes through the server's
    memory; SQLite's locking orders these writes with the server's own.
    """
    try:  # mode=rw: a cache reset meanwhile must not get a stray empty file
        db = sqlite3.connect(
            f"{database.as_uri()}?mode=rw", uri=True, timeout=BUSY_SECONDS, isolation_level=None
        )
    except (sqlite3.Error, ValueError):
        return []
    stored: list[str] = []
    try:
        db.execute("BEGIN IMMEDIATE")
        for path, mtime_ns, size, references in found:
            row = db.execute(
                "SELECT id FROM files WHERE path = ? AND mtime_ns = ? AND size = ?",
                (path, mtime_ns, size),
            ).fetchone()
            if row is None:
                continue  # changed (or gone) since: its own update reads them
            db.execute('DELETE FROM "references" WHERE file_id = ?', row)
            db.executemany(
                'INSERT INTO "references" VALUES (?, ?, ?)',
                [(row[0], name, spans) for name, spans in references],
            )
            db.execute("UPDATE definitions SET references_read = 1 WHERE file_id = ?", row)
            stored.append(path)
        db.execute("COMMIT")
    except sqlite3.Error as exc:
        log.warning("symbol index cache %s: references not stored: %s", database, exc)
        with contextlib.suppress(sqlite3.Error):
            db.execute("ROLLBACK")
        stored = []
    finally:
        db.close()
    return stored


def encode_symbols(symbols: FileSymbols) -> EncodedSymbols:
    """`symbols` (the editor's) in the stored form."""
    rows: list[DefinitionRow] = [
        (
            d.name,
            d.kind,
            d.container,
            d.range.start_line,
            d.range.start_column,
            d.range.end_line,
            d.range.end_column,
            d.selection.start_line,
            d.selection.start_column,
            d.selection.end_line,
            d.selection.end_column,
        )
        for d in symbols.definitions
    ]
    used: UsedNames = {}
    for reference in symbols.references:
        span = reference.span
        used.setdefault(reference.name, []).extend(
            (span.start_line, span.start_column, span.end_line, span.end_column)
        )
    return encode_rows(rows, used)


def definition_rows(blob: bytes) -> tuple[bytes, ...]:
    """The rows of a `definitions` blob, each still marshalled (see `to_definition`)."""
    rows: tuple[bytes, ...] = marshal.loads(blob)
    return rows


def defined_names(blob: bytes) -> tuple[tuple[str, ...], dict[str, str]]:
    """The name of each row of a `names` blob, and {distinct name: its initials}."""
    row_names, found = marshal.loads(blob)
    return row_names, dict(zip(dict.fromkeys(row_names), found, strict=True))


def to_definition(row: bytes) -> Definition:
    """One marshalled `DefinitionRow` as a `Definition`."""
    return as_definition(marshal.loads(row))


def to_references(name: str, spans: bytes) -> list[Reference]:
    """The references to `name` that one `references` row holds."""
    ints: list[int] = marshal.loads(spans)
    return [Reference(name, Span(*ints[i : i + 4])) for i in range(0, len(ints), 4)]


class IndexStore:
    """The SQLite cache of one workspace's index."""

    def __init__(self, path: Path, fingerprint: str) -> None:
        """Open (or create) the cache at `path`; `fingerprint` identifies the extractor that
        wrote it, and a cache from another one starts over, as does a corrupt one."""
        self.path = path
        self._version = f"{SCHEMA_VERSION}:{fingerprint}"
        # True when this store started empty: missing, unreadable or outdated.
        self.rebuilt = False
        self._writer, self._reader = self._connect()

    def _connect(self) -> tuple[sqlite3.Connection, sqlite3.Connection]:
        try:
            return self._open_existing()
        except sqlite3.DatabaseError as exc:
            log.warning("symbol index cache %s is unreadable (%s); rebuilding it", self.path, exc)
        return self._create()

    def _open_existing(self) -> tuple[sqlite3.Connection, sqlite3.Connection]:
        if not self.path.exists():
            return self._create()
        writer = _connect(self.path)
        try:
            found = writer.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        except sqlite3.DatabaseError:
            writer.close()
            raise
        if found is None or found[0] != self._version:
            writer.close()
            log.info("symbol index cache %s is from another version; rebuilding it", self.path)
            return self._create()
        return writer, _connect(self.path)

    def _create(self) -> tuple[sqlite3.Connection, sqlite3.Connection]:
        self._delete_files()
        self.rebuilt = True
        writer = _connect(self.path)
        with writer:
            writer.executescript(_SCHEMA)
            writer.execute("INSERT INTO meta VALUES ('version', ?)", (self._version,))
        return writer, _connect(self.path)

    def _delete_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def _reset(self, error: sqlite3.Error) -> None:
        """Start over with an empty cache after `error`: the index in memory is unaffected;
        what is missing from the cache is parsed again at the next start."""
        log.warning("symbol index cache %s failed (%s); starting it over", self.path, error)
        self._writer.close()
        self._reader.close()
        self._writer, self._reader = self._create()

    def load(self) -> list[StoredFile]:
        """Every file in the cache with its definitions; a corrupt cache is reset and empty."""
        try:
            rows = self._writer.execute(
                "SELECT f.path, f.mtime_ns, f.size, f.language, d.rows, d.names,"
                " d.references_read"
                " FROM files f JOIN definitions d ON d.file_id = f.id"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            self._reset(exc)
            return []
        return [
            StoredFile(path, mtime_ns, size, language, definitions, names, bool(read))
            for path, mtime_ns, size, language, definitions, names, read in rows
        ]

    def write(self, files: Sequence[FileRecord], removed: Sequence[str] = ()) -> None:
        """Store `files` (replacing what was there) and drop `removed`, in one transaction.

        A failing write resets the cache and is tried once more on the fresh one."""
        try:
            self._write(files, removed)
        except sqlite3.Error as exc:
            try:
                self._reset(exc)
                self._write(files, removed)
            except (sqlite3.Error, OSError) as again:
                log.warning("symbol index cache %s: could not write: %s", self.path, again)

    def _write(self, files: Sequence[FileRecord], removed: Sequence[str]) -> None:
        with self._writer as db:
            for path in removed:
                found = db.execute("SELECT id FROM files WHERE path = ?", (path,)).fetchone()
                if found is not None:
                    _delete_symbols(db, found[0])
                    db.execute("DELETE FROM files WHERE id = ?", found)
            for record in files:
                (file_id,) = db.execute(
                    "INSERT INTO files(path, mtime_ns, size, language) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT(path) DO UPDATE SET mtime_ns = excluded.mtime_ns,"
                    " size = excluded.size, language = excluded.language RETURNING id",
                    (record.path, record.mtime_ns, record.size, record.language),
                ).fetchone()
                _delete_symbols(db, file_id)
                symbols = record.symbols
                db.execute(
                    "INSERT INTO definitions VALUES (?, ?, ?, ?)",
                    (file_id, symbols.definitions, symbols.names, symbols.references is not None),
                )
                db.executemany(
                    'INSERT INTO "references" VALUES (?, ?, ?)',
                    [(file_id, name, spans) for name, spans in symbols.references or ()],
                )

    def references(self, name: str) -> list[tuple[str, bytes]]:
        """(path, spans) of every file that uses `name`, by path."""
        return self._read(
            'SELECT f.path, r.spans FROM "references" r JOIN files f ON f.id = r.file_id'
            " WHERE r.name = ? ORDER BY f.path",
            (name,),
        )

    def _read(self, sql: str, parameters: tuple[str]) -> list[tuple[str, bytes]]:
        try:
            rows: list[tuple[str, bytes]] = self._reader.execute(sql, parameters).fetchall()
        except sqlite3.Error as exc:
            # The writer resets a broken cache when it next writes; until then, nothing.
            log.warning("symbol index cache %s: %s", self.path, exc)
            return []
        return rows

    def close(self) -> None:
        self._reader.close()
        self._writer.close()


def _connect(path: Path) -> sqlite3.Connection:
    # A reference worker (nice 19) may hold the write lock a while on a loaded machine:
    # wait for it rather than take "database is locked" for a broken cache.
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=BUSY_SECONDS)
    try:
        # For a new file (an existing one keeps its own): with pages four times the default,
        # a cold build's tens of thousands of `references` rows go in 20% faster.
        db.execute(f"PRAGMA page_size = {_PAGE_SIZE}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError:
        db.close()
        raise
    db.isolation_level = "DEFERRED"
    return db


def _delete_symbols(db: sqlite3.Connection, file_id: int) -> None:
    db.execute("DELETE FROM definitions WHERE file_id = ?", (file_id,))
    db.execute('DELETE FROM "references" WHERE file_id = ?', (file_id,))
