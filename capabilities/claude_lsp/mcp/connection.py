"""One connection to one MCP server, on the official `mcp` SDK.

The SDK's client is an async context manager whose task group must be entered and
left by one task, so each connection has a supervisor task that holds it open until
the connection closes; calls from tool runs go through the client it publishes.
Results come back as the protocol's JSON (`model_dump`), so nothing past this module
handles the SDK's types, and the SDK itself is imported only when a server starts.

A server that cannot start, does not answer within the start-up timeout, or dies is
marked failed with the reason (and the end of its stderr): the session goes on
without it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from claude_lsp.env_numbers import positive_number
from claude_lsp.mcp.config import McpServerConfig
from claude_lsp.version import __version__

if TYPE_CHECKING:
    from mcp import Client

log = logging.getLogger(__name__)
_Result = TypeVar("_Result")

DEFAULT_STARTUP_TIMEOUT_S = 30.0  # Claude Code's default for MCP_TIMEOUT
CLOSE_GRACE_S = 5.0  # for the SDK to end a server before its task is cancelled
MAX_PAGES = 100  # of a `*/list`: a server that pages forever cannot hang the start
STDERR_TAIL_CHARS = 600


class ServerState(StrEnum):
    PENDING = "pending"
    CONNECTED = "connected"
    CLOSED = "closed"
    FAILED = "failed"
    NEEDS_APPROVAL = "needs approval"
    DECLINED = "declined"


class McpCallError(Exception):
    """A request to the server failed; the message is for the model and the user."""


@dataclass(frozen=True)
class RemoteTool:
    name: str
    description: str
    input_schema: dict[str, Any]


@dataclass(frozen=True)
class RemotePrompt:
    name: str
    description: str
    arguments: tuple[dict[str, Any], ...]  # {name, description?, required?}


def timeout_from_env(environ: Mapping[str, str], name: str, default: float | None) -> float | None:
    """Seconds from a millisecond variable (`MCP_TIMEOUT`, `MCP_TOOL_TIMEOUT`)."""
    milliseconds = positive_number(environ, name)
    return default if milliseconds is None else milliseconds / 1000


class McpConnection:
    """A configured server and, once connected, what it offers."""

    def __init__(self, config: McpServerConfig, *, cwd: Path, environ: Mapping[str, str]) -> None:
        self.config = config
        self.state = ServerState.PENDING
        self.error: str | None = None
        self.server_label = ""
        self.instructions = ""
        self.tools: list[RemoteTool] = []
        self.prompts: list[RemotePrompt] = []
        self.has_resources = False
        self._cwd = cwd
        self._environ = dict(environ)
        self._client: Client | None = None
        self._ready = asyncio.Event()
        self._closing = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._stderr: IO[str] | None = None
        self._call_timeout = timeout_from_env(environ, "MCP_TOOL_TIMEOUT", None)

    @property
    def name(self) -> str:
        return self.config.name

    async def connect(self) -> None:
        """Start the server and wait until it answers (or the start-up timeout ends)."""
        if self._supervisor is None:
            self._supervisor = asyncio.create_task(self._serve(), name=f"mcp:{self.name}")
        limit = timeout_from_env(self._environ, "MCP_TIMEOUT", DEFAULT_STARTUP_TIMEOUT_S)
        try:
            await asyncio.wait_for(self._ready.wait(), limit)
        except TimeoutError:
            self._fail(f"did not answer within {limit:g} s (MCP_TIMEOUT)")
            await self._stop(grace=0)

    async def close(self) -> None:
        """Leave the session politely (the SDK ends a stdio server's process tree)."""
        await self._stop(grace=CLOSE_GRACE_S)

    async def _stop(self, *, grace: float) -> None:
        """Let the supervisor leave the client for `grace` seconds, then cancel it and
        wait for its clean-up. A cancel of the caller still cancels the caller."""
        self._closing.set()
        supervisor = self._supervisor
        if supervisor is not None and not supervisor.done():
            done, _ = await asyncio.wait([supervisor], timeout=grace)
            if not done:
                supervisor.cancel()
                await asyncio.wait([supervisor], timeout=CLOSE_GRACE_S)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """The `CallToolResult` as JSON; raises McpCallError when the call failed."""
        client = self._connected()
        return _json(await self._request(client.call_tool(name, arguments, self._call_timeout)))

    async def list_resources(self) -> list[dict[str, Any]]:
        client = self._connected()
        resources = await self._request(_every_page(client.list_resources, "resources"))
        return [_json(resource) for resource in resources]

    async def read_resource(self, uri: str) -> list[dict[str, Any]]:
        """The resource's `contents` (text or base64 blobs)."""
        client = self._connected()
        read = await self._request(client.read_resource(uri))
        return [_json(content) for content in read.contents]

    async def get_prompt(self, name: str, arguments: dict[str, str]) -> list[dict[str, Any]]:
        """The prompt's `messages`."""
        client = self._connected()
        prompt = await self._request(client.get_prompt(name, arguments))
        return [_json(message) for message in prompt.messages]

    def _connected(self) -> Client:
        if self._client is None or self.state is not ServerState.CONNECTED:
            reason = f": {self.error}" if self.error else ""
            raise McpCallError(f"MCP server {self.name!r} is not connected ({self.state}{reason})")
        return self._client

    async def _request(self, call: Awaitable[_Result]) -> _Result:
        from mcp import MCPError
        from mcp_types import CONNECTION_CLOSED

        try:
            result = await call
        except MCPError as exc:
            if exc.error.code == CONNECTION_CLOSED:
                self._fail(f"the connection closed{self._stderr_tail()}")
                self._closing.set()
                raise McpCallError(
                    f"MCP server {self.name!r} stopped during the request: {self.error}"
                ) from exc
            raise McpCallError(f"MCP server {self.name!r}: {exc.error.message}") from exc
        except TimeoutError as exc:
            raise McpCallError(
                f"MCP server {self.name!r} did not answer in time (MCP_TOOL_TIMEOUT)"
            ) from exc
        except Exception as exc:  # the SDK raises many kinds (HTTP, validation, ...)
            raise McpCallError(f"MCP server {self.name!r}: {_describe(exc)}") from exc
        return result

    async def _serve(self) -> None:
        from mcp import Client
        from mcp_types import Implementation

        try:
            async with AsyncExitStack() as stack:
                transport = await self._transport(stack)
                client = await stack.enter_async_context(
                    Client(
                        transport,
                        client_info=Implementation(name="claude-lsp", version=__version__),
                        cache=None,
                    )
                )
                await self._discover(client)
                if self._closing.is_set():  # given up on (timed out) while it started
                    return
                self._client = client
                self.state = ServerState.CONNECTED
                self._ready.set()
                await self._closing.wait()
        except Exception as exc:  # the SDK's task group raises exception groups of any kind
            if self.state is not ServerState.FAILED:
                self._fail(f"{_describe(exc)}{self._stderr_tail()}")
        finally:
            self._client = None
            if self.state is ServerState.CONNECTED:
                if self._closing.is_set():
                    self.state = ServerState.CLOSED
                else:
                    self._fail(f"the connection closed{self._stderr_tail()}")
            self._ready.set()

    async def _transport(self, stack: AsyncExitStack) -> Any:
        """The SDK transport `Client` connects through; what it needs is closed with
        `stack` (stdio: the server's whole process tree; HTTP: the client's sockets)."""
        config = self.config
        if config.transport == "stdio":
            from mcp import StdioServerParameters, stdio_client

            # the server's stderr, kept for the report when it fails
            self._stderr = tempfile.TemporaryFile(  # noqa: SIM115 - closed by close()
                "w+", encoding="utf-8", errors="replace"
            )
            parameters = StdioServerParameters(
                command=config.command,
                args=list(config.args),
                env={**self._environ, **config.env},
                cwd=self._cwd,
            )
            return stdio_client(parameters, errlog=self._stderr)
        from mcp.shared._httpx_utils import create_mcp_http_client

        if config.transport == "sse":
            from mcp.client.sse import sse_client

            return sse_client(config.url, headers=dict(config.headers))
        from mcp.client.streamable_http import streamable_http_client

        http = await stack.enter_async_context(create_mcp_http_client(dict(config.headers)))
        return streamable_http_client(config.url, http_client=http)

    async def _discover(self, client: Client) -> None:
        """What the server offers, every page of it."""
        capabilities = client.server_capabilities
        info = client.server_info
        self.server_label = f"{info.name} {info.version}" if info is not None else ""
        self.instructions = (client.instructions or "").strip()
        if capabilities.tools is not None:
            self.tools = [
                RemoteTool(tool.name, tool.description or "", tool.input_schema)
                for tool in await _every_page(client.list_tools, "tools")
            ]
        if capabilities.prompts is not None:
            self.prompts = [
                RemotePrompt(
                    name=prompt.name,
                    description=prompt.description or "",
                    arguments=tuple(
                        argument.model_dump(mode="json", exclude_none=True)
                        for argument in prompt.arguments or ()
                    ),
                )
                for prompt in await _every_page(client.list_prompts, "prompts")
            ]
        self.has_resources = capabilities.resources is not None

    def _fail(self, reason: str) -> None:
        self.state = ServerState.FAILED
        self.error = reason
        log.warning("MCP server %s: %s", self.name, reason)

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        try:
            self._stderr.flush()
            size = self._stderr.seek(0, os.SEEK_END)
            self._stderr.seek(max(0, size - STDERR_TAIL_CHARS * 4))
            tail = self._stderr.read().strip()[-STDERR_TAIL_CHARS:]
        except (OSError, ValueError):
            return ""
        return f"; its stderr ends: {tail}" if tail else ""


def _describe(exc: BaseException) -> str:
    """The innermost useful message of an exception (groups unwrapped)."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, FileNotFoundError):
        return f"command not found: {exc.filename or exc}"
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def _every_page(list_page: Callable[..., Awaitable[Any]], field: str) -> list[Any]:
    """Every item of a paginated `*/list` (the SDK returns one page at a time)."""
    items: list[Any] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await list_page(cursor=cursor)
        items += getattr(page, field)
        cursor = page.next_cursor
        if not cursor:
            break
    return items


def _json(model: Any) -> dict[str, Any]:
    """A protocol object as its wire JSON."""
    dumped: dict[str, Any] = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped
