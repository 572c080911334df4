"""Wire format of the Messages API: the SSE event sequence and the JSON message.

The event sequence follows the documented streaming format::

    message_start, ping,
    (content_block_start, content_block_delta*, content_block_stop) per block,
    message_delta, message_stop

Deltas are split deterministically: text into a few pieces, tool input JSON (client and
server tools alike) at arbitrary character boundaries (mid-key, mid-string, mid-number), so
clients must buffer. Redacted thinking and ``web_search_tool_result`` blocks come whole in
their ``content_block_start``.
"""

from __future__ import annotations

import json
from typing import Any

from .responses import (
    Block,
    RedactedThinking,
    Reply,
    SendTime,
    ServerToolUse,
    Text,
    Thinking,
    TimedText,
    ToolUse,
    WebSearchToolResult,
)

Event = tuple[str, dict[str, Any]]

# Piece sizes cycled through when splitting; uneven on purpose.
TEXT_PIECES = (3, 8, 5, 13, 2, 21)
JSON_PIECES = (1, 4, 2, 7, 3, 11, 5)


def split(value: str, sizes: tuple[int, ...]) -> list[str]:
    """Split ``value`` into consecutive pieces whose lengths cycle through ``sizes``."""
    pieces: list[str] = []
    pos = 0
    i = 0
    while pos < len(value):
        size = sizes[i % len(sizes)]
        pieces.append(value[pos : pos + size])
        pos += size
        i += 1
    return pieces


def _render(value: object) -> str:
    """json.dumps hook: a SendTime placeholder becomes its text as the event is encoded."""
    if isinstance(value, SendTime):
        return value.render()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def encode_event(name: str, data: dict[str, Any]) -> bytes:
    payload = json.dumps(data, separators=(",", ":"), default=_render)
    return f"event: {name}\ndata: {payload}\n\n".encode()


def estimate_tokens(value: object) -> int:
    """A rough token count (about four characters a token)."""
    raw = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    return max(1, len(raw) // 4)


def block_json(block: Block) -> dict[str, Any]:
    """A complete content block as in a non-streaming response."""
    if isinstance(block, Text):
        return {"type": "text", "text": block.text}
    if isinstance(block, TimedText):
        text = "".join(SendTime(i, block.filler).render() for i in range(block.count))
        return {"type": "text", "text": text}
    if isinstance(block, ToolUse):
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": dict(block.input)}
    if isinstance(block, Thinking):
        return {"type": "thinking", "thinking": block.thinking, "signature": block.signature}
    if isinstance(block, ServerToolUse):
        return {
            "type": "server_tool_use",
            "id": block.id,
            "name": block.name,
            "input": dict(block.input),
        }
    if isinstance(block, WebSearchToolResult):
        content: Any = [
            {
                "type": "web_search_result",
                "title": result.title,
                "url": result.url,
                "encrypted_content": result.encrypted_content,
                "page_age": result.page_age,
            }
            for result in block.results
        ]
        if block.error_code is not None:
            content = {"type": "web_search_tool_result_error", "error_code": block.error_code}
        return {
            "type": "web_search_tool_result",
            "tool_use_id": block.tool_use_id,
            "content": content,
        }
    return {"type": "redacted_thinking", "data": block.data}


def output_tokens(r: Reply) -> int:
    if r.usage.output_tokens is not None:
        return r.usage.output_tokens
    return sum(estimate_tokens(block_json(b)) for b in r.content) or 1


def usage_json(r: Reply, request_body: dict[str, Any]) -> dict[str, int]:
    u = r.usage
    if u.input_tokens is not None:
        input_tokens = u.input_tokens
    else:
        input_tokens = estimate_tokens(
            [request_body.get(k) for k in ("system", "messages", "tools") if k in request_body]
        )
    return {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": u.cache_creation_input_tokens,
        "cache_read_input_tokens": u.cache_read_input_tokens,
        "output_tokens": output_tokens(r),
    }


def message_json(r: Reply, *, model: str, message_id: str, usage: dict[str, int]) -> dict[str, Any]:
    """The body of a non-streaming response."""
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [block_json(b) for b in r.content],
        "stop_reason": r.stop_reason,
        "stop_sequence": r.stop_sequence,
        "usage": usage,
    }


def _block_events(index: int, block: Block) -> list[Event]:
    def delta(d: dict[str, Any]) -> Event:
        return "content_block_delta", {"type": "content_block_delta", "index": index, "delta": d}

    if isinstance(block, Text):
        start: dict[str, Any] = {"type": "text", "text": ""}
        deltas = [delta({"type": "text_delta", "text": p}) for p in split(block.text, TEXT_PIECES)]
    elif isinstance(block, TimedText):
        start = {"type": "text", "text": ""}
        deltas = [
            delta({"type": "text_delta", "text": SendTime(i, block.filler)})
            for i in range(block.count)
        ]
    elif isinstance(block, ToolUse | ServerToolUse):
        start = {**block_json(block), "input": {}}
        raw = json.dumps(dict(block.input))
        deltas = [
            delta({"type": "input_json_delta", "partial_json": p}) for p in split(raw, JSON_PIECES)
        ]
    elif isinstance(block, Thinking):
        start = {"type": "thinking", "thinking": "", "signature": ""}
        deltas = [
            delta({"type": "thinking_delta", "thinking": p})
            for p in split(block.thinking, TEXT_PIECES)
        ]
        deltas.append(delta({"type": "signature_delta", "signature": block.signature}))
    else:  # sent whole in its start event
        assert isinstance(block, RedactedThinking | WebSearchToolResult)
        start = block_json(block)
        deltas = []
    start_data = {"type": "content_block_start", "index": index, "content_block": start}
    return [
        ("content_block_start", start_data),
        *deltas,
        ("content_block_stop", {"type": "content_block_stop", "index": index}),
    ]


def message_events(r: Reply, *, model: str, message_id: str, usage: dict[str, int]) -> list[Event]:
    """The full, ordered list of (event name, data) for a streamed reply."""
    start_usage = {**usage, "output_tokens": 1}
    message = {**message_json(r, model=model, message_id=message_id, usage=start_usage)}
    message.update(content=[], stop_reason=None, stop_sequence=None)
    events: list[Event] = [
        ("message_start", {"type": "message_start", "message": message}),
        ("ping", {"type": "ping"}),
    ]
    for index, block in enumerate(r.content):
        events.extend(_block_events(index, block))
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": r.stop_reason, "stop_sequence": r.stop_sequence},
                "usage": usage,
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def error_json(error_type: str, message: str, request_id: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": "error", "error": {"type": error_type, "message": message}}
    if request_id:
        body["request_id"] = request_id
    return body
