"""tree-sitter syntax errors as diagnostics while the user types.

A buffer is checked once it has been still for DELAY_SECONDS, so a half-typed line does
not flash red on every keystroke; errors clear the same way once fixed, and on close.
Published through `diagnostic_sets` so they sit beside other features' diagnostics.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from claude_lsp.lsp.diagnostic_sets import diagnostics_of, publish_diagnostics
from claude_lsp.lsp.document_sync import OpenDocuments, lsp_range

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from claude_lsp.index.document import ParsedDocument

log = logging.getLogger(__name__)

OWNER = "syntax"
SOURCE = "claude-lsp"
DELAY_SECONDS = 0.2


class SyntaxDiagnostics:
    """Debounced per document: each change restarts that document's wait."""

    def __init__(self, server: LanguageServer, documents: OpenDocuments) -> None:
        self._server = server
        self._documents = documents
        self._waiting: dict[str, asyncio.TimerHandle] = {}

    def register(self) -> None:
        self._documents.subscribe(self._document_event)

    def _document_event(self, uri: str, document: ParsedDocument | None) -> None:
        waiting = self._waiting.pop(uri, None)
        if waiting is not None:
            waiting.cancel()
        if document is None:  # closed: what it said no longer applies
            self._publish(uri, [])
            return
        loop = asyncio.get_running_loop()
        self._waiting[uri] = loop.call_later(DELAY_SECONDS, self._check, uri)

    def _check(self, uri: str) -> None:
        self._waiting.pop(uri, None)
        document = self._documents.get(uri)
        if document is None:
            return
        encoding = self._documents.encoding()
        lines = document.lines
        self._publish(
            uri,
            [
                types.Diagnostic(
                    range=lsp_range(lines, problem.span, encoding),
                    message=problem.message,
                    severity=types.DiagnosticSeverity.Error,
                    source=SOURCE,
                )
                for problem in document.syntax_errors()
            ],
        )

    def _publish(self, uri: str, diagnostics: list[types.Diagnostic]) -> None:
        if not diagnostics and not diagnostics_of(self._server, OWNER, uri):
            return  # nothing said, nothing to take back
        publish_diagnostics(self._server, OWNER, uri, diagnostics)
