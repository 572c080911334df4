"""The terminal clients' JSON-RPC connection, against a peer written here byte by byte."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from claude_lsp.cli.rpc import ConnectionLost, RpcConnection, RpcError


class Peer:
    """The other end: reads what the connection sends, writes what a server would."""

    def __init__(self) -> None:
        self.incoming = asyncio.StreamReader()  # what the connection reads
        self.sent = bytearray()  # what the connection wrote

    def write(self, data: bytes) -> None:
        self.sent += data

    def messages(self) -> list[dict[str, Any]]:
        found, rest = [], bytes(self.sent)
        while rest:
            header, _, rest = rest.partition(b"\r\n\r\n")
            length = int(header.split(b":")[1])
            found.append(json.loads(rest[:length]))
            rest = rest[length:]
        return found

    def answer(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.incoming.feed_data(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))


async def until(check: Any) -> None:
    for _ in range(200):
        if check():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("timed out")


async def test_requests_get_their_own_answers_in_any_order() -> None:
    peer = Peer()
    connection = RpcConnection(peer.incoming, peer)
    connection.start()
    first = asyncio.ensure_future(connection.request("a", {"n": 1}))
    second = asyncio.ensure_future(connection.request("b"))
    await until(lambda: len(peer.messages()) == 2)
    one, two = peer.messages()

    peer.answer({"id": two["id"], "result": "second"})
    peer.answer({"id": one["id"], "error": {"code": -32602, "message": "bad n", "data": [1]}})

    assert await second == "second"
    with pytest.raises(RpcError) as failed:
        await first
    assert (failed.value.code, failed.value.message, failed.value.data) == (-32602, "bad n", [1])
    assert (one["method"], one["params"], two["params"]) == ("a", {"n": 1}, None)
    await connection.close()


async def test_notifications_and_the_servers_requests_reach_their_handlers() -> None:
    peer = Peer()
    connection = RpcConnection(peer.incoming, peer)
    seen: list[Any] = []
    connection.on_notification("news", seen.append)

    async def ask(params: Any) -> Any:
        return {"picked": params["options"][0]}

    connection.on_request("ask", ask)
    connection.start()
    peer.answer({"method": "news", "params": {"x": 1}})
    peer.answer({"id": 7, "method": "ask", "params": {"options": ["yes"]}})
    peer.answer({"id": "s1", "method": "unknown/method"})
    await until(lambda: len(peer.messages()) == 2)

    assert seen == [{"x": 1}]
    answers = {message["id"]: message for message in peer.messages()}
    assert answers[7]["result"] == {"picked": "yes"}
    assert answers["s1"]["error"]["code"] == -32601
    await connection.close()


async def test_a_cancelled_wait_cancels_the_request_on_the_other_side() -> None:
    peer = Peer()
    connection = RpcConnection(peer.incoming, peer)
    connection.start()
    waiting = asyncio.ensure_future(connection.request("slow"))
    await until(lambda: peer.messages())

    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting

    request, cancel = peer.messages()
    assert cancel == {
        "jsonrpc": "2.0",
        "method": "$/cancelRequest",
        "params": {"id": request["id"]},
    }
    await connection.close()


async def test_a_lost_connection_fails_what_waits_and_what_comes_after() -> None:
    peer = Peer()
    connection = RpcConnection(peer.incoming, peer)
    connection.start()
    waiting = asyncio.ensure_future(connection.request("never answered"))
    await until(lambda: peer.messages())

    peer.incoming.feed_data(b'Content-Length: 40\r\n\r\n{"jsonrpc"')  # cut mid-message
    peer.incoming.feed_eof()

    with pytest.raises(ConnectionLost):
        await waiting
    assert connection.closed.is_set()
    with pytest.raises(ConnectionLost):
        await connection.request("too late")
    await connection.close()


async def test_an_unreadable_message_is_skipped_and_reading_goes_on() -> None:
    peer = Peer()
    connection = RpcConnection(peer.incoming, peer)
    seen: list[Any] = []
    connection.on_notification("news", seen.append)
    connection.start()

    peer.incoming.feed_data(b"Content-Length: 5\r\nContent-Type: x\r\n\r\nnot{}")
    peer.answer({"method": "news", "params": 2})

    await until(lambda: seen)
    assert seen == [2]
    await connection.close()
