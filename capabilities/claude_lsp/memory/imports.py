"""`@path` imports: a memory file pulling other files into the model's context.

`@docs/style.md` is relative to the importing file's folder, `@/abs/path` is absolute
and `@~/path` starts at the home folder. The `@` must start a word, so e-mail addresses
and `foo@bar` are left alone, and nothing inside a code span or a fenced code block is
an import (examples in documentation must not load files).

Each imported file becomes a `MemoryFile` of its own, placed right after the file that
imports it (depth first), so the model reads the reference and then what it points to.
The `@path` text itself stays where it is. Imports nest at most `MAX_IMPORT_DEPTH`
levels below the file that was loaded for its own sake; a deeper import is not loaded
and produces a warning. A file that was already loaded (which includes every file on
the current chain of imports, so cycles stop) is not loaded a second time.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from claude_lsp.memory.files import MemoryFile, MemoryKind, read_memory_text

MAX_IMPORT_DEPTH = 5

# An `@` at the start of the text, after whitespace or after "(", then a path that ends
# at whitespace (a space escaped as "\ " belongs to the path).
IMPORT = re.compile(r"(?<![^\s(])@(?P<target>(?:\\ |[^\s\\])+)")
FENCE_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}(?=[^`]*$)|~{3,})")
FENCE_CLOSE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})\s*$")
BACKTICKS = re.compile(r"(?<!`)`+(?!`)")
PATH_START = re.compile(r"[A-Za-z0-9._~/\-]")
TRAILING_PUNCTUATION = ".,;:!?)"


def import_targets(text: str) -> list[str]:
    """The `@` import targets in markdown `text`, in order, as written (unescaped)."""
    targets = []
    for block in _prose_blocks(text):
        for match in IMPORT.finditer(_mask_code_spans(block)):
            target = _clean(match["target"])
            if target:
                targets.append(target)
    return targets


def resolve_target(target: str, importer: Path) -> Path:
    """Where an import points: `~/` is the home folder, relative means next to `importer`."""
    return resolve_reference(target, importer.parent)


def resolve_reference(target: str, folder: Path) -> Path:
    """Where an `@` reference points: `~/` is the home folder, relative starts at `folder`.

    Slash commands resolve theirs from the session's folder rather than a file's.
    """
    if target == "~" or target.startswith("~/"):
        path = Path.home() / target[2:]
    else:
        path = Path(target)
        if not path.is_absolute():
            path = folder / path
    return Path(os.path.normpath(path))


def _clean(raw: str) -> str:
    target = raw.replace("\\ ", " ").split("#", 1)[0].rstrip(TRAILING_PUNCTUATION)
    return target if PATH_START.match(target) else ""


def _prose_blocks(text: str) -> list[str]:
    """Paragraphs of `text` outside fenced code blocks (an unclosed fence runs to the end)."""
    blocks: list[str] = []
    current: list[str] = []
    fence = ""
    for line in text.split("\n"):
        if fence:
            close = FENCE_CLOSE.match(line)
            if close and close["fence"][0] == fence[0] and len(close["fence"]) >= len(fence):
                fence = ""
            continue
        opening = FENCE_OPEN.match(line)
        if opening or not line.strip():
            if opening:
                fence = opening["fence"]
            blocks.append("\n".join(current))
            current = []
            continue
        current.append(line)
    blocks.append("\n".join(current))
    return [block for block in blocks if block]


def _mask_code_spans(block: str) -> str:
    """`block` with every code span blanked out (a backtick run closed by one as long)."""
    runs = list(BACKTICKS.finditer(block))
    masked = block
    i = 0
    while i < len(runs):
        opening = runs[i]
        width = len(opening.group())
        close = next((j for j in range(i + 1, len(runs)) if len(runs[j].group()) == width), None)
        if close is None:
            i += 1
            continue
        start, end = opening.start(), runs[close].end()
        masked = masked[:start] + "`" * (end - start) + masked[end:]
        i = close + 1
    return masked


@dataclass
class ImportLoader:
    """Loads memory files with their imports, each file at most once per session."""

    warnings: list[str] = field(default_factory=list)
    _seen: set[Path] = field(default_factory=set)

    def claim(self, path: Path) -> bool:
        """Mark `path` as taken; False when it already was (under any spelling).

        A path is claimed before it is read, so a file that fails is warned about once.
        """
        key = path.resolve()
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def load(self, path: Path, kind: MemoryKind) -> list[MemoryFile]:
        """`path` and what it imports, or nothing if it is missing, unusable or loaded."""
        if not self.claim(path):
            return []
        text = read_memory_text(path, self.warnings)
        return [] if text is None else self.expand(MemoryFile(path, kind, text))

    def expand(self, file: MemoryFile, depth: int = 0) -> list[MemoryFile]:
        """`file` followed by its imports, depth first; `file` must be claimed already."""
        result = [file]
        for target in import_targets(file.text):
            path = resolve_target(target, file.path)
            if path.resolve() in self._seen:
                continue
            if depth >= MAX_IMPORT_DEPTH:
                self.warnings.append(
                    f"{file.path}: @{target} was not loaded: imports nest at most "
                    f"{MAX_IMPORT_DEPTH} levels deep"
                )
                continue
            if not path.is_file():
                problem = "is not a file" if path.exists() else "does not exist"
                self.warnings.append(
                    f"{file.path}: @{target} not imported: {path} {problem} (left as text)"
                )
                continue
            self.claim(path)
            text = read_memory_text(path, self.warnings)
            if text is not None:
                imported = MemoryFile(path, file.kind, text, imported_from=file.path)
                result.extend(self.expand(imported, depth + 1))
        return result
