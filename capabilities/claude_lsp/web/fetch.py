"""Downloading one page: capped in size, following redirects only within the same origin.

A redirect elsewhere is returned, not followed: permission rules judged the host the
model named, so the model must ask for the new URL itself (and be judged again).
httpx2 (the anthropic SDK's HTTP client) is imported on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from claude_lsp.version import __version__
from claude_lsp.web import WebError
from claude_lsp.web.urls import prepare_url, same_origin

if TYPE_CHECKING:
    import httpx2

MAX_DOWNLOAD_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 10
TIMEOUT_SECONDS = 30.0
HEADERS = {
    "User-Agent": f"claude-lsp/{__version__} (WebFetch)",
    "Accept": "text/markdown, text/html;q=0.9, text/plain;q=0.8, */*;q=0.5",
}


@dataclass(frozen=True)
class Page:
    """A downloaded body. `url` is where it came from, after same-origin redirects."""

    url: str
    content_type: str  # the media type, lower case, without parameters; "" if none
    charset: str | None
    body: bytes
    truncated: bool  # the body went on past the download cap


@dataclass(frozen=True)
class Redirect:
    """A redirect to another origin, not followed."""

    url: str
    location: str
    status: int


async def fetch(
    url: str, *, max_bytes: int = MAX_DOWNLOAD_BYTES, max_redirects: int = MAX_REDIRECTS
) -> Page | Redirect:
    """GET `url` (from `prepare_url`); `WebError` for any failure. Redirect targets are
    checked and upgraded like the URL."""
    import httpx2

    try:
        async with httpx2.AsyncClient(
            headers=HEADERS, timeout=TIMEOUT_SECONDS, follow_redirects=False
        ) as client:
            current = url
            for _ in range(max_redirects + 1):
                async with client.stream("GET", current) as response:
                    if response.is_redirect:
                        target = _redirect_target(current, response.headers["location"])
                        try:
                            location = prepare_url(target)
                        except WebError:  # not fetchable: reported, and a new call says why
                            return Redirect(current, target, response.status_code)
                        if not same_origin(current, location):
                            return Redirect(current, location, response.status_code)
                        current = location
                        continue
                    if response.status_code >= 400:
                        raise WebError(
                            f"The server answered {response.status_code} "
                            f"{response.reason_phrase} for {current}."
                        )
                    return await _page(response, current, max_bytes)
    except httpx2.TimeoutException as exc:
        raise WebError(f"Fetching {url} timed out ({type(exc).__name__}).") from exc
    except httpx2.HTTPError as exc:
        raise WebError(f"Fetching {url} failed: {exc or type(exc).__name__}.") from exc
    raise WebError(f"{url} redirected more than {max_redirects} times.")


def _redirect_target(url: str, location: str) -> str:
    """The absolute URL a `Location` header names; `WebError` when it is malformed."""
    try:
        return urljoin(url, location)
    except ValueError as exc:  # an unclosed IPv6 bracket, say
        raise WebError(f"{url} redirected to a malformed URL: {location!r}.") from exc


async def _page(response: httpx2.Response, url: str, max_bytes: int) -> Page:
    chunks: list[bytes] = []
    size = 0
    truncated = False
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            truncated = True
            break
    body = b"".join(chunks)[:max_bytes]
    media_type = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    return Page(url, media_type, response.charset_encoding, body, truncated)
