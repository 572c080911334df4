"""Edit: exact unique replacement, its refusals, line endings and the result snippet."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claude_lsp.tools.base import Diff, ToolContext, ToolError, ToolResult
from claude_lsp.tools.edit import EditTool
from claude_lsp.tools.read import ReadTool


async def edit(ctx: ToolContext, path: Path, old: str, new: str, **extra: Any) -> ToolResult:
    tool_input = {"file_path": str(path), "old_string": old, "new_string": new, **extra}
    assert EditTool().validate(tool_input) is None
    return await EditTool().run(tool_input, ctx)


async def read_file(ctx: ToolContext, path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    await ReadTool().run({"file_path": str(path)}, ctx)


async def test_replaces_unique_text_and_shows_snippet(ctx: ToolContext) -> None:
    path = ctx.cwd / "m.py"
    lines = [f"line{i}" for i in range(1, 21)]
    await read_file(ctx, path, "\n".join(lines) + "\n")
    result = await edit(ctx, path, "line10\n", "changed\nadded\n")
    assert path.read_text().splitlines()[9:11] == ["changed", "added"]
    text = result.text()
    assert "replaced 1 occurrence" in text
    assert "     6\tline6" in text
    assert "    10\tchanged" in text
    assert "    11\tadded" in text
    assert "    15\tline14" in text
    assert "     5\tline5" not in text
    assert "line16" not in text
    assert result.diff is not None
    assert result.diff.path == str(path)
    assert result.diff.old_text == "\n".join(lines) + "\n"
    assert result.diff.new_text == path.read_text()


async def test_edit_then_edit_again_without_reading(ctx: ToolContext) -> None:
    path = ctx.cwd / "m.py"
    await read_file(ctx, path, "a = 1\nb = 2\n")
    await edit(ctx, path, "a = 1", "a = 10")
    await edit(ctx, path, "b = 2", "b = 20")
    assert path.read_text() == "a = 10\nb = 20\n"


async def test_not_found(ctx: ToolContext) -> None:
    path = ctx.cwd / "m.py"
    await read_file(ctx, path, "x = 1\n")
    with pytest.raises(ToolError, match="not found"):
        await edit(ctx, path, "y = 1", "y = 2")
    assert path.read_text() == "x = 1\n"


async def test_not_found_hints_at_line_number_prefixes(ctx: ToolContext) -> None:
    path = ctx.cwd / "m.py"
    await read_file(ctx, path, "x = 1\n")
    with pytest.raises(ToolError, match="line-number prefixes"):
        await edit(ctx, path, "     1\tx = 1", "x = 2")


async def test_not_unique_without_replace_all(ctx: ToolContext) -> None:
    path = ctx.cwd / "m.py"
    await read_file(ctx, path, "foo()\nfoo()\nbar()\n")
    with pytest.raises(ToolError, match="Found 2 matches") as info:
        await edit(ctx, path, "foo()", "baz()")
    assert "replace_all" in str(info.value)
    assert path.read_text() == "foo()\nfoo()\nbar()\n"


async def test_replace_all(ctx: ToolContext) -> None:
    path = ctx.cwd / "m.py"
    await read_file(ctx, path, "foo foo\nfoo\n")
    result = await edit(ctx, path, "foo", "bar", replace_all=True)
    assert path.read_text() == "bar bar\nbar\n"
    assert "replaced 3 occurrences" in result.text()


async def test_equal_strings_are_refused(ctx: ToolContext) -> None:
    path = ctx.cwd / "m.py"
    await read_file(ctx, path, "x\n")
    with pytest.raises(ToolError, match="same"):
        await edit(ctx, path, "x", "x")


async def test_unread_file_is_refused(ctx: ToolContext) -> None:
    path = ctx.cwd / "m.py"
    path.write_text("x = 1\n")
    with pytest.raises(ToolError, match="has not been read yet"):
        await edit(ctx, path, "x = 1", "x = 2")
    assert path.read_text() == "x = 1\n"


async def test_changed_since_read_is_refused(ctx: ToolContext) -> None:
    path = ctx.cwd / "m.py"
    await read_file(ctx, path, "x = 1\n")
    path.write_text("x = 1\n# formatter was here\n")
    with pytest.raises(ToolError, match="Read it again"):
        await edit(ctx, path, "x = 1", "x = 2")


async def test_crlf_is_preserved(ctx: ToolContext) -> None:
    path = ctx.cwd / "win.txt"
    await read_file(ctx, path, b"one\r\ntwo\r\nthree\r\n")
    await edit(ctx, path, "one\ntwo\n", "uno\ndos\nextra\n")
    assert path.read_bytes() == b"uno\r\ndos\r\nextra\r\nthree\r\n"


async def test_crlf_in_old_string_also_matches(ctx: ToolContext) -> None:
    path = ctx.cwd / "win.txt"
    await read_file(ctx, path, b"one\r\ntwo\r\n")
    await edit(ctx, path, "one\r\ntwo", "1\r\n2")
    assert path.read_bytes() == b"1\r\n2\r\n"


async def test_utf8_bom_is_kept(ctx: ToolContext) -> None:
    path = ctx.cwd / "bom.txt"
    await read_file(ctx, path, b"\xef\xbb\xbfhello\n")
    await edit(ctx, path, "hello", "bye")
    assert path.read_bytes() == b"\xef\xbb\xbfbye\n"


async def test_empty_old_string_creates_missing_file(ctx: ToolContext) -> None:
    path = ctx.cwd / "pkg" / "new.py"
    result = await edit(ctx, path, "", "print('hi')\n")
    assert path.read_text() == "print('hi')\n"
    assert "Created" in result.text()
    assert result.diff == Diff(str(path), None, "print('hi')\n")
    await edit(ctx, path, "hi", "hello")
    assert path.read_text() == "print('hello')\n"


async def test_empty_old_string_fills_an_empty_file(ctx: ToolContext) -> None:
    path = ctx.cwd / "empty.py"
    path.write_text("")
    await edit(ctx, path, "", "x = 1\n")
    assert path.read_text() == "x = 1\n"


async def test_empty_old_string_on_non_empty_file_is_refused(ctx: ToolContext) -> None:
    path = ctx.cwd / "m.py"
    await read_file(ctx, path, "x = 1\n")
    with pytest.raises(ToolError, match="already has content"):
        await edit(ctx, path, "", "y = 2\n")
    assert path.read_text() == "x = 1\n"


async def test_missing_file_is_an_error(ctx: ToolContext) -> None:
    with pytest.raises(ToolError, match="File does not exist"):
        await edit(ctx, ctx.cwd / "nope.py", "a", "b")


async def test_non_utf8_file_is_refused(ctx: ToolContext) -> None:
    path = ctx.cwd / "latin1.txt"
    path.write_bytes("caf\u00e9 = 1\n".encode("latin-1"))
    ctx.read_state.record(path, "pretend it was read")
    with pytest.raises(ToolError, match="not valid UTF-8"):
        await edit(ctx, path, "= 1", "= 2")
    assert path.read_bytes() == "caf\u00e9 = 1\n".encode("latin-1")


async def test_binary_file_is_refused(ctx: ToolContext) -> None:
    path = ctx.cwd / "blob"
    path.write_bytes(b"a\x00b")
    with pytest.raises(ToolError, match="binary"):
        await edit(ctx, path, "a", "b")


async def test_refused_write_is_an_error_and_not_recorded(
    make_ctx: Callable[..., ToolContext], fake_files: Any, tmp_path: Path
) -> None:
    path = tmp_path.resolve() / "m.py"
    files = fake_files({path: "x = 1\n"}, refuse="user said no")
    ctx = make_ctx(files)
    await ReadTool().run({"file_path": str(path)}, ctx)
    with pytest.raises(ToolError, match="not applied: user said no"):
        await edit(ctx, path, "x = 1", "x = 2")
    assert files.buffers[path] == "x = 1\n"
    ctx.read_state.check_fresh(path, "x = 1\n")
    with pytest.raises(ToolError):
        ctx.read_state.check_fresh(path, "x = 2\n")


async def test_edits_the_open_buffer(
    make_ctx: Callable[..., ToolContext], fake_files: Any, tmp_path: Path
) -> None:
    path = tmp_path.resolve() / "m.py"
    path.write_text("saved = 1\n")
    files = fake_files({path: "unsaved = 1\n"})
    ctx = make_ctx(files)
    await ReadTool().run({"file_path": str(path)}, ctx)
    await edit(ctx, path, "unsaved", "edited")
    assert files.writes == [(path, "edited = 1\n", "unsaved = 1\n", f"Edit {path}")]
    assert path.read_text() == "saved = 1\n"


def test_metadata(ctx: ToolContext) -> None:
    tool = EditTool()
    assert (tool.name, tool.kind, tool.read_only) == ("Edit", "edit", False)
    assert tool.title({"file_path": "/a/b"}) == "Edit /a/b"
    assert tool.validate({"file_path": "/a", "old_string": "x"}) is not None
    assert (
        tool.validate(
            {"file_path": "/a", "old_string": "x", "new_string": "y", "replace_all": "yes"}
        )
        is not None
    )
