"""Open documents parsed with tree-sitter, kept in step with the editor's buffers.

Every open file of a language the index knows gets a `ParsedDocument`, re-parsed
incrementally from each `didChange` (LSP ranges in the negotiated encoding become the
UTF-8 byte columns tree-sitter counts). Its symbols reach the workspace index shortly
after typing stops, or at once when a request needs them (`flush`), so workspace/symbol
sees definitions that are not saved yet. A save re-indexes the file from disk; closing
it reverts the index to what is on disk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from claude_lsp.index.positions import PositionEncoding, span_to_client, to_byte_column
from claude_lsp.lsp.notifications import add_notification_listener

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from claude_lsp.index.document import ParsedDocument
    from claude_lsp.index.model import Definition, Span
    from claude_lsp.lsp.indexing import WorkspaceIndexes

log = logging.getLogger(__name__)

INDEX_DELAY_SECONDS = 0.3
"""Typing coalesces: the index takes a buffer's symbols once it has been still this long."""

# Called with the uri and its parsed document after it opened or changed, None on close.
DocumentListener = Callable[[str, "ParsedDocument | None"], None]


class OpenDocuments:
    """The parsed open documents of one server, and the index fed from them."""

    def __init__(self, server: LanguageServer, indexes: WorkspaceIndexes) -> None:
        self._server = server
        self._indexes = indexes
        self._documents: dict[str, ParsedDocument] = {}
        self._listeners: list[DocumentListener] = []
        self._unindexed: set[str] = set()
        # Open documents whose buffer has not changed since it was opened equal to the
        # file, with the file's (mtime_ns, size) then: the index's definitions of that
        # version are the buffer's.
        self._as_on_disk: dict[str, tuple[int, int]] = {}
        self._indexing: asyncio.TimerHandle | None = None
        self._disk_lines = DiskLines()

    def register(self) -> None:
        server = self._server
        add_notification_listener(server, types.TEXT_DOCUMENT_DID_OPEN, self._opened)
        add_notification_listener(server, types.TEXT_DOCUMENT_DID_CHANGE, self._changed)
        add_notification_listener(server, types.TEXT_DOCUMENT_DID_SAVE, self._saved)
        add_notification_listener(server, types.TEXT_DOCUMENT_DID_CLOSE, self._closed)

    def subscribe(self, listener: DocumentListener) -> None:
        """Tell `listener` about every open, change and close of a parsed document."""
        self._listeners.append(listener)

    def get(self, uri: str) -> ParsedDocument | None:
        """The parsed buffer of an open document; None when closed or of no known language."""
        return self._documents.get(uri)

    def parse(self, uri: str) -> ParsedDocument | None:
        """The open buffer's parse, or a fresh parse of the file on disk (None: unknown
        language or unreadable)."""
        document = self._documents.get(uri)
        if document is not None:
            return document
        path = _path(uri)
        text = None if path is None else read_text(path)
        language = None if path is None else _language(path)
        if text is None or language is None:
            return None
        from claude_lsp.index.document import ParsedDocument

        return ParsedDocument(language, text)

    def definitions(self, uri: str, document: ParsedDocument) -> Sequence[Definition]:
        """The definitions of `document` (what `parse(uri)` gave): from the index when it
        read the very version of the file that the buffer is, or that is on disk for a
        file not open (an outline needs no parse then), else from the parse."""
        path = _path(uri)
        if path is not None:
            stat = self._as_on_disk.get(uri) if uri in self._documents else _stat_of(path)
            index = self._indexes.index_for(path)
            if stat is not None and index is not None:
                found = index.definitions_read_at(path, stat)
                if found is not None:
                    return found
        return document.symbols().definitions

    def lines(self, path: Path) -> Sequence[str] | None:
        """`path`'s lines as the editor shows them (the open buffer, else the disk), split
        as tree-sitter counts rows; None when it cannot be read."""
        uri = from_fs_path(str(path))
        if uri is not None:
            document = self._documents.get(uri)
            if document is not None:
                return document.lines
            buffer = self._server.workspace.text_documents.get(uri)
            if buffer is not None:
                return str(buffer.source).split("\n")
        text = read_text(path)
        return None if text is None else text.split("\n")

    def client_range(self, path: Path, span: Span) -> types.Range | None:
        """`span` of `path` in the client's units; None when the file cannot be read.

        Answers list many files, so a file on disk is read only when its columns need
        converting: never for UTF-8 clients, and once per version for the others, ASCII
        files (most source) being remembered as such.
        """
        encoding = self.encoding()
        if encoding == "utf-8":
            return _same_units(span)
        uri = from_fs_path(str(path))
        if uri is not None and (
            uri in self._documents or uri in self._server.workspace.text_documents
        ):
            lines = self.lines(path)
            return None if lines is None else lsp_range(lines, span, encoding)
        return self._disk_lines.client_range(path, span, encoding)

    def flush(self) -> None:
        """Hand the index the symbols of every buffer changed since it last had them."""
        if self._indexing is not None:
            self._indexing.cancel()
            self._indexing = None
        pending, self._unindexed = self._unindexed, set()
        for uri in pending:
            document = self._documents.get(uri)
            path = _path(uri)
            index = None if path is None else self._indexes.index_for(path)
            if document is None or path is None or index is None:
                continue
            index.update_file(path, document.symbols())

    def is_open(self, path: Path) -> bool:
        uri = from_fs_path(str(path))
        return uri is not None and uri in self._documents

    # -- notifications ------------------------------------------------------------------

    def _opened(self, params: types.DidOpenTextDocumentParams) -> None:
        item = params.text_document
        path = _path(item.uri)
        language = None if path is None else _language(path)
        if path is None or language is None:
            return
        from claude_lsp.index.document import ParsedDocument

        document = self._documents[item.uri] = ParsedDocument(language, item.text)
        stat = _stat_of(path)  # before the read: a write in between spoils the stat
        if read_text(path) != item.text:  # unsaved text the index has not seen
            self._as_on_disk.pop(item.uri, None)
            self._index_soon(item.uri)
        elif stat is not None:
            self._as_on_disk[item.uri] = stat
        self._tell(item.uri, document)

    def _changed(self, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        document = self._documents.get(uri)
        if document is None:
            return
        self._as_on_disk.pop(uri, None)
        encoding = self.encoding()
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                start = byte_position(document.lines, change.range.start, encoding)
                end = byte_position(document.lines, change.range.end, encoding)
                document.apply_change(start, end, change.text)
            else:
                document.replace_all(change.text)
        buffer = self._server.workspace.text_documents.get(uri)
        if buffer is not None and buffer.source != document.text:
            # Both sides apply the same edits; should they ever disagree, the editor's
            # buffer (as pygls keeps it) is the truth.
            log.warning("parsed text of %s drifted from the buffer; parsing it again", uri)
            document.replace_all(buffer.source)
        self._index_soon(uri)
        self._tell(uri, document)

    def _saved(self, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        path = _path(uri)
        if path is None or uri not in self._documents:
            return
        self._unindexed.discard(uri)
        self._indexes.reindex(path)

    def _closed(self, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        if self._documents.pop(uri, None) is None:
            return
        self._unindexed.discard(uri)
        self._as_on_disk.pop(uri, None)
        path = _path(uri)
        if path is not None:
            self._indexes.reindex(path)  # back to what is saved (or gone, if never saved)
        self._tell(uri, None)

    # -- helpers ------------------------------------------------------------------------

    def encoding(self) -> PositionEncoding:
        """The position encoding negotiated in `initialize`."""
        return encoding_of(self._server)

    def _index_soon(self, uri: str) -> None:
        self._unindexed.add(uri)
        if self._indexing is not None:
            self._indexing.cancel()
        loop = asyncio.get_running_loop()
        self._indexing = loop.call_later(INDEX_DELAY_SECONDS, self.flush)

    def _tell(self, uri: str, document: ParsedDocument | None) -> None:
        for listener in self._listeners:
            try:
                listener(uri, document)
            except Exception:  # one listener's bug must not starve the others
                log.exception("document listener %r failed", listener)


def encoding_of(server: LanguageServer) -> PositionEncoding:
    """The negotiated position encoding as the index's position helpers name it."""
    encoding = str(server.workspace.position_encoding or "utf-16")
    if encoding == "utf-8":
        return "utf-8"
    return "utf-32" if encoding == "utf-32" else "utf-16"


def lsp_range(lines: Sequence[str], span: Span, encoding: PositionEncoding) -> types.Range:
    """A `Span` (UTF-8 byte columns) in the client's units; `lines` split on "\\n"."""
    (start_line, start), (end_line, end) = span_to_client(span, lines, encoding)
    return types.Range(
        start=types.Position(line=start_line, character=start),
        end=types.Position(line=end_line, character=end),
    )


def byte_position(
    lines: Sequence[str], position: types.Position, encoding: PositionEncoding
) -> tuple[int, int]:
    """An LSP position as (line, UTF-8 byte column); past the text it stays past it (the
    parsed document clamps)."""
    line = position.line
    if line >= len(lines):
        return line, position.character
    return line, to_byte_column(lines[line], position.character, encoding)


def read_text(path: Path) -> str | None:
    """A source file's text as the index reads it; None when it cannot be read."""
    try:
        return path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None


class DiskLines:
    """Files' lines for converting columns, re-read only when a file's stat changes; of a
    pure ASCII file (most source) only that fact is kept: its byte columns are every
    encoding's columns."""

    def __init__(self, capacity: int = 4096) -> None:
        self._capacity = capacity
        # path -> (mtime_ns, size, lines; None for an ASCII file)
        self._files: dict[Path, tuple[int, int, list[str] | None]] = {}

    def client_range(
        self, path: Path, span: Span, encoding: PositionEncoding
    ) -> types.Range | None:
        """`span` of the file at `path` in `encoding`; None when it cannot be read."""
        try:
            stat = path.stat()
        except OSError:
            return None
        known = self._files.get(path)
        if known is None or known[:2] != (stat.st_mtime_ns, stat.st_size):
            try:
                data = path.read_bytes()
            except OSError:
                return None
            lines = None if data.isascii() else data.decode("utf-8", "replace").split("\n")
            if len(self._files) >= self._capacity:
                del self._files[next(iter(self._files))]  # the oldest
            known = self._files[path] = (stat.st_mtime_ns, stat.st_size, lines)
        lines = known[2]
        return _same_units(span) if lines is None else lsp_range(lines, span, encoding)


def _same_units(span: Span) -> types.Range:
    return types.Range(
        start=types.Position(line=span.start_line, character=span.start_column),
        end=types.Position(line=span.end_line, character=span.end_column),
    )


def _stat_of(path: Path) -> tuple[int, int] | None:
    """(mtime_ns, size) of the file; None when it cannot be read."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _path(uri: str) -> Path | None:
    path = to_fs_path(uri)
    return None if path is None else Path(path)


def _language(path: Path) -> str | None:
    from claude_lsp.index.languages import language_for

    return language_for(path)
