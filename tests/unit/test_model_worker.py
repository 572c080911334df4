"""The model worker: the SDK runs in a child process that the client restarts if it dies."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from claude_lsp.models.client import ModelClient, RetryPolicy, StreamCallbacks
from claude_lsp.models.credentials import Credentials
from tests.fakeapi import FakeAnthropic, hang, reply, text

PARAMS = {
    "model": "claude-opus-4-8",
    "max_tokens": 100,
    "messages": [{"role": "user", "content": "hi"}],
}


def client_for(fake: FakeAnthropic) -> ModelClient:
    return ModelClient(
        Credentials(api_key="k", base_url=fake.base_url),
        RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.01),
    )


async def test_streams_text_through_the_worker(fake_api: FakeAnthropic) -> None:
    fake_api.script(reply(text("hello from the worker")))
    client = client_for(fake_api)
    chunks: list[str] = []
    try:
        response = await client.stream(PARAMS, StreamCallbacks(on_text=chunks.append))
    finally:
        await client.close()
    assert "".join(chunks) == "hello from the worker"
    assert response.content == [{"type": "text", "text": "hello from the worker"}]
    assert response.stop_reason == "end_turn" and response.usage["output_tokens"] > 0


async def test_a_dead_worker_is_replaced_and_the_call_retried(fake_api: FakeAnthropic) -> None:
    fake_api.script(hang(), reply(text("second worker")))
    client = client_for(fake_api)
    retries: list[str] = []
    callbacks = StreamCallbacks(on_retry=lambda _a, _m, _d, error: retries.append(str(error)))
    try:
        call = asyncio.create_task(client.stream(PARAMS, callbacks))
        await asyncio.to_thread(fake_api.wait_for_requests, 1, timeout=30)
        first = client._worker
        assert first is not None
        first._process.kill()
        response = await asyncio.wait_for(call, 30)
        assert client._worker is not first and client._worker is not None
    finally:
        await client.close()
    assert response.content[0]["text"] == "second worker"
    assert retries and "model worker process exited" in retries[0]


async def test_closing_ends_the_worker(fake_api: FakeAnthropic) -> None:
    client = client_for(fake_api)
    client.warm_up()
    worker = client._worker
    assert worker is not None and worker.alive
    await client.close()
    assert not worker.alive


def test_the_agent_process_never_imports_the_sdk(fake_api: FakeAnthropic, tmp_path: Path) -> None:
    """Chats leave the server's memory and event loop free of the SDK."""
    fake_api.script(reply(text("done")))
    code = f"""
import asyncio, sys
from pathlib import Path
from claude_lsp.agent.session import Session, SessionOptions
from claude_lsp.host import DiskFiles
from claude_lsp.models.client import ModelClient
from claude_lsp.models.credentials import Credentials

async def main():
    client = ModelClient(Credentials(api_key="k", base_url={fake_api.base_url!r}))
    session = Session(SessionOptions(cwd=Path({str(tmp_path)!r})), model_client=client,
                      files=DiskFiles(), emit=lambda event: None, asker=None)
    result = await session.prompt([{{"type": "text", "text": "hi"}}])
    await session.close()
    await client.close()
    print(result.result_text, "anthropic" in sys.modules, "pydantic" in sys.modules)

asyncio.run(main())
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["done", "False", "False"]
