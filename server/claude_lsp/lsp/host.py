"""The core's ports implemented over an LSP connection.

- `EditorFiles`: open buffers win over disk; edits to open documents go through
  `workspace/applyEdit` (minimal, versioned, confirmed by `didChange`), so they land in
  the editor's undo history; edited buffers are saved before tools that read the disk.
- `ClientPermissionAsker`: the permission fallback chain (requestPermission, then
  showMessageRequest, then the approval queue in approvals.py).
- `UpdateStream`: `claude/session/update` notifications, text chunks throttled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path

from claude_lsp.agent.events import AgentText, AgentThought, SessionEvent, to_session_update
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

TEXT_BATCH_SECONDS = 0.04
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
# What a client may pick (`timed_out` is the approval queue's, never an option).
OFFERED_ANSWERS = (
    PermissionAnswer.ALLOW_ONCE,
    PermissionAnswer.ALLOW_ALWAYS,
    PermissionAnswer.REJECT_ONCE,
    PermissionAnswer.REJECT_ALWAYS,
)


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

    def open_buffer_text(self, path: Path) -> str | None:
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
        from claude_lsp.lsp.questions import tool_call_content

        tool_call: dict[str, Any] = {
            "toolCallId": question.tool_call_id,
            "title": question.title,
            "kind": question.kind,
            "rawInput": question.tool_input,
            "content": tool_call_content(self._server, question, self._cwd),
        }
        options = _options(question)
        try:
            response = await client_reply(
                self._client.send_request_async(
                    REQUEST_PERMISSION,
                    {"sessionId": self._session_id, "toolCall": tool_call, "options": options},
                )
            )
        except Exception as exc:  # an error answer or a broken client: deny, don't crash
            log.warning("permission request failed: %s", exc)
            return PermissionAnswer.REJECT_ONCE
        return _answer(response)


def _options(question: PermissionQuestion) -> list[dict[str, str]]:
    """ACP permission options: the question's own choices, else allow / always / deny."""
    if question.choices:
        return [
            {"optionId": answer.value, "name": name, "kind": answer.value}
            for answer, name in question.choices
        ]
    options = [
        {"optionId": PermissionAnswer.ALLOW_ONCE.value, "name": "Allow", "kind": "allow_once"}
    ]
    if question.always_label is not None:
        options.append(
            {
                "optionId": PermissionAnswer.ALLOW_ALWAYS.value,
                "name": question.always_label,
                "kind": "allow_always",
            }
        )
    options += [
        {"optionId": PermissionAnswer.REJECT_ONCE.value, "name": "Deny", "kind": "reject_once"},
        {
            "optionId": PermissionAnswer.REJECT_ALWAYS.value,
            "name": f"Always deny {_deny_scope(question)} in this session",
            "kind": "reject_always",
        },
    ]
    return options


def _deny_scope(question: PermissionQuestion) -> str:
    """What "always deny" refuses: this command line, this file, or the tool."""
    if question.tool_name == "Bash":
        return "this command"
    if question.tool_input.get("file_path"):
        return "this file"
    if question.tool_input.get("path"):
        return "this folder"
    return question.tool_name


def _answer(response: Any) -> PermissionAnswer:
    """The chosen option; anything else (cancelled, unknown option) denies."""
    outcome = getattr(response, "result", response)
    if isinstance(outcome, dict):
        outcome = outcome.get("outcome")
    if isinstance(outcome, dict) and outcome.get("outcome") == "selected":
        chosen = outcome.get("optionId")
        for answer in OFFERED_ANSWERS:
            if chosen == answer.value:
                return answer
    return PermissionAnswer.REJECT_ONCE


class UpdateStream:
    """Sends a session's events as notifications, coalescing text deltas.

    A throttle with a leading edge: a text or thought chunk goes out at once when none
    went out in the last TEXT_BATCH_SECONDS; chunks arriving sooner are held and sent
    together when that interval ends. A model streaming slowly is never delayed, and a
    fast stream does not become thousands of tiny messages. Any other event flushes
    first, so the client sees things in the order they happened. Clients that did not
    opt in (`experimental.claude.sessionUpdate`) get nothing.
    """

    def __init__(self, client: LanguageServerProtocol, session_id: str, *, enabled: bool) -> None:
        self._client = client
        self._session_id = session_id
        self._enabled = enabled
        self._pending: list[AgentText | AgentThought] = []
        self._timer: asyncio.TimerHandle | None = None
        self._last_text_sent = float("-inf")

    def __call__(self, event: SessionEvent) -> None:
        if not self._enabled:
            return
        if isinstance(event, AgentText | AgentThought):
            if self._pending and type(self._pending[-1]) is not type(event):
                self.flush()
            self._pending.append(event)
            if self._timer is None:
                loop = asyncio.get_running_loop()
                wait = self._last_text_sent + TEXT_BATCH_SECONDS - loop.time()
                if wait <= 0:
                    self.flush()
                else:
                    self._timer = loop.call_later(wait, self.flush)
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
        self._last_text_sent = asyncio.get_running_loop().time()
        self._send(AgentText(text) if isinstance(first, AgentText) else AgentThought(text))

    def _send(self, event: SessionEvent) -> None:
        self._client.notify(
            SESSION_UPDATE, {"sessionId": self._session_id, "update": to_session_update(event)}
        )
