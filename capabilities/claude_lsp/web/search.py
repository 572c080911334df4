"""WebSearch through the Messages API's server-side search tool: the request, and the
titles and URLs read back from its `web_search_tool_result` blocks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from claude_lsp.web import WebError

MAX_SEARCHES = 8
SEARCH_SYSTEM_PROMPT = (
    "You run web searches for a coding assistant. Search for what the user asks with "
    "the web_search tool, then sum up in a few sentences what the results say that "
    "answers it."
)
# What the API's `web_search_tool_result_error` codes mean, for the model.
ERROR_MEANINGS = {
    "max_uses_exceeded": "the request used up its searches",
    "too_many_requests": "the search service is rate limited; try again later",
    "invalid_tool_input": "the search service did not accept the query",
    "query_too_long": "the query is too long",
    "request_too_large": "the request is too large",
    "unavailable": "the search service is unavailable",
}


def search_tool(allowed_domains: list[str], blocked_domains: list[str]) -> dict[str, Any]:
    """The server tool definition for one WebSearch call."""
    tool: dict[str, Any] = {
        "type": "web_search_20250305",
        "name": "web_search",
        "max_uses": MAX_SEARCHES,
    }
    if allowed_domains:
        tool["allowed_domains"] = allowed_domains
    if blocked_domains:
        tool["blocked_domains"] = blocked_domains
    return tool


@dataclass
class Findings:
    """What the searches of one request found: links (title, URL), errors, the model's text."""

    links: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    text: str = ""

    def add(self, content: list[dict[str, Any]]) -> None:
        """Take in one response's content blocks."""
        seen = {url for _, url in self.links}
        for block in content:
            kind = block.get("type")
            if kind == "text":
                self.text += str(block.get("text", ""))
            elif kind == "web_search_tool_result":
                results = block.get("content")
                if isinstance(results, dict):  # web_search_tool_result_error
                    code = str(results.get("error_code", "unknown"))
                    self.errors.append(f"{code} ({ERROR_MEANINGS.get(code, 'search failed')})")
                    continue
                for result in results if isinstance(results, list) else []:
                    url = str(result.get("url", ""))
                    if url and url not in seen:
                        seen.add(url)
                        self.links.append((str(result.get("title") or url), url))

    def render(self, query: str) -> str:
        """The tool_result text; `WebError` when every search failed."""
        if self.errors and not self.links:
            raise WebError(f"The web search for {query!r} failed: {'; '.join(self.errors)}.")
        if not self.links:
            lines = [f'No web results for "{query}".']
        else:
            lines = [f'Web search results for "{query}":', ""]
            lines += [f"{n}. {title}\n   {url}" for n, (title, url) in enumerate(self.links, 1)]
        if self.errors:
            lines += ["", f"Some searches failed: {'; '.join(self.errors)}."]
        if self.text.strip():
            lines += ["", "Summary:", self.text.strip()]
        if self.links:
            lines += ["", "Cite the pages you rely on as Markdown links, [title](url)."]
        return "\n".join(lines)
