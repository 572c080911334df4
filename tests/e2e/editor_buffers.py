"""A test client that behaves like an editor: it applies accepted edits to its buffers
and reports them with `textDocument/didChange`, which the server waits for."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path
from pytest_lsp import LanguageClient

from tests.e2e.conftest import Recorder


class _EditLog(list[types.ApplyWorkspaceEditParams]):
    """`Recorder.edits` that also hands each edit to the editor as it is recorded."""

    def __init__(self, on_edit: Callable[[types.ApplyWorkspaceEditParams], None]) -> None:
        super().__init__()
        self._on_edit = on_edit

    def append(self, params: types.ApplyWorkspaceEditParams) -> None:
        super().append(params)
        self._on_edit(params)


class EditorBuffers:
    """The editor's side: open buffers, applying accepted edits, `didChange` after.

    Like VS Code, the `didChange` goes out before the `applyEdit` answer. `confirm =
    False` makes an editor that answers `applied: true` but never changes the buffer.
    """

    def __init__(self, client: LanguageClient, recorder: Recorder, encoding: str) -> None:
        self.client = client
        self.recorder = recorder
        self.encoding = encoding
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}
        self.confirm = True
        recorder.edits = _EditLog(self._on_edit)

    def open(self, path: Path, text: str, version: int = 1) -> str:
        uri = path.as_uri()
        self.texts[uri], self.versions[uri] = text, version
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="python", version=version, text=text
                )
            )
        )
        return uri

    def _on_edit(self, params: types.ApplyWorkspaceEditParams) -> None:
        if not (self.recorder.apply_edits and self.confirm):
            return
        edit = params.edit
        for uri, edits in (edit.changes or {}).items():
            self._change(uri, list(edits))
        for change in edit.document_changes or []:
            if isinstance(change, types.CreateFile):
                path = Path(to_fs_path(change.uri) or "")
                assert not path.exists()
                path.write_text("")  # VS Code creates the file, then edits the new buffer
                self.open(path, "")
            elif isinstance(change, types.TextDocumentEdit):
                version = change.text_document.version
                assert version in (None, self.versions[change.text_document.uri])
                self._change(change.text_document.uri, list(change.edits))

    def _change(self, uri: str, edits: list[Any]) -> None:
        """Apply edits (all relative to the old text) and send them, last first."""
        old = self.texts[uri]
        spans = sorted(
            ((self._offset(old, e.range.start), self._offset(old, e.range.end), e) for e in edits),
            key=lambda span: span[0],
        )
        new = old
        for start, end, e in reversed(spans):
            new = new[:start] + e.new_text + new[end:]
        self.texts[uri] = new
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(
                    uri=uri, version=self.versions[uri]
                ),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=e.range, text=e.new_text)
                    for _, _, e in reversed(spans)
                ],
            )
        )

    def _offset(self, text: str, position: types.Position) -> int:
        lines = text.splitlines(keepends=True)
        if position.line >= len(lines):
            return len(text)
        offset = sum(len(line) for line in lines[: position.line])
        units = 0
        for char in lines[position.line].rstrip("\r\n"):
            if units >= position.character:
                break
            units += units_of(char, self.encoding)
            offset += 1
        return offset


def units_of(char: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(char.encode("utf-8"))
    if encoding == "utf-16":
        return len(char.encode("utf-16-le")) // 2
    return 1
