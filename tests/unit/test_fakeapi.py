"""The fake Messages API server, exercised through the real anthropic SDK over real HTTP."""

from __future__ import annotations

import asyncio
import http.client
import itertools
import json
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest
from anthropic.types import MessageParam, ToolParam

from tests.fakeapi import (
    FakeAnthropic,
    Text,
    Usage,
    cut_stream,
    error_event,
    fix_calc,
    hang,
    http_error,
    parse_stamps,
    reply,
    text,
    thinking,
    timed_text,
    tool_use,
)

MODEL = "claude-test-model"
HELLO: list[MessageParam] = [{"role": "user", "content": "Hello"}]
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def server() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as s:
        yield s


@pytest.fixture
async def client(server: FakeAnthropic) -> AsyncIterator[anthropic.AsyncAnthropic]:
    async with anthropic.AsyncAnthropic(
        base_url=server.base_url, api_key="test", max_retries=0
    ) as c:
        yield c


async def stream_events(client: anthropic.AsyncAnthropic, **kwargs: Any) -> list[Any]:
    """Raw events from ``messages.create(stream=True)``."""
    args: dict[str, Any] = {"model": MODEL, "max_tokens": 100, "messages": HELLO, **kwargs}
    response = await client.messages.create(**args, stream=True)
    return [event async for event in response]


def raw_post(base_url: str, path: str, body: object) -> tuple[int, dict[str, str], str]:
    """A plain HTTP POST, to look at the bytes on the wire."""
    host, port = base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    try:
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read().decode()
    finally:
        conn.close()


def raw_chunks(base_url: str, body: object) -> tuple[bytes, list[bytes], bool]:
    """POST over a bare socket; return the response head, the chunk payloads, and whether
    the body ended with the terminating zero-length chunk."""
    host, port = base_url.removeprefix("http://").split(":")
    data = json.dumps(body).encode()
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(
            b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(data), data)
        )
        received = b""
        while part := sock.recv(65536):
            received += part
    head, _, rest = received.partition(b"\r\n\r\n")
    chunks: list[bytes] = []
    while rest:
        size_line, sep, rest = rest.partition(b"\r\n")
        if not sep:
            break
        size = int(size_line, 16)
        if size == 0:
            return head, chunks, True
        chunks.append(rest[:size])
        rest = rest[size + 2 :]
    return head, chunks, False


# --- successful replies -----------------------------------------------------------------


async def test_text_streams_in_several_deltas(
    server: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    message = "The quick brown fox jumps over the lazy dog."
    server.script(reply(text(message), usage=Usage(input_tokens=42, output_tokens=7)))
    async with client.messages.stream(model=MODEL, max_tokens=100, messages=HELLO) as stream:
        pieces = [piece async for piece in stream.text_stream]
        final = await stream.get_final_message()
    assert len(pieces) >= 3
    assert "".join(pieces) == message
    assert final.content[0].type == "text" and final.content[0].text == message
    assert final.role == "assistant" and final.id.startswith("msg_")
    assert final.model == MODEL  # echoed from the request
    assert final.stop_reason == "end_turn"
    assert final.usage.input_tokens == 42 and final.usage.output_tokens == 7


async def test_tool_use_input_from_split_json(
    server: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    args = {"file_path": "/tmp/ünïcode dir/x.py", "offset": 10, "nested": {"a": [1, 2.5, None]}}
    server.script(reply(text("Reading."), tool_use("Read", args, id="toolu_fixed")))
    events = await stream_events(client)
    partial = [
        e.delta.partial_json
        for e in events
        if e.type == "content_block_delta" and e.delta.type == "input_json_delta"
    ]
    assert len(partial) > 5
    assert "".join(partial) == json.dumps(args)
    assert any(not p.endswith(('"', ",", "{", "}", ":", " ")) for p in partial)  # mid-token
    start = next(e for e in events if e.type == "content_block_start" and e.index == 1)
    assert start.content_block.type == "tool_use"
    assert (start.content_block.id, start.content_block.name) == ("toolu_fixed", "Read")
    assert start.content_block.input == {}

    server.script(reply(tool_use("Read", args, id="toolu_fixed")))
    async with client.messages.stream(model=MODEL, max_tokens=100, messages=HELLO) as stream:
        final = await stream.get_final_message()
    block = final.content[0]
    assert block.type == "tool_use" and block.input == args
    assert final.stop_reason == "tool_use"


async def test_thinking_and_signature(
    server: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    thought = "Let me think about this carefully, step by step."
    server.script(reply(thinking(thought, signature="c2lnbmF0dXJl"), text("Done.")))
    events = await stream_events(client)
    deltas = [e.delta.type for e in events if e.type == "content_block_delta"]
    assert deltas.count("thinking_delta") >= 3 and deltas.count("signature_delta") == 1

    server.script(reply(thinking(thought, signature="c2lnbmF0dXJl"), text("Done.")))
    async with client.messages.stream(model=MODEL, max_tokens=100, messages=HELLO) as stream:
        final = await stream.get_final_message()
    block = final.content[0]
    assert block.type == "thinking"
    assert block.thinking == thought and block.signature == "c2lnbmF0dXJl"
    assert final.content[1].type == "text"


async def test_event_sequence(server: FakeAnthropic, client: anthropic.AsyncAnthropic) -> None:
    server.script(reply(text("Hi")))
    types = [e.type for e in await stream_events(client)]
    assert types == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]  # the SDK drops the ping


def test_wire_format_has_ping_and_chunks(server: FakeAnthropic) -> None:
    server.script(reply(text("Hi")))
    body = {"model": MODEL, "max_tokens": 10, "messages": HELLO, "stream": True}
    status, headers, data = raw_post(server.base_url, "/v1/messages", body)
    assert status == 200
    assert headers["Transfer-Encoding"] == "chunked"
    assert headers["Content-Type"].startswith("text/event-stream")
    assert headers["request-id"].startswith("req_")
    events = [block.split("\n") for block in data.strip().split("\n\n")]
    names = [lines[0].removeprefix("event: ") for lines in events]
    assert names[:2] == ["message_start", "ping"] and names[-1] == "message_stop"
    start = json.loads(events[0][1].removeprefix("data: "))
    assert start["message"]["content"] == [] and start["message"]["stop_reason"] is None


def test_each_event_is_its_own_chunk(server: FakeAnthropic) -> None:
    body = {"model": MODEL, "max_tokens": 10, "messages": HELLO, "stream": True}
    server.script(reply(text("Hello, world"), tool_use("Read", {"file_path": "/a"})))
    head, chunks, terminated = raw_chunks(server.base_url, body)
    assert head.startswith(b"HTTP/1.1 200")
    assert terminated
    assert all(c.startswith(b"event: ") and c.count(b"\n\n") == 1 for c in chunks)
    assert all(c.endswith(b"\n\n") for c in chunks)
    assert len(chunks) > 10

    server.script(cut_stream(after_events=3))
    _, chunks, terminated = raw_chunks(server.base_url, body)
    assert len(chunks) == 3 and not terminated

    server.script(cut_stream(after_events=3, then="end"))
    _, chunks, terminated = raw_chunks(server.base_url, body)
    assert len(chunks) == 3 and terminated


async def test_non_streaming_create(
    server: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    server.script(reply(text("Plain JSON"), tool_use("Bash", {"command": "ls"})))
    message = await client.messages.create(model=MODEL, max_tokens=100, messages=HELLO)
    assert message.content[0].type == "text" and message.content[0].text == "Plain JSON"
    assert message.content[1].type == "tool_use" and message.content[1].input == {"command": "ls"}
    assert message.stop_reason == "tool_use"


@pytest.mark.parametrize("reason", ["max_tokens", "pause_turn", "refusal", "stop_sequence"])
async def test_explicit_stop_reason(
    server: FakeAnthropic, client: anthropic.AsyncAnthropic, reason: Any
) -> None:
    seq = "###" if reason == "stop_sequence" else None
    usage = {"cache_creation_input_tokens": 5, "cache_read_input_tokens": 900}
    server.script(reply("partial", stop_reason=reason, stop_sequence=seq, usage=usage))
    async with client.messages.stream(model=MODEL, max_tokens=100, messages=HELLO) as stream:
        final = await stream.get_final_message()
    assert final.stop_reason == reason and final.stop_sequence == seq
    assert final.usage.cache_creation_input_tokens == 5
    assert final.usage.cache_read_input_tokens == 900


async def test_chunk_delay_makes_streaming_observable() -> None:
    with FakeAnthropic(chunk_delay=0.02) as slow:
        slow.script(reply(text("x" * 40)))
        times = []
        async with (
            anthropic.AsyncAnthropic(base_url=slow.base_url, api_key="t") as c,
            c.messages.stream(model=MODEL, max_tokens=10, messages=HELLO) as stream,
        ):
            async for _ in stream.text_stream:
                times.append(time.monotonic())
    assert len(times) >= 4 and times[-1] - times[0] >= 0.05


async def test_timed_text_stamps_each_delta_as_it_is_sent() -> None:
    with FakeAnthropic(chunk_delay=0.01) as slow:
        slow.script(reply(timed_text(12, filler=" word")))
        received: list[tuple[int, str]] = []
        async with (
            anthropic.AsyncAnthropic(base_url=slow.base_url, api_key="t") as c,
            c.messages.stream(model=MODEL, max_tokens=10, messages=HELLO) as stream,
        ):
            async for piece in stream.text_stream:
                received.append((time.time_ns(), piece))
            final = await stream.get_final_message()
    assert len(received) == 12
    stamps = [parse_stamps(piece) for _, piece in received]
    assert all(len(s) == 1 for s in stamps)
    assert [s[0][0] for s in stamps] == list(range(12))
    sent = [s[0][1] for s in stamps]
    # stamped one by one as written (10 ms apart), each before the client saw it
    assert all(b - a >= 5_000_000 for a, b in itertools.pairwise(sent))
    assert all(got >= ns for (got, _), ns in zip(received, sent, strict=True))
    assert all(piece.endswith("] word") for _, piece in received)
    assert final.content[0].type == "text"
    assert parse_stamps(final.content[0].text) == [s[0] for s in stamps]  # batched text too

    with FakeAnthropic() as server:
        server.script(reply(timed_text(3)))
        async with anthropic.AsyncAnthropic(base_url=server.base_url, api_key="t") as c:
            message = await c.messages.create(model=MODEL, max_tokens=10, messages=HELLO)
    assert message.content[0].type == "text"
    assert [i for i, _ in parse_stamps(message.content[0].text)] == [0, 1, 2]
    with pytest.raises(ValueError):
        timed_text(0)


# --- recording --------------------------------------------------------------------------


async def test_requests_are_recorded(
    server: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    server.script(reply("one"), reply("two"))
    tools: list[ToolParam] = [
        {"name": "Read", "description": "Read a file", "input_schema": {"type": "object"}}
    ]
    await client.messages.create(model=MODEL, max_tokens=100, messages=HELLO)
    second: list[MessageParam] = [
        *HELLO,
        {"role": "assistant", "content": "one"},
        {"role": "user", "content": "more"},
    ]
    async with client.messages.stream(
        model=MODEL, max_tokens=50, messages=second, system="Be brief.", tools=tools
    ) as stream:
        await stream.get_final_message()

    assert len(server.requests) == 2 and server.remaining == 0
    first, last = server.requests
    assert (first.method, first.path) == ("POST", "/v1/messages")
    # anthropic 2.12 sends the api_key as a bearer token, not as x-api-key
    assert first.headers["authorization"] == "Bearer test"
    assert "x-api-key" not in first.headers
    assert "anthropic-version" in first.headers
    assert first.body["messages"] == HELLO and "stream" not in first.body
    assert last.body["stream"] is True
    assert last.body["messages"][-1] == {"role": "user", "content": "more"}
    assert last.body["system"] == "Be brief." and last.body["tools"] == tools
    assert server.message_requests(last=1) == [last]


# --- faults -----------------------------------------------------------------------------


async def test_429_with_retry_after(
    server: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    server.script(http_error(429, retry_after=3))
    with pytest.raises(anthropic.RateLimitError) as info:
        async with client.messages.stream(model=MODEL, max_tokens=10, messages=HELLO) as stream:
            await stream.get_final_message()
    err = info.value
    assert err.status_code == 429
    assert err.response.headers["retry-after"] == "3"
    assert err.type == "rate_limit_error"
    assert isinstance(err.body, dict) and err.body["error"]["type"] == "rate_limit_error"
    assert err.request_id is not None and err.request_id.startswith("req_")


async def test_sdk_retries_after_retry_after_ms(server: FakeAnthropic) -> None:
    server.script(http_error(429, retry_after_ms=10), reply("after retry"))
    async with anthropic.AsyncAnthropic(base_url=server.base_url, api_key="t", max_retries=1) as c:
        message = await c.messages.create(model=MODEL, max_tokens=10, messages=HELLO)
    assert message.content[0].type == "text" and message.content[0].text == "after retry"
    assert len(server.message_requests()) == 2


async def test_529_overloaded(server: FakeAnthropic, client: anthropic.AsyncAnthropic) -> None:
    server.script(http_error(529))
    with pytest.raises(anthropic.OverloadedError) as info:
        await stream_events(client)
    assert isinstance(info.value, anthropic.InternalServerError)
    assert info.value.status_code == 529 and info.value.type == "overloaded_error"


async def test_500_api_error(server: FakeAnthropic, client: anthropic.AsyncAnthropic) -> None:
    server.script(http_error(500, message="boom"))
    with pytest.raises(anthropic.InternalServerError) as info:
        await client.messages.create(model=MODEL, max_tokens=10, messages=HELLO)
    assert info.value.status_code == 500 and info.value.type == "api_error"
    assert info.value.api_message == "boom"


async def test_cut_stream_raises_remote_protocol_error(
    server: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    # Mid-stream transport errors are not wrapped by the SDK: raw httpx2 errors surface.
    server.script(cut_stream(after_events=5, reply=reply(text("a long answer " * 5))))
    received: list[str] = []
    with pytest.raises(httpx2.RemoteProtocolError, match="incomplete chunked read"):
        async with client.messages.stream(model=MODEL, max_tokens=10, messages=HELLO) as stream:
            async for piece in stream.text_stream:
                received.append(piece)
    assert received  # the events before the cut did arrive

    server.script(cut_stream(after_events=2))
    with pytest.raises(httpx2.RemoteProtocolError):
        await stream_events(client)


async def test_cut_non_streaming_raises_api_connection_error(
    server: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    server.script(cut_stream())
    with pytest.raises(anthropic.APIConnectionError) as info:
        await client.messages.create(model=MODEL, max_tokens=10, messages=HELLO)
    assert isinstance(info.value.__cause__, httpx2.RemoteProtocolError)


async def test_stream_ending_without_message_stop_does_not_raise(
    server: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    # A cleanly terminated body without message_stop: the SDK raises nothing, so the agent
    # must notice the missing message_stop / stop_reason itself.
    server.script(cut_stream(after_events=5, then="end"))
    async with client.messages.stream(model=MODEL, max_tokens=10, messages=HELLO) as stream:
        types = [event.type async for event in stream]
        final = await stream.get_final_message()
    assert "message_stop" not in types
    assert final.stop_reason is None


async def test_error_event_after_200(
    server: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    server.script(error_event(after_events=4, error_type="overloaded_error"))
    received: list[str] = []
    with pytest.raises(anthropic.APIStatusError) as info:
        async with client.messages.stream(model=MODEL, max_tokens=10, messages=HELLO) as stream:
            async for piece in stream.text_stream:
                received.append(piece)
    err = info.value
    assert type(err) is anthropic.APIStatusError  # status 200 maps to no subclass
    assert err.status_code == 200
    assert err.type == "overloaded_error"
    assert isinstance(err.body, dict) and err.body["error"]["type"] == "overloaded_error"
    assert received

    server.script(error_event(after_events=0, error_type="api_error", message="bad"))
    with pytest.raises(anthropic.APIStatusError) as info:
        await stream_events(client)
    assert info.value.type == "api_error" and info.value.api_message == "bad"


async def test_hang_times_out(server: FakeAnthropic, client: anthropic.AsyncAnthropic) -> None:
    server.script(hang(5))
    with pytest.raises(anthropic.APITimeoutError):
        await client.messages.create(model=MODEL, max_tokens=10, messages=HELLO, timeout=0.3)


async def test_hang_then_reply(server: FakeAnthropic, client: anthropic.AsyncAnthropic) -> None:
    server.script(hang(0.1, then=reply("late")))
    message = await client.messages.create(model=MODEL, max_tokens=10, messages=HELLO)
    assert message.content[0].type == "text" and message.content[0].text == "late"


async def test_cancel_during_hang_is_seen_by_server(
    server: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    server.script(hang())
    task = asyncio.create_task(stream_events(client))
    (request,) = await asyncio.to_thread(server.wait_for_requests, 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(request.disconnected.wait, 5)


async def test_stop_returns_promptly_with_hanging_request() -> None:
    server = FakeAnthropic().start()
    server.script(hang(), cut_stream(after_events=3, then="hang"))
    async with anthropic.AsyncAnthropic(base_url=server.base_url, api_key="t", max_retries=0) as c:
        hung = asyncio.create_task(stream_events(c))
        await asyncio.to_thread(server.wait_for_requests, 1)
        async with c.messages.stream(model=MODEL, max_tokens=10, messages=HELLO) as stream:
            await stream.__anext__()  # the stream is open and stalled
            started = time.monotonic()
            await asyncio.to_thread(server.stop)
            assert time.monotonic() - started < 2
            with pytest.raises(httpx2.RemoteProtocolError):
                await stream.get_final_message()
        with pytest.raises(anthropic.APIConnectionError):
            await hung


async def test_no_script_fails_loudly(
    server: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    with pytest.raises(anthropic.InternalServerError, match="no scripted response"):
        await client.messages.create(model=MODEL, max_tokens=10, messages=HELLO)


async def test_failing_fallback_fails_loudly(
    server: FakeAnthropic, client: anthropic.AsyncAnthropic
) -> None:
    def broken(body: dict[str, Any]) -> Any:
        raise ValueError("oops")

    server.set_fallback(broken)
    with pytest.raises(anthropic.InternalServerError, match="oops"):
        await client.messages.create(model=MODEL, max_tokens=10, messages=HELLO)


async def test_unknown_path_is_404(server: FakeAnthropic, client: anthropic.AsyncAnthropic) -> None:
    with pytest.raises(anthropic.NotFoundError) as info:
        await client.models.list()
    assert info.value.type == "not_found_error"
    assert server.requests[-1].method == "GET"


def test_invalid_body_is_400(server: FakeAnthropic) -> None:
    server.script(reply("unused"))
    status, _, data = raw_post(server.base_url, "/v1/messages", {"model": MODEL, "messages": []})
    assert status == 400
    assert json.loads(data)["error"] == {
        "type": "invalid_request_error",
        "message": "max_tokens: Field required",
    }
    assert server.remaining == 1


async def test_count_tokens(server: FakeAnthropic, client: anthropic.AsyncAnthropic) -> None:
    server.script(reply("unused"))
    result = await client.messages.count_tokens(model=MODEL, messages=HELLO, system="x" * 400)
    assert result.input_tokens > 100
    assert server.requests[-1].path == "/v1/messages/count_tokens"
    assert server.remaining == 1  # does not consume the script


# --- scenarios --------------------------------------------------------------------------

TOOLS: list[ToolParam] = [
    {"name": name, "description": name, "input_schema": {"type": "object"}}
    for name in ("Read", "Edit", "Bash")
]


async def test_fix_calc_scenario(server: FakeAnthropic, client: anthropic.AsyncAnthropic) -> None:
    calc = "/work/project/calc.py"
    server.set_fallback(fix_calc(calc))
    messages: list[Any] = [{"role": "user", "content": "Fix calc.add"}]
    steps = []
    for _ in range(3):
        async with client.messages.stream(
            model=MODEL, max_tokens=100, messages=messages, tools=TOOLS, system="agent"
        ) as stream:
            final = await stream.get_final_message()
        steps.append(final)
        messages.append({"role": "assistant", "content": [b.to_dict() for b in final.content]})
        uses = [b for b in final.content if b.type == "tool_use"]
        if not uses:
            break
        results = [{"type": "tool_result", "tool_use_id": u.id, "content": "ok"} for u in uses]
        messages.append({"role": "user", "content": results})

    read, edit, done = steps
    assert read.stop_reason == "tool_use" and edit.stop_reason == "tool_use"
    read_use = read.content[-1]
    edit_use = edit.content[-1]
    assert read_use.type == "tool_use" and edit_use.type == "tool_use"
    assert (read_use.name, read_use.input) == ("Read", {"file_path": calc})
    assert edit_use.name == "Edit"
    assert edit_use.input == {
        "file_path": calc,
        "old_string": "return a - b",
        "new_string": "return a + b",
    }
    assert done.stop_reason == "end_turn"
    assert done.content[0].type == "text"
    assert done.content[0].text == "Fixed: calc.add now returns a + b."

    # side requests (no tools, e.g. title generation) get a short text, and nothing changes
    side = await client.messages.create(model=MODEL, max_tokens=10, messages=HELLO)
    assert side.content[0].type == "text" and side.stop_reason == "end_turn"
    # stateless: replaying the first request gives step 1 again
    again = await client.messages.create(
        model=MODEL, max_tokens=100, messages=messages[:1], tools=TOOLS
    )
    assert again.content[-1].type == "tool_use" and again.content[-1].name == "Read"


def test_fix_calc_system_filter() -> None:
    respond = fix_calc("/c.py", system_contains="claude-lsp")
    body: dict[str, Any] = {"model": MODEL, "messages": HELLO, "tools": TOOLS, "system": "other"}
    assert all(isinstance(b, Text) for b in respond(body).content)
    body["system"] = [{"type": "text", "text": "You are claude-lsp."}]
    assert respond(body).stop_reason == "tool_use"


async def test_standalone_module(tmp_path: Path) -> None:
    calc = tmp_path / "calc.py"
    args = ["--port", "0", "--scenario", "fix-calc", "--calc-path", str(calc)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakeapi", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 20)
        url = url.strip()
        assert url.startswith("http://127.0.0.1:")
        async with anthropic.AsyncAnthropic(base_url=url, api_key="t", max_retries=0) as c:
            message = await c.messages.create(
                model=MODEL, max_tokens=100, messages=HELLO, tools=TOOLS
            )
        block = message.content[-1]
        assert block.type == "tool_use" and block.input == {"file_path": str(calc)}
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0
