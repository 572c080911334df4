"""One `textDocument/codeAction` handler that several features contribute to.

pygls takes one handler per method, and the plain-LSP surface has several sources
of code actions (approvals, *Claude: fix this*, ...). Each registers a provider here;
the handler asks them all and one failing provider does not hide the others. The same
goes for `codeAction/resolve`: a resolver completes the actions it listed lazily and
leaves the others as they are.
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
# The action completed, or None when it is not one of the resolver's.
CodeActionResolver = Callable[[types.CodeAction], types.CodeAction | None]


@dataclass
class _Providers:
    options: types.CodeActionOptions
    kinds: list[types.CodeActionKind | str] = field(default_factory=list)
    providers: list[CodeActionProvider] = field(default_factory=list)
    resolvers: list[CodeActionResolver] = field(default_factory=list)


_REGISTRIES: weakref.WeakKeyDictionary[LanguageServer, _Providers] = weakref.WeakKeyDictionary()


def add_code_action_provider(
    server: LanguageServer,
    provider: CodeActionProvider,
    kinds: Sequence[types.CodeActionKind | str],
) -> None:
    """Add `provider` (cheap and synchronous: it lists, never runs) before `initialize`."""
    registry = _registry(server)
    registry.kinds.extend(kind for kind in kinds if kind not in registry.kinds)
    registry.providers.append(provider)


def add_code_action_resolver(server: LanguageServer, resolver: CodeActionResolver) -> None:
    """Add `resolver` for `codeAction/resolve` (cheap: no model call) before `initialize`."""
    registry = _registry(server)
    if not registry.resolvers:
        registry.options.resolve_provider = True

        @server.feature(types.CODE_ACTION_RESOLVE)
        def resolve(action: types.CodeAction) -> types.CodeAction:
            return _resolved(registry, action)

    registry.resolvers.append(resolver)


def _registry(server: LanguageServer) -> _Providers:
    registry = _REGISTRIES.get(server)
    if registry is None:
        # pygls reads the options when it answers `initialize`; they are shared, so
        # providers and resolvers added later (still before `initialize`) count too.
        kinds: list[types.CodeActionKind | str] = []
        options = types.CodeActionOptions(code_action_kinds=kinds)
        registry = _REGISTRIES[server] = _Providers(options, kinds)

        @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, options)
        def code_action(params: types.CodeActionParams) -> list[types.CodeAction] | None:
            return _collect(registry, params)

    return registry


def _collect(registry: _Providers, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    actions: list[types.CodeAction] = []
    for provider in registry.providers:
        try:
            actions.extend(provider(params))
        except Exception:  # one feature's bug must not take the others' actions away
            log.exception("code action provider %r failed", provider)
    return actions or None


def _resolved(registry: _Providers, action: types.CodeAction) -> types.CodeAction:
    """The first resolver's completion of `action`; unknown actions come back as sent
    (clients resolve every action that lacks an edit, approvals' included)."""
    for resolver in registry.resolvers:
        try:
            resolved = resolver(action)
        except Exception:
            log.exception("code action resolver %r failed", resolver)
            continue
        if resolved is not None:
            return resolved
    return action


def kind_wanted(kind: types.CodeActionKind | str, only: Sequence[str] | None) -> bool:
    """Whether a client's `context.only` filter lets `kind` through (LSP prefix rule)."""
    if not only:
        return True
    return any(not want or kind == want or kind.startswith(f"{want}.") for want in only)
