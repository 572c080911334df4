"""The core's ports implemented over an LSP connection.

- `EditorFiles`: open buffers win over disk; edits to open documents go through
  `workspace/applyEdit` (minimal, versioned, confirmed by `didChange`), so they land in
  the editor's undo history; edited buffers are saved before tools that read the disk.
- `ClientPermissionAsker`: the permission fallback chain (requestPermission, then
  showMessageRequest, then the approval queue in approvals.py).
- `session_updates`: `claude/session/update` notifications for a session's events.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path

from claude_lsp.agent.permission_request import chosen_answer, permission_options, tool_call
from claude_lsp.agent.update_stream import UpdateStream
from claude_lsp.host import DiskFiles, WriteOutcome
from claude_lsp.lsp.editor_edits import (
    EditSupport,
    document_edit,
    new_file_edit,
    same_text,
    text_edits,
)
from claude_lsp.lsp.protocol import client_extension
from claude_lsp.policy.questions import PermissionAnswer, PermissionQuestion

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer
    from pygls.protocol import LanguageServerProtocol
    from pygls.workspace import TextDocument

log = logging.getLogger(__name__)

CONFIRM_SECONDS = 2.0
CONFIRM_POLL_SECONDS = 0.01
STALE = "the document changed in the editor since it was read; read it again"
UNCONFIRMED = "the editor did not confirm the change"
PARTIAL = (
    "the user accepted only part of the change in the editor's review, so the file now "
    "differs from what was intended; read it again before going on"
)
SESSION_UPDATE = "claude/session/update"
REQUEST_PERMISSION = "claude/session/requestPermission"
SAVE_DOCUMENTS = "claude/saveDocuments"
SAVE_SECONDS = 10.0


class EditorFiles(DiskFiles):
    """Files as the editor sees them: open buffers win over disk.

    An open document is only ever changed by the editor (`workspace/applyEdit` with
    minimal edits), so the change lands in its undo history and nothing is written
    behind its back; an edit counts as made only once a `didChange` shows it.

    Clients with `experimental.claude.diffReview` review edits themselves: the edit is
    sent with a change annotation per hunk that needs confirmation (VS Code's refactor
    preview), and that review replaces the permission question.
    """

    def __init__(self, server: LanguageServer, *, confirm_seconds: float = CONFIRM_SECONDS) -> None:
        self._server = server
        self.confirm_seconds = confirm_seconds
        self._unsaved: set[str] = set()  # buffers the agent changed that may be unsaved
        self._to_review: set[Path] = set()

    def offers_review(self, path: Path) -> bool:
        """Whether the editor can have the user confirm an edit of `path` hunk by hunk."""
        if not client_extension(self._server.client_capabilities).get("diffReview"):
            return False
        support = EditSupport.of(self._server.client_capabilities)
        if not (support.apply_edit and support.document_changes and support.change_annotations):
            return False
        if self._document(from_fs_path(str(path))) is not None:
            return True
        return support.create_files and not path.exists()

    def review_next(self, path: Path) -> None:
        """Send the next edit of `path` for the user's review (see `offers_review`)."""
        self._to_review.add(path)

    def _document(self, uri: str | None) -> TextDocument | None:
        return None if uri is None else self._server.workspace.text_documents.get(uri)

    async def open_buffer_text(self, path: Path) -> str | None:
        document = self._document(from_fs_path(str(path)))
        return None if document is None else str(document.source)

    async def write_text(
        self, path: Path, text: str, *, old_text: str | None, title: str
    ) -> WriteOutcome:
        uri = from_fs_path(str(path))
        document = self._document(uri)
        support = EditSupport.of(self._server.client_capabilities)
        label = f"Claude: {title}"
        review = path in self._to_review
        self._to_review.discard(path)
        if document is None:
            if uri is None or path.exists():
                return await super().write_text(path, text, old_text=old_text, title=title)
            edit = new_file_edit(uri, text, support, label=label, review=review)
            if edit is None:
                return await super().write_text(path, text, old_text=old_text, title=title)
            outcome = await self._apply(edit, label)
            if not outcome.applied:
                return outcome
            return self._remember(
                uri, await self._confirmed(lambda: self._created(uri, path, text))
            )

        version, current = document.version, document.source
        if current != (old_text or ""):
            return WriteOutcome(applied=False, reason=STALE)
        edits = text_edits(current, text, document.position_codec.encoding)
        if not edits:
            return WriteOutcome(applied=True)
        if not support.apply_edit:
            return WriteOutcome(applied=False, reason="the editor does not accept edits")
        edit = document_edit(document.uri, version, edits, support, label=label, review=review)
        now = self._document(document.uri)
        if now is None or now.version != version or now.source != current:
            return WriteOutcome(applied=False, reason=STALE)
        outcome = await self._apply(edit, label)
        if not outcome.applied:
            return outcome
        return self._remember(
            document.uri,
            await self._confirmed(
                lambda: self._changed(document.uri, version, text),
                partial=lambda: self._moved(document.uri, version) if review else False,
            ),
        )

    def _remember(self, uri: str, outcome: WriteOutcome) -> WriteOutcome:
        if outcome.applied:
            self._unsaved.add(uri)
        return outcome

    async def save_edited(self) -> None:
        """Ask the editor to save what the agent changed (`claude/saveDocuments`).

        Only clients that set `experimental.claude.saveDocuments` are asked; a shell or
        ripgrep would otherwise read the file as it was before the agent's edits.
        """
        if not self._unsaved or not client_extension(self._server.client_capabilities).get(
            "saveDocuments"
        ):
            return
        uris = sorted(self._unsaved)
        try:
            result = await asyncio.wait_for(
                self._server.protocol.send_request_async(SAVE_DOCUMENTS, {"uris": uris}),
                SAVE_SECONDS,
            )
        except Exception as exc:  # a tool still runs; it may see the file as on disk
            log.warning("claude/saveDocuments failed: %s", exc)
            return
        saved = result.get("saved", []) if isinstance(result, dict) else []
        self._unsaved.difference_update(uri for uri in saved if isinstance(uri, str))

    async def _apply(self, edit: types.WorkspaceEdit, label: str) -> WriteOutcome:
        try:
            result = await self._server.workspace_apply_edit_async(
                types.ApplyWorkspaceEditParams(edit=edit, label=label)
            )
        except Exception as exc:  # an error answer or a broken client: not applied
            log.warning("workspace/applyEdit failed: %s", exc)
            return WriteOutcome(applied=False, reason=f"the editor could not apply it ({exc})")
        if not result.applied:
            return WriteOutcome(
                applied=False, reason=result.failure_reason or "the editor rejected the edit"
            )
        return WriteOutcome(applied=True)

    async def _confirmed(
        self, seen: Callable[[], bool], partial: Callable[[], bool] = lambda: False
    ) -> WriteOutcome:
        """Wait (bounded) until the editor's notifications show the change.

        `applied: true` alone is not proof: a client may answer before (or without)
        changing the buffer, and the agent must not go on believing a change that is
        not there. pygls updates the workspace before handlers run, so polling it sees
        a `didChange` as soon as it is read. A reviewed edit whose buffer moved to other
        text was accepted in part.
        """
        deadline = asyncio.get_running_loop().time() + self.confirm_seconds
        while not seen():
            if asyncio.get_running_loop().time() >= deadline:
                return WriteOutcome(applied=False, reason=PARTIAL if partial() else UNCONFIRMED)
            await asyncio.sleep(CONFIRM_POLL_SECONDS)
        return WriteOutcome(applied=True)

    def _changed(self, uri: str, version: int | None, text: str) -> bool:
        document = self._document(uri)
        if document is None or not same_text(document.source, text):
            return False
        return version is None or (document.version is not None and document.version > version)

    def _moved(self, uri: str, version: int | None) -> bool:
        document = self._document(uri)
        return document is not None and (document.version or 0) > (version or 0)

    def _created(self, uri: str, path: Path, text: str) -> bool:
        """The new file shows as an open buffer or, for clients that save, on disk."""
        document = self._document(uri)
        if document is not None:
            return same_text(document.source, text)
        try:
            return same_text(path.read_bytes().decode("utf-8"), text)
        except (OSError, UnicodeDecodeError):
            return False


class ClientPermissionAsker:
    """Asks the user through the client, by the best means it has (PROTOCOL.md's chain).

    `claude/session/requestPermission` (ACP's request shape, with the diff or command)
    on the session's connection when its client opted in; otherwise, for the editor's
    own sessions, `approvals.Approvals`: window/showMessageRequest, then the approval
    queue. An attached terminal client that did not opt in is never asked through the
    editor.
    """

    def __init__(
        self,
        server: LanguageServer,
        client: LanguageServerProtocol,
        session_id: str,
        cwd: Path,
        files: EditorFiles,
    ) -> None:
        self._server = server
        self._client = client
        self._session_id = session_id
        self._cwd = cwd
        self._files = files
        extension = client_extension(client.client_capabilities)
        self._opted_in = bool(extension.get("requestPermission"))

    @classmethod
    def for_session(
        cls,
        server: LanguageServer,
        client: LanguageServerProtocol,
        session_id: str,
        cwd: Path,
        files: EditorFiles,
    ) -> ClientPermissionAsker | None:
        """The asker for a new session of `client`, or None when no one could answer.

        None gives the core's immediate, explained denial: better than a question a
        client with no dialogs, diagnostics or commands (print mode) never shows.
        """
        from claude_lsp.lsp.approvals import approvals_of

        asker = cls(server, client, session_id, cwd, files)
        if asker._opted_in:
            return asker
        if client is not server.protocol:
            return None
        approvals = approvals_of(server)
        return asker if approvals is not None and approvals.can_ask() else None

    async def ask(self, question: PermissionQuestion) -> PermissionAnswer:
        reviewed = self._reviewed_in_editor(question)
        if reviewed is not None:
            self._files.review_next(reviewed)
            return PermissionAnswer.ALLOW_ONCE
        if self._opted_in:
            return await self._request_permission(question)
        from claude_lsp.lsp.approvals import approvals_of

        approvals = approvals_of(self._server)
        if approvals is None:
            return PermissionAnswer.REJECT_ONCE
        return await approvals.ask(question, session_id=self._session_id, cwd=self._cwd)

    def _reviewed_in_editor(self, question: PermissionQuestion) -> Path | None:
        """The file whose edit the editor's own review will approve, if there is one."""
        target = question.tool_input.get("file_path")
        if question.kind != "edit" or not isinstance(target, str) or not target:
            return None
        path = (self._cwd / Path(target).expanduser()).resolve()
        return path if self._files.offers_review(path) else None

    async def _request_permission(self, question: PermissionQuestion) -> PermissionAnswer:
        from claude_lsp.lsp.approvals import client_reply
        from claude_lsp.lsp.questions import current_text

        call = tool_call(question, self._cwd, lambda path: current_text(self._server, path))
        try:
            response = await client_reply(
                self._client.send_request_async(
                    REQUEST_PERMISSION,
                    {
                        "sessionId": self._session_id,
                        "toolCall": call,
                        "options": permission_options(question),
                    },
                )
            )
        except Exception as exc:  # an error answer or a broken client: deny, don't crash
            log.warning("permission request failed: %s", exc)
            return PermissionAnswer.REJECT_ONCE
        outcome = getattr(response, "result", response)
        return chosen_answer(outcome.get("outcome") if isinstance(outcome, dict) else outcome)


def session_updates(
    client: LanguageServerProtocol, session_id: str, *, enabled: bool
) -> UpdateStream:
    """A session's events as `claude/session/update` notifications to `client`; none
    unless it opted in (`experimental.claude.sessionUpdate`)."""

    def send(update: dict[str, Any]) -> None:
        if enabled:
            client.notify(SESSION_UPDATE, {"sessionId": session_id, "update": update})

    return UpdateStream(send)
