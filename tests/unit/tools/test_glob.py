"""Glob: shell-like matching, newest-first order, the cap and ignore-file indifference."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from claude_lsp.globs import compile_glob
from claude_lsp.tools import glob as glob_module
from claude_lsp.tools import ripgrep as ripgrep_module
from claude_lsp.tools.base import ToolContext, ToolError
from claude_lsp.tools.glob import GlobTool, split_static_prefix
from claude_lsp.tools.ripgrep import ripgrep_path


def touch(root: Path, relative: str, mtime: float | None = None) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(relative)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


async def glob(ctx: ToolContext, pattern: str, path: str | None = None) -> list[str]:
    tool_input = {"pattern": pattern} if path is None else {"pattern": pattern, "path": path}
    assert GlobTool().validate(tool_input) is None
    return (await GlobTool().run(tool_input, ctx)).text().splitlines()


@pytest.fixture
def tree(ctx: ToolContext) -> Path:
    root = ctx.cwd
    for i, name in enumerate(
        ["a.py", "b.txt", "sub/c.py", "sub/deep/d.py", "sub/deep/e.txt", "x1.md", "x22.md"]
    ):
        touch(root, name, mtime=1_000_000 + i)
    return root


async def test_pattern_without_slash_is_top_level_only(ctx: ToolContext, tree: Path) -> None:
    assert await glob(ctx, "*.py") == [str(tree / "a.py")]


async def test_double_star_recurses_and_sorts_newest_first(ctx: ToolContext, tree: Path) -> None:
    assert await glob(ctx, "**/*.py") == [
        str(tree / "sub/deep/d.py"),
        str(tree / "sub/c.py"),
        str(tree / "a.py"),
    ]


async def test_mtime_order_follows_touches(ctx: ToolContext, tree: Path) -> None:
    os.utime(tree / "a.py", (2_000_000, 2_000_000))
    assert (await glob(ctx, "**/*.py"))[0] == str(tree / "a.py")


async def test_directory_prefix_and_double_star(ctx: ToolContext, tree: Path) -> None:
    assert set(await glob(ctx, "sub/**/*.py")) == {
        str(tree / "sub/c.py"),
        str(tree / "sub/deep/d.py"),
    }
    assert await glob(ctx, "sub/*.py") == [str(tree / "sub/c.py")]
    assert len(await glob(ctx, "sub/**")) == 3


async def test_braces_classes_and_question_mark(ctx: ToolContext, tree: Path) -> None:
    assert set(await glob(ctx, "*.{py,txt}")) == {str(tree / "a.py"), str(tree / "b.txt")}
    assert await glob(ctx, "[ab].py") == [str(tree / "a.py")]
    assert await glob(ctx, "[!a].txt") == [str(tree / "b.txt")]
    assert await glob(ctx, "x?.md") == [str(tree / "x1.md")]
    assert set(await glob(ctx, "**/*.{py,md}")) == {
        str(tree / p) for p in ["a.py", "sub/c.py", "sub/deep/d.py", "x1.md", "x22.md"]
    }


async def test_path_argument_and_absolute_pattern(ctx: ToolContext, tree: Path) -> None:
    assert await glob(ctx, "*.txt", path=str(tree / "sub/deep")) == [str(tree / "sub/deep/e.txt")]
    assert await glob(ctx, "*.txt", path="sub/deep") == [str(tree / "sub/deep/e.txt")]
    assert await glob(ctx, f"{tree}/sub/*.py", path="/") == [str(tree / "sub/c.py")]


async def test_no_match_and_missing_prefix(ctx: ToolContext, tree: Path) -> None:
    assert await glob(ctx, "**/*.rs") == ["No files found"]
    assert await glob(ctx, "nowhere/**/*.py") == ["No files found"]


async def test_missing_or_non_directory_path_is_an_error(ctx: ToolContext, tree: Path) -> None:
    with pytest.raises(ToolError, match="does not exist"):
        await glob(ctx, "*.py", path=str(tree / "missing"))
    with pytest.raises(ToolError, match="not a directory"):
        await glob(ctx, "*.py", path=str(tree / "a.py"))


async def test_ignores_gitignore_but_skips_dot_git(ctx: ToolContext) -> None:
    root = ctx.cwd
    touch(root, ".git/config")
    touch(root, ".gitignore").write_text("*.log\nbuild/\n")
    touch(root, "debug.log")
    touch(root, "build/out.js")
    touch(root, ".hidden/secret.txt")
    found = {Path(p).relative_to(root).as_posix() for p in await glob(ctx, "**/*")}
    assert found == {".gitignore", "debug.log", "build/out.js", ".hidden/secret.txt"}


async def test_cap_at_100_with_note(ctx: ToolContext) -> None:
    for i in range(105):
        touch(ctx.cwd, f"f{i:03}.txt", mtime=1_000_000 + i)
    lines = await glob(ctx, "*.txt")
    assert len(lines) == 101
    assert lines[0] == str(ctx.cwd / "f104.txt")
    assert lines[99] == str(ctx.cwd / "f005.txt")
    assert "truncated" in lines[100] and "105" in lines[100]


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("**/*.py", "a.py", True),
        ("**/*.py", "x/y/a.py", True),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b", True),
        ("a/**/b", "ab", False),
        ("*.py", "x/a.py", False),
        ("?", "/", False),
        ("[!a]", "/", False),
        ("a**b", "a/b", False),
        ("{a,b/**/c}.py", "b/x/c.py", True),
        (r"\*.py", "*.py", True),
        (r"\*.py", "a.py", False),
        ("{x}.py", "{x}.py", True),
        ("[a-c]z", "bz", True),
        ("[unclosed", "[unclosed", True),
    ],
)
def test_glob_translation(pattern: str, path: str, matches: bool) -> None:
    assert bool(compile_glob(pattern).fullmatch(path)) is matches


def test_split_static_prefix() -> None:
    assert split_static_prefix("src/**/*.py") == ("src", "**/*.py")
    assert split_static_prefix("*.py") == ("", "*.py")
    assert split_static_prefix("/abs/dir/*.py") == ("/abs/dir", "*.py")
    assert split_static_prefix("a/b/c.txt") == ("a/b", "c.txt")
    assert split_static_prefix("{a,b}/c") == ("", "{a,b}/c")


def test_ripgrep_path_prefers_the_one_beside_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "rg").write_text("#!/bin/sh\n")
    monkeypatch.setattr(sys, "executable", str(fake_bin / "python"))
    assert ripgrep_path() == str(fake_bin / "rg")


def test_ripgrep_path_falls_back_to_path_then_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    on_path = tmp_path / "path"
    on_path.mkdir()
    rg = on_path / "rg"
    rg.write_text("#!/bin/sh\n")
    rg.chmod(0o755)
    monkeypatch.setenv("PATH", str(on_path))
    assert ripgrep_path() == str(rg)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ToolError, match="ripgrep"):
        ripgrep_path()
    assert ripgrep_module.ripgrep_path is ripgrep_path


def test_metadata(ctx: ToolContext) -> None:
    tool = GlobTool()
    assert (tool.name, tool.kind, tool.read_only) == ("Glob", "search", True)
    assert tool.title({"pattern": "*.py", "path": "src"}) == "Glob *.py in src"
    assert tool.paths({"pattern": "*.py"}, ctx) == [ctx.cwd]
    assert glob_module.MAX_RESULTS == 100
