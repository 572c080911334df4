"""*Claude: show diff* for an edit waiting in the approval queue.

A Helix user deciding on "Claude wants to edit calc.py" needs to see the change. The
question's diff (or the one its Edit or Write input implies against the current text)
becomes a unified diff in `.claude/preview.diff`, checked by parsing it back, and the
editor shows it; the command also returns it, for clients that display results.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_lsp.lsp import errors
from claude_lsp.lsp.questions import tool_call_content
from claude_lsp.lsp.shown_files import show_file
from claude_lsp.tools.base import display_path

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from claude_lsp.policy.questions import PermissionQuestion

PREVIEW_FILE = "preview.diff"


def question_diff(server: LanguageServer, question: PermissionQuestion, cwd: Path) -> str:
    """The unified diff an edit question asks about ("" when it implies none)."""
    from claude_lsp.review.unified import unified_diff

    parts = []
    for content in tool_call_content(server, question, cwd):
        if content.get("type") != "diff":
            continue
        path = Path(content["path"])
        name = display_path(path if path.is_absolute() else cwd / path, cwd)
        old = content.get("oldText")
        parts.append(unified_diff(old or "", content["newText"], name, new_file=old is None))
    return "".join(parts)


async def show_question_diff(
    server: LanguageServer, question: PermissionQuestion, cwd: Path, request_id: str
) -> dict[str, Any]:
    """Show the diff of a pending approval; `{uri, diff, files}` for the command's result."""
    from claude_lsp.review.unified import describe, parse_preview

    diff = question_diff(server, question, cwd)
    if not diff:
        raise errors.invalid_params(f"approval {request_id} has no change to show")
    files = parse_preview(diff)  # a ValueError here is our bug: an internal error, not junk
    note = f"Claude: the change waiting for approval {request_id}, {describe(files)}"
    uri = await show_file(server, PREVIEW_FILE, diff, note=note)
    return {
        "uri": uri,
        "diff": diff,
        "files": [
            {"path": change.path, "added": change.added, "removed": change.removed}
            for change in files
        ],
    }
