"""Diagnostics several features publish on the same document, kept apart per feature.

`textDocument/publishDiagnostics` replaces everything the server said about a
document, so a feature publishing its own list would wipe the others' (an approval
waiting on a file would erase review findings there). Features publish through
`publish_diagnostics` with their own owner name; the client gets the union.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

# server -> uri -> owner -> diagnostics
_SETS: weakref.WeakKeyDictionary[LanguageServer, dict[str, dict[str, list[types.Diagnostic]]]] = (
    weakref.WeakKeyDictionary()
)


def publish_diagnostics(
    server: LanguageServer, owner: str, uri: str, diagnostics: Sequence[types.Diagnostic]
) -> None:
    """Set `owner`'s diagnostics on `uri` (empty clears them) and publish the union."""
    documents = _SETS.setdefault(server, {})
    owners = documents.setdefault(uri, {})
    if diagnostics:
        owners[owner] = list(diagnostics)
    else:
        owners.pop(owner, None)
    merged = [diagnostic for own in owners.values() for diagnostic in own]
    if not owners:
        del documents[uri]
    server.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(uri=uri, diagnostics=merged)
    )


def diagnostics_of(server: LanguageServer, owner: str, uri: str) -> list[types.Diagnostic]:
    """What `owner` last published on `uri`."""
    return list(_SETS.get(server, {}).get(uri, {}).get(owner, []))
