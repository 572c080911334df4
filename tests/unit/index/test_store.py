"""The on-disk cache: where it lives, what survives a reopen, and what happens when it breaks."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from claude_lsp.index.extract import extract, rows_of
from claude_lsp.index.model import Reference, Span
from claude_lsp.index.store import (
    SCHEMA_VERSION,
    EncodedSymbols,
    FileRecord,
    IndexStore,
    cache_file,
    defined_names,
    definition_rows,
    encode_references,
    encode_rows,
    encode_symbols,
    store_references,
    to_definition,
    to_references,
)

SOURCE = b"""\
class Greeter:
    def hello(self, name):
        return shout(name)


def shout(text):
    return text.upper()


shout("hi")
"""


def record(path: str, source: bytes = SOURCE, mtime_ns: int = 1, size: int = 2) -> FileRecord:
    _, symbols = extract("python", source)
    return FileRecord(path, mtime_ns, size, "python", encode_symbols(symbols))


def test_cache_file_honours_the_override_and_keeps_folders_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDE_LSP_CACHE_DIR", str(tmp_path / "cache"))
    workspace = tmp_path / "work"
    workspace.mkdir()

    path = cache_file(workspace / "." / "sub" / "..")

    assert path.parent == tmp_path / "cache" / "index"
    assert path.name.endswith(".sqlite") and len(path.stem) == 64
    assert path == cache_file(workspace)
    assert path != cache_file(tmp_path)
    for folder in (tmp_path / "cache", tmp_path / "cache" / "index"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_cache_file_follows_xdg_and_ignores_a_relative_xdg(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLAUDE_LSP_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_file(tmp_path).parent == tmp_path / "xdg" / "claude-lsp" / "index"

    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_file(tmp_path).parent == tmp_path / "home" / ".cache" / "claude-lsp" / "index"


def test_encoded_symbols_decode_to_the_same_definitions_and_references() -> None:
    _, symbols = extract("python", SOURCE)
    encoded = encode_symbols(symbols)

    rows = definition_rows(encoded.definitions)
    assert tuple(map(to_definition, rows)) == symbols.definitions
    assert len(rows) == 3
    assert defined_names(encoded.names) == (
        ("Greeter", "hello", "shout"),
        {"Greeter": "G", "hello": "h", "shout": "s"},
    )
    assert encoded.references is not None
    decoded = [ref for name, spans in encoded.references for ref in to_references(name, spans)]
    assert sorted(decoded, key=lambda ref: ref.span) == list(symbols.references)


def used_spans(encoded: EncodedSymbols) -> dict[str, list[Span]]:
    """Each referenced name's spans, in source order."""
    return {
        name: sorted(reference.span for reference in to_references(name, spans))
        for name, spans in encoded.references or ()
    }


def test_the_workers_rows_and_the_editors_symbols_are_stored_alike() -> None:
    """`encode_rows` (the workers' path) and `encode_symbols` (the editor's) of one source."""
    source = SOURCE + b"\nclass Loud(Greeter):\n    VOLUME = shout('x') + shout('y')\n"
    tree, symbols = extract("python", source)

    from_rows = encode_rows(*rows_of("python", tree))
    from_editor = encode_symbols(symbols)

    for encoded in (from_rows, from_editor):
        rows = definition_rows(encoded.definitions)
        assert tuple(map(to_definition, rows)) == symbols.definitions
        assert defined_names(encoded.names) == defined_names(from_editor.names)
    assert used_spans(from_rows) == used_spans(from_editor)
    assert used_spans(from_rows)["shout"] == [
        Span(line, column, line, column + 5)
        for line, column in ((2, 15), (9, 0), (12, 13), (12, 26))
    ]


def test_records_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    store = IndexStore(path, "one")
    assert store.rebuilt
    store.write([record("a.py", mtime_ns=11, size=22), record("pkg/b.py")])
    store.close()

    store = IndexStore(path, "one")
    loaded = {stored.path: stored for stored in store.load()}

    assert not store.rebuilt
    assert sorted(loaded) == ["a.py", "pkg/b.py"]
    first = loaded["a.py"]
    assert (first.mtime_ns, first.size, first.language) == (11, 22, "python")
    assert defined_names(first.names)[0] == ("Greeter", "hello", "shout")
    assert [path for path, _ in store.references("shout")] == ["a.py", "pkg/b.py"]
    _, spans = store.references("shout")[0]
    assert to_references("shout", spans) == [
        Reference("shout", Span(2, 15, 2, 20)),
        Reference("shout", Span(9, 0, 9, 5)),
    ]
    assert (first.references_read, loaded["pkg/b.py"].references_read) == (True, True)
    store.close()


def test_a_file_stored_without_its_references_says_so(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "index.sqlite", "one")
    tree, _ = extract("python", SOURCE)
    definitions_only = encode_rows(*rows_of("python", tree, references=False))
    assert definitions_only.references is None

    store.write([FileRecord("a.py", 1, 2, "python", definitions_only), record("b.py")])

    loaded = {stored.path: stored.references_read for stored in store.load()}
    assert loaded == {"a.py": False, "b.py": True}
    assert [path for path, _ in store.references("shout")] == ["b.py"]
    store.close()


def test_rewriting_a_file_replaces_its_rows_and_removing_drops_them(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "index.sqlite", "one")
    store.write([record("a.py"), record("b.py")])

    store.write([record("a.py", b"def other():\n    return done()\n", mtime_ns=5)], ["b.py"])

    (only,) = store.load()
    assert (only.path, only.mtime_ns) == ("a.py", 5)
    assert [to_definition(row).name for row in definition_rows(only.definitions)] == ["other"]
    assert store.references("shout") == []
    assert [path for path, _ in store.references("done")] == ["a.py"]
    store.close()


def test_a_corrupt_file_is_deleted_and_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    path.write_bytes(b"this is not a database" * 100)

    store = IndexStore(path, "one")

    assert store.rebuilt
    assert store.load() == []
    store.write([record("a.py")])
    assert [stored.path for stored in store.load()] == ["a.py"]
    store.close()


def test_another_extractor_or_schema_starts_over(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    store = IndexStore(path, "one")
    store.write([record("a.py")])
    store.close()

    store = IndexStore(path, "two")
    assert store.rebuilt
    assert store.load() == []
    store.close()

    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE meta SET value = ? WHERE key = 'version'", (f"{SCHEMA_VERSION - 1}:two",)
        )
    db.close()
    store = IndexStore(path, "two")
    assert store.rebuilt
    store.close()


def test_a_database_damaged_after_opening_is_reset_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    store = IndexStore(path, "one")
    store.write([record("a.py")])
    with sqlite3.connect(path) as db:
        db.execute('DROP TABLE "references"')
    db.close()

    assert store.references("shout") == []
    store.write([record("b.py")])

    assert [stored.path for stored in store.load()] == ["b.py"]
    assert [path for path, _ in store.references("shout")] == ["b.py"]
    store.close()


def test_references_stored_from_another_connection_need_the_version_the_cache_holds(
    tmp_path: Path,
) -> None:
    """What an index worker does: it writes a file's references itself, and only for the
    version of the file the cache holds."""
    path = tmp_path / "index.sqlite"
    store = IndexStore(path, "one")
    tree, _ = extract("python", SOURCE)
    rows, used = rows_of("python", tree)
    definitions_only = encode_rows(rows, None)
    store.write(
        [
            FileRecord("a.py", 5, 50, "python", definitions_only),
            FileRecord("b.py", 6, 60, "python", definitions_only),
        ]
    )
    assert used is not None

    stored = store_references(
        path,
        [("a.py", 5, 50, encode_references(used)), ("b.py", 7, 70, encode_references(used))],
    )

    assert stored == ["a.py"]  # b.py was read at another version than the cache's
    assert [p for p, _ in store.references("shout")] == ["a.py"]
    loaded = {stored.path: stored.references_read for stored in store.load()}
    assert loaded == {"a.py": True, "b.py": False}
    assert store_references(tmp_path / "missing" / "index.sqlite", []) == []
    store.close()
