"""NotebookEdit: replace, insert or delete one cell of a Jupyter notebook by its id.

Like Edit it needs the notebook read first and unchanged since, and it writes through the
host (an open notebook changes in the editor). Only the cell changes; the rest of the
JSON, metadata and other outputs included, stays as it was.
"""

from __future__ import annotations

from typing import Any, ClassVar

from claude_lsp.tools.base import Diff, Tool, ToolContext, ToolError, ToolKind, ToolResult
from claude_lsp.tools.notebooks import Notebook, as_lines, is_notebook
from claude_lsp.tools.text_files import TextFile, load_text, missing_file_message, save_text

EDIT_MODES = ("replace", "insert", "delete")
CELL_TYPES = ("code", "markdown")


class NotebookEditTool(Tool):
    name: ClassVar[str] = "NotebookEdit"
    description: ClassVar[str] = (
        "Change one cell of a Jupyter notebook (.ipynb): replace its source, insert a new "
        "cell, or delete it.\n\n"
        "- Read the notebook first: Read shows every cell with its id, and NotebookEdit "
        "refuses a notebook that was not read or changed since.\n"
        "- edit_mode replace (the default) sets the source of cell_id; a code cell's "
        "outputs and execution count are cleared, since they no longer match it. "
        "cell_type changes the cell's type as well.\n"
        "- edit_mode insert adds a new cell after cell_id, or at the start without one; "
        "cell_type is required.\n"
        "- edit_mode delete removes cell_id (new_source is ignored).\n"
        "- notebook_path must be absolute; a relative path is taken from the working "
        "directory."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "notebook_path": {
                "type": "string",
                "description": "Absolute path of the notebook (.ipynb) to change.",
            },
            "cell_id": {
                "type": "string",
                "description": "Id of the cell to replace or delete, or the cell to insert "
                "after (as Read shows it).",
            },
            "new_source": {"type": "string", "description": "The new source of the cell."},
            "cell_type": {
                "type": "string",
                "enum": list(CELL_TYPES),
                "description": "The cell's type: required to insert, optional to replace.",
            },
            "edit_mode": {
                "type": "string",
                "enum": list(EDIT_MODES),
                "description": "replace (default), insert or delete.",
            },
        },
        "required": ["notebook_path", "new_source"],
        "additionalProperties": False,
    }
    read_only: ClassVar[bool] = False
    target_field = "notebook_path"
    kind: ClassVar[ToolKind] = "edit"

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        given = str(tool_input["notebook_path"])
        path = ctx.resolve(given)
        if not is_notebook(path):
            raise ToolError(f"{path} is not a Jupyter notebook (.ipynb); use Edit for it.")
        current = await load_text(ctx, path)
        if current is None:
            raise ToolError(missing_file_message(path, ctx, given))
        ctx.read_state.check_fresh(path, current.raw)
        new_text, done = edited(current, tool_input)
        await save_text(ctx, path, new_text, old_text=current.raw, title=self.title(tool_input))
        return ToolResult(f"{done}, in {path}.", diff=Diff(str(path), current.raw, new_text))


def edited(current: TextFile, tool_input: dict[str, Any]) -> tuple[str, str]:
    """The notebook's new text after the edit `tool_input` asks for, and what was done.

    Pure, so a permission question can show the change before it is made.
    """
    notebook = Notebook.parse(current.path, current.text)
    mode = str(tool_input.get("edit_mode") or "replace")
    cell_id = tool_input.get("cell_id")
    cell_type = tool_input.get("cell_type")
    source = str(tool_input["new_source"])
    if mode == "insert":
        if cell_type is None:
            raise ToolError("cell_type (code or markdown) is required to insert a cell.")
        at = notebook.index_of(cell_id) + 1 if cell_id else 0
        notebook.cells.insert(at, notebook.new_cell(cell_type, source))
        done = f"Inserted {cell_type} cell {notebook.cell_id(at)} at position {at + 1}"
        done += _shifted(notebook, at + 1)
    elif not cell_id:
        raise ToolError(f"cell_id is required to {mode} a cell.")
    elif mode == "delete":
        at = notebook.index_of(cell_id)
        del notebook.cells[at]
        done = f"Deleted cell {cell_id}" + _shifted(notebook, at)
    else:
        _replace(notebook, notebook.index_of(cell_id), source, cell_type)
        done = f"Replaced the source of cell {cell_id}"
    return current.to_file(notebook.dumps()), done


def _shifted(notebook: Notebook, first: int) -> str:
    """Where cells are named by position, the ids from `first` on now name other cells."""
    if notebook.has_ids() or first >= len(notebook.cells):
        return ""
    return f" (cells from cell-{first} on are numbered anew: Read again before using them)"


def _replace(notebook: Notebook, index: int, source: str, cell_type: str | None) -> None:
    """New source for a cell (and a new type when given); stale outputs go."""
    cell = notebook.cells[index]
    if cell_type is not None and cell_type != cell.get("cell_type"):
        replacement = notebook.new_cell(cell_type, source)
        keep = ("id", "metadata", "attachments") if cell_type == "markdown" else ("id", "metadata")
        replacement.update({key: cell[key] for key in keep if key in cell})
        notebook.cells[index] = replacement
        return
    cell["source"] = as_lines(source) if isinstance(cell.get("source"), list) else source
    if cell.get("cell_type") == "code":
        cell["outputs"] = []
        cell["execution_count"] = None
