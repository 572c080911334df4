"""Read: show a file with line numbers (or an image as an image block).

Line numbers let the model point at code precisely; the caps keep one call from flooding
the context window, and every read is recorded so that later writes can be checked.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from claude_lsp.tools.base import Tool, ToolContext, ToolError, ToolKind, ToolResult
from claude_lsp.tools.images import MAX_IMAGE_BYTES, image_media_type
from claude_lsp.tools.notebooks import Notebook, is_notebook
from claude_lsp.tools.text_files import (
    BOM,
    SNIFF_BYTES,
    TextFile,
    binary_error,
    decode_utf8,
    format_line,
    looks_binary,
    missing_file_message,
    split_lines,
)

DEFAULT_LIMIT = 2000
MAX_FULL_READ_BYTES = 256 * 1024
MAX_OUTPUT_CHARS = 256 * 1024
# A notebook is read whole (its outputs make it big) up to this size.
MAX_NOTEBOOK_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True)
class _Window:
    """The lines a streamed read kept, the file's line count and its content digest."""

    lines: list[str]
    total: int
    digest: str


def _read_window(path: Path, first: int, count: int) -> _Window:
    """Stream a large file once: keep lines [first, first + count), hash everything."""
    digest = hashlib.sha256()
    kept: list[bytes] = []
    total = 0
    with path.open("rb") as handle:
        for raw in handle:
            digest.update(raw)
            total += 1
            if first <= total < first + count:
                kept.append(raw)
    lines: list[str] = []
    for index, raw in enumerate(kept):
        text = decode_utf8(path, raw)
        if index == 0 and first == 1:
            text = text.removeprefix(BOM)
        if text.endswith("\r\n"):
            text = text[:-2]
        elif text.endswith("\n"):
            text = text[:-1]
        lines.append(text)
    return _Window(lines, total, digest.hexdigest())


class ReadTool(Tool):
    name: ClassVar[str] = "Read"
    description: ClassVar[str] = (
        "Read a file from the local filesystem and return it with line numbers.\n\n"
        "- file_path should be absolute; a relative path is taken from the working "
        "directory.\n"
        f"- By default up to {DEFAULT_LIMIT} lines are returned from the start of the "
        "file. For long files pass offset (1-based line to start at) and limit (how many "
        "lines) to read a slice.\n"
        "- Each output line is the line number, a tab, then the line's text; the number "
        "and tab are not part of the file. Lines longer than "
        "2000 characters are cut short.\n"
        "- Images (PNG, JPEG, GIF, WebP) are returned as images you can look at.\n"
        "- Jupyter notebooks (.ipynb) are shown cell by cell, each with its id, type and "
        "source, then its outputs (images included); edit them with NotebookEdit.\n"
        "- Files open in the editor are read as the editor currently shows them, unsaved "
        "changes included.\n"
        "- Use LS, not Read, to list a directory. Reading several files in parallel is "
        "fine and often faster.\n"
        "- A file must be read before Edit or Write may change it."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "file_path": {
                "type": "string",
                "description": "Absolute path of the file to read.",
            },
            "offset": {
                "type": "integer",
                "minimum": 0,
                "description": "Line number (1-based) to start reading at. Only needed for "
                "files too long to read at once.",
            },
            "limit": {
                "type": "integer",
                "minimum": 1,
                "description": "How many lines to read. Only needed for files too long to "
                "read at once.",
            },
        },
        "required": ["file_path"],
        "additionalProperties": False,
    }
    read_only: ClassVar[bool] = True
    target_field = "file_path"
    kind: ClassVar[ToolKind] = "read"

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        given = str(tool_input["file_path"])
        path = ctx.resolve(given)
        offset_arg = tool_input.get("offset")
        limit_arg = tool_input.get("limit")
        first = max(1, int(offset_arg)) if offset_arg is not None else 1
        count = int(limit_arg) if limit_arg is not None else DEFAULT_LIMIT
        partial = offset_arg is not None or limit_arg is not None

        buffer = await ctx.files.open_buffer_text(path)
        if buffer is not None:
            return await self._from_text(
                TextFile.from_raw(path, buffer, from_buffer=True), ctx, first, count, partial
            )

        try:
            stat = path.stat()
        except FileNotFoundError:
            raise ToolError(missing_file_message(path, ctx, given)) from None
        except OSError as exc:
            raise ToolError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        if path.is_dir():
            raise ToolError(
                f"{path} is a directory, not a file. Use the LS tool to list a directory."
            )
        try:
            with path.open("rb") as handle:
                head = handle.read(SNIFF_BYTES)
        except OSError as exc:
            raise ToolError(f"Cannot read {path}: {exc.strerror or exc}") from exc

        media_type = image_media_type(head)
        if media_type is not None:
            return await self._image(path, media_type, stat.st_size)
        if looks_binary(head):
            raise binary_error(path)

        whole_notebook = is_notebook(path) and not partial
        if whole_notebook and stat.st_size > MAX_NOTEBOOK_BYTES:
            raise ToolError(
                f"{path} is a notebook of {stat.st_size // 1_000_000} MB, too big to show; "
                "use offset and limit to read its JSON in parts."
            )
        if stat.st_size > MAX_FULL_READ_BYTES and not whole_notebook:
            if not partial:
                raise ToolError(
                    f"{path} is {stat.st_size // 1024} KiB, more than the "
                    f"{MAX_FULL_READ_BYTES // 1024} KiB that can be read in one go. Use "
                    "offset and limit to read a part of it, or Grep to find what you need."
                )
            window = await asyncio.to_thread(_read_window, path, first, count)
            ctx.read_state.record_digest(path, window.digest)
            return ToolResult(_render(window.lines, first, window.total))

        try:
            data = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            raise ToolError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        return await self._from_text(
            TextFile.from_raw(path, decode_utf8(path, data)), ctx, first, count, partial
        )

    async def _from_text(
        self, file: TextFile, ctx: ToolContext, first: int, count: int, partial: bool
    ) -> ToolResult:
        if is_notebook(file.path) and not partial:
            # Its size is mostly outputs (images in base64): the cap is on what is shown.
            notebook = await asyncio.to_thread(Notebook.parse, file.path, file.text)
            blocks = await asyncio.to_thread(notebook.render, MAX_OUTPUT_CHARS)
            ctx.read_state.record(file.path, file.raw)
            return ToolResult(blocks)
        if not partial and len(file.raw.encode("utf-8", "surrogatepass")) > MAX_FULL_READ_BYTES:
            raise ToolError(
                f"{file.path} is more than {MAX_FULL_READ_BYTES // 1024} KiB, too much to "
                "read in one go. Use offset and limit to read a part of it, or Grep to find "
                "what you need."
            )
        ctx.read_state.record(file.path, file.raw)
        lines = split_lines(file.text)
        return ToolResult(_render(lines[first - 1 : first - 1 + count], first, len(lines)))

    async def _image(self, path: Path, media_type: str, size: int) -> ToolResult:
        if size > MAX_IMAGE_BYTES:
            raise ToolError(
                f"{path} is an image of {size / 1_000_000:.1f} MB; images larger than "
                f"{MAX_IMAGE_BYTES / 1_000_000:.1f} MB cannot be sent. Resize or compress "
                "it first (for example with a shell command)."
            )
        data = await asyncio.to_thread(path.read_bytes)
        encoded = base64.b64encode(data).decode("ascii")
        return ToolResult(
            [
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": media_type, "data": encoded},
                }
            ]
        )


def _render(lines: list[str], first: int, total: int) -> str:
    """Numbered lines plus notices about emptiness, offsets and what is left to read."""
    if total == 0:
        return (
            "<system-reminder>Warning: the file exists but its contents are "
            "empty.</system-reminder>"
        )
    if first > total:
        noun = "line" if total == 1 else "lines"
        return (
            f"<system-reminder>Warning: offset {first} is past the end of the file, which "
            f"has {total} {noun}.</system-reminder>"
        )
    out: list[str] = []
    size = 0
    shown = 0
    for index, line in enumerate(lines):
        formatted = format_line(first + index, line)
        if out and size + len(formatted) + 1 > MAX_OUTPUT_CHARS:
            break
        out.append(formatted)
        size += len(formatted) + 1
        shown += 1
    last = first + shown - 1
    text = "\n".join(out)
    if last < total:
        text += (
            f"\n\n(Showing lines {first}-{last} of {total}. To read more, call Read with "
            f"offset={last + 1}.)"
        )
    return text
