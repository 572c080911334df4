"""WebFetch: read a web page and answer a question about it with the small model.

The page is converted to Markdown and capped (see `web.markdown`) and kept for 15
minutes (`web.cache`); the model that asked gets the small model's answer, not the
page. It asks permission like any tool that reaches outside; rules name hosts,
`WebFetch(domain:example.com)`, and "always allow" remembers the host.
"""

from __future__ import annotations

from typing import Any, ClassVar

from claude_lsp.models.client import ModelError
from claude_lsp.tools.base import Tool, ToolContext, ToolError, ToolKind, ToolResult
from claude_lsp.web import WebError
from claude_lsp.web.cache import PageCache
from claude_lsp.web.fetch import Redirect, fetch
from claude_lsp.web.markdown import page_text
from claude_lsp.web.urls import prepare_url

ANSWER_SYSTEM_PROMPT = (
    "You answer a question about one web page for a coding assistant, from the page's "
    "content alone. Be brief and specific, and say so when the page does not answer it. "
    "Quote only short passages, exactly; never reproduce long stretches of the page."
)

# Pages by requested URL, shared by the process's sessions: (final URL, text).
PAGES: PageCache[tuple[str, str]] = PageCache()


class WebFetchTool(Tool):
    name: ClassVar[str] = "WebFetch"
    description: ClassVar[str] = (
        "Fetch a web page and have a small, fast model answer a question about it.\n\n"
        "- url: a full http(s) URL; http:// is fetched as https:// (loopback hosts "
        "aside).\n"
        "- prompt: what you want to know from the page; the answer comes back, not the "
        "page itself. HTML is read as Markdown; text and JSON as they are; binary files "
        "are refused. Long pages are cut short.\n"
        "- A redirect to another host is not followed: you are told the new URL and can "
        "fetch it with a new call.\n"
        "- Pages are cached for 15 minutes, so asking again about the same URL is cheap.\n"
        "Prefer a more specific tool (an MCP server's) when one exists. It needs the user's "
        "permission per host."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "url": {"type": "string", "format": "uri", "description": "The URL to fetch."},
            "prompt": {"type": "string", "description": "What to find out from the page."},
        },
        "required": ["url", "prompt"],
        "additionalProperties": False,
    }
    read_only: ClassVar[bool] = False
    kind: ClassVar[ToolKind] = "fetch"

    def __init__(self, cache: PageCache[tuple[str, str]] | None = None) -> None:
        self._cache = PAGES if cache is None else cache

    def title(self, tool_input: dict[str, Any]) -> str:
        url = tool_input.get("url")
        return f"Fetch {url}" if isinstance(url, str) and url else "Fetch"

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        try:
            url = prepare_url(tool_input["url"])
            page = self._cache.get(url)
            if page is None:
                fetched = await fetch(url)
                if isinstance(fetched, Redirect):
                    return ToolResult(redirect_note(fetched))
                page = (fetched.url, page_text(fetched))
                self._cache.put(url, page)
        except WebError as exc:
            raise ToolError(str(exc)) from exc
        return ToolResult(await _answer(ctx, *page, str(tool_input["prompt"])))


def redirect_note(redirect: Redirect) -> str:
    """What the model reads about a redirect it must follow itself."""
    return (
        f"{redirect.url} redirects (HTTP {redirect.status}) to another host: "
        f"{redirect.location}\n"
        "It was not followed. To read that page, call WebFetch again with "
        f'url "{redirect.location}" and the same prompt.'
    )


async def _answer(ctx: ToolContext, url: str, text: str, prompt: str) -> str:
    content = f'<page url="{url}">\n{text}\n</page>\n\n{prompt}'
    messages = [{"role": "user", "content": [{"type": "text", "text": content}]}]
    try:
        response = await ctx.ask_model(ANSWER_SYSTEM_PROMPT, messages, [])
    except ModelError as exc:
        raise ToolError(f"The page was fetched, but the model could not answer: {exc}") from exc
    answer = "".join(
        str(block.get("text", "")) for block in response.content if block.get("type") == "text"
    ).strip()
    return answer or "The model gave no answer about this page."
