"""The core's ports implemented over an LSP connection.

- `EditorFiles`: open buffers win over disk; edits to open documents go through
  `workspace/applyEdit`, so they land in the editor's undo history.
- `ClientPermissionAsker`: `claude/session/requestPermission` for clients that opted in.
- `UpdateStream`: `claude/session/update` notifications, text chunks batched.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path

from claude_lsp.agent.events import AgentText, AgentThought, SessionEvent, to_session_update
from claude_lsp.host import DiskFiles, WriteOutcome
from claude_lsp.policy.permissions import PermissionAnswer, PermissionQuestion

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

log = logging.getLogger(__name__)

TEXT_BATCH_SECONDS = 0.04
SESSION_UPDATE = "claude/session/update"
REQUEST_PERMISSION = "claude/session/requestPermission"


class EditorFiles(DiskFiles):
    """Files as the editor sees them."""

    def __init__(self, server: LanguageServer) -> None:
        self._server = server

    def _open_document(self, path: Path) -> Any:
        uri = from_fs_path(str(path))
        if uri is None:
            return None
        return self._server.workspace.text_documents.get(uri)

    def open_buffer_text(self, path: Path) -> str | None:
        document = self._open_document(path)
        return None if document is None else str(document.source)

    async def write_text(
        self, path: Path, text: str, *, old_text: str | None, title: str
    ) -> WriteOutcome:
        document = self._open_document(path)
        if document is None:
            return await super().write_text(path, text, old_text=old_text, title=title)
        lines = document.lines
        end = types.Position(line=len(lines), character=0)
        edit = types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=document.uri, version=document.version
                    ),
                    edits=[
                        types.TextEdit(
                            range=types.Range(start=types.Position(line=0, character=0), end=end),
                            new_text=text,
                        )
                    ],
                )
            ]
        )
        result = await self._server.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=f"Claude: {title}")
        )
        if not result.applied:
            reason = result.failure_reason or "the editor rejected the edit"
            return WriteOutcome(applied=False, reason=reason)
        return WriteOutcome(applied=True)


class ClientPermissionAsker:
    """Asks through `claude/session/requestPermission` (ACP's request shape)."""

    def __init__(self, server: LanguageServer, session_id: str) -> None:
        self._server = server
        self._session_id = session_id

    async def ask(self, question: PermissionQuestion) -> PermissionAnswer:
        tool_call: dict[str, Any] = {
            "toolCallId": question.tool_call_id,
            "title": question.title,
            "kind": question.kind,
            "rawInput": question.tool_input,
        }
        options = [
            {"optionId": PermissionAnswer.ALLOW_ONCE.value, "name": "Allow", "kind": "allow_once"},
            {
                "optionId": PermissionAnswer.ALLOW_ALWAYS.value,
                "name": f"Always allow {question.tool_name} in this session",
                "kind": "allow_always",
            },
            {"optionId": PermissionAnswer.REJECT_ONCE.value, "name": "Deny", "kind": "reject_once"},
        ]
        try:
            response = await self._server.protocol.send_request_async(
                REQUEST_PERMISSION,
                {"sessionId": self._session_id, "toolCall": tool_call, "options": options},
            )
        except Exception as exc:  # an error answer or a broken client: deny, don't crash
            log.warning("permission request failed: %s", exc)
            return PermissionAnswer.REJECT_ONCE
        return _answer(response)


def _answer(response: Any) -> PermissionAnswer:
    outcome = getattr(response, "result", response)
    if isinstance(outcome, dict):
        outcome = outcome.get("outcome")
    if isinstance(outcome, dict) and outcome.get("outcome") == "selected":
        try:
            return PermissionAnswer(str(outcome.get("optionId")))
        except ValueError:
            pass
    return PermissionAnswer.REJECT_ONCE


class UpdateStream:
    """Sends a session's events as notifications, coalescing text deltas.

    Text and thought chunks are held for up to TEXT_BATCH_SECONDS so a fast stream
    does not become thousands of tiny messages; any other event flushes first, so the
    order the client sees is the order things happened. Clients that did not opt in
    (`experimental.claude.sessionUpdate`) get nothing.
    """

    def __init__(self, server: LanguageServer, session_id: str, *, enabled: bool) -> None:
        self._server = server
        self._session_id = session_id
        self._enabled = enabled
        self._pending: list[AgentText | AgentThought] = []
        self._timer: asyncio.TimerHandle | None = None

    def __call__(self, event: SessionEvent) -> None:
        if not self._enabled:
            return
        if isinstance(event, AgentText | AgentThought):
            if self._pending and type(self._pending[-1]) is not type(event):
                self.flush()
            self._pending.append(event)
            if self._timer is None:
                self._timer = asyncio.get_running_loop().call_later(TEXT_BATCH_SECONDS, self.flush)
            return
        self.flush()
        self._send(event)

    def flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._pending:
            return
        first = self._pending[0]
        text = "".join(event.text for event in self._pending)
        self._pending.clear()
        self._send(AgentText(text) if isinstance(first, AgentText) else AgentThought(text))

    def _send(self, event: SessionEvent) -> None:
        self._server.protocol.notify(
            SESSION_UPDATE, {"sessionId": self._session_id, "update": to_session_update(event)}
        )
