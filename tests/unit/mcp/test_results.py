"""MCP results as content for the model: kinds of content, and the output cap."""

from __future__ import annotations

import base64

from claude_lsp.mcp.results import capped, max_output_tokens, resource_blocks, tool_result_blocks

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 32).decode()


def test_content_of_each_kind_becomes_text_or_an_image() -> None:
    blocks = tool_result_blocks(
        {
            "content": [
                {"type": "text", "text": "hello"},
                {"type": "image", "data": PNG, "mimeType": "image/png"},
                {"type": "image", "data": "bm90IGFuIGltYWdl", "mimeType": "image/png"},
                {"type": "resource", "resource": {"uri": "db://t/1", "text": "row 1"}},
                {"type": "resource_link", "uri": "file:///a.md", "name": "a", "description": "A"},
                {"type": "audio", "data": "AAAA", "mimeType": "audio/wav"},
            ]
        }
    )
    assert blocks == [
        {"type": "text", "text": "hello"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        {"type": "text", "text": "[image: image/png, 16 base64 characters, not shown]"},
        {"type": "text", "text": "[db://t/1]\nrow 1"},
        {"type": "text", "text": "Resource link: file:///a.md (a): A"},
        {"type": "text", "text": "[audio content, which claude-lsp does not show]"},
    ]


def test_structured_content_stands_in_for_missing_content() -> None:
    assert tool_result_blocks({"content": [], "structuredContent": {"n": 1}}) == [
        {"type": "text", "text": '{\n  "n": 1\n}'}
    ]
    assert tool_result_blocks({}) == [{"type": "text", "text": "(the tool returned no content)"}]


def test_resource_blobs_are_named_not_dumped() -> None:
    assert resource_blocks(
        [{"uri": "x://b", "mimeType": "application/zip", "blob": "UEsDBA=="}]
    ) == [{"type": "text", "text": "[x://b: application/zip, 8 base64 characters, not shown]"}]


def test_output_over_the_limit_is_cut_with_a_note() -> None:
    blocks = [{"type": "text", "text": "a" * 30}, {"type": "text", "text": "b" * 30}]
    assert capped(blocks, 100) is blocks

    cut = capped(blocks, 10)  # 40 characters

    assert cut[0] == {"type": "text", "text": "a" * 30}
    assert cut[1] == {"type": "text", "text": "b" * 10}
    assert cut[2]["text"].startswith("[The output was cut: about 15 tokens, over the limit of 10")


def test_the_limit_comes_from_the_environment() -> None:
    assert max_output_tokens({}) == 25_000
    assert max_output_tokens({"MAX_MCP_OUTPUT_TOKENS": "500"}) == 500
    assert max_output_tokens({"MAX_MCP_OUTPUT_TOKENS": "lots"}) == 25_000
