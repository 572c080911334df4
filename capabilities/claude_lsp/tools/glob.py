"""Glob: find files by name pattern, newest first.

ripgrep lists files far faster than a Python walk; matching is done here with our own
glob translation so the semantics are the familiar shell ones (`**/` for depth, braces).
Ignore files are deliberately not honoured: generated or ignored files are often exactly
what the model is looking for.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any, ClassVar

from claude_lsp.globs import compile_glob
from claude_lsp.tools.base import (
    PathFilter,
    SearchTool,
    ToolContext,
    ToolError,
    ToolKind,
    ToolResult,
    hidden_note,
)
from claude_lsp.tools.ripgrep import run_ripgrep

MAX_RESULTS = 100
_MAGIC = re.compile(r"[*?\[{\\]")


def split_static_prefix(pattern: str) -> tuple[str, str]:
    """Split `pattern` into leading literal directories and the part that needs matching.

    `src/**/*.py` gives (`src`, `**/*.py`); the last segment always stays in the pattern.
    """
    absolute = pattern.startswith("/")
    segments = pattern.split("/")
    prefix: list[str] = []
    while len(segments) > 1 and not _MAGIC.search(segments[0]):
        prefix.append(segments.pop(0))
    base = "/".join(prefix)
    if absolute and not base:
        base = "/"
    return base, "/".join(segments)


def _list_and_sort(
    base: Path, names: list[str], matcher: re.Pattern[str], hidden: PathFilter | None
) -> tuple[list[Path], int]:
    """The matching files, newest first, and how many of them `hidden` held back."""
    stamped: list[tuple[float, str, Path]] = []
    withheld = 0
    for name in names:
        if not matcher.fullmatch(name):
            continue
        path = base / name
        if hidden is not None and hidden(path):
            withheld += 1
            continue
        try:
            mtime = path.stat().st_mtime
        except OSError:
            continue
        stamped.append((-mtime, name, path))
    stamped.sort()
    return [path for _, _, path in stamped], withheld


class GlobTool(SearchTool):
    name: ClassVar[str] = "Glob"
    description: ClassVar[str] = (
        "Find files whose paths match a glob pattern, newest (most recently modified) "
        "first.\n\n"
        "- `*` and `?` match within one folder name; `**/` matches any number of folders; "
        "`[abc]` and `{ts,tsx}` work as in a shell. A pattern is matched against paths "
        "relative to the search folder, so `*.py` finds Python files at the top level "
        "only and `**/*.py` finds them at any depth.\n"
        "- Hidden and git-ignored files are included; the .git folder is not.\n"
        f"- At most {MAX_RESULTS} paths are returned; narrow the pattern or path if there "
        "are more.\n"
        "- Use Grep to search file contents. Several searches can run in parallel."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "pattern": {
                "type": "string",
                "description": "Glob pattern to match file paths against, e.g. "
                "`**/*.test.ts` or `src/**/{a,b}.py`.",
            },
            "path": {
                "type": "string",
                "description": "Folder to search in. Leave it out to search the working directory.",
            },
        },
        "required": ["pattern"],
        "additionalProperties": False,
    }
    read_only: ClassVar[bool] = True
    kind: ClassVar[ToolKind] = "search"
    reads_disk = True

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        pattern = str(tool_input["pattern"]).strip()
        path_arg = tool_input.get("path")
        root = ctx.resolve(str(path_arg)) if path_arg else ctx.cwd
        if not root.exists():
            raise ToolError(f"Directory does not exist: {root}")
        if not root.is_dir():
            raise ToolError(f"{root} is not a directory; give a folder as path.")
        if not pattern:
            raise ToolError("pattern must not be empty.")

        while pattern.startswith("./"):
            pattern = pattern[2:]
        prefix, rest = split_static_prefix(pattern)
        base = (root / os.path.expanduser(prefix)).resolve() if prefix else root
        if not base.is_dir():
            return ToolResult("No files found")

        run = await run_ripgrep(
            [
                "--files",
                "--hidden",
                "--no-ignore",
                "--no-config",
                "--no-messages",
                "-g",
                "!.git",
                ".",
            ],
            cwd=base,
            env=ctx.subprocess_env(),
        )
        if run.returncode == 2 and not run.stdout:
            raise ToolError(f"Listing files under {base} failed: {run.stderr}")
        names = [
            name[2:] if name.startswith("./") else name
            for name in os.fsdecode(run.stdout).splitlines()
            if name
        ]
        hidden = ctx.hidden_paths(self.name)
        found, withheld = await asyncio.to_thread(
            _list_and_sort, base, names, compile_glob(rest), hidden
        )
        note = [hidden_note(withheld)] if withheld else []
        if not found:
            return ToolResult("\n".join(["No files found", *note]))
        lines = [_printable(str(path)) for path in found[:MAX_RESULTS]]
        if len(found) > MAX_RESULTS:
            lines.append(
                f"(Results are truncated: showing the {MAX_RESULTS} most recently modified "
                f"of {len(found)} matches. Use a more specific pattern or path.)"
            )
        return ToolResult("\n".join([*lines, *note]))


def _printable(text: str) -> str:
    """Undecodable file-name bytes (kept as surrogates) shown as U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
