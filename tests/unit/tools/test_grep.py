"""Grep: every output mode and option, errors, ignore rules and cancellation."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claude_lsp.tools import ripgrep as ripgrep_module
from claude_lsp.tools.base import ToolContext, ToolError
from claude_lsp.tools.grep import GrepTool


async def grep(ctx: ToolContext, pattern: str, **extra: Any) -> str:
    tool_input = {"pattern": pattern, **extra}
    assert GrepTool().validate(tool_input) is None
    return (await GrepTool().run(tool_input, ctx)).text()


def write(root: Path, relative: str, text: str, mtime: float | None = None) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


@pytest.fixture
def repo(ctx: ToolContext) -> Path:
    root = ctx.cwd
    write(root, "a.py", "def foo():\n    return 1\n\n\nfoo()\n", mtime=1_000_000)
    write(root, "b.py", "FOO = 2\n", mtime=1_000_001)
    write(root, "notes/c.txt", "foo bar\nbaz\n", mtime=1_000_002)
    return root


async def test_files_with_matches_is_default_and_newest_first(ctx: ToolContext, repo: Path) -> None:
    out = await grep(ctx, "foo")
    assert out.splitlines() == ["Found 2 files", "notes/c.txt", "a.py"]


async def test_ignore_case(ctx: ToolContext, repo: Path) -> None:
    out = await grep(ctx, "foo", **{"-i": True})
    assert out.splitlines() == ["Found 3 files", "notes/c.txt", "b.py", "a.py"]


async def test_content_mode_with_and_without_line_numbers(ctx: ToolContext, repo: Path) -> None:
    out = await grep(ctx, "foo", output_mode="content", path="a.py")
    assert out.splitlines() == ["a.py:1:def foo():", "a.py:5:foo()"]
    out = await grep(ctx, "foo", output_mode="content", path="a.py", **{"-n": False})
    assert out.splitlines() == ["a.py:def foo():", "a.py:foo()"]


async def test_context_lines(ctx: ToolContext, repo: Path) -> None:
    after = await grep(ctx, "def", output_mode="content", **{"-A": 1})
    assert after.splitlines() == ["a.py:1:def foo():", "a.py-2-    return 1"]
    before = await grep(ctx, "return", output_mode="content", **{"-B": 1})
    assert before.splitlines() == ["a.py-1-def foo():", "a.py:2:    return 1"]
    around = await grep(ctx, "return", output_mode="content", **{"-C": 1})
    assert around.splitlines() == ["a.py-1-def foo():", "a.py:2:    return 1", "a.py-3-"]


async def test_count_mode(ctx: ToolContext, repo: Path) -> None:
    out = await grep(ctx, "foo", output_mode="count")
    lines = out.splitlines()
    assert lines[:2] == ["a.py:2", "notes/c.txt:1"]
    assert "Found 3 matching lines in 2 files" in out


async def test_glob_and_type_filters(ctx: ToolContext, repo: Path) -> None:
    assert (await grep(ctx, "foo", glob="*.txt")).splitlines() == ["Found 1 file", "notes/c.txt"]
    assert (await grep(ctx, "foo", type="py")).splitlines() == ["Found 1 file", "a.py"]
    both = await grep(ctx, "foo", glob="*.py *.txt")
    assert both.splitlines()[0] == "Found 2 files"


async def test_unknown_type_is_an_error(ctx: ToolContext, repo: Path) -> None:
    with pytest.raises(ToolError, match="ripgrep failed"):
        await grep(ctx, "foo", type="no-such-type")


async def test_head_limit_and_offset(ctx: ToolContext, repo: Path) -> None:
    out = await grep(ctx, "foo", **{"-i": True, "head_limit": 1})
    assert out.splitlines()[:2] == ["Found 3 files", "notes/c.txt"]
    assert "offset=1" in out
    out = await grep(ctx, "foo", **{"-i": True, "head_limit": 1, "offset": 1})
    assert out.splitlines()[:2] == ["Found 3 files", "b.py"]
    assert "offset=2" in out
    out = await grep(ctx, "foo", **{"-i": True, "offset": 2})
    assert out.splitlines() == ["Found 3 files", "a.py"]
    content = await grep(ctx, r"\w", output_mode="content", path="a.py", head_limit=1, offset=1)
    assert content.splitlines()[0] == "a.py:2:    return 1"
    assert "Showing lines 2-2 of 3" in content and "offset=2" in content
    unlimited = await grep(ctx, "foo", **{"-i": True, "head_limit": 0})
    assert unlimited.splitlines() == ["Found 3 files", "notes/c.txt", "b.py", "a.py"]
    count = await grep(ctx, "foo", output_mode="count", head_limit=1)
    assert count.splitlines()[0] == "a.py:2"
    assert "notes/c.txt:1" not in count
    assert "Found 3 matching lines in 2 files" in count


async def test_multiline(ctx: ToolContext, repo: Path) -> None:
    pattern = r"def foo\(\):\n\s+return"
    with pytest.raises(ToolError):
        await grep(ctx, pattern)
    out = await grep(ctx, pattern, multiline=True, output_mode="content")
    assert out.splitlines() == ["a.py:1:def foo():", "a.py:2:    return 1"]
    dotall = await grep(ctx, r"def.*return", multiline=True)
    assert dotall.splitlines() == ["Found 1 file", "a.py"]


async def test_bad_regex_reports_rg_error(ctx: ToolContext, repo: Path) -> None:
    with pytest.raises(ToolError, match="regex"):
        await grep(ctx, "foo(")


async def test_pattern_starting_with_dash(ctx: ToolContext) -> None:
    write(ctx.cwd, "cli.sh", "run --verbose\n")
    out = await grep(ctx, "--verbose", output_mode="content")
    assert out == "cli.sh:1:run --verbose"


async def test_no_matches(ctx: ToolContext, repo: Path) -> None:
    assert await grep(ctx, "zebra") == "No matches found"


async def test_gitignore_respected_hidden_searched_git_skipped(ctx: ToolContext) -> None:
    root = ctx.cwd
    write(root, ".gitignore", "ignored.py\n")
    write(root, "ignored.py", "needle\n")
    write(root, "kept.py", "needle\n")
    write(root, ".config/settings.toml", "needle\n")
    write(root, ".git/HEAD", "needle\n")
    out = await grep(ctx, "needle")
    assert set(out.splitlines()) == {"Found 2 files", "kept.py", ".config/settings.toml"}


async def test_paths_relative_below_cwd_absolute_outside(
    make_ctx: Callable[..., ToolContext], tmp_path: Path
) -> None:
    root = tmp_path.resolve()
    write(root, "proj/src/m.py", "needle\n")
    write(root, "other/x.py", "needle\n")
    ctx = make_ctx(cwd=root / "proj")
    assert (await grep(ctx, "needle", path=str(root / "proj" / "src"))).splitlines() == [
        "Found 1 file",
        "src/m.py",
    ]
    assert (await grep(ctx, "needle", path=str(root / "other"))).splitlines() == [
        "Found 1 file",
        str(root / "other" / "x.py"),
    ]
    single = await grep(ctx, "needle", path="src/m.py", output_mode="content")
    assert single == "src/m.py:1:needle"


async def test_missing_path_is_an_error(ctx: ToolContext) -> None:
    with pytest.raises(ToolError, match="does not exist"):
        await grep(ctx, "x", path="nowhere")


async def test_minified_lines_are_shortened(ctx: ToolContext) -> None:
    write(ctx.cwd, "min.js", "var a=1;" * 500 + "needle\n")
    out = await grep(ctx, "needle", output_mode="content")
    assert len(out) < 1000
    assert out.startswith("min.js:1:var a=1;")


async def test_cancellation_kills_ripgrep(
    ctx: ToolContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pid_file = tmp_path / "rg.pid"
    script = tmp_path / "slow-rg"
    script.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 30\n")
    script.chmod(0o755)
    monkeypatch.setattr(ripgrep_module, "ripgrep_path", lambda: str(script))
    task = asyncio.create_task(GrepTool().run({"pattern": "x"}, ctx))
    for _ in range(200):
        if pid_file.exists() and pid_file.read_text().strip():
            break
        await asyncio.sleep(0.02)
    pid = int(pid_file.read_text())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_metadata(ctx: ToolContext) -> None:
    tool = GrepTool()
    assert (tool.name, tool.kind, tool.read_only) == ("Grep", "search", True)
    assert tool.title({"pattern": "foo", "path": "src"}) == "Grep foo in src"
    assert tool.validate({"pattern": "x", "output_mode": "lines"}) is not None
    assert tool.validate({"pattern": "x", "-C": 2, "-i": True, "head_limit": 5}) is None
    assert set(tool.input_schema["properties"]) == {
        "pattern",
        "path",
        "glob",
        "type",
        "output_mode",
        "-i",
        "-n",
        "-A",
        "-B",
        "-C",
        "multiline",
        "head_limit",
        "offset",
    }
