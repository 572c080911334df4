"""Notebooks: Read shows cells with ids and outputs (images as images); NotebookEdit
replaces, inserts and deletes cells by id, under the read-before-write rule, leaving the
rest of the JSON as it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.unit.tools.conftest import FakeFiles, MakeCtx

from claude_lsp.tools.base import ToolContext, ToolError, ToolResult
from claude_lsp.tools.notebook_edit import NotebookEditTool
from claude_lsp.tools.read import ReadTool
from claude_lsp.tools.registry import builtin_tools

PNG = (  # a 1x1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9aw"
    "AAAABJRU5ErkJggg=="
)


def notebook(minor: int = 5) -> dict[str, Any]:
    with_ids = minor >= 5
    cells: list[dict[str, Any]] = [
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": ["# Sums\n", "Adding numbers."],
        },
        {
            "cell_type": "code",
            "execution_count": 3,
            "metadata": {"tags": ["keep"]},
            "source": "print(add(1, 2))",
            "outputs": [
                {"output_type": "stream", "name": "stdout", "text": ["3\n"]},
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"image/png": PNG + "\n", "text/plain": ["<Figure 1>"]},
                },
            ],
        },
        {
            "cell_type": "code",
            "execution_count": 4,
            "metadata": {},
            "source": "1 / 0",
            "outputs": [
                {
                    "output_type": "error",
                    "ename": "ZeroDivisionError",
                    "evalue": "division by zero",
                    "traceback": ["\x1b[0;31mZeroDivisionError\x1b[0m: division by zero"],
                }
            ],
        },
    ]
    if with_ids:
        for cell, cell_id in zip(cells, ("intro", "sum", "boom"), strict=True):
            cell["id"] = cell_id
    return {
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": minor,
    }


def write_notebook(path: Path, data: dict[str, Any]) -> str:
    text = json.dumps(data, indent=1) + "\n"
    path.write_text(text)
    return text


async def read(ctx: ToolContext, path: Path) -> ToolResult:
    return await ReadTool().run({"file_path": str(path)}, ctx)


async def edit(ctx: ToolContext, path: Path, **fields: Any) -> ToolResult:
    tool_input = {"notebook_path": str(path), "new_source": "", **fields}
    assert NotebookEditTool().validate(tool_input) is None
    return await NotebookEditTool().run(tool_input, ctx)


def cells_of(path: Path) -> list[dict[str, Any]]:
    cells: list[dict[str, Any]] = json.loads(path.read_text())["cells"]
    return cells


async def test_read_shows_cells_outputs_and_images(ctx: ToolContext) -> None:
    path = ctx.cwd / "sums.ipynb"
    write_notebook(path, notebook())
    result = await read(ctx, path)

    blocks = result.as_blocks()
    assert [block["type"] for block in blocks] == ["text", "image", "text"]
    first, image, rest = blocks
    assert first["text"].startswith('<cell id="intro" type="markdown">\n# Sums\nAdding numbers.')
    assert (
        '<cell id="sum" type="code" execution_count="3">\nprint(add(1, 2))\n</cell>'
        in (first["text"])
    )
    assert '<output cell="sum">\n3\n</output>' in first["text"]
    assert '<output cell="sum">\n<Figure 1>\n</output>' in first["text"]
    assert image["source"] == {"type": "base64", "media_type": "image/png", "data": PNG}
    # The traceback without its terminal colours.
    assert '<output cell="boom">\nZeroDivisionError: division by zero\n</output>' in rest["text"]
    assert "\x1b" not in rest["text"]


async def test_cells_without_ids_are_named_by_position(ctx: ToolContext) -> None:
    path = ctx.cwd / "old.ipynb"
    write_notebook(path, notebook(minor=4))
    text = (await read(ctx, path)).text()
    assert '<cell id="cell-0" type="markdown">' in text and '<cell id="cell-2"' in text

    await edit(ctx, path, cell_id="cell-1", new_source="print(2)")
    assert cells_of(path)[1]["source"] == "print(2)"
    await edit(
        ctx, path, cell_id="cell-0", new_source="x = 1", cell_type="code", edit_mode="insert"
    )
    assert "id" not in cells_of(path)[1]  # nbformat 4.4 cells have no ids


async def test_replace_clears_stale_outputs_and_keeps_everything_else(ctx: ToolContext) -> None:
    path = ctx.cwd / "sums.ipynb"
    before = write_notebook(path, notebook())
    await read(ctx, path)
    result = await edit(ctx, path, cell_id="sum", new_source="print(add(2, 2))")

    data = json.loads(path.read_text())
    cell = data["cells"][1]
    assert cell["source"] == "print(add(2, 2))"
    assert cell["outputs"] == [] and cell["execution_count"] is None
    assert cell["metadata"] == {"tags": ["keep"]} and cell["id"] == "sum"
    assert data["cells"][2] == notebook()["cells"][2]  # other outputs stay
    assert data["metadata"] == {"kernelspec": {"name": "python3"}}
    assert result.diff is not None and result.diff.old_text == before
    assert "Replaced the source of cell sum" in result.text()


async def test_replace_can_change_the_cell_type(ctx: ToolContext) -> None:
    path = ctx.cwd / "sums.ipynb"
    write_notebook(path, notebook())
    await read(ctx, path)
    await edit(ctx, path, cell_id="boom", new_source="Zero fails.", cell_type="markdown")
    cell = cells_of(path)[2]
    assert cell == {
        "cell_type": "markdown",
        "metadata": {},
        "source": "Zero fails.",
        "id": "boom",
    }


async def test_insert_and_delete(ctx: ToolContext) -> None:
    path = ctx.cwd / "sums.ipynb"
    write_notebook(path, notebook())
    await read(ctx, path)
    inserted = await edit(
        ctx, path, cell_id="sum", new_source="add(3, 4)", cell_type="code", edit_mode="insert"
    )
    cells = cells_of(path)
    assert [cell.get("id") for cell in cells][:2] == ["intro", "sum"]
    new = cells[2]
    assert new["source"] == "add(3, 4)" and new["outputs"] == []
    assert len(new["id"]) == 8 and new["id"] in inserted.text()

    await edit(ctx, path, new_source="Start", cell_type="markdown", edit_mode="insert")
    assert cells_of(path)[0]["source"] == "Start"

    await edit(ctx, path, cell_id="boom", edit_mode="delete")
    assert [cell.get("id") for cell in cells_of(path)][-1] == new["id"]


async def test_mistakes_are_explained_and_change_nothing(ctx: ToolContext) -> None:
    path = ctx.cwd / "sums.ipynb"
    text = write_notebook(path, notebook())
    with pytest.raises(ToolError, match="has not been read yet"):
        await edit(ctx, path, cell_id="sum", new_source="x")
    await read(ctx, path)
    with pytest.raises(ToolError, match=r"No cell with id 'nope'.*intro, sum, boom"):
        await edit(ctx, path, cell_id="nope", new_source="x")
    with pytest.raises(ToolError, match=r"cell_type .* is required to insert"):
        await edit(ctx, path, new_source="x", edit_mode="insert")
    with pytest.raises(ToolError, match="cell_id is required to delete"):
        await edit(ctx, path, edit_mode="delete")
    with pytest.raises(ToolError, match="not a Jupyter notebook"):
        await edit(ctx, ctx.cwd / "calc.py", cell_id="sum", new_source="x")
    assert path.read_text() == text

    broken = ctx.cwd / "broken.ipynb"
    broken.write_text("{not json")
    with pytest.raises(ToolError, match="not a valid notebook"):
        await read(ctx, broken)


async def test_an_open_notebook_is_read_and_edited_through_the_editor(
    make_ctx: MakeCtx, tmp_path: Path
) -> None:
    path = tmp_path / "sums.ipynb"
    write_notebook(path, notebook())
    unsaved = notebook()
    unsaved["cells"][0]["source"] = "# Sums (unsaved title)"
    files = FakeFiles({path: json.dumps(unsaved, indent=1) + "\n"})
    ctx = make_ctx(files)

    assert "# Sums (unsaved title)" in (await read(ctx, path)).text()
    await edit(ctx, path, cell_id="intro", new_source="# Totals")
    assert json.loads(files.buffers[path])["cells"][0]["source"] == "# Totals"
    assert json.loads(path.read_text())["cells"][0]["source"] == ["# Sums\n", "Adding numbers."]


def test_notebook_edit_is_offered_to_the_model_as_an_edit(ctx: ToolContext) -> None:
    tool = next(tool for tool in builtin_tools() if tool.name == "NotebookEdit")
    assert tool.kind == "edit" and not tool.read_only
    call = {"notebook_path": "a.ipynb", "new_source": ""}
    assert tool.paths(call, ctx) == [ctx.cwd / "a.ipynb"]  # what Edit(...) rules match
