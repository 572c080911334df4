"""WebSearch: search the web through the Messages API's server-side search tool.

One request to the small model with the `web_search` server tool; the model that asked
gets the titles and URLs found, and a short summary. Every call asks permission unless
a rule allows `WebSearch` (searches cost money); a `WebSearch` deny rule removes the tool.
"""

from __future__ import annotations

from typing import Any, ClassVar

from claude_lsp.models.client import ModelError
from claude_lsp.tools.base import Tool, ToolContext, ToolError, ToolKind, ToolResult
from claude_lsp.web import WebError
from claude_lsp.web.search import SEARCH_SYSTEM_PROMPT, Findings, search_tool

# A long search may pause the request (`pause_turn`); it is resumed this many times.
MAX_RESUMES = 3


class WebSearchTool(Tool):
    name: ClassVar[str] = "WebSearch"
    description: ClassVar[str] = (
        "Search the web and get the matching pages' titles and URLs, with a short "
        "summary. Use it for facts newer than your training: current versions, recent "
        "releases, documentation you do not know.\n\n"
        "- query: what to search for.\n"
        "- allowed_domains: only results from these domains; blocked_domains: never "
        "from these. Give one of the two at most.\n"
        "Cite the pages you use as Markdown links in your answer; fetch one with WebFetch "
        "to read it."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "query": {"type": "string", "minLength": 2, "description": "The search query."},
            "allowed_domains": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Only include results from these domains.",
            },
            "blocked_domains": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Never include results from these domains.",
            },
        },
        "required": ["query"],
        "additionalProperties": False,
    }
    read_only: ClassVar[bool] = False
    kind: ClassVar[ToolKind] = "fetch"

    def title(self, tool_input: dict[str, Any]) -> str:
        query = tool_input.get("query")
        return f"Search the web: {query}" if isinstance(query, str) and query else "WebSearch"

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        query = str(tool_input["query"])
        allowed = list(tool_input.get("allowed_domains") or [])
        blocked = list(tool_input.get("blocked_domains") or [])
        if allowed and blocked:
            raise ToolError("Give allowed_domains or blocked_domains, not both.")
        tools = [search_tool(allowed, blocked)]
        messages: list[dict[str, Any]] = [
            {"role": "user", "content": [{"type": "text", "text": f"Search the web for: {query}"}]}
        ]
        findings = Findings()
        for _ in range(MAX_RESUMES + 1):
            try:
                response = await ctx.ask_model(SEARCH_SYSTEM_PROMPT, messages, tools)
            except ModelError as exc:
                raise ToolError(f"The web search request failed: {exc}") from exc
            findings.add(response.content)
            if response.stop_reason != "pause_turn":
                break
            messages = [*messages, {"role": "assistant", "content": response.content}]
        try:
            return ToolResult(findings.render(query))
        except WebError as exc:
            raise ToolError(str(exc)) from exc
