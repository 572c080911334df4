"""WebSearch: the server tool it asks for, the links it reads back (through the real SDK
and the fake API's documented stream), and how errors and paused requests are handled."""

from __future__ import annotations

from typing import Any

import pytest
from tests.fakeapi import FakeAnthropic, reply, text, web_search
from tests.fakeapi.sse import block_json, message_events

from claude_lsp.models.client import (
    ModelClient,
    ModelError,
    ModelResponse,
    RetryPolicy,
    StreamCallbacks,
)
from claude_lsp.models.credentials import Credentials
from claude_lsp.tools.base import ToolContext, ToolError
from claude_lsp.tools.web_search import WebSearchTool
from claude_lsp.web import WebError
from claude_lsp.web.search import SEARCH_SYSTEM_PROMPT, Findings, search_tool

PYPI = [("pygls · PyPI", "https://pypi.org/project/pygls/")]
DOCS = [("pygls docs", "https://pygls.readthedocs.io/"), *PYPI]


def blocks(*items: Any) -> list[dict[str, Any]]:
    """Content blocks as the API returns them, built with the fake API's builders."""
    return [block_json(item) for item in items]


def test_the_server_tool_carries_the_domain_filters() -> None:
    assert search_tool([], []) == {
        "type": "web_search_20250305",
        "name": "web_search",
        "max_uses": 8,
    }
    assert search_tool(["pypi.org"], [])["allowed_domains"] == ["pypi.org"]
    assert search_tool([], ["spam.test"])["blocked_domains"] == ["spam.test"]


def test_findings_list_each_link_once_with_the_summary() -> None:
    findings = Findings()
    findings.add(blocks(*web_search("pygls", PYPI), text("pygls 2.1 is out.")))
    findings.add(blocks(*web_search("pygls docs", DOCS)))
    assert findings.render("pygls") == (
        'Web search results for "pygls":\n\n'
        "1. pygls · PyPI\n   https://pypi.org/project/pygls/\n"
        "2. pygls docs\n   https://pygls.readthedocs.io/\n\n"
        "Summary:\npygls 2.1 is out.\n\n"
        "Cite the pages you rely on as Markdown links, [title](url)."
    )


def test_search_errors_are_explained() -> None:
    partly = Findings()
    partly.add(blocks(*web_search("a", PYPI), *web_search("b", error_code="too_many_requests")))
    assert "Some searches failed: too_many_requests (the search service is rate limited" in (
        partly.render("a")
    )
    failed = Findings()
    failed.add(blocks(*web_search("a", error_code="max_uses_exceeded")))
    with pytest.raises(WebError, match=r"search for 'a' failed: max_uses_exceeded \(the request"):
        failed.render("a")
    nothing = Findings()
    nothing.add(blocks(*web_search("zzz", []), text("Nothing found.")))
    assert nothing.render("zzz") == 'No web results for "zzz".\n\nSummary:\nNothing found.'


class ScriptedModel:
    """The session's side-request port, answering with `responses` in turn."""

    def __init__(self, *responses: ModelResponse | ModelError) -> None:
        self.responses = list(responses)
        self.requests: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]] = []

    async def __call__(
        self, system: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> ModelResponse:
        self.requests.append((system, messages, tools))
        response = self.responses.pop(0)
        if isinstance(response, ModelError):
            raise response
        return response


def response(content: list[dict[str, Any]], stop_reason: str = "end_turn") -> ModelResponse:
    return ModelResponse(content, stop_reason, {}, "claude-haiku-4-5")


async def test_the_tool_searches_and_resumes_a_paused_request(ctx: ToolContext) -> None:
    first = blocks(*web_search("pygls", PYPI))
    model = ScriptedModel(
        response(first, "pause_turn"), response(blocks(*web_search("pygls docs", DOCS)))
    )
    ctx.ask_model = model
    result = await WebSearchTool().run({"query": "pygls", "blocked_domains": ["spam.test"]}, ctx)
    assert isinstance(result.content, str)
    assert "1. pygls · PyPI" in result.content and "2. pygls docs" in result.content
    (system, messages, tools), (_, resumed, _) = model.requests
    assert system == SEARCH_SYSTEM_PROMPT and tools == [search_tool([], ["spam.test"])]
    assert messages == [
        {"role": "user", "content": [{"type": "text", "text": "Search the web for: pygls"}]}
    ]
    assert resumed == [*messages, {"role": "assistant", "content": first}]


async def test_the_tool_refuses_bad_input_and_reports_failures(ctx: ToolContext) -> None:
    tool = WebSearchTool()
    with pytest.raises(ToolError, match="allowed_domains or blocked_domains, not both"):
        await tool.run({"query": "x y", "allowed_domains": ["a"], "blocked_domains": ["b"]}, ctx)
    assert tool.validate({"query": "x"}) is not None  # too short for the schema
    ctx.ask_model = ScriptedModel(
        ModelError(
            "API error 400: web search is not enabled", status=400, error_type="x", retryable=False
        ),
        response(blocks(*web_search("x y", error_code="unavailable"))),
    )
    with pytest.raises(ToolError, match="request failed: API error 400: web search is not"):
        await tool.run({"query": "x y"}, ctx)
    with pytest.raises(ToolError, match="unavailable \\(the search service is unavailable\\)"):
        await tool.run({"query": "x y"}, ctx)


async def test_server_tool_blocks_stream_through_the_sdk(fake_api: FakeAnthropic) -> None:
    fake_api.script(
        reply(
            *web_search("pygls", PYPI),
            text("Found it."),
            *web_search("more", error_code="unavailable"),
        )
    )
    client = ModelClient(
        Credentials(api_key="k", base_url=fake_api.base_url), RetryPolicy(max_retries=0)
    )
    params = {
        "model": "claude-haiku-4-5",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "search"}],
        "tools": [search_tool([], [])],
    }
    try:
        streamed = await client.stream(params, StreamCallbacks())
    finally:
        await client.close()
    call, results, summary, _, failure = streamed.content
    assert call == {
        "type": "server_tool_use",
        "id": call["id"],
        "name": "web_search",
        "input": {"query": "pygls"},
    }
    assert results["tool_use_id"] == call["id"] and results["content"][0]["url"] == PYPI[0][1]
    assert summary == {"type": "text", "text": "Found it."}
    assert failure["content"] == {
        "type": "web_search_tool_result_error",
        "error_code": "unavailable",
    }
    findings = Findings()
    findings.add(streamed.content)
    assert findings.links == PYPI and findings.errors == [
        "unavailable (the search service is unavailable)"
    ]


def test_the_fake_api_streams_server_tool_blocks_in_the_documented_shape() -> None:
    call, found = web_search("pygls", PYPI)
    events = message_events(reply(call, found), model="m", message_id="msg_1", usage={})
    blocks = [(name, data) for name, data in events if name.startswith("content_block")]
    assert blocks[0] == (
        "content_block_start",
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {
                "type": "server_tool_use",
                "id": call.id,
                "name": "web_search",
                "input": {},
            },
        },
    )
    deltas = [data["delta"] for name, data in blocks if name == "content_block_delta"]
    assert {delta["type"] for delta in deltas} == {"input_json_delta"}
    assert "".join(delta["partial_json"] for delta in deltas) == '{"query": "pygls"}'
    result_start = blocks[len(deltas) + 2]  # after the call's start, deltas and stop
    assert result_start[1]["content_block"] == block_json(found)
    assert blocks[len(deltas) + 3][0] == "content_block_stop"  # no deltas: it came whole
    assert block_json(found)["content"][0] == {
        "type": "web_search_result",
        "title": "pygls · PyPI",
        "url": "https://pypi.org/project/pygls/",
        "encrypted_content": found.results[0].encrypted_content,
        "page_age": None,
    }
