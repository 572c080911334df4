"""LS: show a directory as an indented tree.

The walk is breadth-first so that, when the cap cuts it short, the model still sees the
top of every branch rather than the whole of the first one.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from claude_lsp.globs import compile_glob
from claude_lsp.tools.base import (
    PathFilter,
    Tool,
    ToolContext,
    ToolError,
    ToolKind,
    ToolResult,
    hidden_note,
)

MAX_ENTRIES = 1000
SKIPPED_NAMES = frozenset({"__pycache__"})


@dataclass
class _Node:
    name: str
    is_dir: bool
    children: list[_Node] = field(default_factory=list)


@dataclass(frozen=True)
class _Listing:
    root: _Node
    count: int
    truncated: bool
    # Entries left out (not descended into) because permission rules hide them.
    withheld: int


class _Ignore:
    """Ignore globs: without `/` they match an entry's name, with `/` its relative path."""

    def __init__(self, patterns: list[str]) -> None:
        self._by_name: list[re.Pattern[str]] = []
        self._by_path: list[re.Pattern[str]] = []
        for raw in patterns:
            pattern = raw.strip().rstrip("/")
            if not pattern:
                continue
            if "/" in pattern:
                self._by_path.append(compile_glob(pattern.lstrip("/")))
            else:
                self._by_name.append(compile_glob(pattern))

    def __call__(self, name: str, relative: str, absolute: str) -> bool:
        if any(p.fullmatch(name) for p in self._by_name):
            return True
        return any(
            p.fullmatch(relative) or p.fullmatch(absolute.lstrip("/")) for p in self._by_path
        )


def _sorted_entries(directory: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as it:
            entries = list(it)
    except OSError:
        return []

    def key(entry: os.DirEntry[str]) -> tuple[int, str, str]:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        return (0 if is_dir else 1, entry.name.casefold(), entry.name)

    return sorted(entries, key=key)


def _walk(root: Path, ignore: _Ignore, limit: int, hidden: PathFilter | None) -> _Listing:
    top = _Node(root.name, True)
    queue: deque[tuple[Path, str, _Node]] = deque([(root, "", top)])
    count = withheld = 0
    while queue:
        directory, relative, node = queue.popleft()
        for entry in _sorted_entries(directory):
            name = entry.name
            if name.startswith(".") or name in SKIPPED_NAMES:
                continue
            child_relative = f"{relative}{name}"
            if ignore(name, child_relative, entry.path):
                continue
            if hidden is not None and hidden(Path(entry.path)):
                withheld += 1
                continue
            if count >= limit:
                return _Listing(top, count, True, withheld)
            try:
                is_dir = entry.is_dir()
                descend = is_dir and not entry.is_symlink()
            except OSError:
                is_dir = descend = False
            child = _Node(name, is_dir)
            node.children.append(child)
            count += 1
            if descend:
                queue.append((Path(entry.path), f"{child_relative}/", child))
    return _Listing(top, count, False, withheld)


def _render(node: _Node, depth: int, out: list[str]) -> None:
    for child in node.children:
        suffix = "/" if child.is_dir else ""
        out.append(f"{'  ' * depth}- {child.name}{suffix}")
        if child.children:
            _render(child, depth + 1, out)


class LSTool(Tool):
    name: ClassVar[str] = "LS"
    description: ClassVar[str] = (
        "List a directory as a tree of its files and subfolders.\n\n"
        "- path must be a directory, preferably absolute.\n"
        "- Hidden entries (starting with a dot) and __pycache__ are left out; ignore takes "
        "extra glob patterns to leave out (matched against names, or against relative "
        "paths when they contain `/`).\n"
        f"- At most {MAX_ENTRIES} entries are listed. When you know what you are looking "
        "for, Glob and Grep are usually better."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "path": {
                "type": "string",
                "description": "Absolute path of the directory to list.",
            },
            "ignore": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Glob patterns for entries to leave out, e.g. "
                '["node_modules", "*.log"].',
            },
        },
        "required": ["path"],
        "additionalProperties": False,
    }
    read_only: ClassVar[bool] = True
    target_field = "path"
    kind: ClassVar[ToolKind] = "search"

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        root = ctx.resolve(str(tool_input["path"]))
        if not root.exists():
            raise ToolError(f"Directory does not exist: {root}")
        if not root.is_dir():
            raise ToolError(f"{root} is not a directory. Use Read to look at a file.")
        ignore = _Ignore([str(p) for p in tool_input.get("ignore") or []])
        hidden = ctx.hidden_paths(self.name)
        listing = await asyncio.to_thread(_walk, root, ignore, MAX_ENTRIES, hidden)
        out = [f"- {root}/" if str(root) != "/" else "- /"]
        _render(listing.root, 1, out)
        if listing.count == 0 and not listing.withheld:
            out.append("  (empty directory)")
        if listing.truncated:
            out.append(
                f"\n(There are more than {MAX_ENTRIES} entries under {root}; only the first "
                f"{MAX_ENTRIES} are shown. List a subfolder, pass ignore patterns, or use "
                "Glob to narrow it.)"
            )
        if listing.withheld:
            out.append(hidden_note(listing.withheld))
        return ToolResult("\n".join(out))
