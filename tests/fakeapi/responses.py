"""Scriptable responses for the fake Messages API: content blocks, replies and faults.

Everything here is plain immutable data plus small builder functions; the server turns
it into wire bytes (see ``sse.py``).
"""

from __future__ import annotations

import re
import secrets
import string
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

StopReason = Literal["end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal"]
CutMode = Literal["abort", "end", "hang"]

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    """An id in the API's style, e.g. ``toolu_01AbC...`` or ``msg_01XyZ...``."""
    return prefix + "01" + "".join(secrets.choice(_ALPHABET) for _ in range(22))


# --- content blocks -----------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class ToolUse:
    name: str
    input: Mapping[str, Any]
    id: str


@dataclass(frozen=True)
class ServerToolUse:
    """A call of a tool the API runs itself (``web_search``); ids start ``srvtoolu_``."""

    name: str
    input: Mapping[str, Any]
    id: str


@dataclass(frozen=True)
class WebSearchResult:
    title: str
    url: str
    page_age: str | None = None
    encrypted_content: str = "RW5jcnlwdGVkIHBhZ2UgY29udGVudA=="


@dataclass(frozen=True)
class WebSearchToolResult:
    """The results of a ``web_search`` server tool call, or its error (``error_code``)."""

    tool_use_id: str
    results: tuple[WebSearchResult, ...] = ()
    error_code: str | None = None


@dataclass(frozen=True)
class Thinking:
    thinking: str
    signature: str


@dataclass(frozen=True)
class RedactedThinking:
    data: str


@dataclass(frozen=True)
class TimedText:
    """A text block streamed as ``count`` deltas, each carrying the moment the fake wrote it.

    Delta ``i`` reads ``[i@NS]`` + ``filler``, NS being ``time.time_ns()`` taken as that SSE
    event is encoded, just before it goes on the wire (wall clock, so a client in another
    process on the same machine can subtract it from its own ``time.time_ns()``). Latency
    benches use it: whatever batching a client does, ``parse_stamps`` on the text it got
    back recovers every delta's send time. Without streaming, the whole text is stamped at
    once.
    """

    count: int
    filler: str = ""


class SendTime:
    """Placeholder for a TimedText delta's text; rendered by ``encode_event`` at send time."""

    __slots__ = ("filler", "index")

    def __init__(self, index: int, filler: str) -> None:
        self.index = index
        self.filler = filler

    def render(self) -> str:
        return f"[{self.index}@{time.time_ns()}]{self.filler}"


STAMP = re.compile(r"\[(\d+)@(\d+)\]")


def parse_stamps(value: str) -> list[tuple[int, int]]:
    """``(delta index, send time in ns)`` of each TimedText delta found in ``value``."""
    return [(int(i), int(ns)) for i, ns in STAMP.findall(value)]


Block = (
    Text | ToolUse | Thinking | RedactedThinking | TimedText | ServerToolUse | WebSearchToolResult
)


def text(value: str) -> Text:
    return Text(value)


def tool_use(name: str, input: Mapping[str, Any], *, id: str | None = None) -> ToolUse:
    return ToolUse(name=name, input=dict(input), id=id or new_id("toolu_"))


def server_tool_use(name: str, input: Mapping[str, Any], *, id: str | None = None) -> ServerToolUse:
    return ServerToolUse(name=name, input=dict(input), id=id or new_id("srvtoolu_"))


def web_search(
    query: str,
    results: list[tuple[str, str]] | None = None,
    *,
    error_code: str | None = None,
) -> tuple[ServerToolUse, WebSearchToolResult]:
    """One server-side search as the API streams it: the ``server_tool_use`` block, then
    its ``web_search_tool_result`` with ``(title, url)`` results, or with ``error_code``
    (``max_uses_exceeded``, ``too_many_requests``, ...). Spread it into ``reply``."""
    call = server_tool_use("web_search", {"query": query})
    found = tuple(WebSearchResult(title, url) for title, url in results or [])
    return call, WebSearchToolResult(call.id, found, error_code)


def thinking(value: str, *, signature: str | None = None) -> Thinking:
    return Thinking(value, signature if signature is not None else "Sig" + new_id("") + "==")


def timed_text(count: int, *, filler: str = "") -> TimedText:
    """``count`` deltas of ``[i@send_time_ns]filler``; see TimedText."""
    if count < 1:
        raise ValueError("timed_text needs at least one delta")
    return TimedText(count, filler)


def redacted_thinking(data: str = "RWNyeXB0ZWQgdGhpbmtpbmc=") -> RedactedThinking:
    return RedactedThinking(data)


# --- replies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """Token usage of a reply. ``None`` means: estimate (from the request / the content)."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0


@dataclass(frozen=True)
class Reply:
    """A successful assistant message (streamed when the request asks for ``stream``)."""

    content: tuple[Block, ...]
    stop_reason: StopReason
    stop_sequence: str | None = None
    usage: Usage = field(default_factory=Usage)
    model: str | None = None  # None: echo the request's model
    id: str | None = None  # None: a fresh msg_... id per response
    chunk_delay: float | None = None  # None: the server's setting


def reply(
    *blocks: Block | str,
    stop_reason: StopReason | None = None,
    stop_sequence: str | None = None,
    usage: Usage | Mapping[str, int] | None = None,
    model: str | None = None,
    id: str | None = None,
    chunk_delay: float | None = None,
) -> Reply:
    """Build a reply; ``str`` blocks are text. ``stop_reason`` defaults to ``tool_use`` when
    there is a tool_use block, else ``end_turn``."""
    content = tuple(Text(b) if isinstance(b, str) else b for b in blocks)
    if stop_reason is None:
        stop_reason = "tool_use" if any(isinstance(b, ToolUse) for b in content) else "end_turn"
    if usage is None:
        usage = Usage()
    elif not isinstance(usage, Usage):
        usage = Usage(**usage)
    return Reply(content, stop_reason, stop_sequence, usage, model, id, chunk_delay)


# --- faults -------------------------------------------------------------------------------

DEFAULT_ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
DEFAULT_MESSAGES: dict[str, str] = {
    "rate_limit_error": "Number of request tokens has exceeded your per-minute rate limit",
    "overloaded_error": "Overloaded",
    "api_error": "Internal server error",
}
STATUS_FOR_ERROR_TYPE: dict[str, int] = {v: k for k, v in DEFAULT_ERROR_TYPES.items()}


@dataclass(frozen=True)
class HttpError:
    """An HTTP error response with the API's JSON error body."""

    status: int
    error_type: str
    message: str
    retry_after: float | str | None = None
    retry_after_ms: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CutStream:
    """HTTP 200, the first ``after_events`` SSE events of ``reply``, then ``then``:

    * ``"abort"``: close the socket without the terminating chunk (a broken HTTP body);
    * ``"end"``: terminate the chunked body cleanly (well-formed HTTP, no ``message_stop``);
    * ``"hang"``: send nothing more until the client gives up or the server stops.
    """

    after_events: int
    reply: Reply
    then: CutMode = "abort"


@dataclass(frozen=True)
class ErrorEvent:
    """HTTP 200, the first ``after_events`` SSE events of ``reply``, then ``event: error``."""

    after_events: int
    error_type: str
    message: str
    reply: Reply


@dataclass(frozen=True)
class Hang:
    """Wait ``seconds`` (``None``: until the server stops) before answering with ``then``;
    with no ``then``, close the connection without a response."""

    seconds: float | None
    then: Response | None = None


Response = Reply | HttpError | CutStream | ErrorEvent | Hang
ResponseLike = Response | Block | str


def as_response(item: ResponseLike) -> Response:
    """Accept a bare block or string as shorthand for a one-block reply."""
    if isinstance(item, Reply | HttpError | CutStream | ErrorEvent | Hang):
        return item
    return reply(item)


def _default_reply(r: Reply | Block | str | None) -> Reply:
    if r is None:
        return reply(text("This reply is cut short by the fake API."))
    return r if isinstance(r, Reply) else reply(r)


def http_error(
    status: int,
    error_type: str | None = None,
    message: str | None = None,
    *,
    retry_after: float | str | None = None,
    retry_after_ms: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpError:
    """E.g. ``http_error(429, retry_after=2)``, ``http_error(529)``, ``http_error(500)``."""
    etype = error_type or DEFAULT_ERROR_TYPES.get(status, "api_error")
    msg = message or DEFAULT_MESSAGES.get(etype, f"Fake {etype}")
    return HttpError(status, etype, msg, retry_after, retry_after_ms, dict(headers or {}))


def cut_stream(
    after_events: int = 4, reply: Reply | Block | str | None = None, *, then: CutMode = "abort"
) -> CutStream:
    return CutStream(after_events, _default_reply(reply), then)


def error_event(
    after_events: int = 4,
    error_type: str = "overloaded_error",
    message: str | None = None,
    *,
    reply: Reply | Block | str | None = None,
) -> ErrorEvent:
    msg = message or DEFAULT_MESSAGES.get(error_type, f"Fake {error_type}")
    return ErrorEvent(after_events, error_type, msg, _default_reply(reply))


def hang(seconds: float | None = None, then: ResponseLike | None = None) -> Hang:
    return Hang(seconds, None if then is None else as_response(then))
