"""`apiKeyHelper`: a shell command from the settings whose output is the API key.

Claude Code runs it when it needs a key, keeps the answer for
`CLAUDE_CODE_API_KEY_HELPER_TTL_MS` (five minutes by default) and runs it again once that
has passed or the API rejected the key with a 401. Keys that rotate (a vault, a token
broker) keep working that way without restarting anything. The command runs in its own
process group, so a helper that hangs is stopped whole, children included.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from claude_lsp.env_numbers import whole_number
from claude_lsp.models.client import ModelError
from claude_lsp.process_groups import GroupProcess

TTL_VARIABLE = "CLAUDE_CODE_API_KEY_HELPER_TTL_MS"
DEFAULT_TTL_S = 300.0
TIMEOUT_S = 30.0
OUTPUT_GRACE_S = 1.0
"""After the helper exits, how long its output may take to arrive (a child may hold it)."""
STDERR_TAIL = 500
STDOUT_LIMIT = 64 * 1024


class ApiKeyHelperError(ModelError):
    """The helper could not give a key. The message names apiKeyHelper, never the key."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=None, error_type="api_key_helper", retryable=False)


def helper_ttl_s(env: Mapping[str, str]) -> float:
    """How long a key stays fresh: `CLAUDE_CODE_API_KEY_HELPER_TTL_MS`, else five minutes."""
    milliseconds = whole_number(env, TTL_VARIABLE)
    return DEFAULT_TTL_S if milliseconds is None else milliseconds / 1000


class ApiKeyHelper:
    """Runs the helper command when the cached key is missing, stale or was rejected."""

    def __init__(
        self,
        command: str,
        *,
        cwd: Path,
        env: Mapping[str, str],
        ttl_s: float = DEFAULT_TTL_S,
        timeout_s: float = TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._command = command
        self._cwd = cwd
        self._env = dict(env)
        self._ttl_s = ttl_s
        self._timeout_s = timeout_s
        self._clock = clock
        self._key: str | None = None
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"ApiKeyHelper(cwd={str(self._cwd)!r}, cached={self._key is not None})"

    async def key(self, *, rejected: str | None = None) -> str:
        """The key, running the helper if none is cached, it is stale, or it is `rejected`.

        Concurrent callers share one run; a caller whose key was rejected after another
        one already fetched a new key gets that new key without a second run.
        """
        async with self._lock:
            fresh = self._clock() - self._fetched_at < self._ttl_s
            if self._key is not None and fresh and self._key != rejected:
                return self._key
            self._key = None
            key = await self._run()
            self._key, self._fetched_at = key, self._clock()
            return key

    async def _run(self) -> str:
        stdout, stderr = bytearray(), bytearray()

        def on_data(fd: int, data: bytes) -> None:
            if fd == 1:
                stdout.extend(data[: max(0, STDOUT_LIMIT - len(stdout))])
            else:
                stderr.extend(data)
                del stderr[:-STDERR_TAIL]

        try:
            process = await GroupProcess.spawn(
                ["/bin/sh", "-c", self._command], cwd=self._cwd, env=self._env, on_data=on_data
            )
        except (OSError, ValueError) as exc:
            raise ApiKeyHelperError(f"apiKeyHelper could not be started: {exc}") from exc
        try:
            if not await process.wait(self._timeout_s):
                await process.kill_and_reap()
                raise ApiKeyHelperError(
                    f"apiKeyHelper did not finish within {self._timeout_s:g} s and was stopped"
                    + _tail(stderr)
                )
            await process.wait_output(OUTPUT_GRACE_S)
        finally:
            if not (process.exited and process.output_done):
                process.kill_now()  # cancelled, timed out, or a child still holds the pipes
            process.close()
        code = process.returncode
        if code != 0:
            raise ApiKeyHelperError(f"apiKeyHelper failed with exit code {code}" + _tail(stderr))
        key = stdout.decode("utf-8", errors="replace").strip()
        if not key:
            raise ApiKeyHelperError("apiKeyHelper printed no key" + _tail(stderr))
        if not key.isprintable():
            # A header cannot carry it, and the HTTP library's error would quote it.
            raise ApiKeyHelperError(
                "apiKeyHelper printed more than one line or control characters; "
                "it must print only the key"
            )
        return key


def _tail(stderr: bytearray) -> str:
    text = stderr.decode("utf-8", errors="replace").strip()
    return f"; its standard error ends with: {text}" if text else ""
