"""Images the model can be shown: the formats the Messages API takes, and its size limit."""

from __future__ import annotations

import base64
import binascii

# The API accepts an image of up to 5 MB once base64 encoded.
MAX_IMAGE_BASE64 = 5 * 1024 * 1024
MAX_IMAGE_BYTES = MAX_IMAGE_BASE64 * 3 // 4


def image_media_type(head: bytes) -> str | None:
    """The media type of an image recognised by its magic bytes, else None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def base64_media_type(encoded: str) -> str | None:
    """The media type of base64 image data, from its first bytes; None if not an image."""
    try:
        head = base64.b64decode(encoded[:64], validate=True)
    except (binascii.Error, ValueError):
        return None
    return image_media_type(head)
