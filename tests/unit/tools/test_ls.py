"""LS: tree layout, skipped entries, ignore globs, the cap and refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_lsp.tools.base import ToolContext, ToolError
from claude_lsp.tools.ls import LSTool


async def ls(ctx: ToolContext, path: Path | str, ignore: list[str] | None = None) -> str:
    tool_input: dict[str, object] = {"path": str(path)}
    if ignore is not None:
        tool_input["ignore"] = ignore
    assert LSTool().validate(tool_input) is None
    return (await LSTool().run(tool_input, ctx)).text()


def make(root: Path, *relatives: str) -> None:
    for relative in relatives:
        path = root / relative
        if relative.endswith("/"):
            path.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x")


async def test_tree_layout_dirs_first_and_skips(ctx: ToolContext) -> None:
    root = ctx.cwd
    make(
        root,
        "README.md",
        "setup.py",
        "src/pkg/__init__.py",
        "src/pkg/core.py",
        "src/pkg/__pycache__/core.cpython-311.pyc",
        "src/main.py",
        "docs/",
        ".git/HEAD",
        ".env",
    )
    assert await ls(ctx, root) == "\n".join(
        [
            f"- {root}/",
            "  - docs/",
            "  - src/",
            "    - pkg/",
            "      - __init__.py",
            "      - core.py",
            "    - main.py",
            "  - README.md",
            "  - setup.py",
        ]
    )


async def test_ignore_globs_match_names_and_paths(ctx: ToolContext) -> None:
    root = ctx.cwd
    make(root, "app.log", "app.py", "node_modules/x/index.js", "src/gen/out.py", "src/m.py")
    out = await ls(ctx, root, ignore=["*.log", "node_modules", "src/gen"])
    assert out.splitlines() == [f"- {root}/", "  - src/", "    - m.py", "  - app.py"]


async def test_relative_path_and_empty_directory(ctx: ToolContext) -> None:
    (ctx.cwd / "empty").mkdir()
    out = await ls(ctx, "empty")
    assert out.splitlines() == [f"- {ctx.cwd / 'empty'}/", "  (empty directory)"]


async def test_cap_with_truncation_note(ctx: ToolContext) -> None:
    root = ctx.cwd
    (root / "aaa").mkdir()
    for i in range(1010):
        (root / f"f{i:04}.txt").write_text("")
    (root / "aaa" / "inner.txt").write_text("")
    out = await ls(ctx, root)
    entries = [line for line in out.splitlines() if line.lstrip().startswith("- ")]
    assert len(entries) == 1 + 1000
    assert "  - aaa/" in out
    assert "inner.txt" not in out  # breadth first: the top level comes before depth
    assert "more than 1000 entries" in out


async def test_missing_and_file_paths_are_errors(ctx: ToolContext) -> None:
    with pytest.raises(ToolError, match="does not exist"):
        await ls(ctx, ctx.cwd / "missing")
    (ctx.cwd / "f.txt").write_text("")
    with pytest.raises(ToolError, match="not a directory"):
        await ls(ctx, ctx.cwd / "f.txt")


async def test_symlinked_directory_is_listed_not_followed(ctx: ToolContext) -> None:
    root = ctx.cwd
    make(root, "real/file.txt")
    (root / "link").symlink_to(root / "real")
    out = await ls(ctx, root)
    assert "  - link/" in out
    assert out.count("file.txt") == 1


def test_metadata(ctx: ToolContext) -> None:
    tool = LSTool()
    assert (tool.name, tool.kind, tool.read_only) == ("LS", "search", True)
    assert tool.title({"path": "/x"}) == "LS /x"
    assert tool.paths({"path": "sub"}, ctx) == [ctx.cwd / "sub"]
    assert tool.validate({"path": "/x", "ignore": "*.log"}) is not None
