"""Which files of a workspace the symbol index covers.

ripgrep lists them (`rg --files`): it walks a large tree far faster than Python and applies
.gitignore (inside a git repository), .ignore and .rgignore exactly as the Grep and Glob tools
do, and skips hidden files. What remains is filtered to the languages the index parses and
to files under a size cap (generated or minified sources are not worth indexing).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from claude_lsp.index.languages import language_for
from claude_lsp.tools.ripgrep import run_ripgrep

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1 << 20
"""Files larger than this (1 MiB) are left out of the index."""

_RG_LIST = ("--files", "--null", "--no-config", "--no-messages")
_GLOB_SPECIAL = re.compile(r"([\\*?\[\]{}!])")


@dataclass(frozen=True)
class ScannedFile:
    """A file to index: its path relative to the root ('/'-separated), stat and language."""

    path: str
    mtime_ns: int
    size: int
    language: str


async def scan_workspace(root: Path, max_bytes: int = MAX_FILE_BYTES) -> list[ScannedFile]:
    """The indexable files under `root`, sorted by path; empty when `root` is not a folder."""
    if not root.is_dir():
        return []
    run = await run_ripgrep(_RG_LIST, cwd=root)
    if run.returncode not in (0, 1):
        # rg still lists everything it could read when some folder was unreadable.
        log.warning("rg --files under %s: %s", root, run.stderr or f"exit {run.returncode}")
    return await asyncio.to_thread(_stat_indexable, root, _names(run.stdout), max_bytes)


async def is_listed(root: Path, relative: str) -> bool:
    """Whether `rg --files` under `root` lists `relative` (it is not ignored or hidden).

    Asking rg about the file alone would not do: rg lists any path it is given explicitly,
    ignored or not, so this walks from the root with a glob that only the file matches.
    """
    pattern = "/" + _GLOB_SPECIAL.sub(r"\\\1", relative)
    run = await run_ripgrep((*_RG_LIST, "--glob", pattern), cwd=root)
    return relative in _names(run.stdout)


def indexable(root: Path, relative: str, max_bytes: int = MAX_FILE_BYTES) -> ScannedFile | None:
    """`relative` (under `root`, '/'-separated) as a file to index, or None: missing, not a
    regular file, too big, or in a language the index does not parse."""
    language = language_for(Path(relative))
    if language is None:
        return None
    try:
        info = (root / relative).stat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
        return None
    return ScannedFile(relative, info.st_mtime_ns, info.st_size, language)


def _names(listing: bytes) -> list[str]:
    """The paths in rg's NUL-separated output, less any that are not UTF-8: LSP and the
    cache's text columns are UTF-8 throughout."""
    names: list[str] = []
    for raw in listing.split(b"\0"):
        try:
            names.append(raw.decode())
        except UnicodeDecodeError:
            log.debug("not indexing %r: the name is not UTF-8", raw)
    return names


def _stat_indexable(root: Path, listed: list[str], max_bytes: int) -> list[ScannedFile]:
    found: list[ScannedFile] = []
    for name in listed:
        if not name:
            continue
        checked = indexable(root, name if os.sep == "/" else Path(name).as_posix(), max_bytes)
        if checked is not None:
            found.append(checked)
    found.sort(key=lambda scanned: scanned.path)
    return found
