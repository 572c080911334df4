"""One `textDocument/codeAction` handler that several features contribute to.

pygls takes one handler per method, and the plain-LSP surface has several sources
of code actions (approvals, *Claude: fix this*, ...). Each registers a provider here;
the handler asks them all and one failing provider does not hide the others.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

CodeActionProvider = Callable[[types.CodeActionParams], Sequence[types.CodeAction]]


@dataclass
class _Providers:
    kinds: list[types.CodeActionKind | str] = field(default_factory=list)
    providers: list[CodeActionProvider] = field(default_factory=list)


_REGISTRIES: weakref.WeakKeyDictionary[LanguageServer, _Providers] = weakref.WeakKeyDictionary()


def add_code_action_provider(
    server: LanguageServer,
    provider: CodeActionProvider,
    kinds: Sequence[types.CodeActionKind | str],
) -> None:
    """Add `provider` (cheap and synchronous: it lists, never runs) before `initialize`."""
    registry = _REGISTRIES.get(server)
    if registry is None:
        registry = _REGISTRIES[server] = _Providers()
        # pygls reads the options when it answers `initialize`; the kinds list is shared,
        # so providers added later (still before `initialize`) are advertised too.
        options = types.CodeActionOptions(code_action_kinds=registry.kinds)

        @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, options)
        def code_action(params: types.CodeActionParams) -> list[types.CodeAction] | None:
            return _collect(registry, params)

    registry.kinds.extend(kind for kind in kinds if kind not in registry.kinds)
    registry.providers.append(provider)


def _collect(registry: _Providers, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    actions: list[types.CodeAction] = []
    for provider in registry.providers:
        try:
            actions.extend(provider(params))
        except Exception:  # one feature's bug must not take the others' actions away
            log.exception("code action provider %r failed", provider)
    return actions or None


def kind_wanted(kind: types.CodeActionKind, only: Sequence[str] | None) -> bool:
    """Whether a client's `context.only` filter lets `kind` through (LSP prefix rule)."""
    if not only:
        return True
    return any(not want or kind == want or kind.startswith(f"{want}.") for want in only)
