"""One handler per LSP notification that several features listen to.

pygls takes one handler per method, yet `initialized`, the document-sync notifications
and `workspace/didChangeWatchedFiles` matter to several features (editor settings, the
symbol index, syntax diagnostics, ...). Each adds a listener here; the handler calls
them in the order they were added, and one failing listener does not stop the others.
pygls has already updated `server.workspace` when they run.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

# Called on the event loop with the notification's params: quick, never blocking; work
# that takes time goes into a task the listener starts.
NotificationListener = Callable[[Any], None]

_LISTENERS: weakref.WeakKeyDictionary[LanguageServer, dict[str, list[NotificationListener]]] = (
    weakref.WeakKeyDictionary()
)


def add_notification_listener(
    server: LanguageServer, method: str, listener: NotificationListener
) -> None:
    """Call `listener(params)` on each `method` notification; add it before `initialize`."""
    methods = _LISTENERS.setdefault(server, {})
    listeners = methods.get(method)
    if listeners is None:
        listeners = methods[method] = []
        _register(server, method, listeners)
    listeners.append(listener)


def _register(server: LanguageServer, method: str, listeners: list[NotificationListener]) -> None:
    @server.feature(method)
    def notified(params: Any) -> None:
        for listener in listeners:
            try:
                listener(params)
            except Exception:  # one feature's bug must not starve the others
                log.exception("%s listener %r failed", method, listener)
