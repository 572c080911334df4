"""Streaming Messages API calls through the `anthropic` SDK, with our own retries.

The SDK's built-in retries only cover the initial HTTP response; they never see a
stream that drops halfway or an `error` event after a 200. So the SDK runs with
`max_retries=0` and this module retries every transient failure the same way, with
exponential backoff that honours `retry-after-ms` / `retry-after`.

`anthropic` costs over a second to import, so it is imported on first use only.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import anthropic

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
RETRYABLE_ERROR_TYPES = frozenset(
    {"overloaded_error", "api_error", "rate_limit_error", "timeout_error"}
)
NO_CREDENTIALS_HELP = (
    "No Anthropic credentials: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN), "
    "or point ANTHROPIC_BASE_URL at a gateway that does not need a key."
)


class NoCredentialsError(Exception):
    """No API key, token or gateway URL: the model cannot be reached at all."""

    def __init__(self) -> None:
        super().__init__(NO_CREDENTIALS_HELP)


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


@dataclass(frozen=True)
class Credentials:
    """Where and how to reach the API. Never log the key or token."""

    api_key: str | None = None
    auth_token: str | None = None
    base_url: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Credentials:
        env = dict(os.environ) if env is None else env
        return cls(
            api_key=env.get("ANTHROPIC_API_KEY") or None,
            auth_token=env.get("ANTHROPIC_AUTH_TOKEN") or None,
            base_url=env.get("ANTHROPIC_BASE_URL") or None,
        )

    @property
    def usable(self) -> bool:
        return bool(self.api_key or self.auth_token or self.base_url)

    def __repr__(self) -> str:
        return f"Credentials(base_url={self.base_url!r}, key={'set' if self.api_key else 'unset'})"


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 8
    base_delay: float = 0.5
    max_delay: float = 20.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """`CLAUDE_LSP_MAX_RETRIES` caps the retries (0 disables them)."""
        value = os.environ.get("CLAUDE_LSP_MAX_RETRIES", "")
        return cls(max_retries=int(value)) if value.isdigit() else cls()

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


class ModelClient:
    """Streams messages; one instance per server process, reused across sessions."""

    def __init__(self, credentials: Credentials, retry: RetryPolicy | None = None) -> None:
        self._credentials = credentials
        self._retry = retry or RetryPolicy.from_env()
        self._client: anthropic.AsyncAnthropic | None = None

    def _sdk(self) -> anthropic.AsyncAnthropic:
        if not self._credentials.usable:
            raise NoCredentialsError()
        if self._client is None:
            import anthropic

            headers: dict[str, Any] = {}
            if not (self._credentials.api_key or self._credentials.auth_token):
                # A keyless gateway: tell the SDK the missing auth header is intended.
                headers["Authorization"] = anthropic.Omit()
            self._client = anthropic.AsyncAnthropic(
                api_key=self._credentials.api_key,
                auth_token=self._credentials.auth_token,
                base_url=self._credentials.base_url,
                max_retries=0,
                default_headers=headers,
            )
        return self._client

    async def stream(self, params: dict[str, Any], callbacks: StreamCallbacks) -> ModelResponse:
        """Stream one message, retrying transient failures; raise ModelError at the end."""
        client = self._sdk()
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                response = await self._stream_once(client, params, callbacks)
                response.api_duration_ms = int((time.monotonic() - started) * 1000)
                return response
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # classified below; unknown errors are not retried
                error = classify(exc)
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

    async def _stream_once(
        self, client: anthropic.AsyncAnthropic, params: dict[str, Any], callbacks: StreamCallbacks
    ) -> ModelResponse:
        async with client.messages.stream(**params) as stream:
            async for event in stream:
                if event.type == "text":
                    callbacks.on_text(event.text)
                elif event.type == "thinking":
                    callbacks.on_thinking(event.thinking)
            message = await stream.get_final_message()
        if message.stop_reason is None:
            raise ModelError(
                "The response stream ended before the message was complete",
                status=None,
                error_type="incomplete_stream",
                retryable=True,
            )
        return ModelResponse(
            content=[block.model_dump(mode="json", exclude_none=True) for block in message.content],
            stop_reason=message.stop_reason,
            usage=message.usage.model_dump(mode="json", exclude_none=True),
            model=message.model,
        )


def classify(exc: BaseException) -> ModelError:
    """Turn whatever the SDK or the transport raised into a ModelError."""
    if isinstance(exc, ModelError):
        return exc
    import anthropic
    import httpx2

    if isinstance(exc, anthropic.APIStatusError):
        status = exc.status_code
        error_type, message = _error_details(exc.body, default_type=f"http_{status}")
        retry_after = _retry_after(exc.response.headers)
        if status == 200:  # an `error` event inside a successful stream
            retryable = error_type in RETRYABLE_ERROR_TYPES
            return ModelError(
                f"API error ({error_type}): {message}",
                status=None,
                error_type=error_type,
                retryable=retryable,
            )
        return ModelError(
            f"API error {status} ({error_type}): {message}",
            status=status,
            error_type=error_type,
            retryable=status in RETRYABLE_STATUS or status >= 500,
            retry_after=retry_after,
        )
    if isinstance(exc, anthropic.APITimeoutError):
        return ModelError(
            "The API request timed out", status=None, error_type="timeout", retryable=True
        )
    if isinstance(exc, anthropic.APIConnectionError | httpx2.TransportError):
        return ModelError(
            f"Connection to the API failed: {exc}",
            status=None,
            error_type="connection_error",
            retryable=True,
        )
    return ModelError(
        f"Unexpected error talking to the API: {type(exc).__name__}: {exc}",
        status=None,
        error_type="unexpected",
        retryable=False,
    )


def _error_details(body: object, *, default_type: str) -> tuple[str, str]:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("type") or default_type), str(error.get("message") or "")
    return default_type, str(body or "")


def _retry_after(headers: Any) -> float | None:
    """Seconds from `retry-after-ms` or `retry-after` (seconds or an HTTP date)."""
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return float(value) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None
