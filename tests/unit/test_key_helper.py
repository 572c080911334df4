"""apiKeyHelper: the command runs for real; its key is cached, renewed, and its failures told."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from claude_lsp.models.key_helper import ApiKeyHelper, ApiKeyHelperError, helper_ttl_s

COUNTING = 'n=$(($(cat runs 2>/dev/null || echo 0) + 1)); echo $n > runs; echo "key-$n"'


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def helper(
    command: str,
    cwd: Path,
    *,
    ttl_s: float = 300,
    timeout_s: float = 30,
    clock: Callable[[], float] = time.monotonic,
) -> ApiKeyHelper:
    return ApiKeyHelper(
        command, cwd=cwd, env=dict(os.environ), ttl_s=ttl_s, timeout_s=timeout_s, clock=clock
    )


def runs(cwd: Path) -> int:
    return int((cwd / "runs").read_text())


async def test_the_key_is_cached_until_the_ttl_runs_out(tmp_path: Path) -> None:
    clock = Clock()
    keys = helper(COUNTING, tmp_path, ttl_s=60, clock=clock)
    assert await keys.key() == "key-1"
    clock.now += 59
    assert await keys.key() == "key-1"
    clock.now += 2
    assert await keys.key() == "key-2"
    assert runs(tmp_path) == 2


async def test_a_rejected_key_is_renewed_once_however_many_callers_saw_it(tmp_path: Path) -> None:
    keys = helper(COUNTING, tmp_path)
    first = await keys.key()
    assert await keys.key(rejected=first) == "key-2"
    assert await keys.key(rejected=first) == "key-2"  # someone else already renewed it
    assert runs(tmp_path) == 2


async def test_concurrent_callers_share_one_run(tmp_path: Path) -> None:
    keys = helper(f"sleep 0.2; {COUNTING}", tmp_path)
    found = await asyncio.gather(*(keys.key() for _ in range(5)))
    assert found == ["key-1"] * 5 and runs(tmp_path) == 1


async def test_it_runs_in_the_project_with_the_session_environment(tmp_path: Path) -> None:
    keys = ApiKeyHelper(
        'printf "%s-%s" "$(basename "$PWD")" "$VAULT_ROLE"',
        cwd=tmp_path,
        env={**os.environ, "VAULT_ROLE": "reader"},
    )
    assert await keys.key() == f"{tmp_path.name}-reader"


async def test_a_failing_helper_names_itself_and_its_stderr_but_never_the_output(
    tmp_path: Path,
) -> None:
    keys = helper("echo sk-partial-secret; echo 'vault: permission denied' >&2; exit 3", tmp_path)
    with pytest.raises(ApiKeyHelperError) as failed:
        await keys.key()
    message = str(failed.value)
    assert "apiKeyHelper failed with exit code 3" in message
    assert message.endswith("vault: permission denied")
    assert "sk-partial" not in message
    assert failed.value.error_type == "api_key_helper" and not failed.value.retryable


async def test_empty_output_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ApiKeyHelperError, match="apiKeyHelper printed no key"):
        await helper("printf '  \\n'", tmp_path).key()


async def test_more_than_one_line_is_refused_without_quoting_it(tmp_path: Path) -> None:
    with pytest.raises(ApiKeyHelperError) as failed:
        await helper("printf 'sk-one\\nsk-two\\n'", tmp_path).key()
    assert "more than one line" in str(failed.value) and "sk-" not in str(failed.value)


async def test_a_hanging_helper_is_stopped_with_its_children(tmp_path: Path) -> None:
    keys = helper("sleep 60 & echo $! > child; echo waiting >&2; wait", tmp_path, timeout_s=0.5)
    started = time.monotonic()
    with pytest.raises(ApiKeyHelperError) as failed:
        await keys.key()
    assert time.monotonic() - started < 5
    assert "did not finish within 0.5 s" in str(failed.value)
    assert str(failed.value).endswith("waiting")
    child = int((tmp_path / "child").read_text())
    for _ in range(50):  # the group was killed: the child goes too
        if not _alive(child):
            break
        await asyncio.sleep(0.05)
    assert not _alive(child)


async def test_a_helper_that_cannot_start_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ApiKeyHelperError, match="apiKeyHelper could not be started"):
        await ApiKeyHelper("true", cwd=tmp_path / "missing", env={}).key()


def test_the_ttl_comes_from_the_environment() -> None:
    assert helper_ttl_s({}) == 300
    assert helper_ttl_s({"CLAUDE_CODE_API_KEY_HELPER_TTL_MS": "1500"}) == 1.5
    assert helper_ttl_s({"CLAUDE_CODE_API_KEY_HELPER_TTL_MS": "soon"}) == 300


async def test_its_repr_shows_no_key(tmp_path: Path) -> None:
    keys = helper("echo sk-live-123", tmp_path)
    await keys.key()
    assert "sk-live" not in repr(keys) and "cached=True" in repr(keys)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (killed, not yet reaped by init) counts as gone.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))
