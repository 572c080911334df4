"""Unified diffs for people to read: previews of an agent's edit, new files in /review.

They are made with difflib in git's layout (`diff --git`, `a/` and `b/` prefixes,
`\\ No newline at end of file`), so `git apply`, `patch` and every diff viewer take
them, and checked by parsing them back with unidiff, which is strict about hunk counts.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

_LINES = re.compile(r"[^\n]*\n|[^\n]+\Z")
NO_NEWLINE = "\\ No newline at end of file\n"


def diff_lines(text: str) -> list[str]:
    """Lines as a diff counts them: split at `\\n` only (a `\\r` stays in its line)."""
    return _LINES.findall(text)


def unified_diff(
    old: str,
    new: str,
    path: str,
    *,
    new_file: bool = False,
    deleted: bool = False,
    context: int = 3,
) -> str:
    """The change `old` -> `new` of `path` (relative, forward slashes); "" if none."""
    if old == new and not new_file:
        return ""
    source = "/dev/null" if new_file else f"a/{path}"
    target = "/dev/null" if deleted else f"b/{path}"
    header = [f"diff --git a/{path} b/{path}\n"]
    if new_file:
        header.append("new file mode 100644\n")
    elif deleted:
        header.append("deleted file mode 100644\n")
    body = []
    for line in difflib.unified_diff(
        diff_lines(old), diff_lines(new), source, target, n=context, lineterm="\n"
    ):
        if line.startswith(("---", "+++")):
            body.append(line.rstrip("\n") + "\n")  # difflib adds no tab date: keep git's form
        elif line.endswith("\n"):
            body.append(line)
        else:
            body.append(line + "\n" + NO_NEWLINE)
    if not body:  # an empty new file: git shows the header alone
        return "".join(header)
    return "".join(header + body)


@dataclass(frozen=True)
class FileChange:
    """What a preview changes in one file."""

    path: str
    added: int
    removed: int
    hunks: int


def parse_preview(text: str) -> list[FileChange]:
    """The files a unified diff changes; ValueError when it is not a valid diff."""
    try:
        patch = PatchSet(text)
    except UnidiffParseError as exc:
        raise ValueError(f"not a valid unified diff: {exc}") from exc
    return [FileChange(file.path, file.added, file.removed, len(file)) for file in patch]


def describe(changes: list[FileChange]) -> str:
    """`calc.py (+1 -1)`, for a status line."""
    return ", ".join(f"{c.path} (+{c.added} -{c.removed})" for c in changes) or "no changes"
