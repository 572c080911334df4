"""Write: create a file or replace its whole content.

Replacing an existing file is only allowed once the model has read its current content,
so that a stale picture of the file cannot wipe out the user's work.
"""

from __future__ import annotations

from typing import Any, ClassVar

from claude_lsp.tools.base import Diff, Tool, ToolContext, ToolKind, ToolResult
from claude_lsp.tools.text_files import load_text, save_text, split_lines


class WriteTool(Tool):
    name: ClassVar[str] = "Write"
    description: ClassVar[str] = (
        "Write a file to the local filesystem, creating it (and missing parent folders) or "
        "replacing all of its content.\n\n"
        "- An existing file must have been read with Read first, and must not have changed "
        "since; otherwise the write is refused.\n"
        "- To change part of an existing file prefer Edit, which sends only the change.\n"
        "- The file keeps its line endings (LF or CRLF).\n"
        "- Do not create documentation or README files unless the user asked for them."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "file_path": {
                "type": "string",
                "description": "Absolute path of the file to write.",
            },
            "content": {
                "type": "string",
                "description": "The complete new content of the file.",
            },
        },
        "required": ["file_path", "content"],
        "additionalProperties": False,
    }
    read_only: ClassVar[bool] = False
    target_field = "file_path"
    kind: ClassVar[ToolKind] = "edit"

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        path = ctx.resolve(str(tool_input["file_path"]))
        content = str(tool_input["content"])
        current = await load_text(ctx, path)
        if current is None:
            await save_text(ctx, path, content, old_text=None, title=self.title(tool_input))
            lines = len(split_lines(content))
            return ToolResult(
                f"Created {path} ({lines} line{'' if lines == 1 else 's'}).",
                diff=Diff(str(path), None, content),
            )
        ctx.read_state.check_fresh(path, current.raw)
        new_text = current.to_file(content)
        if current.newline == "\r\n" and "\n" in content and "\r\n" not in content:
            note = " Line endings were kept as CRLF."
        else:
            note = ""
        await save_text(ctx, path, new_text, old_text=current.raw, title=self.title(tool_input))
        lines = len(split_lines(content.replace("\r\n", "\n")))
        return ToolResult(
            f"Updated {path} ({lines} line{'' if lines == 1 else 's'}).{note}",
            diff=Diff(str(path), current.raw, new_text),
        )
