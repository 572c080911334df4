"""Chat for editors with no plugin: a Markdown file the server streams answers into.

`claude.openChat` creates `<workspace>/.claude/chat.md` and shows it; the user writes
under the last `## You` heading and runs the *Claude: send* code action (or
`claude.ask [prompt]`); the answer is appended under `## Claude` with throttled,
versioned `workspace/applyEdit` calls while it streams (straight to disk when the file
is not open), followed by a fresh `## You` heading. Each chat file has one session;
`claude.newSession` starts the next one. Code the user adds to the chat (the *Claude:
add selection to chat* action) is written under the last `## You`, unsent.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from claude_lsp.agent.events import AgentText, SessionEvent, ToolCallStarted
from claude_lsp.host import write_atomically
from claude_lsp.lsp import errors
from claude_lsp.lsp.code_actions import add_code_action_provider
from claude_lsp.lsp.editor_edits import EditSupport, document_edit, text_edits
from claude_lsp.lsp.questions import current_text

if TYPE_CHECKING:
    from claude_lsp.lsp.chat import ChatService
    from claude_lsp.lsp.server import ClaudeLanguageServer

log = logging.getLogger(__name__)

OPEN_CHAT = "claude.openChat"
ASK = "claude.ask"
SEND = "claude.chat.send"
SEND_KIND = "source.claude.send"
YOU = "## You"
CLAUDE = "## Claude"
TEMPLATE = (
    "# Claude chat\n\n"
    f"Write under the last `{YOU}` heading, then run the code action *Claude: send* "
    f"(or the command `{ASK}`). Answers appear under `{CLAUDE}`.\n\n{YOU}\n\n"
)
FLUSH_SECONDS = 0.2
FLUSH_ATTEMPTS = 5


def last_question(text: str) -> str:
    """What the user wrote under the last `## You` heading."""
    index = text.rfind(f"\n{YOU}\n")
    return text[index + len(YOU) + 2 :].strip() if index >= 0 else ""


class ChatFiles:
    def __init__(self, server: ClaudeLanguageServer, chat: ChatService) -> None:
        self._server = server
        self._chat = chat
        self._sessions: dict[str, str] = {}  # chat file uri -> session id

    def register(self) -> None:
        server = self._server

        @server.command(OPEN_CHAT)
        async def open_chat(*_arguments: Any) -> str:
            return await self.open_chat()

        @server.command(ASK)
        async def ask(*arguments: Any) -> dict[str, Any]:
            return await self.ask(" ".join(str(argument) for argument in arguments))

        @server.command(SEND)
        async def send(*arguments: Any) -> dict[str, Any]:
            uri = str(arguments[0]) if arguments else self._uri()
            return await self.send(uri)

        add_code_action_provider(server, self.code_actions, [SEND_KIND])

    def _path(self) -> Path:
        root = self._server.workspace.root_path
        return Path(root or Path.cwd()) / ".claude" / "chat.md"

    def _uri(self) -> str:
        return from_fs_path(str(self._path())) or self._path().as_uri()

    async def open_chat(self) -> str:
        """Create the chat file if needed and ask the editor to show it."""
        uri = self._created()
        await self._show(uri)
        return uri

    def _created(self) -> str:
        path = self._path()
        if not path.exists():
            write_atomically(path, TEMPLATE)
        return self._uri()

    async def _show(self, uri: str) -> None:
        window = self._server.client_capabilities.window
        if window and window.show_document and window.show_document.support:
            await self._server.window_show_document_async(
                types.ShowDocumentParams(uri=uri, take_focus=True)
            )

    async def add_context(self, text: str) -> str:
        """Write `text` at the end of the chat file, under the last `## You`, unsent."""
        uri = self._created()
        await _Appender(self._server, uri, self._text(uri)).write(text)
        await self._show(uri)
        return uri

    async def new_session(self) -> str | None:
        """End the chat file's session, so the next send starts a new conversation; the
        id of the session ended, if there was one."""
        session_id = self._sessions.pop(self._uri(), None)
        if session_id is not None:
            await self._chat.close_session(session_id)
        return session_id

    async def ask(self, prompt: str) -> dict[str, Any]:
        """Write `prompt` under the last `## You` heading, then send it."""
        uri = await self.open_chat()
        if prompt.strip():
            current = self._text(uri)
            heading = f"\n\n{YOU}\n\n" if last_question(current) else ""
            await _Appender(self._server, uri, current).write(heading + prompt.strip() + "\n")
        return await self.send(uri)

    async def send(self, uri: str) -> dict[str, Any]:
        text = self._text(uri)
        question = last_question(text)
        if not question:
            raise errors.invalid_params(f"nothing to send: write under the last '{YOU}' heading")
        session_id = self._sessions.get(uri)
        if session_id is None or not self._chat.hosts(session_id):
            session_id = self._sessions[uri] = await self._chat.open_session(
                self._path().parent.parent
            )
        appender = _Appender(self._server, uri, text)
        appender.add(f"\n\n{CLAUDE}\n\n")

        def observe(event: SessionEvent) -> None:
            if isinstance(event, AgentText):
                appender.add(event.text)
            elif isinstance(event, ToolCallStarted):
                appender.add(f"\n\n> {event.title}\n\n")

        try:
            result = await self._chat.prompt(
                {"sessionId": session_id, "prompt": [{"type": "text", "text": question}]},
                observer=observe,
            )
        finally:
            appender.add(f"\n\n{YOU}\n\n")
            await appender.close()
        return result

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        if to_fs_path(uri) != str(self._path()):
            return []
        return [
            types.CodeAction(
                title="Claude: send",
                kind=SEND_KIND,
                command=types.Command(title="Claude: send", command=SEND, arguments=[uri]),
            )
        ]

    def _text(self, uri: str) -> str:
        return current_text(self._server, Path(to_fs_path(uri) or "")) or ""


class _Appender:
    """Appends text at the end of the chat file, at most every FLUSH_SECONDS.

    An open file is changed through versioned applyEdit (the user may type elsewhere in
    it meanwhile: the end is recomputed from the buffer each time); a closed one on disk.
    """

    def __init__(self, server: ClaudeLanguageServer, uri: str, text: str) -> None:
        self._server = server
        self._uri = uri
        self._disk_text = text
        self._pending: list[str] = []
        self._flushing: asyncio.Task[None] | None = None

    def add(self, text: str) -> None:
        self._pending.append(text)
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.ensure_future(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(FLUSH_SECONDS)
        await self._flush()

    async def write(self, text: str) -> None:
        self._pending.append(text)
        await self._flush()

    async def close(self) -> None:
        if self._flushing is not None:
            self._flushing.cancel()
        await self._flush()

    async def _flush(self, attempt: int = 1) -> None:
        if not self._pending:
            return
        addition = "".join(self._pending)
        self._pending.clear()
        document = self._server.workspace.text_documents.get(self._uri)
        if document is None:
            self._disk_text += addition
            write_atomically(Path(to_fs_path(self._uri) or ""), self._disk_text)
            return
        old = str(document.source)
        edits = text_edits(old, old + addition, document.position_codec.encoding)
        support = EditSupport.of(self._server.client_capabilities)
        edit = document_edit(self._uri, document.version, edits, support, label="Claude: chat")
        try:
            result = await self._server.workspace_apply_edit_async(
                types.ApplyWorkspaceEditParams(edit=edit, label="Claude: chat")
            )
        except Exception as exc:  # a broken client: keep the text for the next try
            log.warning("chat file edit failed: %s", exc)
            result = types.ApplyWorkspaceEditResult(applied=False)
        if not result.applied:  # the buffer moved under us: retry, a few times
            if attempt >= FLUSH_ATTEMPTS:
                log.warning("the editor refused the chat file edit %d times; dropped", attempt)
                return
            self._pending.insert(0, addition)
            await asyncio.sleep(FLUSH_SECONDS)
            await self._flush(attempt + 1)
