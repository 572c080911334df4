"""One memory file as the model sees it, and reading candidates without ever failing.

Memory is best effort: a file that cannot be used (unreadable, binary, not UTF-8) is
skipped with a warning for the user instead of stopping the session, and a huge file is
cut so that one runaway document cannot fill the context window.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from claude_lsp.tools.text_files import BOM, looks_binary, normalize_newlines

MemoryKind = Literal["managed", "user", "project", "local", "rule", "nested"]

MAX_CHARS = 40_000
# UTF-8 needs at most four bytes a character: never read more than the cap can use.
MAX_BYTES = MAX_CHARS * 4


@dataclass(frozen=True)
class MemoryFile:
    """A memory file's text; `imported_from` names the file whose `@path` pulled it in."""

    path: Path
    kind: MemoryKind
    text: str
    imported_from: Path | None = None


def read_memory_text(path: Path, warnings: list[str]) -> str | None:
    """`path`'s text (LF newlines, no BOM, capped at MAX_CHARS), or None when unusable.

    A missing file is the common case (most candidate locations are empty) and is not
    worth a warning; every other reason to skip one is appended to `warnings`.
    """
    if not path.is_file():  # missing, a folder, or a pipe whose read would block
        return None
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        warnings.append(f"Skipped memory file {path}: {exc.strerror or exc}")
        return None
    if looks_binary(data):
        warnings.append(f"Skipped memory file {path}: it looks like a binary file")
        return None
    cut = len(data) > MAX_BYTES
    try:
        # A cut can split a character: the incremental decoder keeps the partial tail out.
        text = codecs.getincrementaldecoder("utf-8")().decode(data[:MAX_BYTES], final=not cut)
    except UnicodeDecodeError as exc:
        warnings.append(f"Skipped memory file {path}: not UTF-8 text (byte {exc.start})")
        return None
    text = normalize_newlines(text.removeprefix(BOM))
    if cut or len(text) > MAX_CHARS:
        warnings.append(
            f"Memory file {path} is over {MAX_CHARS} characters: only its start was read"
        )
        text = (
            f"{text[:MAX_CHARS]}\n\n[This file was cut off here: only its first "
            f"{MAX_CHARS} characters are loaded.]"
        )
    return text
