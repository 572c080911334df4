"""Loading and saving text the way the file tools need it.

The editor's unsaved buffer wins over the disk, because that is what the user sees.
Text is decoded as strict UTF-8 so that an edit can never silently mangle bytes, and
matching happens on LF-normalised text while writes keep the file's own line endings
(and byte order mark), so that editing a CRLF file does not rewrite every line.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from claude_lsp.tools.base import ToolContext, ToolError

MAX_LINE_CHARS = 2000
SNIFF_BYTES = 8192
BOM = "\ufeff"


@dataclass(frozen=True)
class TextFile:
    """One file's current text: `raw` exactly as stored, `text` LF-normalised without BOM."""

    path: Path
    raw: str
    text: str
    newline: str
    bom: bool
    from_buffer: bool

    @classmethod
    def from_raw(cls, path: Path, raw: str, *, from_buffer: bool = False) -> TextFile:
        bom = raw.startswith(BOM)
        body = raw[1:] if bom else raw
        return cls(
            path=path,
            raw=raw,
            text=normalize_newlines(body),
            newline=detect_newline(body),
            bom=bom,
            from_buffer=from_buffer,
        )

    def to_file(self, text: str) -> str:
        """`text` (any line endings) in this file's newline style, BOM restored."""
        converted = normalize_newlines(text)
        if self.newline == "\r\n":
            converted = converted.replace("\n", "\r\n")
        return BOM + converted if self.bom else converted


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n")


def detect_newline(text: str) -> str:
    """The file's dominant line ending; mixed files go with the majority."""
    crlf = text.count("\r\n")
    lf = text.count("\n") - crlf
    return "\r\n" if crlf > lf else "\n"


def looks_binary(head: bytes) -> bool:
    """A NUL byte near the start is the usual sign of a binary file."""
    return b"\0" in head[:SNIFF_BYTES]


def binary_error(path: Path) -> ToolError:
    return ToolError(f"{path} appears to be a binary file and cannot be shown or edited as text.")


def decode_utf8(path: Path, data: bytes) -> str:
    """Strict UTF-8 decoding; anything else is refused rather than guessed at."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ToolError(
            f"{path} is not valid UTF-8 text (invalid byte at offset {exc.start}). It is "
            "binary or uses another encoding, so it cannot be shown or edited as text."
        ) from exc


async def load_text(ctx: ToolContext, path: Path) -> TextFile | None:
    """The current text of `path` (open buffer first, then disk), or None if missing."""
    buffer = await ctx.files.open_buffer_text(path)
    if buffer is not None:
        return TextFile.from_raw(path, buffer, from_buffer=True)
    if path.is_dir():
        raise ToolError(f"{path} is a directory, not a file.")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ToolError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    if looks_binary(data):
        raise binary_error(path)
    return TextFile.from_raw(path, decode_utf8(path, data))


async def save_text(
    ctx: ToolContext, path: Path, text: str, *, old_text: str | None, title: str
) -> None:
    """Write through the host and remember the result as seen; refusals become errors."""
    try:
        outcome = await ctx.files.write_text(path, text, old_text=old_text, title=title)
    except OSError as exc:
        raise ToolError(f"Cannot write {path}: {exc.strerror or exc}") from exc
    if not outcome.applied:
        reason = outcome.reason or "the change was refused"
        raise ToolError(f"The change to {path} was not applied: {reason}")
    ctx.read_state.record(path, text)


def split_lines(text: str) -> list[str]:
    """Lines of LF text; a final newline does not start another line."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def format_line(number: int, line: str) -> str:
    """One `cat -n` style line, with very long lines cut and marked."""
    if len(line) > MAX_LINE_CHARS:
        line = f"{line[:MAX_LINE_CHARS]}... [line truncated, {len(line)} characters in total]"
    return f"{number:>6}\t{line}"


def number_lines(lines: Iterable[str], first: int) -> str:
    return "\n".join(format_line(first + i, line) for i, line in enumerate(lines))


def missing_file_message(path: Path, ctx: ToolContext, given: str) -> str:
    """`File does not exist`, plus a near-miss in the same folder when there is one."""
    message = f"File does not exist: {path}"
    suggestion = _similar_name(path)
    if suggestion is not None:
        message += f". Did you mean {suggestion}?"
    if not os.path.isabs(os.path.expanduser(given)):
        message += f" (Relative paths start at the working directory {ctx.cwd}.)"
    return message


def _similar_name(path: Path) -> Path | None:
    try:
        names = os.listdir(path.parent)
    except OSError:
        return None
    same_stem = sorted(n for n in names if Path(n).stem == path.stem and n != path.name)
    if same_stem:
        return path.parent / same_stem[0]
    close = difflib.get_close_matches(path.name, names, n=1, cutoff=0.75)
    return path.parent / close[0] if close else None
