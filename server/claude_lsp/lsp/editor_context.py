"""A prompt's `editorContext` (document, version, selections) as text the model reads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import to_fs_path

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

MAX_SELECTION_CHARS = 20_000

POSITION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["line", "character"],
    "properties": {
        "line": {"type": "integer", "minimum": 0},
        "character": {"type": "integer", "minimum": 0},
    },
}
EDITOR_CONTEXT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["textDocument"],
    "properties": {
        "textDocument": {
            "type": "object",
            "required": ["uri"],
            "properties": {"uri": {"type": "string"}, "version": {"type": ["integer", "null"]}},
        },
        "ranges": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["start", "end"],
                "properties": {"start": POSITION_SCHEMA, "end": POSITION_SCHEMA},
            },
        },
    },
}


def editor_context_block(server: LanguageServer, context: dict[str, Any]) -> dict[str, Any]:
    """A text block saying which file the user is in and what they selected.

    Selections are read from the editor's buffer (unsaved text included) and converted
    from the client's position encoding; a version that no longer matches is noted.
    """
    uri = context["textDocument"]["uri"]
    path = to_fs_path(uri) or uri
    document = server.workspace.text_documents.get(uri)
    lines = [f"The user is working in {path} in the editor."]
    if document is None:
        lines.append("(It is not open in the editor, so no selection is available.)")
        return _block(lines)
    version = context["textDocument"].get("version")
    if version is not None and version != document.version:
        lines.append(
            f"(The selection was made in version {version}; the buffer is now at "
            f"version {document.version}.)"
        )
    for selection in context.get("ranges", []):
        start = _position(document, selection["start"])
        end = _position(document, selection["end"])
        text = _slice(document.lines, start, end)
        if not text:
            lines.append(f"Cursor at line {start.line + 1}, column {start.character + 1}.")
            continue
        if len(text) > MAX_SELECTION_CHARS:
            text = text[:MAX_SELECTION_CHARS] + "\n[... selection truncated ...]"
        lines += [f"Selected lines {start.line + 1}-{end.line + 1}:", "```", text, "```"]
    return _block(lines)


def _block(lines: list[str]) -> dict[str, Any]:
    body = "\n".join(lines)
    return {"type": "text", "text": f"<system-reminder>\n{body}\n</system-reminder>"}


def _position(document: Any, position: dict[str, int]) -> types.Position:
    """The position in Python string indices (the client's encoding may differ)."""
    client = types.Position(line=position["line"], character=position["character"])
    converted: types.Position = document.position_codec.position_from_client_units(
        document.lines, client
    )
    return converted


def _slice(lines: list[str], start: types.Position, end: types.Position) -> str:
    if (end.line, end.character) < (start.line, start.character):
        start, end = end, start
    if start.line >= len(lines):
        return ""
    if start.line == end.line:
        return lines[start.line][start.character : end.character]
    parts = [lines[start.line][start.character :]]
    parts += lines[start.line + 1 : end.line]
    if end.line < len(lines):
        parts.append(lines[end.line][: end.character])
    return "".join(parts)
