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
import sys
from pathlib import Path
from typing import Any, ClassVar

from claude_lsp.tools.base import SearchTool, ToolContext, ToolError, ToolKind, ToolResult
from claude_lsp.tools.ripgrep import run_ripgrep

MAX_RESULTS = 100
_MAGIC = re.compile(r"[*?\[{\\]")


def glob_to_regex(pattern: str) -> str:
    """Translate a glob to a regular expression matched against a whole `/` path.

    `*` and `?` stay within one path segment, `**/` spans zero or more directories, a
    trailing `**` matches everything below, `[...]` is a class (`!` or `^` negates) and
    `{a,b}` are alternatives (nestable). A backslash quotes the next character.
    """
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            at_start = i == 0 or pattern[i - 1] == "/"
            if j - i >= 2 and at_start and j == n:
                out.append(".*")
            elif j - i >= 2 and at_start and pattern[j] == "/":
                out.append("(?:.*/)?")
                j += 1
            else:
                out.append("[^/]*")
            i = j
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            translated, i = _translate_class(pattern, i)
            out.append(translated)
        elif c == "{":
            close = _matching_brace(pattern, i)
            alternatives = _split_alternatives(pattern[i + 1 : close]) if close > 0 else []
            if len(alternatives) < 2:
                out.append(re.escape(c))
                i += 1
            else:
                out.append("(?:" + "|".join(glob_to_regex(a) for a in alternatives) + ")")
                i = close + 1
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def _translate_class(pattern: str, start: int) -> tuple[str, int]:
    i = start + 1
    negate = i < len(pattern) and pattern[i] in "!^"
    if negate:
        i += 1
    body_start = i
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 1
    if i >= len(pattern):
        return re.escape("["), start + 1
    body = pattern[body_start:i].replace("\\", "\\\\").replace("^", "\\^")
    body = body.replace("[", "\\[").replace("]", "\\]")
    if negate:
        return f"[^/{body}]", i + 1
    return f"[{body}]", i + 1


def _matching_brace(pattern: str, start: int) -> int:
    depth = 0
    i = start
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _split_alternatives(body: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            current.append(body[i : i + 2])
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(c)
        i += 1
    parts.append("".join(current))
    return parts


def compile_glob(pattern: str) -> re.Pattern[str]:
    """A compiled full-path matcher; case-insensitive where file systems usually are."""
    flags = re.IGNORECASE if sys.platform in ("darwin", "win32") else 0
    return re.compile(glob_to_regex(pattern), flags | re.DOTALL)


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


def _list_and_sort(base: Path, names: list[str], matcher: re.Pattern[str]) -> list[Path]:
    stamped: list[tuple[float, str, Path]] = []
    for name in names:
        if not matcher.fullmatch(name):
            continue
        path = base / name
        try:
            mtime = path.stat().st_mtime
        except OSError:
            continue
        stamped.append((-mtime, name, path))
    stamped.sort()
    return [path for _, _, path in stamped]


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
        found = await asyncio.to_thread(_list_and_sort, base, names, compile_glob(rest))
        if not found:
            return ToolResult("No files found")
        lines = [_printable(str(path)) for path in found[:MAX_RESULTS]]
        if len(found) > MAX_RESULTS:
            lines.append(
                f"(Results are truncated: showing the {MAX_RESULTS} most recently modified "
                f"of {len(found)} matches. Use a more specific pattern or path.)"
            )
        return ToolResult("\n".join(lines))


def _printable(text: str) -> str:
    """Undecodable file-name bytes (kept as surrogates) shown as U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
