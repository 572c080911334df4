"""Write: creating, the read-before-write rule, line endings and host refusals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claude_lsp.tools.base import Diff, ToolContext, ToolError
from claude_lsp.tools.read import ReadTool
from claude_lsp.tools.write import WriteTool


async def write(ctx: ToolContext, path: Path, content: str):  # type: ignore[no-untyped-def]
    tool_input = {"file_path": str(path), "content": content}
    assert WriteTool().validate(tool_input) is None
    return await WriteTool().run(tool_input, ctx)


async def test_creates_new_file_and_parents(ctx: ToolContext) -> None:
    path = ctx.cwd / "new" / "dir" / "f.py"
    result = await write(ctx, path, "x = 1\ny = 2\n")
    assert path.read_text() == "x = 1\ny = 2\n"
    assert "Created" in result.text() and str(path) in result.text()
    assert result.diff == Diff(str(path), None, "x = 1\ny = 2\n")
    ctx.read_state.check_fresh(path, "x = 1\ny = 2\n")


async def test_existing_file_must_be_read_first(ctx: ToolContext) -> None:
    path = ctx.cwd / "f.txt"
    path.write_text("keep me\n")
    with pytest.raises(ToolError, match="has not been read yet"):
        await write(ctx, path, "replaced\n")
    assert path.read_text() == "keep me\n"


async def test_write_after_read_updates(ctx: ToolContext) -> None:
    path = ctx.cwd / "f.txt"
    path.write_text("old\n")
    await ReadTool().run({"file_path": str(path)}, ctx)
    result = await write(ctx, path, "new\n")
    assert path.read_text() == "new\n"
    assert "Updated" in result.text()
    assert result.diff == Diff(str(path), "old\n", "new\n")


async def test_second_write_needs_no_new_read(ctx: ToolContext) -> None:
    path = ctx.cwd / "f.txt"
    await write(ctx, path, "one\n")
    await write(ctx, path, "two\n")
    assert path.read_text() == "two\n"


async def test_changed_since_read_is_refused(ctx: ToolContext) -> None:
    path = ctx.cwd / "f.txt"
    path.write_text("v1\n")
    await ReadTool().run({"file_path": str(path)}, ctx)
    path.write_text("v2 by the user\n")
    with pytest.raises(ToolError, match="modified since it was last read"):
        await write(ctx, path, "v3\n")
    assert path.read_text() == "v2 by the user\n"


async def test_keeps_crlf_line_endings(ctx: ToolContext) -> None:
    path = ctx.cwd / "win.txt"
    path.write_bytes(b"a\r\nb\r\n")
    await ReadTool().run({"file_path": str(path)}, ctx)
    await write(ctx, path, "c\nd\n")
    assert path.read_bytes() == b"c\r\nd\r\n"


async def test_keeps_lf_when_content_has_crlf(ctx: ToolContext) -> None:
    path = ctx.cwd / "unix.txt"
    path.write_bytes(b"a\nb\n")
    await ReadTool().run({"file_path": str(path)}, ctx)
    await write(ctx, path, "c\r\nd\r\n")
    assert path.read_bytes() == b"c\nd\n"


async def test_directory_is_refused(ctx: ToolContext) -> None:
    (ctx.cwd / "d").mkdir()
    with pytest.raises(ToolError, match="directory"):
        await write(ctx, ctx.cwd / "d", "x")


async def test_refused_write_is_an_error_and_not_recorded(
    make_ctx: Callable[..., ToolContext], fake_files: Any, tmp_path: Path
) -> None:
    files = fake_files(refuse="the user rejected the change")
    ctx = make_ctx(files)
    path = ctx.cwd / "f.txt"
    with pytest.raises(ToolError, match="not applied: the user rejected the change"):
        await write(ctx, path, "content\n")
    assert not path.exists()
    assert not ctx.read_state.has_seen(path)
    assert files.writes == [(path, "content\n", None, f"Write {path}")]


async def test_refused_overwrite_keeps_old_record(
    make_ctx: Callable[..., ToolContext], fake_files: Any, tmp_path: Path
) -> None:
    path = tmp_path.resolve() / "f.txt"
    files = fake_files({path: "old\n"}, refuse="denied")
    ctx = make_ctx(files)
    await ReadTool().run({"file_path": str(path)}, ctx)
    with pytest.raises(ToolError, match="not applied: denied"):
        await write(ctx, path, "new\n")
    ctx.read_state.check_fresh(path, "old\n")
    with pytest.raises(ToolError):
        ctx.read_state.check_fresh(path, "new\n")


async def test_writes_go_to_the_open_buffer(
    make_ctx: Callable[..., ToolContext], fake_files: Any, tmp_path: Path
) -> None:
    path = tmp_path.resolve() / "f.txt"
    path.write_text("disk\n")
    files = fake_files({path: "buffer\n"})
    ctx = make_ctx(files)
    await ReadTool().run({"file_path": str(path)}, ctx)
    result = await write(ctx, path, "agent\n")
    assert files.writes == [(path, "agent\n", "buffer\n", f"Write {path}")]
    assert path.read_text() == "disk\n"
    assert result.diff == Diff(str(path), "buffer\n", "agent\n")


def test_metadata(ctx: ToolContext) -> None:
    tool = WriteTool()
    assert (tool.name, tool.kind, tool.read_only) == ("Write", "edit", False)
    assert tool.title({"file_path": "/a/b"}) == "Write /a/b"
    assert tool.paths({"file_path": "b"}, ctx) == [ctx.cwd / "b"]
    assert tool.validate({"file_path": "/a"}) is not None
