"""MCP results (the protocol's JSON) as Messages API content the model can read.

Text stays text; images the API accepts become image blocks; embedded resources and
resource links become text. Output is capped at `MAX_MCP_OUTPUT_TOKENS` (25,000 by
default, as in Claude Code), counted roughly as four characters a token; what is cut is
said in a note, so the model asks for less instead of trusting a partial answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from claude_lsp.env_numbers import positive_number
from claude_lsp.tools.base import ContentBlock
from claude_lsp.tools.images import MAX_IMAGE_BASE64, base64_media_type

DEFAULT_MAX_OUTPUT_TOKENS = 25_000
CHARS_PER_TOKEN = 4
IMAGE_MEDIA_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def max_output_tokens(environ: Mapping[str, str]) -> int:
    return positive_number(environ, "MAX_MCP_OUTPUT_TOKENS") or DEFAULT_MAX_OUTPUT_TOKENS


def tool_result_blocks(result: Mapping[str, Any]) -> list[ContentBlock]:
    """A `CallToolResult`'s content; `structuredContent` stands in when there is none."""
    blocks = [block for item in result.get("content", []) for block in content_blocks(item)]
    if not blocks and "structuredContent" in result:
        blocks.append({"type": "text", "text": json.dumps(result["structuredContent"], indent=2)})
    return blocks or [{"type": "text", "text": "(the tool returned no content)"}]


def resource_blocks(contents: list[dict[str, Any]]) -> list[ContentBlock]:
    """A read resource's contents: text as text, images as images, other blobs named."""
    blocks: list[ContentBlock] = []
    for item in contents:
        uri, mime = item.get("uri", ""), item.get("mimeType", "")
        if "text" in item:
            blocks.append({"type": "text", "text": f"[{uri}]\n{item['text']}"})
        elif "blob" in item:
            image = _image(str(item["blob"]), mime)
            blocks.append(image or _unreadable(uri, mime, len(str(item["blob"]))))
    return blocks or [{"type": "text", "text": "(the resource is empty)"}]


def capped(blocks: list[ContentBlock], limit_tokens: int) -> list[ContentBlock]:
    """`blocks` with text beyond `limit_tokens` cut, and a note saying so."""
    budget = limit_tokens * CHARS_PER_TOKEN
    total = sum(len(block.get("text", "")) for block in blocks)
    if total <= budget:
        return blocks
    kept: list[ContentBlock] = []
    for block in blocks:
        if block.get("type") != "text":
            kept.append(block)
            continue
        text = str(block["text"])
        if budget > 0:
            kept.append({"type": "text", "text": text[:budget]})
        budget -= len(text)
    note = (
        f"[The output was cut: about {total // CHARS_PER_TOKEN:,} tokens, over the limit of "
        f"{limit_tokens:,} (MAX_MCP_OUTPUT_TOKENS). Ask the tool for less: a narrower "
        "query, a filter or a page.]"
    )
    return [*kept, {"type": "text", "text": note}]


def content_blocks(item: Mapping[str, Any]) -> list[ContentBlock]:
    kind = item.get("type")
    if kind == "text":
        return [{"type": "text", "text": str(item.get("text", ""))}]
    if kind == "image":
        data, mime = str(item.get("data", "")), str(item.get("mimeType", ""))
        return [_image(data, mime) or _unreadable("image", mime, len(data))]
    if kind == "resource":
        return resource_blocks([item.get("resource", {})])
    if kind == "resource_link":
        text = f"Resource link: {item.get('uri', '')}"
        if item.get("name"):
            text += f" ({item['name']})"
        if item.get("description"):
            text += f": {item['description']}"
        return [{"type": "text", "text": text}]
    return [{"type": "text", "text": f"[{kind} content, which claude-lsp does not show]"}]


def _image(data: str, mime: str) -> ContentBlock | None:
    if len(data) > MAX_IMAGE_BASE64:
        return None
    media_type = base64_media_type(data)
    if media_type is None or (mime and mime not in IMAGE_MEDIA_TYPES):
        return None
    return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}


def _unreadable(what: str, mime: str, size: int) -> ContentBlock:
    kind = mime or "binary data"
    return {"type": "text", "text": f"[{what}: {kind}, {size:,} base64 characters, not shown]"}
