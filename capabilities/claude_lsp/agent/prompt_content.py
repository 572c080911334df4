"""ACP prompt content blocks -> Messages API content blocks."""

from __future__ import annotations

from typing import Any

PROMPT_SCHEMA: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["type"],
        "properties": {"type": {"enum": ["text", "image", "resource", "resource_link"]}},
    },
}


def to_api_content(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Convert a prompt; embedded resources become tagged text the model can read."""
    content: list[dict[str, Any]] = []
    for block in blocks:
        kind = block["type"]
        if kind == "text":
            content.append({"type": "text", "text": str(block.get("text", ""))})
        elif kind == "image":
            content.append(
                {
                    "type": "image",
                    "source": {
                        "type": "base64",
                        "media_type": block.get("mimeType", "image/png"),
                        "data": block.get("data", ""),
                    },
                }
            )
        elif kind == "resource":
            resource = block.get("resource") or {}
            uri = resource.get("uri", "")
            if "text" in resource:
                content.append(
                    {"type": "text", "text": f'<file uri="{uri}">\n{resource["text"]}\n</file>'}
                )
        elif kind == "resource_link":
            content.append({"type": "text", "text": f"@{block.get('uri', '')}"})
    return [block for block in content if block.get("type") != "text" or block["text"]]
