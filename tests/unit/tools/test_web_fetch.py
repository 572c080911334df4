"""WebFetch's parts against a real HTTP server on 127.0.0.1: URL checks and the https
upgrade, redirects, size caps, HTML to Markdown, the cache, and the tool itself."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from claude_lsp.models.client import ModelError, ModelResponse
from claude_lsp.tools.base import ToolContext, ToolError
from claude_lsp.tools.web_fetch import ANSWER_SYSTEM_PROMPT, WebFetchTool
from claude_lsp.web import WebError
from claude_lsp.web.cache import PageCache
from claude_lsp.web.fetch import Page, Redirect, fetch
from claude_lsp.web.markdown import html_to_markdown, page_text
from claude_lsp.web.urls import is_loopback, prepare_url, same_origin, upgrade


@dataclass
class Route:
    status: int
    body: bytes
    headers: dict[str, str]


@dataclass
class LocalSite:
    """A real HTTP server on 127.0.0.1 with fixed routes; `hits` lists the paths asked for."""

    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    port: int = 0

    def page(
        self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8"
    ) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = Route(200, data, {"Content-Type": content_type})
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.routes[path] = Route(status, b"", {"Location": location})
        return self.url(path)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def __enter__(self) -> LocalSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits.append(self.path)
                route = site.routes.get(self.path, Route(404, b"not here", {}))
                self.send_response(route.status)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        serve = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        serve.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def site() -> Iterator[LocalSite]:
    with LocalSite() as running:
        yield running


ARTICLE = """<!doctype html><html><head><title>Release notes</title>
<style>body { color: red }</style><script>track("visit")</script></head>
<body><h1>Version 3</h1><p>It is <b>faster</b>; see <a href="/changes">the changes</a>.</p>
<ul><li>one</li><li>two</li></ul><img src="data:image/png;base64,AAAA" alt="pixel">
<noscript>enable scripts</noscript></body></html>"""


# --- URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://example.com/a?b=1#c", "https://example.com/a?b=1#c"),
        ("HTTP://Example.com/", "https://Example.com/"),
        ("https://example.com/", "https://example.com/"),
        ("http://localhost:8000/x", "http://localhost:8000/x"),
        ("http://127.0.0.1:8000/x", "http://127.0.0.1:8000/x"),
        ("http://127.8.0.1/", "http://127.8.0.1/"),
        ("http://[::1]:8080/", "http://[::1]:8080/"),
        ("http://app.localhost/", "http://app.localhost/"),
        ("http://10.0.0.1/", "https://10.0.0.1/"),
        ("http://münchen.de/", "https://münchen.de/"),
    ],
)
def test_http_is_upgraded_except_on_loopback_hosts(url: str, expected: str) -> None:
    assert prepare_url(url) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://example.com/file", "Not a fetchable URL"),
        ("example.com", "Not a fetchable URL"),
        ("https://exa mple.com/", "Not a fetchable URL"),
        ("https://ex.com\\@evil.test/", "Not a fetchable URL"),
        ("https://user:secret@example.com/", "user name or password"),
        ("https://straße.de/", "can be read in more than one way"),  # IDNA 2003 and 2008 differ
        ("https://example.com/" + "a" * 2000, "too long"),
    ],
)
def test_unusable_urls_are_refused_clearly(url: str, problem: str) -> None:
    with pytest.raises(WebError, match=problem):
        prepare_url(url)


def test_loopback_and_origin_checks() -> None:
    assert is_loopback("localhost") and is_loopback("127.0.0.1") and is_loopback("::1")
    assert not is_loopback("example.com") and not is_loopback("192.168.1.1")
    assert upgrade("mailto:a@b.c") == "mailto:a@b.c"
    assert same_origin("https://a.test/x", "https://A.test:443/y")
    assert not same_origin("https://a.test/x", "https://b.a.test/x")
    assert not same_origin("http://127.0.0.1:80/", "http://127.0.0.1:81/")
    assert not same_origin("https://a.test/", "http://a.test/")


# --- fetching -----------------------------------------------------------------------------


async def test_a_page_is_fetched_with_its_type(site: LocalSite) -> None:
    page = await fetch(site.page("/a", "<p>hi</p>", "text/html; charset=ISO-8859-1"))
    assert isinstance(page, Page)
    assert (page.content_type, page.charset, page.body) == ("text/html", "iso-8859-1", b"<p>hi</p>")
    assert not page.truncated


async def test_same_origin_redirects_are_followed(site: LocalSite) -> None:
    site.page("/new", "moved here")
    site.redirect("/old", "/middle", status=301)
    site.redirect("/middle", site.url("/new"), status=307)
    page = await fetch(site.url("/old"))
    assert isinstance(page, Page) and page.url == site.url("/new") and page.body == b"moved here"
    assert site.hits == ["/old", "/middle", "/new"]


async def test_a_redirect_to_another_host_is_reported_not_followed(site: LocalSite) -> None:
    target = site.page("/new", "elsewhere").replace("127.0.0.1", "localhost")
    result = await fetch(site.redirect("/old", target, status=301))
    assert result == Redirect(site.url("/old"), target, 301)
    assert site.hits == ["/old"]


async def test_a_redirect_to_an_unfetchable_url_is_reported(site: LocalSite) -> None:
    result = await fetch(site.redirect("/get", "ftp://files.example.com/a.tgz"))
    assert result == Redirect(site.url("/get"), "ftp://files.example.com/a.tgz", 302)


async def test_a_malformed_redirect_is_a_clear_error(site: LocalSite) -> None:
    url = site.redirect("/bad", "http://[x")
    with pytest.raises(WebError) as bad:
        await fetch(url)
    assert str(bad.value) == f"{url} redirected to a malformed URL: 'http://[x'."


async def test_redirect_loops_stop(site: LocalSite) -> None:
    site.redirect("/a", "/b")
    site.redirect("/b", "/a")
    with pytest.raises(WebError, match="redirected more than 3 times"):
        await fetch(site.url("/a"), max_redirects=3)
    assert len(site.hits) == 4


async def test_http_errors_and_unreachable_hosts_are_reported(site: LocalSite) -> None:
    with pytest.raises(WebError, match=r"answered 404 Not Found for http://127\.0\.0\.1:\d+/x"):
        await fetch(site.url("/x"))
    with socket.socket() as unused:  # a port nothing listens on once it is closed
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    with pytest.raises(WebError, match=f"Fetching http://127.0.0.1:{port}/ failed"):
        await fetch(f"http://127.0.0.1:{port}/")


async def test_the_download_is_capped(site: LocalSite) -> None:
    page = await fetch(site.page("/big", "x" * 50_000, "text/plain"), max_bytes=1000)
    assert isinstance(page, Page) and page.body == b"x" * 1000 and page.truncated
    assert page_text(page).endswith(
        "[The page was truncated: only its first 10 MiB were downloaded.]"
    )


# --- reading ------------------------------------------------------------------------------


def test_html_becomes_markdown_without_scripts_with_absolute_links() -> None:
    markdown = html_to_markdown(ARTICLE, "https://example.com/notes/3")
    assert markdown == (
        "Title: Release notes\n\n# Version 3\n\nIt is **faster**; see "
        "[the changes](https://example.com/changes).\n\n- one\n- two"
    )


def test_a_malformed_link_is_kept_as_written() -> None:
    """One link urljoin cannot read (an unclosed IPv6 bracket) leaves the page readable."""
    html = '<p><a href="http://[x">broken</a> and <a href="/ok">fine</a></p>'
    assert html_to_markdown(html, "https://example.com/a") == (
        "[broken](http://[x) and [fine](https://example.com/ok)"
    )


def page(body: bytes, content_type: str, charset: str | None = None) -> Page:
    return Page("https://example.com/p", content_type, charset, body, truncated=False)


def test_text_and_json_pass_through_and_binary_is_refused() -> None:
    assert page_text(page(b'{"a": 1}', "application/json")) == '{"a": 1}'
    assert page_text(page(b"caf\xe9", "text/plain", "latin-1")) == "café"
    assert page_text(page(b"# Doc", "text/markdown")) == "# Doc"
    assert page_text(page(b"<feed/>", "application/atom+xml")) == "<feed/>"
    with pytest.raises(WebError, match=r"https://example.com/p is image/png, not a text"):
        page_text(page(b"\x89PNG\r\n", "image/png"))
    with pytest.raises(WebError, match="is binary data"):
        page_text(page(b"PK\x03\x04\x00\x00", ""))


def test_a_body_without_a_type_is_sniffed() -> None:
    assert page_text(page(b"<!DOCTYPE html><body><h2>Hi</h2></body>", "")) == "## Hi"
    assert page_text(page(b"plain words", "")) == "plain words"


def test_long_text_is_cut_with_a_note() -> None:
    text = page_text(page(b"y" * 500, "text/plain"), max_chars=100)
    assert text == "y" * 100 + (
        "\n\n[The page was truncated: only the first 100 of its 500 characters are shown.]"
    )


def test_the_cache_keeps_pages_for_a_while_and_only_so_many() -> None:
    now = [1000.0]
    cache: PageCache[str] = PageCache(ttl=900, max_entries=2, clock=lambda: now[0])
    cache.put("a", "A")
    now[0] += 899
    assert cache.get("a") == "A"
    now[0] += 1
    assert cache.get("a") is None
    cache.put("a", "A")
    cache.put("b", "B")
    cache.get("a")  # now the most recently used
    cache.put("c", "C")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == ("A", None, "C")


# --- the tool -----------------------------------------------------------------------------


class SmallModel:
    """The session's side-request port: records each request, answers with `answer`."""

    def __init__(self, answer: str = "It is version 3.", error: ModelError | None = None):
        self.answer = answer
        self.error = error
        self.requests: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]] = []

    async def __call__(
        self, system: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
    ) -> ModelResponse:
        self.requests.append((system, messages, tools))
        if self.error is not None:
            raise self.error
        content = [{"type": "text", "text": self.answer}]
        return ModelResponse(content, "end_turn", {}, "claude-haiku-4-5")


def with_model(ctx: ToolContext, model: SmallModel) -> ToolContext:
    ctx.ask_model = model
    return ctx


async def test_the_tool_answers_from_the_page_and_caches_it(
    site: LocalSite, ctx: ToolContext
) -> None:
    url = site.page("/notes", ARTICLE)
    model = SmallModel()
    tool = WebFetchTool(cache=PageCache())
    result = await tool.run({"url": url, "prompt": "Which version?"}, with_model(ctx, model))
    assert result.content == "It is version 3." and not result.is_error
    system, messages, tools = model.requests[0]
    assert system == ANSWER_SYSTEM_PROMPT and tools == []
    question = messages[0]["content"][0]["text"]
    assert question.startswith(f'<page url="{url}">\nTitle: Release notes\n\n# Version 3\n')
    assert question.endswith("</page>\n\nWhich version?")
    again = await tool.run({"url": url, "prompt": "Is it faster?"}, ctx)
    assert again.content == "It is version 3." and len(model.requests) == 2
    assert site.hits == ["/notes"]  # the second question was answered from the cache


async def test_the_tool_reports_a_cross_host_redirect(site: LocalSite, ctx: ToolContext) -> None:
    model = SmallModel()
    target = site.url("/new", host="localhost")
    url = site.redirect("/old", target, status=308)
    result = await WebFetchTool(cache=PageCache()).run(
        {"url": url, "prompt": "?"}, with_model(ctx, model)
    )
    assert result.content == (
        f"{url} redirects (HTTP 308) to another host: {target}\nIt was not followed. To read "
        f'that page, call WebFetch again with url "{target}" and the same prompt.'
    )
    assert not result.is_error and model.requests == [] and site.hits == ["/old"]


async def test_the_tool_turns_failures_into_tool_errors(site: LocalSite, ctx: ToolContext) -> None:
    tool = WebFetchTool(cache=PageCache())
    with pytest.raises(ToolError, match="Not a fetchable URL"):
        await tool.run({"url": "file:///etc/passwd", "prompt": "?"}, ctx)
    with pytest.raises(ToolError, match="not a text or HTML page"):
        await tool.run({"url": site.page("/logo", b"\x89PNG", "image/png"), "prompt": "?"}, ctx)
    with pytest.raises(ToolError, match=r"redirected to a malformed URL: 'http://\[x'"):
        await tool.run({"url": site.redirect("/bad", "http://[x"), "prompt": "?"}, ctx)
    with pytest.raises(ToolError, match="No model is available"):  # a context without one
        await tool.run({"url": site.page("/ok", "fine"), "prompt": "?"}, ctx)
    failing = SmallModel(error=ModelError("overloaded", status=529, error_type="x", retryable=True))
    with pytest.raises(ToolError, match="fetched, but the model could not answer: overloaded"):
        await tool.run({"url": site.page("/ok", "fine"), "prompt": "?"}, with_model(ctx, failing))


def test_title_names_the_url() -> None:
    assert WebFetchTool().title({"url": "https://example.com/a"}) == "Fetch https://example.com/a"
    assert WebFetchTool().title({}) == "Fetch"
