"""Grep: search file contents with ripgrep.

ripgrep is fast, honours .gitignore and skips binary files, which is what a model
searching a repository wants; the options mirror rg's own so the model can use what it
already knows about it.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any, ClassVar

from claude_lsp.tools.base import (
    PathFilter,
    SearchTool,
    ToolContext,
    ToolError,
    ToolKind,
    ToolResult,
    display_path,
    hidden_note,
)
from claude_lsp.tools.ripgrep import decode_output, run_ripgrep

MAX_COLUMNS = 500
MAX_OUTPUT_CHARS = 100_000
OUTPUT_MODES = ("content", "files_with_matches", "count")
# With hidden paths to drop, a NUL goes before each field separator of content lines
# (rg unescapes `\x00`): the file a line is from is then known even if its name holds `:`.
_FIELD_SEPARATORS = ["--field-match-separator", "\\x00:", "--field-context-separator", "\\x00-"]
_GROUP_BREAK = "--"


def _mtime_order(cwd: Path, names: list[str]) -> list[str]:
    """Newest first; names that cannot be stat'ed go last, in their original order."""

    def key(item: tuple[int, str]) -> tuple[float, int]:
        index, name = item
        try:
            return (-(cwd / name).stat().st_mtime, index)
        except OSError:
            return (float("inf"), index)

    return [name for _, name in sorted(enumerate(names), key=key)]


def _page(items: list[str], offset: int, head_limit: int | None) -> list[str]:
    end = None if head_limit is None else offset + head_limit
    return items[offset:end]


def _page_note(offset: int, shown: int, total: int, unit: str) -> str | None:
    """Tell the model how to get the rest when only part of the results was shown."""
    if shown == 0 or offset + shown >= total:
        return None
    return (
        f"(Showing {unit} {offset + 1}-{offset + shown} of {total}. Use offset="
        f"{offset + shown} to see more.)"
    )


class GrepTool(SearchTool):
    name: ClassVar[str] = "Grep"
    description: ClassVar[str] = (
        "Search file contents with ripgrep (rg) regular expressions.\n\n"
        "- Use this rather than running grep or rg through Bash.\n"
        "- pattern uses Rust regex syntax: escape literal braces and such (`interface\\{\\}` "
        "finds `interface{}`). Matching is per line unless multiline is true.\n"
        "- Narrow the search with path, glob (e.g. `*.py`, `*.{ts,tsx}`) or type (rg file "
        "types such as `py`, `js`, `rust`).\n"
        "- output_mode: `files_with_matches` (default) lists matching files, newest first; "
        "`content` shows matching lines (with -n line numbers and -A/-B/-C context); "
        "`count` gives matching lines per file.\n"
        "- Files ignored by .gitignore are skipped; hidden files are searched; .git is not.\n"
        "- head_limit keeps the first N lines or entries, after skipping offset of them; "
        "use both to page through long results."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "pattern": {
                "type": "string",
                "description": "Regular expression to search for.",
            },
            "path": {
                "type": "string",
                "description": "File or folder to search. Defaults to the working directory.",
            },
            "glob": {
                "type": "string",
                "description": "Only search files whose names match this glob (rg --glob), "
                "e.g. `*.js` or `src/**/*.{ts,tsx}`. Separate several with spaces.",
            },
            "type": {
                "type": "string",
                "description": "Only search files of this rg type (rg --type), e.g. `py`, "
                "`js`, `go`. Often more efficient than glob.",
            },
            "output_mode": {
                "type": "string",
                "enum": list(OUTPUT_MODES),
                "description": "`content` for matching lines, `files_with_matches` for "
                "file paths (default), `count` for match counts per file.",
            },
            "-i": {
                "type": "boolean",
                "description": "Ignore case when matching.",
            },
            "-n": {
                "type": "boolean",
                "description": "Show line numbers (content mode only). Defaults to true.",
            },
            "-A": {
                "type": "integer",
                "minimum": 0,
                "description": "Lines of context to show after each match (content mode only).",
            },
            "-B": {
                "type": "integer",
                "minimum": 0,
                "description": "Lines of context to show before each match (content mode only).",
            },
            "-C": {
                "type": "integer",
                "minimum": 0,
                "description": "Lines of context to show before and after each match "
                "(content mode only).",
            },
            "multiline": {
                "type": "boolean",
                "description": "Let patterns span lines and `.` match newlines (rg -U "
                "--multiline-dotall). Defaults to false.",
            },
            "head_limit": {
                "type": "integer",
                "minimum": 0,
                "description": "Only return the first N output lines (content) or entries "
                "(files, counts). 0 or absent means all.",
            },
            "offset": {
                "type": "integer",
                "minimum": 0,
                "description": "Skip the first N output lines or entries before head_limit "
                "applies. Defaults to 0.",
            },
        },
        "required": ["pattern"],
        "additionalProperties": False,
    }
    read_only: ClassVar[bool] = True
    kind: ClassVar[ToolKind] = "search"
    reads_disk = True

    def _arguments(
        self, tool_input: dict[str, Any], mode: str, target: str, *, marked: bool
    ) -> list[str]:
        args = [
            "--no-config",
            "--color=never",
            "--hidden",
            "--no-require-git",
            "--glob",
            "!.git",
            "--max-columns",
            str(MAX_COLUMNS),
            "--max-columns-preview",
            "--with-filename",
        ]
        if tool_input.get("-i"):
            args.append("--ignore-case")
        if tool_input.get("multiline"):
            args += ["--multiline", "--multiline-dotall"]
        glob = tool_input.get("glob")
        if glob:
            for item in str(glob).split():
                args += ["--glob", item]
        file_type = tool_input.get("type")
        if file_type:
            args += ["--type", str(file_type)]
        if mode == "files_with_matches":
            args.append("--files-with-matches")
        elif mode == "count":
            args.append("--count")
        else:
            args.append("--no-heading")
            if marked:
                args += _FIELD_SEPARATORS
            if tool_input.get("-n", True):
                args.append("--line-number")
            for flag in ("-C", "-A", "-B"):
                value = tool_input.get(flag)
                if value is not None:
                    args += [flag, str(int(value))]
        args += ["--regexp", str(tool_input["pattern"]), "--", target]
        return args

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        mode = str(tool_input.get("output_mode") or "files_with_matches")
        if mode not in OUTPUT_MODES:
            raise ToolError(f"output_mode must be one of {', '.join(OUTPUT_MODES)}.")
        path_arg = tool_input.get("path")
        target_path = ctx.resolve(str(path_arg)) if path_arg else ctx.cwd
        if not target_path.exists():
            raise ToolError(f"Path does not exist: {target_path}")
        target = display_path(target_path, ctx.cwd.resolve())
        offset = int(tool_input.get("offset") or 0)
        head_limit_arg = tool_input.get("head_limit")
        head_limit = int(head_limit_arg) if head_limit_arg else None

        hidden = ctx.hidden_paths(self.name)
        run = await run_ripgrep(
            self._arguments(tool_input, mode, target, marked=hidden is not None),
            cwd=ctx.cwd,
            env=ctx.subprocess_env(),
        )
        if run.returncode == 1 or (run.returncode == 0 and not run.stdout):
            return ToolResult("No matches found")
        if run.returncode not in (0, 1) and not run.stdout:
            raise ToolError(f"ripgrep failed: {run.stderr or f'exit code {run.returncode}'}")
        lines = [line for line in decode_output(run.stdout).splitlines() if line]
        withheld = 0
        if hidden is not None:
            numbered = bool(tool_input.get("-n", True))
            lines, withheld = _drop_hidden(lines, mode, numbered, ctx.cwd.resolve(), hidden)
            if not lines:
                return ToolResult(f"No matches found\n{hidden_note(withheld)}")
        lines = [_strip_dot(line) for line in lines]
        warning = ""
        if run.returncode not in (0, 1) and run.stderr:
            first_problem = run.stderr.splitlines()[0]
            warning = f"\n(Some paths could not be searched: {first_problem})"

        if mode == "files_with_matches":
            files = await asyncio.to_thread(_mtime_order, ctx.cwd, lines)
            page = _page(files, offset, head_limit)
            body = [f"Found {len(files)} file{'' if len(files) == 1 else 's'}", *page]
            if not page:
                body.append(f"(No entries at offset {offset}.)")
            note = _page_note(offset, len(page), len(files), "files")
        elif mode == "count":
            entries = sorted(lines)
            total = sum(_count_of(entry) for entry in entries)
            page = _page(entries, offset, head_limit)
            noun = "file" if len(entries) == 1 else "files"
            body = [
                *page,
                "",
                f"Found {total} matching line{'' if total == 1 else 's'} in {len(entries)} {noun}.",
            ]
            if not page:
                body.insert(0, f"(No entries at offset {offset}.)")
            note = _page_note(offset, len(page), len(entries), "files")
        else:
            page = _page(lines, offset, head_limit)
            body = page if page else [f"(No output lines at offset {offset}.)"]
            note = _page_note(offset, len(page), len(lines), "lines")
        if note:
            body.append(note)
        withheld_line = f"\n{hidden_note(withheld)}" if withheld else ""  # kept past the cap
        return ToolResult(_cap("\n".join(body)) + withheld_line + warning)


def _drop_hidden(
    lines: list[str], mode: str, numbered: bool, base: Path, hidden: PathFilter
) -> tuple[list[str], int]:
    """The output lines of files `hidden` lets through, and how many files it held back.

    Content lines arrive NUL-marked (see `_FIELD_SEPARATORS`) and leave in rg's usual
    `path:line:text` form; group breaks left next to each other or at an end go too.
    """
    verdicts: dict[str, bool] = {}

    def shown(name: str) -> bool:
        if name not in verdicts:
            verdicts[name] = not hidden(Path(os.path.normpath(base / name)))
        return verdicts[name]

    kept: list[str] = []
    for line in lines:
        if mode == "files_with_matches":
            name = line
        elif mode == "count":
            name = line.rpartition(":")[0]
        elif "\0" in line:
            name, _, rest = line.partition("\0")
            line = name + rest.replace("\0", "", 1 if numbered else 0)
        else:  # a group break, or rg's note about a binary file
            kept.append(line)
            continue
        if shown(name):
            kept.append(line)
    if mode == "content":
        kept = _tidy_breaks(kept)
    return kept, sum(not visible for visible in verdicts.values())


def _tidy_breaks(lines: list[str]) -> list[str]:
    tidy: list[str] = []
    for line in lines:
        if line == _GROUP_BREAK and (not tidy or tidy[-1] == _GROUP_BREAK):
            continue
        tidy.append(line)
    if tidy and tidy[-1] == _GROUP_BREAK:
        tidy.pop()
    return tidy


def _strip_dot(line: str) -> str:
    return line[2:] if line.startswith("./") else line


def _count_of(entry: str) -> int:
    _, _, count = entry.rpartition(":")
    try:
        return int(count)
    except ValueError:
        return 0


def _cap(text: str) -> str:
    """Keep huge results from flooding the context; cut at a line boundary."""
    if len(text) <= MAX_OUTPUT_CHARS:
        return text
    cut = text.rfind("\n", 0, MAX_OUTPUT_CHARS)
    kept = text[: cut if cut > 0 else MAX_OUTPUT_CHARS]
    shown = kept.count("\n") + 1
    return (
        f"{kept}\n(Output truncated after {shown} lines because it was too long. Use "
        "head_limit and offset, or narrow the search with path, glob or type.)"
    )
