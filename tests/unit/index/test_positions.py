"""Byte columns to client columns and back, in UTF-8, UTF-16 and UTF-32."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from claude_lsp.index.extract import extract
from claude_lsp.index.model import Span
from claude_lsp.index.positions import (
    PositionEncoding,
    encode,
    span_to_client,
    to_byte_column,
    to_client_column,
)

FIXTURES = Path(__file__).parent / "fixtures"
ENCODINGS: tuple[PositionEncoding, ...] = ("utf-8", "utf-16", "utf-32")

LINE = 'x = "é😀"; y = 1'
# column of `y` in each unit: bytes, UTF-16 code units, code points
Y = {"utf-8": 14, "utf-16": 11, "utf-32": 10}


def units(text: str, encoding: PositionEncoding) -> int:
    """The length of `text` in an encoding's units, the obvious way."""
    if encoding == "utf-8":
        return len(encode(text))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_columns_after_non_ascii_text(encoding: PositionEncoding) -> None:
    assert to_client_column(LINE, Y["utf-8"], encoding) == Y[encoding]
    assert to_byte_column(LINE, Y[encoding], encoding) == Y["utf-8"]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_character_boundary_round_trips(encoding: PositionEncoding) -> None:
    line = "aé😀b\u4e2dc𝄞"
    for index in range(len(line) + 1):
        prefix = line[:index]
        byte_column = len(encode(prefix))
        client = to_client_column(line, byte_column, encoding)
        assert client == units(prefix, encoding)
        assert to_byte_column(line, client, encoding) == byte_column


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_columns_past_the_end_clamp_to_the_end(encoding: PositionEncoding) -> None:
    assert to_client_column(LINE, 999, encoding) == units(LINE, encoding)
    assert to_byte_column(LINE, 999, encoding) == len(encode(LINE))
    assert to_client_column("", 5, encoding) == 0
    assert to_byte_column("abc", 7, encoding) == 3
    assert to_client_column("abc", -1, encoding) == 0
    assert to_byte_column("abc", -1, encoding) == 0


def test_a_column_inside_a_character_means_its_start() -> None:
    line = "a😀b"
    for byte_column in (2, 3, 4):  # inside the 4-byte emoji
        assert to_client_column(line, byte_column, "utf-16") == 1
        assert to_client_column(line, byte_column, "utf-8") == 1
    assert to_byte_column(line, 2, "utf-16") == 1  # between the two halves of the pair
    assert to_byte_column(line, 3, "utf-8") == 1


def test_lone_surrogates_count_as_one_unit_and_three_bytes() -> None:
    line = "a\ud800b\udc00c"
    assert len(encode(line)) == 9
    assert to_client_column(line, 4, "utf-16") == 2  # after the lone high surrogate
    assert to_client_column(line, 8, "utf-16") == 4
    assert to_byte_column(line, 2, "utf-16") == 4
    assert to_byte_column(line, 4, "utf-16") == 8
    assert to_byte_column(line, 3, "utf-32") == 5


MIXED = st.text(st.sampled_from(["a", " ", "é", "中", "😀", "𝄞", "\ud800", "\udc00"]), max_size=30)


@given(MIXED, st.integers(min_value=-3, max_value=80))
def test_conversions_never_fail_and_land_on_character_boundaries(text: str, column: int) -> None:
    boundaries = {len(encode(text[:index])) for index in range(len(text) + 1)}
    for encoding in ENCODINGS:
        client = to_client_column(text, column, encoding)
        assert 0 <= client <= units(text, encoding)
        byte_column = to_byte_column(text, column, encoding)
        assert byte_column in boundaries
        assert to_client_column(text, byte_column, encoding) <= max(column, 0)


@given(MIXED)
def test_character_boundaries_round_trip_with_any_text(text: str) -> None:
    for index in range(len(text) + 1):
        byte_column = len(encode(text[:index]))
        for encoding in ENCODINGS:
            client = to_client_column(text, byte_column, encoding)
            assert client == units(text[:index], encoding)
            assert to_byte_column(text, client, encoding) == byte_column


def test_span_to_client_on_a_real_definition() -> None:
    text = (FIXTURES / "typescript" / "inventory.ts").read_text(encoding="utf-8")
    lines = text.split("\n")
    _, symbols = extract("typescript", encode(text))
    face = next(d for d in symbols.definitions if d.name == "AFTER_FACE")
    line = lines[face.selection.start_line]
    start = line.index("AFTER_FACE")
    assert span_to_client(face.selection, lines, "utf-16") == (
        (face.selection.start_line, units(line[:start], "utf-16")),
        (face.selection.start_line, units(line[:start], "utf-16") + len("AFTER_FACE")),
    )
    assert span_to_client(face.selection, lines, "utf-32") == (
        (face.selection.start_line, start),
        (face.selection.start_line, start + len("AFTER_FACE")),
    )
    # the first line's comment has "😀" before the end of the line
    comment = lines[0]
    end = Span(0, 0, 0, len(encode(comment)))
    assert span_to_client(end, lines, "utf-16")[1] == (0, units(comment, "utf-16"))
    assert span_to_client(end, lines, "utf-16")[1] != (0, len(comment))


def test_span_to_client_past_the_last_line_is_empty() -> None:
    assert span_to_client(Span(0, 0, 3, 4), ["é"], "utf-16") == ((0, 0), (3, 0))
