"""Per-session credentials: settings over the environment, custom headers, apiKeyHelper.

The calls go through the real model worker and SDK to the fake API, whose request log
shows the headers that were actually sent.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from claude_lsp.models.client import ModelClient, ModelError, RetryPolicy, StreamCallbacks
from claude_lsp.models.credentials import (
    Credentials,
    NoCredentialsError,
    SessionCredentials,
    parse_custom_headers,
)
from claude_lsp.models.key_helper import ApiKeyHelper, ApiKeyHelperError
from tests.fakeapi import FakeAnthropic, RecordedRequest, http_error, reply, text

PARAMS = {
    "model": "claude-opus-4-8",
    "max_tokens": 100,
    "messages": [{"role": "user", "content": "hi"}],
}
COUNTING = 'n=$(($(cat runs 2>/dev/null || echo 0) + 1)); echo $n > runs; echo "helper-key-$n"'


@pytest.fixture
async def client() -> AsyncIterator[ModelClient]:
    """A client whose own credentials reach nothing: every call brings a session's."""
    models = ModelClient(Credentials(), RetryPolicy(max_retries=2, base_delay=0.01))
    yield models
    await models.close()


def sent_key(request: RecordedRequest) -> str | None:
    """The key a request carried, whichever header the SDK puts an API key in."""
    bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
    return request.headers.get("x-api-key") or bearer or None


def with_helper(fake: FakeAnthropic, command: str, cwd: Path, **env: str) -> SessionCredentials:
    return SessionCredentials.for_session(
        Credentials(), {"ANTHROPIC_BASE_URL": fake.base_url, **env}, command, cwd
    )


def test_custom_headers_are_name_value_lines() -> None:
    parsed = parse_custom_headers("X-Team: blue\n\nno colon here\n: nameless\nX-Trace:a:b \n")
    assert parsed == (("X-Team", "blue"), ("X-Trace", "a:b"))


def test_settings_variables_take_over_and_an_empty_one_clears() -> None:
    base = Credentials(api_key="env-key", base_url="https://env.example")
    found = base.overlaid(
        {"ANTHROPIC_BASE_URL": "https://settings.example", "ANTHROPIC_API_KEY": ""}
    )
    assert found == Credentials(base_url="https://settings.example")
    assert base.overlaid({"GREETING": "hi"}) == base


def test_nothing_secret_shows_in_repr_and_json_round_trips() -> None:
    credentials = Credentials(
        api_key="sk-key-1",
        auth_token="tok-2",
        headers=(("X-Secret", "hdr-3"),),
        helper_key="help-4",
    )
    shown = repr(credentials) + repr(SessionCredentials(credentials))
    assert not any(secret in shown for secret in ("sk-key", "tok-2", "hdr-3", "help-4"))
    assert "X-Secret" in shown
    assert Credentials.from_json(credentials.to_json()) == credentials


def test_a_key_in_the_environment_wins_over_the_helper(tmp_path: Path) -> None:
    keyed = SessionCredentials.for_session(
        Credentials(api_key="env-key"), {}, "echo helper", tmp_path
    )
    assert keyed.helper is None
    helped = SessionCredentials.for_session(
        Credentials(), {"CLAUDE_CODE_API_KEY_HELPER_TTL_MS": "1000"}, "echo helper", tmp_path
    )
    assert isinstance(helped.helper, ApiKeyHelper) and helped.usable
    assert not SessionCredentials.for_session(Credentials(), {}, None, tmp_path).usable


async def test_session_credentials_and_custom_headers_reach_the_api(
    fake_api: FakeAnthropic, client: ModelClient, tmp_path: Path
) -> None:
    fake_api.script(reply(text("hi")))
    credentials = SessionCredentials.for_session(
        client.credentials,
        {
            "ANTHROPIC_BASE_URL": fake_api.base_url,
            "ANTHROPIC_API_KEY": "settings-key",
            "ANTHROPIC_CUSTOM_HEADERS": "X-Team: blue\nX-Trace: 42",
        },
        None,
        tmp_path,
    )
    response = await client.stream(PARAMS, StreamCallbacks(), credentials)
    assert response.content == [{"type": "text", "text": "hi"}]
    (request,) = fake_api.message_requests()
    assert sent_key(request) == "settings-key"
    assert request.headers["x-team"] == "blue" and request.headers["x-trace"] == "42"


async def test_a_token_wins_over_a_key(fake_api: FakeAnthropic, client: ModelClient) -> None:
    fake_api.script(reply(text("hi")))
    both = Credentials(api_key="the-key", auth_token="the-token", base_url=fake_api.base_url)
    await client.stream(PARAMS, StreamCallbacks(), SessionCredentials(both))
    (request,) = fake_api.message_requests()
    assert request.headers["authorization"] == "Bearer the-token"
    assert "x-api-key" not in request.headers


async def test_the_helper_key_goes_as_api_key_and_bearer(
    fake_api: FakeAnthropic, client: ModelClient, tmp_path: Path
) -> None:
    fake_api.script(reply(text("one")), reply(text("two")))
    credentials = with_helper(fake_api, COUNTING, tmp_path)
    for _ in range(2):
        await client.stream(PARAMS, StreamCallbacks(), credentials)
    for request in fake_api.message_requests():
        assert request.headers["x-api-key"] == "helper-key-1"
        assert request.headers["authorization"] == "Bearer helper-key-1"
    assert (tmp_path / "runs").read_text().strip() == "1"  # cached within the TTL


async def test_a_stale_helper_key_is_fetched_again(
    fake_api: FakeAnthropic, client: ModelClient, tmp_path: Path
) -> None:
    fake_api.script(reply(text("one")), reply(text("two")))
    credentials = with_helper(fake_api, COUNTING, tmp_path, CLAUDE_CODE_API_KEY_HELPER_TTL_MS="0")
    for _ in range(2):
        await client.stream(PARAMS, StreamCallbacks(), credentials)
    keys = [request.headers["x-api-key"] for request in fake_api.message_requests()]
    assert keys == ["helper-key-1", "helper-key-2"]


async def test_a_401_runs_the_helper_again_and_retries_once(
    fake_api: FakeAnthropic, client: ModelClient, tmp_path: Path
) -> None:
    fake_api.script(http_error(401, "authentication_error"), reply(text("in")))
    retries: list[int] = []
    callbacks = StreamCallbacks(on_retry=lambda attempt, *_: retries.append(attempt))
    response = await client.stream(PARAMS, callbacks, with_helper(fake_api, COUNTING, tmp_path))
    assert response.content[0]["text"] == "in"
    keys = [request.headers["x-api-key"] for request in fake_api.message_requests()]
    assert keys == ["helper-key-1", "helper-key-2"] and retries == []


async def test_a_second_401_is_the_error(
    fake_api: FakeAnthropic, client: ModelClient, tmp_path: Path
) -> None:
    fake_api.script(
        http_error(401, "authentication_error"), http_error(401, "authentication_error")
    )
    with pytest.raises(ModelError) as failed:
        await client.stream(PARAMS, StreamCallbacks(), with_helper(fake_api, COUNTING, tmp_path))
    assert failed.value.status == 401 and len(fake_api.message_requests()) == 2


async def test_a_401_without_a_helper_is_not_retried(
    fake_api: FakeAnthropic, client: ModelClient
) -> None:
    fake_api.script(http_error(401, "authentication_error"), reply(text("never")))
    fixed = SessionCredentials(Credentials(api_key="bad", base_url=fake_api.base_url))
    with pytest.raises(ModelError):
        await client.stream(PARAMS, StreamCallbacks(), fixed)
    assert len(fake_api.message_requests()) == 1


async def test_a_failing_helper_stops_the_call_before_any_request(
    fake_api: FakeAnthropic, client: ModelClient, tmp_path: Path
) -> None:
    credentials = with_helper(fake_api, "echo 'no vault token' >&2; exit 1", tmp_path)
    with pytest.raises(ApiKeyHelperError, match=r"exit code 1; .*no vault token"):
        await client.stream(PARAMS, StreamCallbacks(), credentials)
    assert fake_api.message_requests() == []


async def test_no_credentials_anywhere(client: ModelClient, tmp_path: Path) -> None:
    with pytest.raises(NoCredentialsError):
        await client.stream(PARAMS, StreamCallbacks())
    nothing = SessionCredentials.for_session(client.credentials, {}, None, tmp_path)
    with pytest.raises(NoCredentialsError):
        await client.stream(PARAMS, StreamCallbacks(), nothing)


def test_the_worker_gets_no_credential_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK in the worker must not add the process's own key or headers."""
    from claude_lsp.models.worker_spawn import spawn_worker

    monkeypatch.setenv("ANTHROPIC_CUSTOM_HEADERS", "X-Leak: yes")
    process = spawn_worker()
    try:
        environ = Path(f"/proc/{process.pid}/environ").read_bytes().split(b"\0")
    finally:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.close()
        process.wait(30)
        process.stdout.close()
    assert not any(entry.startswith(b"ANTHROPIC_CUSTOM_HEADERS=") for entry in environ)
    assert os.environ["ANTHROPIC_CUSTOM_HEADERS"] == "X-Leak: yes"


def test_the_worker_ignores_modules_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server usually runs in the workspace: its `json.py` must not run in the worker."""
    from claude_lsp.models.worker_spawn import spawn_worker

    marker = tmp_path / "ran"
    (tmp_path / "json.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    monkeypatch.chdir(tmp_path)
    process = spawn_worker()
    assert process.stdin is not None and process.stdout is not None
    process.stdin.close()
    assert process.wait(30) == 0
    process.stdout.close()
    assert not marker.exists()
