"""Which URLs WebFetch takes, and how it rewrites them: `http://` becomes `https://`.

Loopback hosts (localhost, 127.0.0.0/8, ::1) keep `http://`: their traffic never leaves
the machine, and local development servers rarely speak TLS.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit

from claude_lsp.policy.rules import url_host
from claude_lsp.web import WebError

MAX_URL_LENGTH = 2000


def prepare_url(url: str) -> str:
    """`url` checked and upgraded to https (loopback hosts aside); `WebError` if unusable.

    The host the HTTP client connects to must be the one permission rules read
    (`url_host`), so a `WebFetch(domain:...)` rule always judges the host fetched.
    """
    if len(url) > MAX_URL_LENGTH:
        raise WebError(f"The URL is too long ({len(url)} characters; at most {MAX_URL_LENGTH}).")
    host = url_host(url)
    if host is None:
        raise WebError(f"Not a fetchable URL: {url!r}. Give a full http:// or https:// URL.")
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise WebError("URLs with a user name or password are not fetched.")
    if _client_host(url) != host:
        raise WebError(f"The host of {url!r} can be read in more than one way; not fetched.")
    return upgrade(url)


def _client_host(url: str) -> str | None:
    """The host the HTTP client will connect to, as `url_host` writes hosts."""
    import httpx2

    try:
        return httpx2.URL(url).raw_host.decode("ascii").rstrip(".").lower()
    except (httpx2.InvalidURL, UnicodeError):
        return None


def upgrade(url: str) -> str:
    """`http://` to `https://`, except for loopback hosts; any other URL as it is."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "http" or is_loopback(parts.hostname or ""):
        return url
    return urlunsplit(("https", *parts[1:]))


def is_loopback(host: str) -> bool:
    host = host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def same_origin(first: str, second: str) -> bool:
    """Same scheme, host and port: a redirect WebFetch may follow by itself."""
    a, b = urlsplit(first), urlsplit(second)
    try:
        return (a.scheme.lower(), a.hostname, _port(a.scheme, a.port)) == (
            b.scheme.lower(),
            b.hostname,
            _port(b.scheme, b.port),
        )
    except ValueError:  # a malformed port
        return False


def _port(scheme: str, port: int | None) -> int | None:
    if port is not None:
        return port
    return {"http": 80, "https": 443}.get(scheme.lower())
