"""Read: numbering, slicing, notices, refusals, images and the read record."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claude_lsp.tools import read as read_module
from claude_lsp.tools.base import ToolContext, ToolError
from claude_lsp.tools.file_state import content_digest
from claude_lsp.tools.read import ReadTool

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(20)


async def read(ctx: ToolContext, path: Path | str, **extra: object) -> str:
    tool_input = {"file_path": str(path), **extra}
    assert ReadTool().validate(tool_input) is None
    return (await ReadTool().run(tool_input, ctx)).text()


async def test_numbers_lines_like_cat_n(ctx: ToolContext) -> None:
    path = ctx.cwd / "a.txt"
    path.write_text("alpha\nbeta\n\ngamma\n")
    assert await read(ctx, path) == "     1\talpha\n     2\tbeta\n     3\t\n     4\tgamma"


async def test_last_line_without_newline_is_shown(ctx: ToolContext) -> None:
    path = ctx.cwd / "a.txt"
    path.write_text("one\ntwo")
    assert await read(ctx, path) == "     1\tone\n     2\ttwo"


async def test_offset_and_limit_select_lines_and_say_how_to_continue(ctx: ToolContext) -> None:
    path = ctx.cwd / "ten.txt"
    path.write_text("".join(f"line {i}\n" for i in range(1, 11)))
    out = await read(ctx, path, offset=3, limit=2)
    lines = out.splitlines()
    assert lines[0] == "     3\tline 3"
    assert lines[1] == "     4\tline 4"
    assert "line 5" not in out
    assert "Showing lines 3-4 of 10" in out
    assert "offset=5" in out


async def test_offset_to_end_has_no_continuation_note(ctx: ToolContext) -> None:
    path = ctx.cwd / "ten.txt"
    path.write_text("".join(f"line {i}\n" for i in range(1, 11)))
    out = await read(ctx, path, offset=9)
    assert out == "     9\tline 9\n    10\tline 10"


async def test_default_limit_is_2000_lines(ctx: ToolContext) -> None:
    path = ctx.cwd / "long.txt"
    path.write_text("".join(f"{i}\n" for i in range(1, 2501)))
    out = await read(ctx, path)
    assert "  2000\t2000" in out
    assert "  2001\t2001" not in out
    assert "Showing lines 1-2000 of 2500" in out
    assert "offset=2001" in out


async def test_long_lines_are_cut_and_marked(ctx: ToolContext) -> None:
    path = ctx.cwd / "wide.txt"
    path.write_text("x" * 5000 + "\nshort\n")
    out = await read(ctx, path)
    first, second = out.splitlines()
    assert first.startswith("     1\t" + "x" * 2000)
    assert "x" * 2001 not in first
    assert "truncated" in first and "5000" in first
    assert second == "     2\tshort"


async def test_empty_file_gives_a_reminder(ctx: ToolContext) -> None:
    path = ctx.cwd / "empty.txt"
    path.write_text("")
    out = await read(ctx, path)
    assert "<system-reminder>" in out and "empty" in out


async def test_offset_past_end_names_the_line_count(ctx: ToolContext) -> None:
    path = ctx.cwd / "three.txt"
    path.write_text("a\nb\nc\n")
    out = await read(ctx, path, offset=10)
    assert "3 lines" in out
    assert "offset 10" in out
    assert "\ta" not in out


async def test_binary_file_is_refused(ctx: ToolContext) -> None:
    path = ctx.cwd / "blob.bin"
    path.write_bytes(b"abc\x00def" * 10)
    with pytest.raises(ToolError, match="binary"):
        await read(ctx, path)


async def test_non_utf8_file_is_refused(ctx: ToolContext) -> None:
    path = ctx.cwd / "latin1.txt"
    path.write_bytes("caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ToolError, match="UTF-8"):
        await read(ctx, path)


async def test_png_comes_back_as_an_image_block(ctx: ToolContext) -> None:
    path = ctx.cwd / "pic.png"
    path.write_bytes(PNG)
    result = await ReadTool().run({"file_path": str(path)}, ctx)
    assert result.content == [
        {
            "type": "image",
            "source": {
                "type": "base64",
                "media_type": "image/png",
                "data": base64.b64encode(PNG).decode("ascii"),
            },
        }
    ]


@pytest.mark.parametrize(
    ("name", "data", "media_type"),
    [
        ("photo.jpg", b"\xff\xd8\xff\xe0" + bytes(30), "image/jpeg"),
        ("anim.gif", b"GIF89a" + bytes(30), "image/gif"),
        ("pic.webp", b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(20), "image/webp"),
        ("mislabelled.dat", PNG, "image/png"),
        ("wrong-extension.jpg", PNG, "image/png"),
    ],
)
async def test_images_are_recognised_by_magic_bytes(
    ctx: ToolContext, name: str, data: bytes, media_type: str
) -> None:
    path = ctx.cwd / name
    path.write_bytes(data)
    result = await ReadTool().run({"file_path": str(path)}, ctx)
    assert isinstance(result.content, list)
    assert result.content[0]["source"]["media_type"] == media_type


async def test_too_large_image_is_refused(
    ctx: ToolContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read_module, "MAX_IMAGE_BYTES", 100)
    path = ctx.cwd / "big.png"
    path.write_bytes(PNG + bytes(200))
    with pytest.raises(ToolError, match="image"):
        await read(ctx, path)


async def test_huge_file_needs_offset_or_limit(ctx: ToolContext) -> None:
    path = ctx.cwd / "huge.log"
    path.write_text("".join(f"entry {i} {'z' * 40}\n" for i in range(1, 20001)))
    assert path.stat().st_size > 256 * 1024
    with pytest.raises(ToolError, match="offset and limit"):
        await read(ctx, path)
    out = await read(ctx, path, offset=15000, limit=3)
    lines = out.splitlines()
    assert lines[0].startswith(" 15000\tentry 15000 ")
    assert lines[2].startswith(" 15002\tentry 15002 ")
    assert "of 20000" in out and "offset=15003" in out
    ctx.read_state.check_fresh(path, path.read_text())


async def test_huge_crlf_file_partial_read_strips_line_endings(ctx: ToolContext) -> None:
    path = ctx.cwd / "huge.txt"
    path.write_bytes(b"".join(b"row %d %s\r\n" % (i, b"y" * 60) for i in range(1, 6001)))
    out = await read(ctx, path, offset=1, limit=2)
    assert out.splitlines()[0] == "     1\trow 1 " + "y" * 60


async def test_directory_is_refused_with_a_hint(ctx: ToolContext) -> None:
    (ctx.cwd / "pkg").mkdir()
    with pytest.raises(ToolError, match="LS"):
        await read(ctx, ctx.cwd / "pkg")


async def test_missing_file_is_an_error_with_a_suggestion(ctx: ToolContext) -> None:
    (ctx.cwd / "settings.py").write_text("x = 1\n")
    with pytest.raises(ToolError) as info:
        await read(ctx, ctx.cwd / "setings.py")
    message = str(info.value)
    assert message.startswith(f"File does not exist: {ctx.cwd / 'setings.py'}")
    assert f"Did you mean {ctx.cwd / 'settings.py'}" in message


async def test_missing_file_without_near_miss(ctx: ToolContext) -> None:
    with pytest.raises(ToolError, match="File does not exist") as info:
        await read(ctx, ctx.cwd / "nothing" / "here.txt")
    assert "Did you mean" not in str(info.value)


async def test_relative_paths_start_at_cwd(ctx: ToolContext) -> None:
    (ctx.cwd / "src").mkdir()
    (ctx.cwd / "src" / "m.py").write_text("print(1)\n")
    assert await read(ctx, "src/m.py") == "     1\tprint(1)"


async def test_crlf_file_is_shown_without_carriage_returns(ctx: ToolContext) -> None:
    path = ctx.cwd / "win.txt"
    path.write_bytes(b"one\r\ntwo\r\n")
    assert await read(ctx, path) == "     1\tone\n     2\ttwo"


async def test_open_buffer_wins_over_disk(
    make_ctx: Callable[..., ToolContext], fake_files: Any, tmp_path: Path
) -> None:
    path = tmp_path.resolve() / "m.py"
    path.write_text("on disk\n")
    ctx = make_ctx(fake_files({path: "unsaved edit\n"}))
    assert await read(ctx, path) == "     1\tunsaved edit"
    ctx.read_state.check_fresh(path, "unsaved edit\n")
    with pytest.raises(ToolError, match="modified since"):
        ctx.read_state.check_fresh(path, "on disk\n")


async def test_buffer_of_a_file_not_on_disk_is_readable(
    make_ctx: Callable[..., ToolContext], fake_files: Any, tmp_path: Path
) -> None:
    path = tmp_path.resolve() / "untitled.py"
    ctx = make_ctx(fake_files({path: "draft\n"}))
    assert await read(ctx, path) == "     1\tdraft"


async def test_full_and_partial_reads_are_recorded(ctx: ToolContext) -> None:
    full = ctx.cwd / "full.txt"
    full.write_text("a\nb\n")
    part = ctx.cwd / "part.txt"
    part.write_text("1\n2\n3\n")
    await read(ctx, full)
    await read(ctx, part, offset=2, limit=1)
    ctx.read_state.check_fresh(full, "a\nb\n")
    ctx.read_state.check_fresh(part, "1\n2\n3\n")


async def test_utf8_bom_is_not_shown_but_is_recorded(ctx: ToolContext) -> None:
    path = ctx.cwd / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfhello\n")
    assert await read(ctx, path) == "     1\thello"
    assert ctx.read_state.has_seen(path)
    ctx.read_state.check_fresh(path, "\ufeffhello\n")


def test_title_and_paths(ctx: ToolContext) -> None:
    tool = ReadTool()
    assert tool.title({"file_path": "/x/y.py"}) == "Read /x/y.py"
    assert tool.paths({"file_path": "y.py"}, ctx) == [ctx.cwd / "y.py"]
    assert (tool.name, tool.kind, tool.read_only) == ("Read", "read", True)


def test_digest_helper_matches_file_bytes(tmp_path: Path) -> None:
    text = "h\u00e9llo\r\nw\u00f6rld\n"
    path = tmp_path / "f"
    path.write_bytes(text.encode())
    import hashlib

    assert content_digest(text) == hashlib.sha256(path.read_bytes()).hexdigest()


async def test_output_is_capped_by_size_with_a_continuation_note(
    ctx: ToolContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read_module, "MAX_OUTPUT_CHARS", 100)
    path = ctx.cwd / "rows.txt"
    path.write_text("".join(f"{'r' * 20}{i}\n" for i in range(1, 51)))
    out = await read(ctx, path)
    numbered = [line for line in out.splitlines() if "\t" in line]
    assert 1 <= len(numbered) < 50
    assert f"offset={len(numbered) + 1}" in out
