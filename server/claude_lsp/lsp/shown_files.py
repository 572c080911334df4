"""Files the server writes for the user to read: a long explanation, a diff preview.

Editors without a plugin have no panel the server could fill, but every one of them
opens files. The text goes to `<workspace>/.claude/<name>`, through the editor when it
has that file open (so its buffer does not go stale), else on disk; then the editor
is asked to show it where it can be (`window/showDocument`), and told where it is with
`window/showMessage` (Helix shows that in its status line and has no showDocument).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import from_fs_path

from claude_lsp.host import write_atomically
from claude_lsp.lsp.host import EditorFiles
from claude_lsp.tools.base import display_path

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

FOLDER = ".claude"


def workspace_root(server: LanguageServer) -> Path:
    """The workspace root the server was started on, else its working directory."""
    root = server.workspace.root_path
    return Path(root).resolve() if root else Path.cwd()


def can_show_documents(server: LanguageServer) -> bool:
    window = server.client_capabilities.window if server.client_capabilities else None
    return bool(window and window.show_document and window.show_document.support)


async def show_file(server: LanguageServer, name: str, text: str, *, note: str) -> str:
    """Write `text` to `.claude/<name>` and show it; `note` starts the status message.

    Returns the file's URI.
    """
    path = workspace_root(server) / FOLDER / name
    uri = from_fs_path(str(path)) or path.as_uri()
    document = server.workspace.text_documents.get(uri)
    if document is None:
        write_atomically(path, text)
    else:
        outcome = await EditorFiles(server).write_text(
            path, text, old_text=document.source, title=note
        )
        if not outcome.applied:
            log.warning("could not update the open %s: %s", path, outcome.reason)
    shown = False
    if can_show_documents(server):
        try:
            result = await server.window_show_document_async(
                types.ShowDocumentParams(uri=uri, take_focus=True)
            )
            shown = result.success
        except Exception as exc:  # the note below still says where the file is
            log.info("window/showDocument failed: %s", exc)
    where = display_path(path, workspace_root(server))
    message = f"{note}: shown in {where}" if shown else f"{note}: open {where} to read it"
    server.window_show_message(
        types.ShowMessageParams(type=types.MessageType.Info, message=message)
    )
    return uri
