"""The ACP agent: ACP's session methods over the same core sessions the LSP server hosts.

A session reads and writes through the client's buffers when it offers `fs/*`, asks
through `session/request_permission`, and streams `session/update`; transcripts are the
same files, so `claude-lsp --resume` and `claude/session/load` see ACP sessions too.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from acp import PROTOCOL_VERSION, RequestError
from acp.schema import (
    AgentCapabilities,
    ClientCapabilities,
    Implementation,
    InitializeResponse,
    ListSessionsResponse,
    LoadSessionResponse,
    McpCapabilities,
    NewSessionResponse,
    PromptCapabilities,
    PromptResponse,
    SessionCapabilities,
    SessionInfo,
    SessionListCapabilities,
    SessionModeState,
    SetSessionModeResponse,
    Usage,
)
from pydantic import ValidationError

from claude_lsp.acp.files import ClientFiles
from claude_lsp.acp.permissions import ClientAsker
from claude_lsp.acp.updates import ClientUpdates

if TYPE_CHECKING:
    from acp.interfaces import Client

    from claude_lsp.agent.session import Session
    from claude_lsp.models.client import ModelClient

log = logging.getLogger(__name__)

# The Messages API failed after retries: ACP has no code of its own for it (and the LSP
# protocol's -32002 is ACP's "resource not found"), so it is an internal error.
MODEL_FAILURE = -32603


@dataclass
class HostedSession:
    """A session this connection hosts, and the sender of its updates."""

    session: Session
    updates: ClientUpdates


class ClaudeAgent:
    """One ACP connection's agent: the methods of `acp.interfaces.Agent` it supports
    (ACP's router answers method-not-found for the others: fork, resume, config...)."""

    def __init__(self, model_client: ModelClient | None = None) -> None:
        self._client: Client | None = None
        self._capabilities = ClientCapabilities()
        self._model_client = model_client
        self._sessions: dict[str, HostedSession] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._loading = asyncio.Lock()  # one load at a time: no session hosted twice

    def on_connect(self, conn: Client) -> None:
        self._client = conn

    async def initialize(
        self,
        protocol_version: int,
        client_capabilities: ClientCapabilities | None = None,
        client_info: Implementation | None = None,
        **kwargs: Any,
    ) -> InitializeResponse:
        from claude_lsp.version import __version__

        self._capabilities = client_capabilities or ClientCapabilities()
        return InitializeResponse(
            protocol_version=min(protocol_version, PROTOCOL_VERSION),
            agent_capabilities=AgentCapabilities(
                load_session=True,
                mcp_capabilities=McpCapabilities(http=True, sse=True),
                prompt_capabilities=PromptCapabilities(image=True, embedded_context=True),
                session_capabilities=SessionCapabilities(list=SessionListCapabilities()),
            ),
            agent_info=Implementation(name="claude-lsp", title="claude-lsp", version=__version__),
            auth_methods=[],
        )

    async def authenticate(self, method_id: str, **kwargs: Any) -> None:
        raise RequestError.invalid_params(
            {"message": "claude-lsp has no sign-in: set ANTHROPIC_API_KEY"}
        )

    async def new_session(
        self,
        cwd: str,
        additional_directories: list[str] | None = None,
        mcp_servers: list[Any] | None = None,
        **kwargs: Any,
    ) -> NewSessionResponse:
        hosted = self._host(cwd, additional_directories, str(uuid.uuid4()), mcp_servers)
        self._announce_commands_after_reply(hosted)
        session = hosted.session
        with _our_shapes():
            return NewSessionResponse(
                session_id=session.id, modes=_modes(session), field_meta={"claude": session.info()}
            )

    async def load_session(
        self,
        cwd: str,
        session_id: str,
        mcp_servers: list[Any] | None = None,
        additional_directories: list[str] | None = None,
        **kwargs: Any,
    ) -> LoadSessionResponse:
        """The session (hosted here, else from its transcript), its history replayed as
        session/update before the answer."""
        from claude_lsp.sessions import transcripts

        async with self._loading:
            hosted = self._sessions.get(session_id)
            if hosted is not None and hosted.session.busy:
                raise RequestError.invalid_request({"message": "the session is running a prompt"})
            if hosted is None:
                path = transcripts.find(session_id)
                if path is None:
                    raise RequestError.resource_not_found(session_id)
                entries = await asyncio.to_thread(transcripts.read_entries, path)
                hosted = self._host(cwd, additional_directories, session_id, mcp_servers)
                hosted.session.restore(entries)
            hosted.session.replay()
            await hosted.updates.flushed()
        self._announce_commands_after_reply(hosted)
        with _our_shapes():
            return LoadSessionResponse(
                modes=_modes(hosted.session), field_meta={"claude": hosted.session.info()}
            )

    async def list_sessions(
        self, cwd: str | None = None, cursor: str | None = None, **kwargs: Any
    ) -> ListSessionsResponse:
        """Sessions of `cwd`'s project (of every project without one), newest first."""
        from claude_lsp.sessions import transcripts

        folder = _folder(cwd, "cwd") if cwd else None
        try:
            page, next_cursor = await asyncio.to_thread(transcripts.sessions_page, folder, cursor)
        except ValueError as exc:
            raise RequestError.invalid_params({"cursor": str(exc)}) from exc
        with _our_shapes():
            return ListSessionsResponse(
                sessions=[SessionInfo.model_validate(info.as_json()) for info in page],
                next_cursor=next_cursor,
            )

    async def set_session_mode(
        self, session_id: str, mode_id: str, **kwargs: Any
    ) -> SetSessionModeResponse:
        from claude_lsp.agent.session import ModeUnavailableError
        from claude_lsp.policy.permissions import PermissionMode

        hosted = self._hosted(session_id)
        try:
            hosted.session.set_mode(PermissionMode(mode_id))
        except (ValueError, ModeUnavailableError) as exc:
            raise RequestError.invalid_params({"modeId": str(exc)}) from exc
        await hosted.updates.flushed()
        return SetSessionModeResponse()

    async def prompt(self, session_id: str, prompt: list[Any], **kwargs: Any) -> PromptResponse:
        from claude_lsp.agent.prompt_content import to_api_content
        from claude_lsp.models.credentials import NoCredentialsError

        hosted = self._hosted(session_id)
        session = hosted.session
        if not session.credentials.usable:
            raise RequestError.auth_required({"message": str(NoCredentialsError())})
        content = to_api_content(
            [block.model_dump(mode="json", by_alias=True, exclude_none=True) for block in prompt]
        )
        if not content:
            raise RequestError.invalid_params({"prompt": "no text, image or resource content"})
        try:
            with _acp_errors():
                turn = await session.prompt(content, [])
        finally:
            await hosted.updates.flushed()
        with _our_shapes():
            return PromptResponse(
                stop_reason=turn.stop_reason,
                usage=_usage(turn.usage),
                field_meta={"claude": turn.as_json()},
            )

    async def cancel(self, session_id: str, **kwargs: Any) -> None:
        hosted = self._sessions.get(session_id)
        if hosted is None:
            log.warning("session/cancel for unknown session %s", session_id)
            return
        hosted.session.cancel()

    async def ext_notification(self, method: str, params: dict[str, Any]) -> None:
        log.info("ignored ACP notification %s", method)

    async def close(self) -> None:
        """End every session (the connection closed); transcripts stay."""
        for session_id in list(self._sessions):
            self._sessions[session_id].session.cancel()
            await self._close(session_id)
        if self._model_client is not None:
            await self._model_client.close()

    def _hosted(self, session_id: str) -> HostedSession:
        hosted = self._sessions.get(session_id)
        if hosted is None:
            raise RequestError.invalid_params({"sessionId": f"unknown session {session_id!r}"})
        return hosted

    def _models(self) -> ModelClient:
        from claude_lsp.models.client import ModelClient
        from claude_lsp.models.credentials import Credentials

        if self._model_client is None:
            self._model_client = ModelClient(Credentials.from_env())
        return self._model_client

    def _host(
        self,
        cwd: str,
        additional_directories: list[str] | None,
        session_id: str,
        mcp_servers: list[Any] | None,
    ) -> HostedSession:
        """A session for `cwd`; `mcp_servers` are the client's (ACP shapes), started with
        the first prompt like the configured ones."""
        from claude_lsp.agent.context_window import context_window
        from claude_lsp.agent.session import Session, SessionOptions

        options = SessionOptions(
            cwd=_folder(cwd, "cwd"),
            additional_dirs=[
                _folder(path, "additionalDirectories") for path in additional_directories or []
            ],
            mcp_servers=[server.model_dump(by_alias=True) for server in mcp_servers or []],
        )
        client = self._client
        assert client is not None, "on_connect comes before any request"
        fs = self._capabilities.fs
        updates = ClientUpdates(client, session_id)
        files = ClientFiles(
            client,
            updates,
            session_id,
            read=bool(fs and fs.read_text_file),
            write=bool(fs and fs.write_text_file),
        )
        models = self._models()
        session = Session(
            options,
            model_client=models,
            files=files,
            emit=updates.stream,
            asker=ClientAsker(client, updates, session_id, options.cwd, files),
            session_id=session_id,
        )
        updates.window_tokens = context_window(session.environment())
        if session.credentials.usable:
            models.warm_up()  # load the SDK before the first prompt needs it
        for warning in session.warnings:  # also in the reply's _meta.claude.warnings
            log.warning("%s", warning)
        hosted = self._sessions[session_id] = HostedSession(session, updates)
        return hosted

    def _announce_commands_after_reply(self, hosted: HostedSession) -> None:
        """The slash commands, once the client has the session's id: the reply is
        written as soon as the handler returns, one loop turn before this runs."""

        async def announce() -> None:
            await asyncio.sleep(0)
            hosted.session.announce_commands()
            await hosted.updates.flushed()

        task = asyncio.ensure_future(announce())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _close(self, session_id: str) -> None:
        hosted = self._sessions.pop(session_id, None)
        if hosted is not None:
            await hosted.session.close()
            await hosted.updates.close()


def _folder(path: str, field: str) -> Path:
    """An existing absolute folder from the client (ACP's paths are absolute), resolved."""
    folder = Path(path)
    if not folder.is_absolute() or not folder.is_dir():
        raise RequestError.invalid_params({field: f"{path!r} is not an existing absolute folder"})
    return folder.resolve()


def _modes(session: Session) -> SessionModeState:
    return SessionModeState.model_validate(session.mode_state())


def _usage(usage: dict[str, int]) -> Usage:
    read = usage.get("cache_read_input_tokens", 0)
    written = usage.get("cache_creation_input_tokens", 0)
    inputs = usage.get("input_tokens", 0) + read + written
    outputs = usage.get("output_tokens", 0)
    return Usage(
        total_tokens=inputs + outputs,
        input_tokens=inputs,
        output_tokens=outputs,
        cached_read_tokens=read,
        cached_write_tokens=written,
    )


@contextmanager
def _our_shapes() -> Iterator[None]:
    """A reply that fails ACP's schema is this agent's bug, not the client's: the ACP
    library would answer a ValidationError as invalid params."""
    try:
        yield
    except ValidationError as exc:
        log.exception("a reply does not fit ACP's schema")
        raise RequestError.internal_error({"details": str(exc)}) from exc


@contextmanager
def _acp_errors() -> Iterator[None]:
    """The core's failures as JSON-RPC errors an ACP client shows."""
    from claude_lsp.agent.session import SessionBusyError
    from claude_lsp.models.client import ModelError
    from claude_lsp.models.credentials import NoCredentialsError

    try:
        yield
    except SessionBusyError as exc:
        raise RequestError.invalid_request({"message": str(exc)}) from exc
    except NoCredentialsError as exc:
        raise RequestError.auth_required({"message": str(exc)}) from exc
    except ModelError as exc:
        raise RequestError(
            MODEL_FAILURE, str(exc), {"status": exc.status, "type": exc.error_type}
        ) from exc
