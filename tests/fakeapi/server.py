"""A fake Anthropic Messages API over real HTTP/1.1 on 127.0.0.1 (standard library only)."""

from __future__ import annotations

import collections
import contextlib
import json
import select
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self

from .responses import (
    STATUS_FOR_ERROR_TYPE,
    CutStream,
    ErrorEvent,
    Hang,
    HttpError,
    Reply,
    Response,
    ResponseLike,
    as_response,
    http_error,
    new_id,
)
from .sse import (
    Event,
    encode_event,
    error_json,
    estimate_tokens,
    message_events,
    message_json,
    usage_json,
)

Fallback = Callable[[dict[str, Any]], ResponseLike]
MESSAGES_PATH = "/v1/messages"
COUNT_TOKENS_PATH = "/v1/messages/count_tokens"
NO_SCRIPT_MESSAGE = (
    "FakeAnthropic has no scripted response for POST /v1/messages: the script is exhausted "
    "and no fallback is set (use server.script(...) or server.set_fallback(...))"
)


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as the fake received it."""

    method: str
    path: str  # without the query string
    query: str
    headers: dict[str, str]  # names lower-cased
    body: Any  # parsed JSON, or None when empty or not JSON
    raw_body: bytes = field(repr=False)
    # Set when the client closed the connection while the fake was holding the request
    # (a hang, or a stream cut with then="hang"): proof that a cancel reached the wire.
    disconnected: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def is_message(self) -> bool:
        return self.method == "POST" and self.path == MESSAGES_PATH


class FakeAnthropic:
    """The fake server. Use as a context manager, or call ``start()`` / ``stop()``.

    ``script(*responses)`` queues responses for ``POST /v1/messages`` (consumed in order);
    when the queue is empty the ``fallback`` (``set_fallback``) answers; with neither, the
    answer is a loud HTTP 500.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        chunk_delay: float = 0.0,
        fallback: Fallback | None = None,
        request_log: str | Path | None = None,
        verbose: bool = False,
    ) -> None:
        self.host = host
        self.port = port
        self.chunk_delay = chunk_delay  # seconds between SSE events
        self.verbose = verbose
        self.request_log = Path(request_log) if request_log is not None else None
        self._fallback = fallback
        self._script: collections.deque[Response] = collections.deque()
        self._requests: list[RecordedRequest] = []
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _Server((self.host, self.port), self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeAnthropic:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop promptly, also cutting hanging requests and open keep-alive connections."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        with self._cond:
            connections = list(self._connections)
        for conn in connections:
            _shutdown(conn)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("FakeAnthropic is not started")
        return f"http://{self.host}:{self.port}"

    # --- scripting ---------------------------------------------------------------------

    def script(self, *responses: ResponseLike) -> Self:
        """Queue responses for the next ``POST /v1/messages`` calls, in order."""
        with self._cond:
            self._script.extend(as_response(r) for r in responses)
        return self

    def set_fallback(self, fallback: Fallback | None) -> Self:
        """Answer with ``fallback(request_body)`` whenever the script queue is empty."""
        with self._cond:
            self._fallback = fallback
        return self

    @property
    def remaining(self) -> int:
        """How many scripted responses have not been used yet."""
        with self._cond:
            return len(self._script)

    # --- recorded requests -------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in arrival order."""
        with self._cond:
            return list(self._requests)

    def message_requests(self, last: int | None = None) -> list[RecordedRequest]:
        """The ``POST /v1/messages`` requests (only the ``last`` N when given)."""
        found = [r for r in self.requests if r.is_message]
        return found if last is None else found[-last:] if last else []

    def wait_for_requests(
        self, count: int, *, timeout: float = 5.0, messages_only: bool = True
    ) -> list[RecordedRequest]:
        """Block until ``count`` (message) requests have arrived; return them all."""

        def matching() -> list[RecordedRequest]:
            return [r for r in self._requests if r.is_message or not messages_only]

        with self._cond:
            if not self._cond.wait_for(lambda: len(matching()) >= count, timeout):
                raise TimeoutError(f"expected {count} requests, got {len(matching())}")
            return matching()

    def clear_requests(self) -> None:
        with self._cond:
            self._requests.clear()

    # --- request handling (called on handler threads) ----------------------------------

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._cond:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _record(self, rec: RecordedRequest) -> None:
        with self._cond:
            self._requests.append(rec)
            self._cond.notify_all()
        if self.request_log is not None:
            hidden = {"x-api-key", "authorization"}
            headers = {k: "<redacted>" if k in hidden else v for k, v in rec.headers.items()}
            line = {"method": rec.method, "path": rec.path, "headers": headers, "body": rec.body}
            with self._cond, self.request_log.open("a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")

    def _handle(self, h: _Handler) -> None:
        raw = h.read_body()
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = None
        path, _, query = h.path.partition("?")
        headers = {k.lower(): v for k, v in h.headers.items()}
        rec = RecordedRequest(h.command, path, query, headers, body, raw)
        self._record(rec)
        rid = new_id("req_")

        if h.command == "POST" and path in (MESSAGES_PATH, COUNT_TOKENS_PATH):
            problem = _validate(body, need_max_tokens=path == MESSAGES_PATH)
            if problem:
                self._serve(h, rec, http_error(400, message=problem), rid)
            elif path == COUNT_TOKENS_PATH:
                used = [body.get(k) for k in ("system", "messages", "tools") if k in body]
                h.send_json(200, {"input_tokens": estimate_tokens(used)}, {"request-id": rid})
            else:
                self._serve(h, rec, self._next_response(body), rid)
        else:
            self._serve(h, rec, http_error(404, message=f"Not found: {h.command} {path}"), rid)

    def _next_response(self, body: dict[str, Any]) -> Response:
        with self._cond:
            if self._script:
                return self._script.popleft()
            fallback = self._fallback
        if fallback is None:
            return http_error(500, message=NO_SCRIPT_MESSAGE, headers={"x-should-retry": "false"})
        try:
            return as_response(fallback(body))
        except Exception as exc:
            msg = f"FakeAnthropic fallback raised {exc!r}"
            return http_error(500, message=msg, headers={"x-should-retry": "false"})

    def _serve(self, h: _Handler, rec: RecordedRequest, resp: Response, rid: str) -> None:
        body: dict[str, Any] = rec.body
        stream = bool(body.get("stream")) if isinstance(body, dict) else False
        if isinstance(resp, Hang):
            if self._hold(h, rec, resp.seconds) or resp.then is None:
                h.abort()
            else:
                self._serve(h, rec, resp.then, rid)
        elif isinstance(resp, HttpError):
            headers = {"request-id": rid, **resp.headers}
            if resp.retry_after is not None:
                headers["retry-after"] = str(resp.retry_after)
            if resp.retry_after_ms is not None:
                headers["retry-after-ms"] = str(resp.retry_after_ms)
            h.send_json(resp.status, error_json(resp.error_type, resp.message, rid), headers)
        elif isinstance(resp, Reply):
            if stream:
                self._stream(h, rec, self._events(resp, body), resp.chunk_delay, rid, "end")
            else:
                h.send_json(200, self._message(resp, body), {"request-id": rid})
        elif isinstance(resp, CutStream):
            if stream:
                events = self._events(resp.reply, body)[: resp.after_events]
                self._stream(h, rec, events, resp.reply.chunk_delay, rid, resp.then)
            else:
                data = json.dumps(self._message(resp.reply, body)).encode()
                h.send_head(200, "application/json", {"request-id": rid}, len(data))
                h.write(data[: len(data) // 2])
                h.abort()
        elif isinstance(resp, ErrorEvent):
            error = error_json(resp.error_type, resp.message, rid)
            if stream:
                events = [*self._events(resp.reply, body)[: resp.after_events], ("error", error)]
                self._stream(h, rec, events, resp.reply.chunk_delay, rid, "end")
            else:
                status = STATUS_FOR_ERROR_TYPE.get(resp.error_type, 500)
                h.send_json(status, error, {"request-id": rid})

    def _message(self, r: Reply, body: dict[str, Any]) -> dict[str, Any]:
        model = r.model or str(body.get("model"))
        mid = r.id or new_id("msg_")
        return message_json(r, model=model, message_id=mid, usage=usage_json(r, body))

    def _events(self, r: Reply, body: dict[str, Any]) -> list[Event]:
        model = r.model or str(body.get("model"))
        mid = r.id or new_id("msg_")
        return message_events(r, model=model, message_id=mid, usage=usage_json(r, body))

    def _stream(
        self,
        h: _Handler,
        rec: RecordedRequest,
        events: list[Event],
        delay: float | None,
        rid: str,
        then: Literal["end", "abort", "hang"],
    ) -> None:
        delay = self.chunk_delay if delay is None else delay
        h.send_head(200, "text/event-stream; charset=utf-8", {"request-id": rid})
        for i, (name, data) in enumerate(events):
            if i and delay > 0 and self._stopping.wait(delay):
                h.abort()
                return
            h.write_chunk(encode_event(name, data))
        if then == "end":
            h.write(b"0\r\n\r\n")
            return
        if then == "hang":
            self._hold(h, rec, None)
        h.abort()

    def _hold(self, h: _Handler, rec: RecordedRequest, seconds: float | None) -> bool:
        """Wait ``seconds`` (None: forever). True if the server stopped or the client left."""
        waited = 0.0
        while seconds is None or waited < seconds:
            step = 0.05 if seconds is None else min(0.05, seconds - waited)
            if self._stopping.wait(step):
                return True
            waited += step
            if _peer_closed(h.connection):
                rec.disconnected.set()
                return True
        return False


def _validate(body: Any, *, need_max_tokens: bool) -> str | None:
    if not isinstance(body, dict):
        return "The request body is not a JSON object"
    if not isinstance(body.get("model"), str):
        return "model: Field required"
    if not isinstance(body.get("messages"), list):
        return "messages: Field required"
    if need_max_tokens and not isinstance(body.get("max_tokens"), int):
        return "max_tokens: Field required"
    return None


def _shutdown(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)


def _peer_closed(conn: socket.socket) -> bool:
    try:
        readable, _, _ = select.select([conn], [], [], 0)
        return bool(readable) and conn.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many concurrent agents in benchmarks

    def __init__(self, address: tuple[str, int], fake: FakeAnthropic) -> None:
        self.fake = fake
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError) or self.fake._stopping.is_set():
            return  # the client went away, or we are shutting down
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # each SSE chunk leaves at once
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track(self.connection, False)

    def do_POST(self) -> None:
        self.server.fake._handle(self)

    do_GET = do_PUT = do_PATCH = do_DELETE = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.fake.verbose:
            super().log_message(format, *args)

    # --- wire helpers --------------------------------------------------------------------

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailers
                pass
            return b"".join(parts)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def send_head(
        self, status: int, content_type: str, headers: dict[str, str], length: int | None = None
    ) -> None:
        """Status line and headers; without ``length`` the body is chunked."""
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if length is None:
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Cache-Control", "no-cache")
        else:
            self.send_header("Content-Length", str(length))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def send_json(self, status: int, body: object, headers: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_head(status, "application/json", headers, len(data))
        self.write(data)

    def write(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()

    def write_chunk(self, data: bytes) -> None:
        self.write(b"%x\r\n%s\r\n" % (len(data), data))

    def abort(self) -> None:
        """Drop the connection, leaving any response unfinished."""
        self.close_connection = True
        _shutdown(self.connection)
