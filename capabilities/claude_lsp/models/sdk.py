"""The anthropic SDK side of a model call; this module runs in the model worker.

`anthropic` costs over a second and 70+ MiB to import, so only the worker process
(see worker.py) imports it; the language server and print mode never do.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from claude_lsp.models.client import (
    RETRYABLE_ERROR_TYPES,
    RETRYABLE_STATUS,
    ModelError,
    ModelResponse,
)
from claude_lsp.models.credentials import Credentials, NoCredentialsError

if TYPE_CHECKING:
    import anthropic


AUTH_HEADERS = frozenset({"authorization", "x-api-key"})


def make_client(credentials: Credentials) -> anthropic.AsyncAnthropic:
    """An SDK client with its own retries off: the caller retries every failure kind.

    The SDK takes one of key and token: the token wins, as ANTHROPIC_AUTH_TOKEN does in
    Claude Code. A key from apiKeyHelper goes out as both X-Api-Key and a bearer token,
    which is what Claude Code sends. ANTHROPIC_CUSTOM_HEADERS come on top of the SDK's own.
    """
    if not credentials.usable:
        raise NoCredentialsError()
    import anthropic

    headers: dict[str, Any] = dict(credentials.headers)
    auth_token = credentials.auth_token
    api_key = None if auth_token else credentials.api_key
    if credentials.helper_key and not (api_key or auth_token):
        auth_token = credentials.helper_key
        headers["X-Api-Key"] = credentials.helper_key
    if not (api_key or auth_token or AUTH_HEADERS & {name.lower() for name in headers}):
        # A keyless gateway: tell the SDK the missing auth header is intended.
        headers["Authorization"] = anthropic.Omit()
    return anthropic.AsyncAnthropic(
        api_key=api_key,
        auth_token=auth_token,
        base_url=credentials.base_url,
        max_retries=0,
        default_headers=headers,
    )


async def stream_once(
    client: anthropic.AsyncAnthropic,
    params: dict[str, Any],
    on_text: Callable[[str], None],
    on_thinking: Callable[[str], None],
) -> ModelResponse:
    """Stream one message; raise (see `classify`) on any failure."""
    async with client.messages.stream(**params) as stream:
        async for event in stream:
            if event.type == "text":
                on_text(event.text)
            elif event.type == "thinking":
                on_thinking(event.thinking)
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
