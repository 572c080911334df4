"""The parent's side of the model worker (see worker.py for the line protocol)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import subprocess
from dataclasses import dataclass
from typing import IO, Any

from claude_lsp.models.client import ModelError, ModelResponse, StreamCallbacks
from claude_lsp.models.credentials import Credentials

log = logging.getLogger(__name__)

WORKER_EXITED = "The model worker process exited unexpectedly"


@dataclass
class _Pending:
    future: asyncio.Future[ModelResponse]
    callbacks: StreamCallbacks


class ModelWorker:
    """A running worker process and the requests waiting on it.

    The process comes from `spawn_worker` (no event loop needed, so print mode can
    launch it before anything else); its pipes join the loop on first use.
    """

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._reader_task: asyncio.Task[None] | None = None
        self._writer: asyncio.StreamWriter | None = None

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    async def _connect(self) -> asyncio.StreamWriter:
        if self._writer is None:
            loop = asyncio.get_running_loop()
            reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
            assert self._process.stdout is not None and self._process.stdin is not None
            await loop.connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(reader), self._process.stdout
            )
            transport, protocol = await loop.connect_write_pipe(
                asyncio.streams.FlowControlMixin, self._process.stdin
            )
            self._writer = asyncio.StreamWriter(transport, protocol, None, loop)
            self._reader_task = asyncio.create_task(self._read(reader))
        return self._writer

    async def stream(
        self, credentials: Credentials, params: dict[str, Any], callbacks: StreamCallbacks
    ) -> ModelResponse:
        """One attempt at one message; ModelError when it fails or the worker dies."""
        writer = await self._connect()
        request_id = next(self._ids)
        future: asyncio.Future[ModelResponse] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = _Pending(future, callbacks)
        try:
            self._send(
                writer,
                {
                    "id": request_id,
                    "op": "stream",
                    "credentials": credentials.to_json(),
                    "params": params,
                },
            )
            return await future
        except asyncio.CancelledError:
            with contextlib.suppress(ConnectionError, RuntimeError):
                self._send(writer, {"id": request_id, "op": "cancel"})
            raise
        finally:
            self._pending.pop(request_id, None)

    def _send(self, writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
        if writer.is_closing() or not self.alive:
            raise ModelError(WORKER_EXITED, status=None, error_type="worker_exited", retryable=True)
        writer.write(json.dumps(message).encode() + b"\n")

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while line := await reader.readline():
            try:
                event = json.loads(line)
                pending = self._pending.get(int(event["id"]))
            except (ValueError, KeyError, TypeError):
                log.error("model worker sent a malformed line: %r", line[:200])
                continue
            if pending is None or pending.future.done():
                continue  # a cancelled request's late events
            kind = event.get("type")
            if kind == "text":
                pending.callbacks.on_text(str(event["text"]))
            elif kind == "thinking":
                pending.callbacks.on_thinking(str(event["text"]))
            elif kind == "done":
                pending.future.set_result(ModelResponse(**event["response"]))
            elif kind == "error":
                pending.future.set_exception(ModelError.from_json(event["error"]))
        code = self._process.poll()
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(
                    ModelError(
                        f"{WORKER_EXITED} (exit code {code})",
                        status=None,
                        error_type="worker_exited",
                        retryable=True,
                    )
                )

    async def close(self) -> None:
        """End the worker: closing its stdin makes it exit; kill it if it lingers."""
        if self._writer is not None:
            self._writer.close()
        else:
            _close_quietly(self._process.stdin)
        try:
            await asyncio.wait_for(asyncio.to_thread(self._process.wait), 2)
        except TimeoutError:
            self._process.kill()
            await asyncio.to_thread(self._process.wait)
        if self._reader_task is not None:
            await self._reader_task
        _close_quietly(self._process.stdout)


def _close_quietly(stream: IO[bytes] | None) -> None:
    if stream is not None:
        with contextlib.suppress(OSError):
            stream.close()
