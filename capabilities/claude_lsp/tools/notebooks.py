"""Jupyter notebooks (.ipynb, nbformat 4) as the model reads and edits them.

Read shows each cell with its id, type and source, followed by its outputs: text as text,
images as image blocks, errors as their traceback without terminal colours. The ids are
what NotebookEdit takes; cells of notebooks older than nbformat 4.5, which have none, are
named `cell-<index>` as Claude Code names them.

What one Read shows is bounded (text, image count and image bytes), whatever the
notebook holds, so a notebook cannot flood the context or make the request too large.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claude_lsp.tools.base import ContentBlock, ToolError
from claude_lsp.tools.images import MAX_IMAGE_BASE64, base64_media_type

NOTEBOOK_SUFFIX = ".ipynb"
# One output's text is cut at this size, so a cell that printed a log stays readable.
MAX_OUTPUT_TEXT = 10_000
# At most this many images, and this much image data, in one Read.
MAX_IMAGES = 20
MAX_IMAGES_BASE64 = 10 * 1024 * 1024
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
# Outputs shown as their text when they have no text/plain.
TEXT_TYPES = ("text/markdown", "text/latex", "application/json")
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Markup inside a cell or an output that could pass for the rendering's own tags.
FAKE_TAG = re.compile(r"<(?=/?(?:cell|output)\b)")


def is_notebook(path: Path) -> bool:
    return path.suffix.lower() == NOTEBOOK_SUFFIX


@dataclass
class Notebook:
    """A parsed notebook: its JSON, kept whole, so an edit changes only what it means to,
    and the layout of the file it came from."""

    data: dict[str, Any]
    indent: int = 1

    @classmethod
    def parse(cls, path: Path, text: str) -> Notebook:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ToolError(f"{path} is not a valid notebook: {exc}") from exc
        cells = data.get("cells") if isinstance(data, dict) else None
        if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
            raise ToolError(f"{path} is not a notebook in nbformat 4 (no list of cells).")
        indent = re.search(r"\n( +)\"", text)
        return cls(data, len(indent.group(1)) if indent else 1)

    @property
    def cells(self) -> list[dict[str, Any]]:
        cells: list[dict[str, Any]] = self.data["cells"]
        return cells

    def cell_id(self, index: int) -> str:
        given = self.cells[index].get("id")
        return given if isinstance(given, str) and given else f"cell-{index}"

    def index_of(self, cell_id: str) -> int:
        found = [index for index in range(len(self.cells)) if self.cell_id(index) == cell_id]
        if len(found) == 1:
            return found[0]
        if found:
            raise ToolError(
                f"{len(found)} cells have the id {cell_id!r}; give each a unique id first."
            )
        known = ", ".join(self.cell_id(i) for i in range(len(self.cells))) or "none"
        raise ToolError(f"No cell with id {cell_id!r} in the notebook (its cells: {known}).")

    def has_ids(self) -> bool:
        minor = self.data.get("nbformat_minor")
        return (isinstance(minor, int) and minor >= 5) or any("id" in c for c in self.cells)

    def new_cell(self, cell_type: str, source: str) -> dict[str, Any]:
        """A cell as nbformat wants it, its source in the style of the notebook's cells,
        with a fresh id where the notebook's cells have ids."""
        lists = any(isinstance(cell.get("source"), list) for cell in self.cells)
        cell: dict[str, Any] = {
            "cell_type": cell_type,
            "metadata": {},
            "source": as_lines(source) if lists else source,
        }
        if self.has_ids():
            taken = {self.cell_id(index) for index in range(len(self.cells))}
            cell["id"] = next(
                new for new in iter(lambda: uuid.uuid4().hex[:8], None) if new not in taken
            )
        if cell_type == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        return cell

    def dumps(self) -> str:
        """The JSON as nbformat writes it (sorted keys, UTF-8 kept, a final newline), with
        the file's own indent, so an edit's diff is the edit."""
        return json.dumps(self.data, indent=self.indent, sort_keys=True, ensure_ascii=False) + "\n"

    def render(self, max_chars: int) -> list[ContentBlock]:
        """Every cell and its outputs, as text with images in between, within the caps."""
        view = _View(max_chars)
        for index, cell in enumerate(self.cells):
            if view.full:
                view.note(
                    f"(Cells {index + 1}-{len(self.cells)} of {len(self.cells)} not shown: "
                    "the notebook is too long to show at once. Read its JSON with offset "
                    "and limit to see them.)"
                )
                break
            self._render_cell(index, cell, view)
        if not self.cells:
            view.note("(The notebook has no cells.)")
        return view.blocks()

    def _render_cell(self, index: int, cell: dict[str, Any], view: _View) -> None:
        cell_type = str(cell.get("cell_type", "code"))
        count = cell.get("execution_count")
        counted = (
            f' execution_count="{count}"'
            if isinstance(count, int) and not isinstance(count, bool)
            else ""
        )
        attributes = f'id="{_attribute(self.cell_id(index))}" type="{_attribute(cell_type)}"'
        view.text(f"<cell {attributes}{counted}>")
        view.text(_body(joined(cell.get("source")).rstrip("\n")))
        view.text("</cell>")
        for output in cell.get("outputs") or []:
            if isinstance(output, dict):
                _render_output(output, self.cell_id(index), view)


@dataclass
class _View:
    """What one Read shows, built up within its caps."""

    max_chars: int
    chars: int = 0
    images: int = 0
    image_bytes: int = 0
    _blocks: list[ContentBlock] = field(default_factory=list)
    _text: list[str] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return self.chars >= self.max_chars

    def text(self, line: str) -> None:
        """Add a line, cut where the text budget ends; past it, nothing more is added."""
        if self.full:
            return
        room = self.max_chars - self.chars
        if len(line) > room:
            line = f"{line[:room]}\n… (cut: the notebook is too long to show at once)"
            self.chars = self.max_chars
        else:
            self.chars += len(line)
        self._text.append(line)

    def note(self, line: str) -> None:
        """A closing remark, shown whatever the budget."""
        self._text.append(line)

    def image(self, media_type: str, encoded: str) -> str | None:
        """Show an image; or why it is not shown."""
        if len(encoded) > MAX_IMAGE_BASE64:
            return f"(a {media_type} image too large to show)"
        if base64_media_type(encoded) != media_type:
            return f"(an output said to be {media_type} that is not one)"
        if self.images >= MAX_IMAGES or self.image_bytes + len(encoded) > MAX_IMAGES_BASE64:
            return f"(a {media_type} image not shown: this Read shows enough images already)"
        self._flush_text()
        source = {"type": "base64", "media_type": media_type, "data": encoded}
        self._blocks.append({"type": "image", "source": source})
        self.images += 1
        self.image_bytes += len(encoded)
        return None

    def blocks(self) -> list[ContentBlock]:
        self._flush_text()
        return self._blocks

    def _flush_text(self) -> None:
        if self._text:
            self._blocks.append({"type": "text", "text": "\n".join(self._text)})
            self._text = []


def joined(source: Any) -> str:
    """A cell's source or an output's text: nbformat allows a string or a list of lines."""
    if isinstance(source, list):
        return "".join(str(part) for part in source)
    return source if isinstance(source, str) else ""


def as_lines(text: str) -> list[str]:
    """`text` as nbformat's list of lines (each with its newline but the last)."""
    return text.splitlines(keepends=True)


def _attribute(value: str) -> str:
    return html.escape(value, quote=True)


def _body(text: str) -> str:
    """A cell's or output's text, with anything that looks like the rendering's own tags
    defused (`<cell` becomes `&lt;cell`), so the text cannot fake a cell."""
    return FAKE_TAG.sub("&lt;", text)


def _render_output(output: dict[str, Any], cell_id: str, view: _View) -> None:
    kind = output.get("output_type")
    notes: list[str] = []
    if kind == "stream":
        text = joined(output.get("text"))
    elif kind == "error":
        traceback = output.get("traceback")
        lines = traceback if isinstance(traceback, list) else [traceback or ""]
        text = "\n".join(str(line) for line in lines).strip()
        if not text:
            text = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
        text = ANSI_ESCAPE.sub("", text)
    elif kind in ("execute_result", "display_data") and isinstance(output.get("data"), dict):
        data: dict[str, Any] = output["data"]
        text = joined(data.get("text/plain"))
        if not text:
            text = next((joined(data[kind]) for kind in TEXT_TYPES if kind in data), "")
        media = next((media for media in IMAGE_TYPES if media in data), None)
        if media is not None:
            encoded = joined(data[media]).replace("\n", "")
            note = view.image(media, encoded)
            if note is not None:
                notes.append(note)
        elif not text and data:
            notes.append(f"(an output of type {', '.join(sorted(data))}, not shown)")
    else:
        return
    shown = "\n".join(part for part in (_cut(text), *notes) if part)
    if shown:
        view.text(f'<output cell="{_attribute(cell_id)}">\n{_body(shown)}\n</output>')


def _cut(text: str) -> str:
    text = text.rstrip("\n")
    if len(text) <= MAX_OUTPUT_TEXT:
        return text
    hidden = len(text) - MAX_OUTPUT_TEXT
    return f"{text[:MAX_OUTPUT_TEXT]}\n… ({hidden} more characters of this output not shown)"
