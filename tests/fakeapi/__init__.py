"""A fake Anthropic Messages API server for tests: real HTTP on 127.0.0.1, documented wire
format, scripted replies and injected faults. Point the real SDK at ``server.base_url``.

    with FakeAnthropic() as server:
        server.script(reply(text("Hi")), http_error(529), cut_stream(after_events=5))
        client = anthropic.AsyncAnthropic(base_url=server.base_url, api_key="test")
"""

from .responses import (
    Block,
    CutStream,
    ErrorEvent,
    Hang,
    HttpError,
    RedactedThinking,
    Reply,
    Response,
    ResponseLike,
    ServerToolUse,
    Text,
    Thinking,
    TimedText,
    ToolUse,
    Usage,
    WebSearchResult,
    WebSearchToolResult,
    cut_stream,
    error_event,
    hang,
    http_error,
    parse_stamps,
    redacted_thinking,
    reply,
    server_tool_use,
    text,
    thinking,
    timed_text,
    tool_use,
    web_search,
)
from .scenarios import SCENARIOS, fix_calc
from .server import FakeAnthropic, Fallback, RecordedRequest
from .sse import encode_event, message_events

__all__ = [
    "SCENARIOS",
    "Block",
    "CutStream",
    "ErrorEvent",
    "FakeAnthropic",
    "Fallback",
    "Hang",
    "HttpError",
    "RecordedRequest",
    "RedactedThinking",
    "Reply",
    "Response",
    "ResponseLike",
    "ServerToolUse",
    "Text",
    "Thinking",
    "TimedText",
    "ToolUse",
    "Usage",
    "WebSearchResult",
    "WebSearchToolResult",
    "cut_stream",
    "encode_event",
    "error_event",
    "fix_calc",
    "hang",
    "http_error",
    "message_events",
    "parse_stamps",
    "redacted_thinking",
    "reply",
    "server_tool_use",
    "text",
    "thinking",
    "timed_text",
    "tool_use",
    "web_search",
]
