"""Jupyter notebooks (.ipynb, nbformat 4) as the model reads and edits them.

Read shows each cell with its id, type and source, followed by its outputs: text as text,
images as image blocks, errors as their traceback without terminal colours. The ids are
what NotebookEdit takes; cells of notebooks older than nbformat 4.5, which have none, are
named `cell-<index>` as Claude Code names them.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claude_lsp.tools.base import ContentBlock, ToolError

NOTEBOOK_SUFFIX = ".ipynb"
CELL_TYPES = ("code", "markdown", "raw")
# One output's text is cut at this size, so a cell that printed a log stays readable.
MAX_OUTPUT_TEXT = 10_000
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
MAX_IMAGE_BASE64 = 5 * 1024 * 1024  # the API's limit for one image
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def is_notebook(path: Path) -> bool:
    return path.suffix.lower() == NOTEBOOK_SUFFIX


@dataclass
class Notebook:
    """A parsed notebook: its JSON, kept whole, so an edit changes only what it means to."""

    data: dict[str, Any]

    @classmethod
    def parse(cls, path: Path, text: str) -> Notebook:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ToolError(f"{path} is not a valid notebook: {exc}") from exc
        cells = data.get("cells") if isinstance(data, dict) else None
        if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
            raise ToolError(f"{path} is not a notebook in nbformat 4 (no list of cells).")
        return cls(data)

    @property
    def cells(self) -> list[dict[str, Any]]:
        cells: list[dict[str, Any]] = self.data["cells"]
        return cells

    def cell_id(self, index: int) -> str:
        given = self.cells[index].get("id")
        return given if isinstance(given, str) and given else f"cell-{index}"

    def index_of(self, cell_id: str) -> int:
        for index in range(len(self.cells)):
            if self.cell_id(index) == cell_id:
                return index
        known = ", ".join(self.cell_id(i) for i in range(len(self.cells))) or "none"
        raise ToolError(f"No cell with id {cell_id!r} in the notebook (its cells: {known}).")

    def new_cell(self, cell_type: str, source: str) -> dict[str, Any]:
        """A cell as nbformat wants it; with an id where the notebook's cells have ids."""
        cell: dict[str, Any] = {"cell_type": cell_type, "metadata": {}, "source": source}
        if self._has_ids():
            cell["id"] = uuid.uuid4().hex[:8]
        if cell_type == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        return cell

    def _has_ids(self) -> bool:
        minor = self.data.get("nbformat_minor")
        return (isinstance(minor, int) and minor >= 5) or any("id" in c for c in self.cells)

    def dumps(self) -> str:
        """The JSON as Jupyter writes it (one-space indent, UTF-8 kept, a final newline)."""
        return json.dumps(self.data, indent=1, ensure_ascii=False) + "\n"

    def render(self, max_chars: int) -> list[ContentBlock]:
        """Every cell and its outputs, as text blocks with images in between; cells past
        `max_chars` of text are left out with a note."""
        blocks: list[ContentBlock] = []
        text: list[str] = []
        size = 0
        for index, cell in enumerate(self.cells):
            if size > max_chars:
                text.append(
                    f"(Cells {index + 1}-{len(self.cells)} of {len(self.cells)} not shown: "
                    "the notebook is too long to show at once. Read its JSON with offset "
                    "and limit to see them.)"
                )
                break
            shown = self._render_cell(index, cell)
            for part in shown:
                if isinstance(part, str):
                    text.append(part)
                    size += len(part)
                else:
                    blocks.append({"type": "text", "text": "\n".join(text)})
                    blocks.append(part)
                    text = []
        if not self.cells:
            text.append("(The notebook has no cells.)")
        if text:
            blocks.append({"type": "text", "text": "\n".join(text)})
        return blocks

    def _render_cell(self, index: int, cell: dict[str, Any]) -> list[str | ContentBlock]:
        """A cell's text lines and, after each output's text, its image if it has one."""
        cell_id = self.cell_id(index)
        cell_type = str(cell.get("cell_type", "code"))
        count = cell.get("execution_count")
        counted = f' execution_count="{count}"' if isinstance(count, int) else ""
        shown: list[str | ContentBlock] = [
            f'<cell id="{cell_id}" type="{cell_type}"{counted}>',
            joined(cell.get("source")).rstrip("\n"),
            "</cell>",
        ]
        for output in cell.get("outputs") or []:
            if not isinstance(output, dict):
                continue
            output_text, images = _render_output(output)
            if output_text:
                shown.append(f'<output cell="{cell_id}">\n{output_text}\n</output>')
            shown.extend(images)
        return shown


def joined(source: Any) -> str:
    """A cell's source or an output's text: nbformat allows a string or a list of lines."""
    if isinstance(source, list):
        return "".join(str(part) for part in source)
    return source if isinstance(source, str) else ""


def _render_output(output: dict[str, Any]) -> tuple[str, list[ContentBlock]]:
    """An output's text (cut at MAX_OUTPUT_TEXT) and its images."""
    kind = output.get("output_type")
    if kind == "stream":
        return _cut(joined(output.get("text"))), []
    if kind == "error":
        traceback = "\n".join(str(line) for line in output.get("traceback") or [])
        shown = traceback or f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
        return _cut(ANSI_ESCAPE.sub("", shown)), []
    data = output.get("data")
    if kind not in ("execute_result", "display_data") or not isinstance(data, dict):
        return "", []
    images: list[ContentBlock] = []
    notes: list[str] = []
    media = next((media for media in IMAGE_TYPES if media in data), None)
    if media is not None:
        encoded = joined(data[media]).replace("\n", "")
        if len(encoded) <= MAX_IMAGE_BASE64:
            source = {"type": "base64", "media_type": media, "data": encoded}
            images.append({"type": "image", "source": source})
        else:
            notes.append(f"(a {media} image too large to show)")
    text = "\n".join([joined(data.get("text/plain")), *notes]).strip("\n")
    if not text and not images and "text/html" in data:
        text = "(an HTML output)"
    return _cut(text), images


def _cut(text: str) -> str:
    text = text.rstrip("\n")
    if len(text) <= MAX_OUTPUT_TEXT:
        return text
    hidden = len(text) - MAX_OUTPUT_TEXT
    return f"{text[:MAX_OUTPUT_TEXT]}\n… ({hidden} more characters of this output not shown)"
