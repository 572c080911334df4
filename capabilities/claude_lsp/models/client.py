"""Streaming Messages API calls, with our own retries, through the model worker.

The SDK's built-in retries only cover the initial HTTP response; they never see a
stream that drops halfway or an `error` event after a 200. So the SDK runs with
`max_retries=0` and `ModelClient` retries every transient failure the same way, with
exponential backoff that honours `retry-after-ms` / `retry-after`.

The SDK itself lives in a child process (worker.py): importing it costs over a second
and 70+ MiB, which would stall every LSP request on the first chat and serialise print
mode's start-up; in its own process it loads on the other core meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from claude_lsp.env_numbers import whole_number
from claude_lsp.models.credentials import Credentials, NoCredentialsError, SessionCredentials

if TYPE_CHECKING:
    import subprocess

    from claude_lsp.models.worker_connection import ModelWorker

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
RETRYABLE_ERROR_TYPES = frozenset(
    {"overloaded_error", "api_error", "rate_limit_error", "timeout_error"}
)


class ModelError(Exception):
    """The Messages API failed for good (not retryable, or retries exhausted)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None,
        error_type: str,
        retryable: bool,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.retryable = retryable
        self.retry_after = retry_after

    def to_json(self) -> dict[str, Any]:
        return {
            "message": str(self),
            "status": self.status,
            "error_type": self.error_type,
            "retryable": self.retryable,
            "retry_after": self.retry_after,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelError:
        return cls(
            str(data["message"]),
            status=data.get("status"),
            error_type=str(data.get("error_type", "unexpected")),
            retryable=bool(data.get("retryable")),
            retry_after=data.get("retry_after"),
        )


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 8
    base_delay: float = 0.5
    max_delay: float = 20.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """`CLAUDE_LSP_MAX_RETRIES` caps the retries (0 disables them)."""
        retries = whole_number(os.environ, "CLAUDE_LSP_MAX_RETRIES")
        return cls() if retries is None else cls(max_retries=retries)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number `attempt` (1-based)."""
        if retry_after is not None:
            return max(0.0, min(retry_after, 60.0))
        backoff = min(self.base_delay * 2.0 ** (attempt - 1), self.max_delay)
        return backoff * random.uniform(0.75, 1.0)


@dataclass
class StreamCallbacks:
    """Where streamed pieces go while a message is being generated."""

    on_text: Callable[[str], None] = lambda _text: None
    on_thinking: Callable[[str], None] = lambda _text: None
    on_retry: Callable[[int, int, float, ModelError], None] = (
        lambda _attempt, _max, _delay, _error: None
    )


@dataclass
class ModelResponse:
    """One assistant message as plain API dicts, ready to append to the history."""

    content: list[dict[str, Any]]
    stop_reason: str | None
    usage: dict[str, Any]
    model: str
    api_duration_ms: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class ModelClient:
    """Streams messages through the model worker; one per server, shared by sessions.

    Its own credentials (the process environment's) serve calls that bring none; a
    session brings its own, since its settings may name another key, gateway or helper.
    """

    def __init__(
        self,
        credentials: Credentials,
        retry: RetryPolicy | None = None,
        *,
        worker_process: subprocess.Popen[bytes] | None = None,
    ) -> None:
        """`worker_process`: a worker already launched with `spawn_worker`."""
        self._credentials = credentials
        self._retry = retry or RetryPolicy.from_env()
        self._worker: ModelWorker | None = None
        self._spawned = worker_process

    @property
    def credentials(self) -> Credentials:
        """The credentials of calls that bring none."""
        return self._credentials

    def warm_up(self) -> None:
        """Start the worker now so the SDK import overlaps with other start-up work."""
        self._started_worker()

    def _started_worker(self) -> ModelWorker:
        from claude_lsp.models.worker_connection import ModelWorker
        from claude_lsp.models.worker_spawn import spawn_worker

        if self._worker is None or not self._worker.alive:
            process, self._spawned = self._spawned or spawn_worker(), None
            self._worker = ModelWorker(process)
        return self._worker

    async def close(self) -> None:
        """Stop the worker, including one launched for us but never used."""
        if self._spawned is not None:
            self._started_worker()
        if self._worker is not None:
            await self._worker.close()
            self._worker = None

    async def stream(
        self,
        params: dict[str, Any],
        callbacks: StreamCallbacks,
        credentials: SessionCredentials | None = None,
    ) -> ModelResponse:
        """Stream one message, retrying transient failures; raise ModelError at the end.

        With an apiKeyHelper, a 401 runs the helper again and the call is repeated once
        with the new key (not counted as a retry).
        """
        source = credentials or SessionCredentials(self._credentials)
        if not source.usable:
            raise NoCredentialsError()
        resolved = await source.resolve()
        renewed_key = False
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                response = await self._started_worker().stream(resolved, params, callbacks)
                response.api_duration_ms = int((time.monotonic() - started) * 1000)
                return response
            except ModelError as exc:
                error = exc
            if error.status == 401 and source.helper is not None and not renewed_key:
                renewed_key = True
                log.info("the API rejected the key from apiKeyHelper; running it again")
                resolved = await source.resolve(rejected=resolved)
                continue
            attempt += 1
            if not error.retryable or attempt > self._retry.max_retries:
                if attempt > 1:
                    error = ModelError(
                        f"{error} (gave up after {attempt} attempts)",
                        status=error.status,
                        error_type=error.error_type,
                        retryable=error.retryable,
                    )
                raise error
            delay = self._retry.delay(attempt, error.retry_after)
            log.warning(
                "API call failed (%s); retry %d/%d in %.1fs",
                error,
                attempt,
                self._retry.max_retries,
                delay,
            )
            callbacks.on_retry(attempt, self._retry.max_retries, delay, error)
            await asyncio.sleep(delay)
            resolved = await source.resolve()  # the helper's key may have gone stale meanwhile
