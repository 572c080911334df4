"""Edit: replace an exact piece of text in a file.

Exact, unique matches make edits predictable: the model must quote what is there, so a
stale or ambiguous picture of the file fails loudly instead of changing the wrong spot.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from claude_lsp.tools.base import Diff, Tool, ToolContext, ToolError, ToolKind, ToolResult
from claude_lsp.tools.notebooks import is_notebook
from claude_lsp.tools.text_files import (
    load_text,
    missing_file_message,
    normalize_newlines,
    number_lines,
    save_text,
    split_lines,
)

SNIPPET_CONTEXT = 4
SNIPPET_MAX_LINES = 40
_LINE_NUMBER_PREFIX = re.compile(r"^\s*\d+\t", re.MULTILINE)


class EditTool(Tool):
    name: ClassVar[str] = "Edit"
    description: ClassVar[str] = (
        "Replace exact text in a file.\n\n"
        "- Read the file first; an edit to a file that was not read, or that changed since "
        "it was read, is refused.\n"
        "- old_string must match the file exactly, indentation and whitespace included. Copy "
        "it from Read's output without the line-number prefix (the number and the tab).\n"
        "- old_string must occur exactly once unless replace_all is true; add surrounding "
        "lines to make it unique. replace_all changes every occurrence (handy for renames).\n"
        "- An empty old_string creates a new file with new_string as its content (or fills "
        "an empty file).\n"
        "- Line endings are handled for you: CRLF files stay CRLF."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "file_path": {
                "type": "string",
                "description": "Absolute path of the file to change.",
            },
            "old_string": {
                "type": "string",
                "description": "The exact text to replace.",
            },
            "new_string": {
                "type": "string",
                "description": "The text to put in its place (must differ from old_string).",
            },
            "replace_all": {
                "type": "boolean",
                "default": False,
                "description": "Replace every occurrence of old_string instead of requiring "
                "it to be unique. Defaults to false.",
            },
        },
        "required": ["file_path", "old_string", "new_string"],
        "additionalProperties": False,
    }
    read_only: ClassVar[bool] = False
    target_field = "file_path"
    kind: ClassVar[ToolKind] = "edit"

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        given = str(tool_input["file_path"])
        path = ctx.resolve(given)
        if is_notebook(path):
            raise ToolError(
                f"{path} is a Jupyter notebook: Read shows its cells, and NotebookEdit "
                "changes one by its id."
            )
        old = normalize_newlines(str(tool_input["old_string"]))
        new = normalize_newlines(str(tool_input["new_string"]))
        replace_all = bool(tool_input.get("replace_all", False))
        if old == new:
            raise ToolError("No changes to make: old_string and new_string are exactly the same.")

        current = await load_text(ctx, path)
        title = self.title(tool_input)
        if current is None:
            if old != "":
                raise ToolError(
                    missing_file_message(path, ctx, given)
                    + ". To create a new file, use an empty old_string or the Write tool."
                )
            await save_text(ctx, path, new, old_text=None, title=title)
            return ToolResult(
                f"Created {path} with the given content.\n{_snippet(new, 0, new)}",
                diff=Diff(str(path), None, new),
            )

        if old == "":
            if current.text.strip():
                raise ToolError(
                    f"old_string is empty but {path} already has content. Give the exact "
                    "text to replace, or use Write to replace the whole file."
                )
            # An empty file holds nothing the model could clobber, so no Read is needed.
            updated = new
            first_index = 0
            replaced = 1
        else:
            ctx.read_state.check_fresh(path, current.raw)
            count = current.text.count(old)
            if count == 0:
                raise ToolError(_not_found_message(path, old))
            if count > 1 and not replace_all:
                raise ToolError(
                    f"Found {count} matches of old_string in {path}, but replace_all is "
                    "false. Include more surrounding lines in old_string so that it matches "
                    "exactly one place, or set replace_all to true to change all of them."
                )
            first_index = current.text.index(old)
            if replace_all:
                updated = current.text.replace(old, new)
                replaced = count
            else:
                updated = current.text.replace(old, new, 1)
                replaced = 1

        new_raw = current.to_file(updated)
        await save_text(ctx, path, new_raw, old_text=current.raw, title=title)
        what = "1 occurrence" if replaced == 1 else f"{replaced} occurrences"
        return ToolResult(
            f"Edited {path}: replaced {what}. The result around the first change:\n"
            f"{_snippet(updated, first_index, new)}",
            diff=Diff(str(path), current.raw, new_raw),
        )


def _snippet(text: str, index: int, inserted: str) -> str:
    """Numbered lines of `text` around the `inserted` text that starts at `index`."""
    lines = split_lines(text)
    if not lines:
        return "(the file is now empty)"
    start = text.count("\n", 0, index) + 1
    end = start + inserted.count("\n") - (1 if inserted.endswith("\n") else 0)
    first = max(1, start - SNIPPET_CONTEXT)
    last = min(len(lines), end + SNIPPET_CONTEXT, first + SNIPPET_MAX_LINES - 1)
    return number_lines(lines[first - 1 : last], first)


def _not_found_message(path: Path, old: str) -> str:
    message = (
        f"old_string was not found in {path}. It must match the file exactly, including "
        "whitespace and indentation; Read the file again to copy the current text."
    )
    if _LINE_NUMBER_PREFIX.search(old):
        message += (
            " old_string seems to contain line-number prefixes from Read's output; leave "
            "out the number and the tab that follows it."
        )
    return message
