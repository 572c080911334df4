"""The Claude code actions and the commands they run (the plain-LSP surface).

*Claude: fix this* (one per diagnostic under the cursor), *explain*, *refactor
selection*, *write tests*, *document this* and *add selection to chat*. Listing them
reads nothing but the request, so it is instant. A client that resolves code actions
gets them with `data` and `codeAction/resolve` fills in the command, still without a
model call; other clients get the command in the listing.

A task's command runs a one-shot session with a prompt made for it (the code, the
selection, the diagnostic), in the workspace root, under the turn's cancellable
work-done progress. Its edits take the path every agent edit takes (`EditorFiles`:
`workspace/applyEdit` on open documents, so they land in the undo history), after the
permission question with its diff. *Explain* changes nothing: the answer is shown as a
message when short, else as a Markdown file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from lsprotocol import types
from pygls.uris import to_fs_path

from claude_lsp.lsp import errors
from claude_lsp.lsp.approvals import DIAGNOSTIC_CODE as APPROVAL_CODE
from claude_lsp.lsp.chat import checked
from claude_lsp.lsp.code_actions import (
    add_code_action_provider,
    add_code_action_resolver,
    kind_wanted,
)
from claude_lsp.lsp.editor_context import POSITION_SCHEMA
from claude_lsp.lsp.protocol import client_extension
from claude_lsp.lsp.shown_files import show_file, workspace_root

if TYPE_CHECKING:
    from claude_lsp.agent.events import SessionEvent
    from claude_lsp.lsp.chat_file import ChatFiles
    from claude_lsp.lsp.server import ClaudeLanguageServer
    from claude_lsp.review.prompts import CodeRegion, Problem, TaskKind

FIX = "claude.fixThis"
EXPLAIN = "claude.explain"
REFACTOR = "claude.refactor"
WRITE_TESTS = "claude.writeTests"
DOCUMENT = "claude.document"
ADD_TO_CHAT = "claude.addToChat"
CANCEL = "claude.cancel"
NEW_SESSION = "claude.newSession"

FIX_TITLE = "Claude: fix this"
INFO = types.MessageType.Info
WARNING = types.MessageType.Warning
# Tools a task that must not change files goes without (explain, review).
EDIT_TOOLS = ("Edit", "Write")
SHORT_ANSWER_CHARS = 300
EXPLANATION_FILE = "explanation.md"
SEVERITY_NAMES = {
    types.DiagnosticSeverity.Error: "error",
    types.DiagnosticSeverity.Warning: "warning",
    types.DiagnosticSeverity.Information: "information",
    types.DiagnosticSeverity.Hint: "hint",
}


@dataclass(frozen=True)
class _Offered:
    """One action offered on any range (all but *fix this*)."""

    title: str
    command: str
    kind: str
    needs_selection: bool = False


OFFERED = (
    _Offered("Claude: explain", EXPLAIN, "claude.explain"),
    _Offered("Claude: refactor selection", REFACTOR, types.CodeActionKind.RefactorRewrite, True),
    _Offered("Claude: write tests", WRITE_TESTS, "claude.writeTests"),
    _Offered("Claude: document this", DOCUMENT, types.CodeActionKind.RefactorRewrite),
    _Offered("Claude: add selection to chat", ADD_TO_CHAT, "claude.addToChat", True),
)
TASKS: dict[str, TaskKind] = {
    FIX: "fix",
    EXPLAIN: "explain",
    REFACTOR: "refactor",
    WRITE_TESTS: "tests",
    DOCUMENT: "document",
}
KINDS = [types.CodeActionKind.QuickFix, *dict.fromkeys(offered.kind for offered in OFFERED)]

RANGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["start", "end"],
    "properties": {"start": POSITION_SCHEMA, "end": POSITION_SCHEMA},
}
TARGET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["uri", "range"],
    "properties": {
        "uri": {"type": "string", "pattern": "^file:"},
        "range": RANGE_SCHEMA,
        "diagnostic": {
            "type": "object",
            "required": ["message", "range"],
            "properties": {"message": {"type": "string"}, "range": RANGE_SCHEMA},
        },
    },
}


def is_selection(selected: types.Range) -> bool:
    """Whether a range is a selection rather than a cursor.

    Helix always sends its one-character primary selection, which is its cursor.
    """
    start, end = selected.start, selected.end
    if start.line != end.line:
        return True
    return end.character - start.character > 1


def range_json(value: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": value.start.line, "character": value.start.character},
        "end": {"line": value.end.line, "character": value.end.character},
    }


def _range(value: dict[str, Any]) -> types.Range:
    return types.Range(
        start=types.Position(line=value["start"]["line"], character=value["start"]["character"]),
        end=types.Position(line=value["end"]["line"], character=value["end"]["character"]),
    )


def diagnostic_json(diagnostic: types.Diagnostic) -> dict[str, Any]:
    """What *fix this* needs to know of a diagnostic, as a command argument."""
    found: dict[str, Any] = {"message": diagnostic.message, "range": range_json(diagnostic.range)}
    if diagnostic.severity is not None:
        found["severity"] = int(diagnostic.severity)
    if diagnostic.source:
        found["source"] = diagnostic.source
    if diagnostic.code is not None:
        found["code"] = diagnostic.code
    if diagnostic.data is not None:
        found["data"] = diagnostic.data
    return found


def _short(message: str, limit: int = 50) -> str:
    line = message.strip().splitlines()[0] if message.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


async def run_one_shot(
    server: ClaudeLanguageServer,
    prompt: str,
    *,
    read_only: bool,
    observer: Callable[[SessionEvent], None] | None = None,
) -> dict[str, Any]:
    """Run `prompt` in a new session in the workspace root, then end the session.

    The turn's progress, cancelling and permission questions are the chat's own; a
    read-only task has no edit tools at all.
    """
    chat = server.chat
    session_id = await chat.open_session(workspace_root(server), EDIT_TOOLS if read_only else ())
    try:
        return await chat.prompt(
            {"sessionId": session_id, "prompt": [{"type": "text", "text": prompt}]},
            observer=observer,
        )
    finally:
        await chat.close_session(session_id)


def tell(server: ClaudeLanguageServer, message: str, kind: types.MessageType) -> None:
    server.window_show_message(types.ShowMessageParams(type=kind, message=message))


class ClaudeActions:
    """The code actions of one server and the commands behind them."""

    def __init__(self, server: ClaudeLanguageServer, chat_files: ChatFiles) -> None:
        self._server = server
        self._chat_files = chat_files

    def register(self) -> None:
        server = self._server
        for command, kind in TASKS.items():
            self._register_task(command, kind)

        @server.command(ADD_TO_CHAT)
        async def add_to_chat(*arguments: Any) -> dict[str, Any]:
            return await self.add_to_chat(arguments)

        @server.command(CANCEL)
        def cancel(*arguments: Any) -> dict[str, Any]:
            return self.cancel(arguments)

        @server.command(NEW_SESSION)
        async def new_session(*_arguments: Any) -> dict[str, Any]:
            ended = await self._chat_files.new_session()
            tell(server, "Claude: the chat's next message starts a new session", INFO)
            return {"ended": ended}

        add_code_action_provider(server, self.code_actions, KINDS)
        add_code_action_resolver(server, self.resolve)

    def _register_task(self, command: str, kind: TaskKind) -> None:
        @self._server.command(command)
        async def run(*arguments: Any) -> dict[str, Any]:
            return await self.run_task(kind, arguments)

    # -- listing -----------------------------------------------------------------------

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        """The Claude actions for a range; reads nothing but `params`.

        Where an approval waits (its diagnostic is in the request), the menu is the
        approval's alone: allow, deny, or look at the diff first.
        """
        uri = params.text_document.uri
        diagnostics = params.context.diagnostics
        if not uri.startswith("file:") or any(d.code == APPROVAL_CODE for d in diagnostics):
            return []
        only = params.context.only
        actions = []
        if kind_wanted(types.CodeActionKind.QuickFix, only):
            for diagnostic in diagnostics:
                title = (
                    FIX_TITLE
                    if len(diagnostics) == 1
                    else f"{FIX_TITLE}: {_short(diagnostic.message)}"
                )
                target = {
                    "uri": uri,
                    "range": range_json(diagnostic.range),
                    "diagnostic": diagnostic_json(diagnostic),
                }
                actions.append(
                    self._action(title, types.CodeActionKind.QuickFix, FIX, target, [diagnostic])
                )
        selection = is_selection(params.range)
        for offered in OFFERED:
            if (offered.needs_selection and not selection) or not kind_wanted(offered.kind, only):
                continue
            target = {"uri": uri, "range": range_json(params.range)}
            actions.append(self._action(offered.title, offered.kind, offered.command, target))
        return actions

    def _action(
        self,
        title: str,
        kind: str,
        command: str,
        target: dict[str, Any],
        diagnostics: Sequence[types.Diagnostic] | None = None,
    ) -> types.CodeAction:
        """The action with its command, or with `data` for a client that resolves."""
        action = types.CodeAction(
            title=title, kind=kind, diagnostics=list(diagnostics) if diagnostics else None
        )
        if self._client_resolves():
            action.data = {"claude": {"command": command, "arguments": [target]}}
        else:
            action.command = types.Command(title=title, command=command, arguments=[target])
        return action

    def _client_resolves(self) -> bool:
        """Resolve support for `command` or `edit`, and `data` kept for the resolve."""
        capabilities = self._server.client_capabilities
        text_document = capabilities.text_document if capabilities else None
        code_action = text_document.code_action if text_document else None
        support = code_action.resolve_support if code_action else None
        if code_action is None or support is None or not code_action.data_support:
            return False
        return bool({"command", "edit"} & set(support.properties))

    def resolve(self, action: types.CodeAction) -> types.CodeAction | None:
        """Fill in the command of a Claude action listed with `data`; never runs it."""
        data = action.data
        spec = data.get("claude") if isinstance(data, dict) else None
        if not isinstance(spec, dict) or spec.get("command") not in (*TASKS, ADD_TO_CHAT):
            return None
        arguments = spec.get("arguments")
        command = types.Command(
            title=action.title,
            command=str(spec["command"]),
            arguments=list(arguments) if isinstance(arguments, list) else [],
        )
        return attrs.evolve(action, command=command)

    # -- commands ----------------------------------------------------------------------

    async def run_task(self, kind: TaskKind, arguments: Sequence[Any]) -> dict[str, Any]:
        """Run one task on the code its arguments point at; its result, and a message."""
        from claude_lsp.review.prompts import task_prompt

        region, problem = self._target(arguments)
        if kind == "fix" and problem is None:
            raise errors.invalid_params("diagnostic: claude.fixThis needs the diagnostic")
        root = workspace_root(self._server)
        prompt = task_prompt(kind, region, root, problem)
        result = await run_one_shot(self._server, prompt, read_only=kind == "explain")
        answer = str(result.get("result") or "").strip()
        stop = result.get("stopReason")
        if stop != "end_turn":
            tell(self._server, f"Claude: {kind} stopped ({stop})", WARNING)
        elif kind == "explain":
            await self._show_explanation(region, root, answer or "(no answer)")
        elif answer:
            tell(self._server, f"Claude: {_short(answer, 200)}", INFO)
        return result

    async def _show_explanation(self, region: CodeRegion, root: Path, answer: str) -> None:
        """A short answer as a message; a long one as Markdown the editor opens."""
        from claude_lsp.review.prompts import lines_label
        from claude_lsp.tools.base import display_path

        if len(answer) <= SHORT_ANSWER_CHARS and "\n" not in answer:
            tell(self._server, f"Claude: {answer}", INFO)
            return
        where = (
            f"{display_path(region.path, root)}, {lines_label(region.start_line, region.last_line)}"
        )
        await show_file(
            self._server,
            EXPLANATION_FILE,
            f"# Claude explains {where}\n\n{answer}\n",
            note=f"Claude: the explanation of {where}",
        )

    def _target(self, arguments: Sequence[Any]) -> tuple[CodeRegion, Problem | None]:
        """The document, range and diagnostic a command's first argument names.

        The range is in the client's position encoding; the region counts code points.
        """
        from claude_lsp.review.prompts import CodeRegion, Problem

        spec = checked(TARGET_SCHEMA, arguments[0] if arguments else None)
        uri = spec["uri"]
        document = self._server.workspace.get_text_document(uri)
        try:
            text = document.source
        except (OSError, UnicodeDecodeError) as exc:
            raise errors.invalid_params(f"uri: cannot read {uri}: {exc}") from exc
        client_range = _range(spec["range"])
        if not is_selection(client_range):
            client_range = types.Range(start=client_range.start, end=client_range.start)
        selected = document.position_codec.range_from_client_units(document.lines, client_range)
        region = CodeRegion(
            path=Path(to_fs_path(uri) or uri),
            text=text,
            start_line=selected.start.line,
            start_column=selected.start.character,
            end_line=selected.end.line,
            end_column=selected.end.character,
            language=document.language_id or "",
        )
        found = spec.get("diagnostic")
        if found is None:
            return region, None
        lines = _range(found["range"])
        last = lines.end.line
        if lines.end.character == 0 and last > lines.start.line:
            last -= 1  # a range ending at the start of a line does not reach into it
        data = found.get("data")
        suggestion = data.get("suggestion") if isinstance(data, dict) else None
        problem = Problem(
            message=found["message"],
            start_line=lines.start.line,
            end_line=max(lines.start.line, last),
            severity=SEVERITY_NAMES.get(found.get("severity"), ""),
            source=str(found.get("source") or ""),
            code=str(found.get("code") if found.get("code") is not None else ""),
            suggestion=suggestion if isinstance(suggestion, str) else "",
        )
        return region, problem

    async def add_to_chat(self, arguments: Sequence[Any]) -> dict[str, Any]:
        """Quote the selection in the client's chat session, else in the chat file."""
        from claude_lsp.review.prompts import chat_context

        region, _ = self._target(arguments)
        if not region.selected.strip():
            raise errors.invalid_params("range: nothing is selected")
        quote = chat_context(region, workspace_root(self._server))
        if client_extension(self._server.client_capabilities).get("sessionUpdate"):
            session_id = self._server.chat.add_context(quote)
            if session_id is not None:
                return {"sessionId": session_id}
        return {"uri": await self._chat_files.add_context(quote)}

    def cancel(self, arguments: Sequence[Any]) -> dict[str, Any]:
        """`claude.cancel [sessionId]`: stop that session's turn, or every running one."""
        argument = arguments[0] if arguments else None
        session_id = argument.get("sessionId") if isinstance(argument, dict) else argument
        chat = self._server.chat
        if session_id is None:
            return {"cancelled": chat.cancel_all()}
        if not isinstance(session_id, str) or not chat.hosts(session_id):
            raise errors.invalid_params(f"unknown sessionId {session_id!r}")
        chat.cancel({"sessionId": session_id})
        return {"cancelled": [session_id]}
