"""A downloaded page as text the model can read: HTML becomes Markdown, text passes through.

Binary bodies (images, PDFs, archives) are refused rather than shown as noise. The text
is capped, with a note saying so. bs4 and markdownify are imported on first use.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from claude_lsp.web import WebError
from claude_lsp.web.fetch import MAX_DOWNLOAD_BYTES, Page

MAX_TEXT_CHARS = 100_000

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset(
    {"application/json", "application/xml", "application/javascript", "application/x-yaml"}
    | {"application/yaml", "application/toml", "application/x-sh", "application/sql"}
)
# Elements whose content is not the page's text.
NOT_CONTENT = ("head", "script", "style", "noscript", "template", "svg", "iframe", "object")
_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")


def page_text(page: Page, *, max_chars: int = MAX_TEXT_CHARS) -> str:
    """The page as Markdown or plain text, with notes on anything cut off."""
    kind = _kind(page)
    if kind == "binary":
        shown = page.content_type or "binary data"
        raise WebError(f"{page.url} is {shown}, not a text or HTML page; WebFetch only reads text.")
    text = html_to_markdown(page.body, page.url, page.charset) if kind == "html" else _decode(page)
    notes = []
    if page.truncated:
        notes.append(f"only its first {MAX_DOWNLOAD_BYTES // (1024 * 1024)} MiB were downloaded")
    if len(text) > max_chars:
        notes.append(f"only the first {max_chars:,} of its {len(text):,} characters are shown")
        text = text[:max_chars]
    if notes:
        text += f"\n\n[The page was truncated: {'; '.join(notes)}.]"
    return text


def html_to_markdown(html: bytes | str, base_url: str, charset: str | None = None) -> str:
    """Markdown of an HTML document: its title, then its body, links made absolute."""
    from bs4 import BeautifulSoup
    from markdownify import ATX, MarkdownConverter

    if isinstance(html, bytes):
        soup = BeautifulSoup(html, "html.parser", from_encoding=charset)
    else:
        soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    for tag in soup(NOT_CONTENT):
        tag.decompose()
    for tag in soup.find_all("img"):
        if str(tag.get("src", "")).startswith("data:"):
            tag.decompose()  # inline image bytes are noise to the model
    for tag in soup.find_all(True):
        for attribute in ("href", "src"):
            value = tag.get(attribute)
            if isinstance(value, str):
                tag[attribute] = _absolute(base_url, value)
    body = MarkdownConverter(heading_style=ATX, bullets="-").convert_soup(soup)
    body = _BLANK_LINES.sub("\n\n", body).strip()
    return f"Title: {title}\n\n{body}" if title else body


def _absolute(base_url: str, link: str) -> str:
    """`link` made absolute; as written when it is malformed (`http://[x`), so one bad
    link does not cost the model the whole page."""
    try:
        return urljoin(base_url, link)
    except ValueError:
        return link


def _kind(page: Page) -> str:
    media = page.content_type
    if media in HTML_TYPES:
        return "html"
    if media.startswith("text/") or media in TEXT_TYPES or media.endswith(("+json", "+xml")):
        return "text"
    if media:
        return "binary"
    head = page.body[:1024]
    if b"\x00" in head:
        return "binary"
    return "html" if re.search(rb"<(!doctype html|html|body)\b", head, re.IGNORECASE) else "text"


def _decode(page: Page) -> str:
    try:
        return page.body.decode(page.charset or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return page.body.decode("utf-8", errors="replace")
