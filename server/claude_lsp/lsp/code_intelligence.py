"""The language-server features that need no model: the symbol index, navigation and
syntax diagnostics, wired together (see indexing, document_sync, symbols_features and
syntax_diagnostics)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from claude_lsp.lsp.document_sync import OpenDocuments
from claude_lsp.lsp.indexing import WorkspaceIndexes
from claude_lsp.lsp.symbols_features import SymbolFeatures
from claude_lsp.lsp.syntax_diagnostics import SyntaxDiagnostics

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer


def register_code_intelligence(server: LanguageServer) -> WorkspaceIndexes:
    """Register the index, the navigation requests and syntax diagnostics on `server`;
    the indexes, for other features to share (`index_for(path)`)."""
    indexes = WorkspaceIndexes(server)
    documents = OpenDocuments(server, indexes)
    # A file open in the editor is indexed from its buffer, not from disk.
    indexes.register(skip_watched=documents.is_open)
    documents.register()
    SymbolFeatures(server, documents, indexes).register()
    SyntaxDiagnostics(server, documents).register()
    return indexes
