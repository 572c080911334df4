"""Credentials from the settings and apiKeyHelper, and the start-up transcript clean-up,
through the real server (and print mode) with no credentials in the process environment."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pygls.exceptions import JsonRpcException

from claude_lsp.lsp.errors import MODEL_FAILURE
from tests.conftest import agent_env
from tests.e2e.conftest import new_session, prompt, start_editor
from tests.fakeapi import FakeAnthropic, RecordedRequest, http_error, reply, text

COUNTING = 'n=$(($(cat runs 2>/dev/null || echo 0) + 1)); echo $n > runs; echo "helper-key-$n"'
DAY = 86400


def write_settings(path: Path, value: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value))


def user_settings(home: Path) -> Path:
    return home / ".claude" / "settings.json"


def project_settings(project: Path) -> Path:
    return project / ".claude" / "settings.json"


def sent_key(request: RecordedRequest) -> str | None:
    """The key a request carried, whichever header the SDK puts an API key in."""
    bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
    return request.headers.get("x-api-key") or bearer or None


def transcript(home: Path, name: str, age_days: float) -> Path:
    path = home / ".claude" / "projects" / "-some-project" / f"{name}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"type": "user"}\n')
    stamp = time.time() - age_days * DAY
    os.utime(path, (stamp, stamp))
    return path


def transcripts(home: Path) -> list[str]:
    return sorted(path.name for path in (home / ".claude" / "projects").glob("*/*.jsonl"))


async def test_the_settings_env_gives_the_gateway_key_and_headers(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    env = agent_env(None, tmp_path)
    assert not any(name.startswith("ANTHROPIC_") for name in env)
    write_settings(
        user_settings(tmp_path),
        {
            "env": {
                "ANTHROPIC_BASE_URL": fake_api.base_url,
                "ANTHROPIC_API_KEY": "settings-key",
                "ANTHROPIC_CUSTOM_HEADERS": "X-Team: blue\nX-Route: eu-1",
            }
        },
    )
    fake_api.script(reply(text("hello")))
    async with start_editor(env, project) as (client, _):
        result = await prompt(client, await new_session(client, project), "hi")

    assert result["result"] == "hello"
    (request,) = fake_api.message_requests()
    assert sent_key(request) == "settings-key"
    assert request.headers["x-team"] == "blue" and request.headers["x-route"] == "eu-1"


async def test_the_helper_key_is_cached_and_renewed_after_a_401(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    write_settings(
        project_settings(project),
        {"apiKeyHelper": COUNTING, "env": {"ANTHROPIC_BASE_URL": fake_api.base_url}},
    )
    fake_api.script(
        reply(text("first")), http_error(401, "authentication_error"), reply(text("second"))
    )
    async with start_editor(agent_env(None, tmp_path), project) as (client, _):
        session_id = await new_session(client, project)
        first = await prompt(client, session_id, "one")
        second = await prompt(client, session_id, "two")

    assert (first["result"], second["result"]) == ("first", "second")
    requests = fake_api.message_requests()
    assert [r.headers["x-api-key"] for r in requests] == [
        "helper-key-1",  # the first run
        "helper-key-1",  # still fresh: no second run
        "helper-key-2",  # the 401 made it run again, and the request was repeated
    ]
    assert all(r.headers["authorization"] == f"Bearer {r.headers['x-api-key']}" for r in requests)
    assert (project / "runs").read_text().strip() == "2"


async def test_the_helper_runs_again_once_its_ttl_passed(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    write_settings(
        user_settings(tmp_path),
        {
            "apiKeyHelper": COUNTING,
            "env": {
                "ANTHROPIC_BASE_URL": fake_api.base_url,
                "CLAUDE_CODE_API_KEY_HELPER_TTL_MS": "300",
            },
        },
    )
    fake_api.script(reply(text("a")), reply(text("b")))
    async with start_editor(agent_env(None, tmp_path), project) as (client, _):
        session_id = await new_session(client, project)
        await prompt(client, session_id, "one")
        await asyncio.sleep(0.4)
        await prompt(client, session_id, "two")

    keys = [r.headers["x-api-key"] for r in fake_api.message_requests()]
    assert keys == ["helper-key-1", "helper-key-2"]


async def test_a_failing_helper_is_reported_and_the_server_keeps_serving(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    write_settings(
        project_settings(project),
        {"apiKeyHelper": "cat vault-key", "env": {"ANTHROPIC_BASE_URL": fake_api.base_url}},
    )
    fake_api.script(reply(text("works now")))
    async with start_editor(agent_env(None, tmp_path), project) as (client, _):
        session_id = await new_session(client, project)
        with pytest.raises(JsonRpcException) as failed:
            await prompt(client, session_id, "hi")
        (project / "vault-key").write_text("vault-key-7\n")
        result = await prompt(client, session_id, "again")

    assert failed.value.code == MODEL_FAILURE
    assert "apiKeyHelper failed with exit code 1" in failed.value.message
    assert "vault-key" in failed.value.message  # cat's own complaint names the file
    assert result["result"] == "works now"
    (request,) = fake_api.message_requests()
    assert request.headers["x-api-key"] == "vault-key-7"


async def test_old_transcripts_are_deleted_at_start_up(project: Path, tmp_path: Path) -> None:
    old = transcript(tmp_path, "old", 31)
    recent = transcript(tmp_path, "recent", 20)
    async with start_editor(agent_env(None, tmp_path), project):
        async with asyncio.timeout(10):
            while old.exists():
                await asyncio.sleep(0.05)
    assert recent.exists()


async def test_zero_days_deletes_every_transcript_and_records_none(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    transcript(tmp_path, "yesterday", 1)
    write_settings(user_settings(tmp_path), {"cleanupPeriodDays": 0})
    fake_api.script(reply(text("not kept")))
    async with start_editor(agent_env(fake_api, tmp_path), project) as (client, _):
        result = await prompt(client, await new_session(client, project), "hi")
        async with asyncio.timeout(10):
            while transcripts(tmp_path):
                await asyncio.sleep(0.05)

    assert result["result"] == "not kept"
    assert transcripts(tmp_path) == []


def test_print_mode_takes_credentials_from_settings_and_cleans_up(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    old = transcript(tmp_path, "old", 90)
    write_settings(
        user_settings(tmp_path),
        {
            "cleanupPeriodDays": 60,
            "env": {"ANTHROPIC_BASE_URL": fake_api.base_url, "ANTHROPIC_AUTH_TOKEN": "tok-9"},
        },
    )
    fake_api.script(reply(text("printed")))
    done = subprocess.run(
        [sys.executable, "-m", "claude_lsp", "-p", "hi"],
        cwd=project,
        env=agent_env(None, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout == "printed\n"
    assert fake_api.message_requests()[0].headers["authorization"] == "Bearer tok-9"
    assert not old.exists()
    assert len(transcripts(tmp_path)) == 1  # this run's own
