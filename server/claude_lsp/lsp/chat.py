"""claude/session/* handlers: sessions over LSP, as docs/protocol.md describes."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from claude_lsp.agent.prompt_content import PROMPT_SCHEMA
from claude_lsp.agent.update_stream import UpdateStream
from claude_lsp.lsp import errors
from claude_lsp.lsp.attach import AttachedProtocol, requesting_protocol
from claude_lsp.lsp.editor_context import EDITOR_CONTEXT_SCHEMA, editor_context_block
from claude_lsp.lsp.host import ClientPermissionAsker, EditorFiles, session_updates
from claude_lsp.lsp.progress import TurnProgress, await_unless_cancelled, summary
from claude_lsp.lsp.protocol import client_extension
from claude_lsp.schema import schema_error

if TYPE_CHECKING:
    from pygls.protocol import LanguageServerProtocol

    from claude_lsp.agent.events import SessionEvent
    from claude_lsp.agent.session import Session, SessionOptions
    from claude_lsp.index.build import SymbolIndex
    from claude_lsp.lsp.indexing import WorkspaceIndexes
    from claude_lsp.lsp.server import ClaudeLanguageServer
    from claude_lsp.models.client import ModelClient

log = logging.getLogger(__name__)

STRING_LIST = {"type": "array", "items": {"type": "string"}}
MODES = ["default", "acceptEdits", "plan", "bypassPermissions"]
NEW_SESSION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["cwd"],
    "properties": {
        "cwd": {"type": "string", "minLength": 1},
        "mcpServers": {"type": "array"},
        "modeId": {"enum": MODES},
        "model": {"type": "string"},
        "maxTurns": {"type": "integer", "minimum": 1},
        "allowedTools": STRING_LIST,
        "disallowedTools": STRING_LIST,
        "appendSystemPrompt": {"type": "string"},
        "additionalDirectories": STRING_LIST,
    },
}
LOAD_SESSION_SCHEMA: dict[str, Any] = {
    **NEW_SESSION_SCHEMA,
    "required": ["sessionId"],
    "properties": {
        **NEW_SESSION_SCHEMA["properties"],
        "sessionId": {"type": "string"},
        "forkSession": {"type": "boolean"},
    },
}
LIST_SESSIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"cursor": {"type": "string", "pattern": "^[0-9]*$"}, "cwd": {"type": "string"}},
}
SESSION_ID_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["sessionId"],
    "properties": {"sessionId": {"type": "string"}},
}
PROMPT_PARAMS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["sessionId", "prompt"],
    "properties": {
        "sessionId": {"type": "string"},
        "prompt": PROMPT_SCHEMA,
        "editorContext": EDITOR_CONTEXT_SCHEMA,
        "workDoneToken": {"type": ["string", "integer"]},
    },
}
TOOL_RUN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["sessionId", "name", "input"],
    "properties": {
        "sessionId": {"type": "string"},
        "name": {"type": "string"},
        "input": {"type": "object"},
    },
}
SET_MODE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["sessionId", "modeId"],
    "properties": {"sessionId": {"type": "string"}, "modeId": {"enum": MODES}},
}


@contextmanager
def _protocol_errors() -> Iterator[None]:
    """The core's failures as the protocol's JSON-RPC errors."""
    from claude_lsp.agent.session import ModeUnavailableError, SessionBusyError
    from claude_lsp.models.client import ModelError
    from claude_lsp.models.credentials import NoCredentialsError

    try:
        yield
    except SessionBusyError as exc:
        raise errors.invalid_request(str(exc)) from exc
    except ModeUnavailableError as exc:
        raise errors.invalid_params(f"modeId: {exc}") from exc
    except ModelError as exc:
        raise errors.model_failure(str(exc), status=exc.status, error_type=exc.error_type) from exc
    except NoCredentialsError as exc:
        raise errors.no_credentials(str(exc)) from exc


def start_transcript_cleanup(root_path: str | None) -> None:
    """Delete transcripts older than `cleanupPeriodDays`, once per server start."""
    from claude_lsp.sessions.transcripts import clean_up_in_background

    clean_up_in_background(Path(root_path) if root_path else Path.home())


def _first_line(content: list[dict[str, Any]]) -> str:
    """The prompt's first line of text, for the progress message."""
    text = next((b["text"] for b in content if b.get("type") == "text"), "")
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 60 else line[:57] + "..."


def checked(schema: dict[str, Any], params: Any) -> dict[str, Any]:
    """`params` as a dict, or InvalidParams naming the field that is wrong."""
    params = {} if params is None else params
    problem = schema_error(schema, params)
    if problem is not None:
        raise errors.invalid_params(problem)
    assert isinstance(params, dict)
    return params


@dataclass
class SessionEvents:
    """Where a hosted session's events go: its update stream and the running turn's progress."""

    updates: UpdateStream
    progress: TurnProgress | None = None
    observer: Callable[[SessionEvent], None] | None = None  # e.g. a chat file being written

    def __call__(self, event: SessionEvent) -> None:
        self.updates(event)
        if self.progress is not None:
            self.progress.observe(event)
        if self.observer is not None:
            self.observer(event)


@dataclass
class HostedSession:
    session: Session
    events: SessionEvents
    client: LanguageServerProtocol
    """The connection that opened it: the editor's, or an attached terminal client's."""


class ChatService:
    """The sessions one server hosts, and the handlers that drive them."""

    def __init__(self, server: ClaudeLanguageServer, model_client: ModelClient | None) -> None:
        self._server = server
        self._sessions: dict[str, HostedSession] = {}
        self._model_client = model_client
        self._announcements: set[asyncio.Task[None]] = set()
        self._warned: set[str] = set()
        # The workspace symbol indexes, shared with sessions (their Symbols tool).
        self.indexes: WorkspaceIndexes | None = None
        self._current: str | None = None  # the client's latest session (new or load)
        self._pending_context: dict[str, list[str]] = {}  # goes with the next prompt

    def register(self) -> None:
        """Register the handlers (pygls tags handler functions, so wrap the methods)."""
        server = self._server

        @server.feature("claude/session/new")
        async def new_session(params: Any) -> dict[str, Any]:
            return await self.new_session(params)

        @server.feature("claude/session/load")
        async def load_session(params: Any) -> dict[str, Any]:
            return await self.load_session(params)

        @server.feature("claude/session/list")
        async def list_sessions(params: Any) -> dict[str, Any]:
            return await self.list_sessions(params)

        @server.feature("claude/session/prompt")
        async def prompt(params: Any) -> dict[str, Any]:
            return await self.prompt(params)

        @server.feature("claude/tool/run")
        async def run_tool(params: Any) -> dict[str, Any]:
            return await self.run_tool(params)

        @server.feature("claude/session/cancel")
        def cancel(params: Any) -> None:
            self.cancel(params)

        @server.feature("claude/session/setMode")
        async def set_mode(params: Any) -> dict[str, Any]:
            return await self.set_mode(params)

    def _hosted(self, params: dict[str, Any]) -> HostedSession:
        """The session `params` names, if it belongs to the client asking."""
        hosted = self._sessions.get(params["sessionId"])
        if hosted is None:
            raise errors.invalid_params(f"unknown sessionId {params['sessionId']!r}")
        if hosted.client is not requesting_protocol(self._server):
            raise errors.invalid_params(
                f"sessionId {params['sessionId']!r} belongs to another client (load it to "
                "take it over)"
            )
        return hosted

    def _models(self) -> ModelClient:
        from claude_lsp.models.client import ModelClient
        from claude_lsp.models.credentials import Credentials

        if self._model_client is None:
            self._model_client = ModelClient(Credentials.from_env())
        return self._model_client

    async def new_session(self, params: Any) -> dict[str, Any]:
        client = requesting_protocol(self._server)
        options = await self._options(checked(NEW_SESSION_SCHEMA, params))
        hosted = await self._host_unless_gone(options, str(uuid.uuid4()), client)
        self._make_current(hosted)
        self._announce_commands_after_reply(hosted)
        return self._describe(hosted.session)

    def _make_current(self, hosted: HostedSession) -> None:
        """The editor's latest session is the one its "add to chat" actions feed."""
        if hosted.client is self._server.protocol:
            self._current = hosted.session.id

    async def load_session(self, params: Any) -> dict[str, Any]:
        """claude/session/load: this server's session, or one read back from its transcript.

        With `forkSession` the history goes into a new session instead (print mode's
        `--fork-session`), so the original transcript stays as it was. The history is
        replayed as claude/session/update notifications before the answer.
        """
        params = checked(LOAD_SESSION_SCHEMA, params)
        client = requesting_protocol(self._server)
        fork = bool(params.get("forkSession"))
        hosted = None if fork else self._sessions.get(params["sessionId"])
        if hosted is not None and hosted.client is not client:
            # Another client's session: it moves to this one, from its transcript.
            if hosted.session.busy:
                raise errors.invalid_request("the session is running a prompt in another client")
            await self.close_session(hosted.session.id)
            hosted = None
        if hosted is None:
            hosted = await self._from_transcript(params, client, fork=fork)
        hosted.session.replay()
        hosted.events.updates.flush()
        self._make_current(hosted)
        self._announce_commands_after_reply(hosted)
        return self._describe(hosted.session)

    async def _from_transcript(
        self, params: dict[str, Any], client: LanguageServerProtocol, *, fork: bool
    ) -> HostedSession:
        """Host the session a transcript holds or, for a fork, a new one with a copy of it.

        The fork's transcript starts with the copied lines (under its own id), so loading
        the fork later brings back the whole conversation.
        """
        from claude_lsp.sessions import transcripts

        session_id = params["sessionId"]
        path = transcripts.find(session_id)
        running = self._sessions.get(session_id)  # only when forking a hosted session
        if path is None and running is None:
            raise errors.invalid_params(f"unknown sessionId {session_id!r}")
        entries = await asyncio.to_thread(transcripts.read_entries, path) if path else []
        cwd = params.get("cwd") or (entries[0].get("cwd") if entries else None)
        if not cwd and running is not None:
            cwd = str(running.session.options.cwd)
        options = await self._options({**params, "cwd": cwd or str(Path.home())})
        hosted = await self._host_unless_gone(
            options, str(uuid.uuid4()) if fork else session_id, client
        )
        copy = hosted.session.transcript if fork else None
        if copy is not None:
            await asyncio.to_thread(copy.copy_in, entries)
        hosted.session.restore(entries)
        return hosted

    async def list_sessions(self, params: Any) -> dict[str, Any]:
        """claude/session/list: transcripts of the workspace's project, newest first."""
        from claude_lsp.sessions import transcripts

        params = checked(LIST_SESSIONS_SCHEMA, params)
        cwd = params.get("cwd") or self._server.workspace.root_path
        page, next_cursor = await asyncio.to_thread(
            transcripts.sessions_page,
            Path(cwd).resolve() if cwd else None,
            params.get("cursor") or None,
        )
        result: dict[str, Any] = {"sessions": [info.as_json() for info in page]}
        if next_cursor is not None:
            result["nextCursor"] = next_cursor
        return result

    def _hosted_index(self, cwd: Path) -> Callable[[], SymbolIndex | None] | None:
        """How a session finds the index of its folder among the workspace's, as they are
        at each call; None without indexes (the session then builds one when asked)."""
        indexes = self.indexes
        return None if indexes is None else lambda: indexes.index_for(cwd)

    async def _options(self, params: dict[str, Any]) -> SessionOptions:
        """Session options from new/load params (validated against NEW_SESSION_SCHEMA)."""
        from claude_lsp.agent.session import SessionOptions
        from claude_lsp.policy.permissions import PermissionMode

        cwd = Path(params["cwd"]).expanduser()
        if not cwd.is_absolute() or not cwd.is_dir():
            raise errors.invalid_params(
                f"cwd: {params['cwd']!r} is not an existing absolute directory"
            )
        editor = await self._server.editor_settings.current() or {}
        mode = params.get("modeId") or editor.get("permissionMode")
        max_turns = params.get("maxTurns") or editor.get("maxTurns")
        return SessionOptions(
            cwd=cwd.resolve(),
            model=params.get("model"),
            permission_mode=PermissionMode(mode) if mode in MODES else None,
            max_turns=max_turns if isinstance(max_turns, int) and max_turns > 0 else None,
            editor_settings=editor or None,
            symbol_index=self._hosted_index(cwd.resolve()),
            allowed_tools=params.get("allowedTools", []),
            disallowed_tools=params.get("disallowedTools", []),
            append_system_prompt=params.get("appendSystemPrompt"),
            additional_dirs=[
                Path(p).expanduser().resolve() for p in params.get("additionalDirectories", [])
            ],
            mcp_servers=params.get("mcpServers", []),
        )

    async def _host_unless_gone(
        self, options: SessionOptions, session_id: str, client: LanguageServerProtocol
    ) -> HostedSession:
        """`_host`, unless the client went away while the session was being prepared:
        its sessions were closed already, so this one would never be."""
        hosted = self._host(options, session_id, client)
        if isinstance(client, AttachedProtocol) and client.stop.is_set():
            await self.close_session(session_id)
            raise errors.invalid_request("the client went away")
        return hosted

    def _host(
        self, options: SessionOptions, session_id: str, client: LanguageServerProtocol
    ) -> HostedSession:
        """Host a session for `client`: its updates and questions go there; its files are
        the editor's whichever client it is."""
        from claude_lsp.agent.session import Session

        extension = client_extension(client.client_capabilities)
        events = SessionEvents(
            session_updates(client, session_id, enabled=bool(extension.get("sessionUpdate")))
        )
        files = EditorFiles(self._server)
        models = self._models()
        asker = ClientPermissionAsker.for_session(
            self._server, client, session_id, options.cwd, files
        )
        session = Session(
            options,
            model_client=models,
            files=files,
            emit=events,
            asker=asker,
            session_id=session_id,
        )
        if session.credentials.usable:  # from the environment, the settings' env or apiKeyHelper
            models.warm_up()  # load the SDK before the first prompt needs it
        hosted = self._sessions[session_id] = HostedSession(session, events, client)
        self._show_warnings(session.warnings)
        return hosted

    def _show_warnings(self, warnings: list[str]) -> None:
        """Problems with settings, rules or memory: logged, and shown once per server."""
        for warning in warnings:
            if warning in self._warned:
                continue
            self._warned.add(warning)
            log.warning("%s", warning)
            self._server.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Warning, message=f"claude-lsp: {warning}"
                )
            )

    def _announce_commands_after_reply(self, hosted: HostedSession) -> None:
        """Send the slash commands once the client has the session's id.

        pygls writes a handler's reply from a callback queued when the handler returns;
        one turn of the loop later that reply is out, so the update cannot arrive for a
        session the client has not heard of yet.
        """

        async def announce() -> None:
            await asyncio.sleep(0)
            hosted.session.announce_commands()
            hosted.events.updates.flush()

        task = asyncio.ensure_future(announce())
        self._announcements.add(task)
        task.add_done_callback(self._announcements.discard)

    def _describe(self, session: Session) -> dict[str, Any]:
        return {
            "sessionId": session.id,
            "modes": session.mode_state(),
            "_meta": {"claude": session.info()},
        }

    def hosts(self, session_id: str) -> bool:
        return session_id in self._sessions

    def add_context(self, text: str) -> str | None:
        """Attach `text` to the next prompt of the client's latest session, without a
        model call; shown to the client as a user message. The session's id, or None
        when the client has no session here."""
        from claude_lsp.agent.events import UserText

        hosted = self._sessions.get(self._current) if self._current else None
        if hosted is None or hosted.client is not self._server.protocol:
            return None  # none, or a terminal client has taken it over
        self._pending_context.setdefault(hosted.session.id, []).append(text)
        hosted.events(UserText(text))
        hosted.events.updates.flush()
        return hosted.session.id

    def cancel_all(self) -> list[str]:
        """Cancel every running turn on this server; the ids of the sessions cancelled."""
        running = [sid for sid, hosted in self._sessions.items() if hosted.session.busy]
        for session_id in running:
            self._sessions[session_id].session.cancel()
        return running

    async def close_session(self, session_id: str) -> None:
        """End a server-side session (a one-shot task's) and forget it."""
        hosted = self._sessions.pop(session_id, None)
        self._pending_context.pop(session_id, None)
        if hosted is not None:
            await hosted.session.close()

    async def open_session(self, cwd: Path, disallowed_tools: Sequence[str] = ()) -> str:
        """A new session for a server-side client (the chat file, a code action's task)."""
        session_id = str(uuid.uuid4())
        params = {"cwd": str(cwd), "disallowedTools": list(disallowed_tools)}
        self._host(await self._options(params), session_id, self._server.protocol)
        return session_id

    async def client_closed(self, client: LanguageServerProtocol) -> None:
        """An attached client went away: its sessions stop (their transcripts stay, so
        `--resume` brings them back)."""
        for session_id, hosted in list(self._sessions.items()):
            if hosted.client is client:
                hosted.session.cancel()
                await self.close_session(session_id)

    async def prompt(
        self, params: Any, observer: Callable[[SessionEvent], None] | None = None
    ) -> dict[str, Any]:
        from claude_lsp.agent.prompt_content import PROMPT_SCHEMA, to_api_content
        from claude_lsp.models.credentials import NoCredentialsError

        params = checked(
            PROMPT_PARAMS_SCHEMA
            | {"properties": {**PROMPT_PARAMS_SCHEMA["properties"], "prompt": PROMPT_SCHEMA}},
            params,
        )
        hosted = self._hosted(params)
        if not hosted.session.credentials.usable:
            raise errors.no_credentials(str(NoCredentialsError()))
        content = to_api_content(params["prompt"])
        if not content:
            raise errors.invalid_params("prompt: no text, image or resource content")
        context = (
            [editor_context_block(self._server, params["editorContext"])]
            if "editorContext" in params
            else []
        )
        session = hosted.session
        if session.busy:  # refuse before a progress for a turn that never starts
            raise errors.invalid_request("a prompt is already running in this session")
        attached = self._pending_context.pop(session.id, [])
        context = [*({"type": "text", "text": text} for text in attached), *context]
        result: dict[str, Any] | None = None
        error: str | None = None
        # The editor's status line shows its own sessions' turns; a terminal shows its own.
        progress = (
            await TurnProgress.start(
                self._server, params.get("workDoneToken"), _first_line(content), session.cancel
            )
            if hosted.client is self._server.protocol
            else None
        )
        hosted.events.progress = progress
        hosted.events.observer = observer
        try:
            with _protocol_errors():
                turn = await await_unless_cancelled(
                    asyncio.ensure_future(session.prompt(content, context)), session.cancel
                )
            result = turn.as_json()
            return result
        except JsonRpcException as exc:
            error = exc.message
            raise
        finally:
            hosted.events.updates.flush()
            hosted.events.progress = None
            hosted.events.observer = None
            if progress is not None:
                progress.end(summary(result, error))

    async def run_tool(self, params: Any) -> dict[str, Any]:
        """claude/tool/run: one tool run by the user, as the chat's `!command` does."""
        params = checked(TOOL_RUN_SCHEMA, params)
        hosted = self._hosted(params)
        if params["name"] not in hosted.session.tools:
            raise errors.invalid_params(
                f"name: no tool {params['name']!r} in this session; available: "
                + ", ".join(hosted.session.tools)
            )
        try:
            with _protocol_errors():
                block = await await_unless_cancelled(
                    asyncio.ensure_future(hosted.session.run_tool(params["name"], params["input"])),
                    hosted.session.cancel,
                )
        finally:
            hosted.events.updates.flush()
        return {"isError": bool(block.get("is_error")), "content": block["content"]}

    def cancel(self, params: Any) -> None:
        try:
            hosted = self._hosted(checked(SESSION_ID_SCHEMA, params))
        except Exception as exc:  # a notification has no reply: log and carry on
            log.warning("claude/session/cancel ignored: %s", exc)
            return
        hosted.session.cancel()

    async def set_mode(self, params: Any) -> dict[str, Any]:
        from claude_lsp.policy.permissions import PermissionMode

        params = checked(SET_MODE_SCHEMA, params)
        with _protocol_errors():
            self._hosted(params).session.set_mode(PermissionMode(params["modeId"]))
        return {}

    async def close(self) -> None:
        for hosted in self._sessions.values():
            await hosted.session.close()
        self._sessions.clear()
        if self._model_client is not None:
            await self._model_client.close()
