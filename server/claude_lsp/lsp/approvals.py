"""Permission questions for clients without the claude/* extension (PROTOCOL.md's chain).

Step 1, `claude/session/requestPermission`, is `host.ClientPermissionAsker`. For every
other client this module asks with:

2. `window/showMessageRequest` (Allow once / Always allow <Tool> / Deny) when the client
   advertises `window.showMessage`; `null` denies. A JSON-RPC error (Helix 25.07 answers
   -32601) moves on to 3, and after -32601 the server stops trying it.
3. The approval queue: an Information diagnostic (source `claude`, code
   `approval-pending`) on the file the call touches, code actions *Claude: allow*,
   *always allow*, *deny* on it, and the commands `claude.approve` / `claude.deny`
   (optional request id; without one, the oldest pending request). A timeout
   (CLAUDE_LSP_APPROVAL_TIMEOUT seconds, default 120, 0 waits forever) denies. An
   edit also gets *Claude: show diff* (`claude.showDiff`): its unified diff, shown.

Every wait is an awaited future on the event loop: the server keeps serving the
answer (a code action, a command) while questions from several sessions are pending.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import weakref
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcMethodNotFound
from pygls.uris import from_fs_path

from claude_lsp.agent.permission_request import target_path
from claude_lsp.lsp import errors
from claude_lsp.lsp.code_actions import add_code_action_provider, kind_wanted
from claude_lsp.lsp.diagnostic_sets import publish_diagnostics
from claude_lsp.lsp.questions import edit_line, prompt_line, summary
from claude_lsp.policy.questions import PermissionAnswer

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from claude_lsp.policy.questions import PermissionQuestion

log = logging.getLogger(__name__)

T = TypeVar("T")

APPROVAL_TIMEOUT_ENV = "CLAUDE_LSP_APPROVAL_TIMEOUT"
DEFAULT_APPROVAL_TIMEOUT = 120.0
APPROVE_COMMAND = "claude.approve"
DENY_COMMAND = "claude.deny"
SHOW_DIFF_COMMAND = "claude.showDiff"
DIAGNOSTIC_SOURCE = "claude"
DIAGNOSTIC_CODE = "approval-pending"
DIAGNOSTIC_OWNER = "approvals"
ALWAYS = "always"
# Where an approval waits when the call touches no file and no document is open.
PLACEHOLDER = Path(".claude") / "approvals"

ALLOW_ONCE_ACTION = "Allow once"
DENY_ACTION = "Deny"


ALLOWING = frozenset({PermissionAnswer.ALLOW_ONCE, PermissionAnswer.ALLOW_ALWAYS})


def _choices(
    question: PermissionQuestion, *, once: str, deny: str
) -> list[tuple[PermissionAnswer, str]]:
    """The answers offered, named: the question's own, else allow / always allow / deny."""
    if question.choices:
        return list(question.choices)
    always = question.always_label
    return [
        (PermissionAnswer.ALLOW_ONCE, once),
        *([(PermissionAnswer.ALLOW_ALWAYS, always)] if always else []),
        (PermissionAnswer.REJECT_ONCE, deny),
    ]


def approval_timeout() -> float | None:
    """Seconds a queued question waits before it is denied; None waits forever."""
    raw = os.environ.get(APPROVAL_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_APPROVAL_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        log.warning(
            "%s=%r is not a number; using %g s", APPROVAL_TIMEOUT_ENV, raw, DEFAULT_APPROVAL_TIMEOUT
        )
        return DEFAULT_APPROVAL_TIMEOUT
    return seconds if seconds > 0 else None


async def client_reply(request: Awaitable[T]) -> T:
    """Await a client's answer; cancelling the wait leaves the request itself alone.

    A turn cancelled while a dialog is open must not cancel pygls' future for the
    request: the user's late answer would then hit a cancelled future and pygls logs
    it as an error. The late answer (or error) is simply dropped.
    """
    task = asyncio.ensure_future(request)
    task.add_done_callback(_drop_late_answer)
    return await asyncio.shield(task)


def _drop_late_answer(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: a late error is expected, not "never retrieved"


@dataclass
class PendingApproval:
    """One queued question: where its diagnostic is and the future its asker awaits."""

    request_id: str
    session_id: str
    question: PermissionQuestion
    summary: str
    uri: str
    diagnostic: types.Diagnostic
    answer: asyncio.Future[PermissionAnswer]
    cwd: Path


class Approvals:
    """The fallback asking of one server: the approval queue and what the client can do."""

    def __init__(self, server: LanguageServer) -> None:
        self._server = server
        self._pending: dict[str, PendingApproval] = {}  # insertion order: oldest first
        self._ids = itertools.count(1)
        self._message_requests_fail = False

    @property
    def pending(self) -> list[PendingApproval]:
        return list(self._pending.values())

    def can_ask(self) -> bool:
        """Whether this client can be asked at all without the extension.

        A client that declares neither dialogs, diagnostics, code actions nor commands
        (print mode's in-process client) gets the immediate, explained denial instead
        of a question nobody sees.
        """
        capabilities = self._server.client_capabilities
        if capabilities is None:
            return False
        text_document, workspace = capabilities.text_document, capabilities.workspace
        return bool(
            self._can_show_message_request()
            or (text_document and (text_document.publish_diagnostics or text_document.code_action))
            or (workspace and workspace.execute_command)
        )

    def _can_show_message_request(self) -> bool:
        capabilities = self._server.client_capabilities
        window = capabilities.window if capabilities else None
        return bool(window and window.show_message) and not self._message_requests_fail

    async def ask(
        self, question: PermissionQuestion, *, session_id: str, cwd: Path
    ) -> PermissionAnswer:
        """The user's answer, by a message request if the client has one, else the queue."""
        if self._can_show_message_request():
            answer = await self._ask_with_message(question, cwd)
            if answer is not None:
                return answer
        return await self._ask_in_queue(question, session_id=session_id, cwd=cwd)

    async def _ask_with_message(
        self, question: PermissionQuestion, cwd: Path
    ) -> PermissionAnswer | None:
        """Step 2; None when the client could not show the request (go to the queue)."""
        choices = _choices(question, once=ALLOW_ONCE_ACTION, deny=DENY_ACTION)
        params = types.ShowMessageRequestParams(
            type=types.MessageType.Warning,
            message=prompt_line(question, cwd),
            actions=[types.MessageActionItem(title=title) for _, title in choices],
        )
        try:
            item = await client_reply(self._server.window_show_message_request_async(params))
        except JsonRpcException as exc:
            if exc.code == JsonRpcMethodNotFound.CODE:
                self._message_requests_fail = True  # don't ask this client that way again
            log.info("window/showMessageRequest failed (%s); using the approval queue", exc)
            return None
        except (RuntimeError, OSError) as exc:  # the connection broke under the request
            log.warning("window/showMessageRequest failed: %s", exc)
            return None
        title = getattr(item, "title", None)
        chosen = (answer for answer, choice in choices if choice == title)
        return next(chosen, PermissionAnswer.REJECT_ONCE)  # also a dismissed dialog (null)

    async def _ask_in_queue(
        self, question: PermissionQuestion, *, session_id: str, cwd: Path
    ) -> PermissionAnswer:
        """Step 3: a diagnostic with code actions; the answer comes through a command."""
        request_id = str(next(self._ids))
        line = prompt_line(question, cwd)
        diagnostic = types.Diagnostic(
            range=_line_range(edit_line(self._server, question, cwd)),
            message=(
                f"{line} (approval {request_id}: code actions Claude: allow / always allow / "
                f"deny, or the commands {APPROVE_COMMAND} / {DENY_COMMAND})"
            ),
            severity=types.DiagnosticSeverity.Information,
            source=DIAGNOSTIC_SOURCE,
            code=DIAGNOSTIC_CODE,
            data={"requestId": request_id, "sessionId": session_id},
        )
        pending = PendingApproval(
            request_id=request_id,
            session_id=session_id,
            question=question,
            summary=summary(question, cwd),
            uri=self._queue_uri(question, cwd),
            diagnostic=diagnostic,
            answer=asyncio.get_running_loop().create_future(),
            cwd=cwd,
        )
        self._pending[request_id] = pending
        self._publish(pending.uri)
        self._tell(
            types.MessageType.Info,
            f"{line}: waiting for approval {request_id} (code action Claude: allow on its "
            f"diagnostic, or the commands {APPROVE_COMMAND} / {DENY_COMMAND})",
        )
        timeout = approval_timeout()
        try:
            return await asyncio.wait_for(pending.answer, timeout)
        except TimeoutError:
            log.info("approval %s timed out after %s s", request_id, timeout)
            self._tell(
                types.MessageType.Warning,
                f"Approval {request_id} timed out after {timeout:g} s; denied: {line}",
            )
            return PermissionAnswer.TIMED_OUT
        finally:
            self._forget(request_id)

    def find(self, request_id: str | None) -> PendingApproval:
        """A pending question by id (the oldest when `request_id` is None)."""
        if request_id is None:
            if not self._pending:
                raise LookupError("no approval is pending")
            request_id = next(iter(self._pending))
        pending = self._pending.get(request_id)
        if pending is None:
            raise LookupError(f"no pending approval with id {request_id!r}")
        return pending

    def answer(self, request_id: str | None, answer: PermissionAnswer) -> PendingApproval:
        """Answer a pending question (the oldest when `request_id` is None).

        The diagnostic goes away before the command's response is sent, so the client
        never shows an approval that was already given.
        """
        pending = self.find(request_id)
        request_id = pending.request_id
        if not pending.answer.done():
            pending.answer.set_result(answer)
        self._forget(request_id)
        return pending

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        """*Claude: allow* / *always allow* / *deny* for the approvals under the cursor."""
        if not kind_wanted(types.CodeActionKind.QuickFix, params.context.only):
            return []
        mentioned = {
            diagnostic.message
            for diagnostic in params.context.diagnostics
            if diagnostic.code == DIAGNOSTIC_CODE
        }
        here = [p for p in self._pending.values() if p.uri == params.text_document.uri]
        # The diagnostics the client names (those under the cursor), else the range's.
        offered = [p for p in here if p.diagnostic.message in mentioned] or [
            p for p in here if _lines_overlap(p.diagnostic.range, params.range)
        ]
        actions: list[types.CodeAction] = []
        for pending in offered:
            suffix = (
                f" (approval {pending.request_id}: {pending.summary})" if len(offered) > 1 else ""
            )
            for answer, label in _choices(pending.question, once="allow", deny="deny"):
                title = f"Claude: {label[0].lower()}{label[1:]}"
                command = APPROVE_COMMAND if answer in ALLOWING else DENY_COMMAND
                always = answer is PermissionAnswer.ALLOW_ALWAYS
                arguments = [pending.request_id, ALWAYS] if always else [pending.request_id]
                actions.append(
                    types.CodeAction(
                        title=title + suffix,
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[pending.diagnostic],
                        command=types.Command(
                            title=title, command=command, arguments=list(arguments)
                        ),
                    )
                )
            if pending.question.kind == "edit":
                actions.append(
                    types.CodeAction(
                        title="Claude: show diff" + suffix,
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[pending.diagnostic],
                        command=types.Command(
                            title="Claude: show diff",
                            command=SHOW_DIFF_COMMAND,
                            arguments=[pending.request_id],
                        ),
                    )
                )
        return actions

    def _queue_uri(self, question: PermissionQuestion, cwd: Path) -> str:
        """The touched file (open or on disk), else the first open document, else a
        placeholder under the workspace root: somewhere the editor lists diagnostics."""
        documents = self._server.workspace.text_documents
        path = target_path(question, cwd)
        if path is not None:
            uri = from_fs_path(str(path))
            if uri is not None and (uri in documents or path.is_file()):
                return str(uri)
        if documents:
            return str(next(iter(documents)))
        root_path = self._server.workspace.root_path
        root = Path(root_path) if root_path else cwd
        return str(from_fs_path(str(root / PLACEHOLDER)) or (root / PLACEHOLDER).as_uri())

    def _forget(self, request_id: str) -> None:
        pending = self._pending.pop(request_id, None)
        if pending is not None:
            self._publish(pending.uri)

    def _publish(self, uri: str) -> None:
        diagnostics = [p.diagnostic for p in self._pending.values() if p.uri == uri]
        publish_diagnostics(self._server, DIAGNOSTIC_OWNER, uri, diagnostics)

    def _tell(self, kind: types.MessageType, message: str) -> None:
        """A status line / popup note; Helix shows these where no dialog exists."""
        self._server.window_show_message(types.ShowMessageParams(type=kind, message=message))


def _line_range(line: int) -> types.Range:
    """The whole line: encoding-independent, and every editor shows it."""
    return types.Range(
        start=types.Position(line=line, character=0),
        end=types.Position(line=line + 1, character=0),
    )


def _lines_overlap(a: types.Range, b: types.Range) -> bool:
    end_a = a.end.line - (1 if a.end.character == 0 and a.end.line > a.start.line else 0)
    end_b = b.end.line - (1 if b.end.character == 0 and b.end.line > b.start.line else 0)
    return a.start.line <= end_b and b.start.line <= end_a


_APPROVALS: weakref.WeakKeyDictionary[LanguageServer, Approvals] = weakref.WeakKeyDictionary()


def approvals_of(server: LanguageServer) -> Approvals | None:
    """The server's approvals, if `register_approvals` set them up."""
    return _APPROVALS.get(server)


def register_approvals(server: LanguageServer) -> Approvals:
    """Set up the queue's commands and code actions on `server` (before `initialize`)."""
    approvals = _APPROVALS[server] = Approvals(server)

    @server.command(APPROVE_COMMAND)
    def approve(*arguments: Any) -> dict[str, str]:
        request_id, always = _command_arguments(arguments)
        answer = PermissionAnswer.ALLOW_ALWAYS if always else PermissionAnswer.ALLOW_ONCE
        return _answer_command(approvals, request_id, answer)

    @server.command(DENY_COMMAND)
    def deny(*arguments: Any) -> dict[str, str]:
        request_id, _ = _command_arguments(arguments)
        return _answer_command(approvals, request_id, PermissionAnswer.REJECT_ONCE)

    @server.command(SHOW_DIFF_COMMAND)
    async def show_diff(*arguments: Any) -> dict[str, Any]:
        from claude_lsp.lsp.diff_preview import show_question_diff

        request_id, _ = _command_arguments(arguments)
        try:
            pending = approvals.find(request_id)
        except LookupError as exc:
            raise errors.invalid_params(str(exc)) from exc
        return await show_question_diff(server, pending.question, pending.cwd, pending.request_id)

    add_code_action_provider(server, approvals.code_actions, [types.CodeActionKind.QuickFix])
    return approvals


def _command_arguments(arguments: Sequence[Any]) -> tuple[str | None, bool]:
    """`[requestId?, "always"?]`, or one object `{requestId?, always?}` (any order)."""
    request_id: str | None = None
    always = False
    for argument in arguments:
        if isinstance(argument, dict):
            if argument.get("requestId") is not None:
                request_id = str(argument["requestId"])
            always = always or argument.get("always") is True
        elif argument == ALWAYS:
            always = True
        elif isinstance(argument, str | int) and not isinstance(argument, bool):
            request_id = str(argument)
    return request_id, always


def _answer_command(
    approvals: Approvals, request_id: str | None, answer: PermissionAnswer
) -> dict[str, str]:
    try:
        pending = approvals.answer(request_id, answer)
    except LookupError as exc:
        raise errors.invalid_params(str(exc)) from exc
    return {"requestId": pending.request_id, "answer": answer.value}
