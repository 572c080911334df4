"""Column conversions between tree-sitter's UTF-8 byte columns and the client's encoding.

The index keeps tree-sitter's positions (0-based lines, UTF-8 byte columns); LSP clients count
columns in the negotiated position encoding: UTF-16 code units (VS Code, the default), UTF-8
bytes or UTF-32 code points. The conversions work on one line's text and never raise: a column
past the end of the line is the end of the line, a column inside a character is the start of
that character, and lone surrogates (which a Python `str` can hold) count as one UTF-16 unit
and three UTF-8 bytes, the way they are encoded with "surrogatepass".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from claude_lsp.index.model import Span

PositionEncoding = Literal["utf-8", "utf-16", "utf-32"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def encode(text: str) -> bytes:
    """UTF-8 bytes of editor text, keeping lone surrogates instead of failing on them."""
    return text.encode("utf-8", "surrogatepass")


def to_client_column(line_text: str, byte_column: int, encoding: PositionEncoding) -> int:
    """The client column for a UTF-8 byte column of `line_text`."""
    if byte_column <= 0:
        return 0
    if line_text.isascii():
        return min(byte_column, len(line_text))
    data = encode(line_text)
    byte_column = _char_start(data, min(byte_column, len(data)))
    if encoding == "utf-8":
        return byte_column
    prefix = data[:byte_column].decode("utf-8", "surrogatepass")
    if encoding == "utf-32":
        return len(prefix)
    return len(prefix.encode("utf-16-le", "surrogatepass")) // 2


def to_byte_column(line_text: str, client_column: int, encoding: PositionEncoding) -> int:
    """The UTF-8 byte column for a client column of `line_text`."""
    if client_column <= 0:
        return 0
    if line_text.isascii():
        return min(client_column, len(line_text))
    if encoding == "utf-8":
        data = encode(line_text)
        return _char_start(data, min(client_column, len(data)))
    if encoding == "utf-32":
        return len(encode(line_text[:client_column]))
    if _SURROGATE.search(line_text) is None:
        units = line_text.encode("utf-16-le")
        end = min(client_column * 2, len(units))
        if end < len(units) and 0xDC00 <= int.from_bytes(units[end : end + 2], "little") <= 0xDFFF:
            end -= 2  # between the halves of a surrogate pair: stay before the character
        return len(units[:end].decode("utf-16-le").encode("utf-8"))
    # Lone surrogates would pair up in a UTF-16 round trip, so count code points one by one.
    count = 0
    for index, char in enumerate(line_text):
        count += 2 if ord(char) > 0xFFFF else 1
        if count > client_column:
            return len(encode(line_text[:index]))
    return len(encode(line_text))


def span_to_client(
    span: Span, lines: Sequence[str], encoding: PositionEncoding
) -> tuple[tuple[int, int], tuple[int, int]]:
    """A span as ((line, column), (line, column)) in the client's encoding.

    `lines` are the document's lines split on "\\n" (as tree-sitter counts them); a line past
    the end of the document counts as empty.
    """
    start = (span.start_line, _client(lines, span.start_line, span.start_column, encoding))
    end = (span.end_line, _client(lines, span.end_line, span.end_column, encoding))
    return start, end


def _client(lines: Sequence[str], line: int, byte_column: int, encoding: PositionEncoding) -> int:
    text = lines[line] if 0 <= line < len(lines) else ""
    return to_client_column(text, byte_column, encoding)


def _char_start(data: bytes, index: int) -> int:
    """Move a byte index back to the start of the UTF-8 sequence it falls in."""
    while 0 < index < len(data) and data[index] & 0xC0 == 0x80:
        index -= 1
    return index
