"""How a permission question reads in an editor: one line, the file it touches, a diff.

Every way of asking (claude/session/requestPermission, window/showMessageRequest, the
approval queue) describes the call the same way, so the user sees what they approve:
the whole shell command, or the change to the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pygls.uris import from_fs_path

from claude_lsp.agent import permission_request
from claude_lsp.agent.permission_request import command_of, plan_of, target_path
from claude_lsp.tools.base import display_path

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from claude_lsp.policy.questions import PermissionQuestion

VERBS = {"read": "read", "edit": "edit", "delete": "delete", "move": "move", "search": "search"}
TOOL_VERBS = {"Write": "write"}
PLAN_SHOWN_CHARS = 4000


def summary(question: PermissionQuestion, cwd: Path) -> str:
    """`run: Bash(npm test)`, `edit src/app.py`, or `use <title>`: what the call does."""
    if plan_of(question) is not None:
        return "leave plan mode and carry out its plan"
    command = command_of(question)
    if command is not None:
        return f"run: {question.tool_name}({command})"
    path = target_path(question, cwd)
    verb = TOOL_VERBS.get(question.tool_name) or VERBS.get(question.kind)
    if path is not None and verb is not None:
        return f"{verb} {display_path(path, cwd)}"
    return f"use {question.title}"


def prompt_line(question: PermissionQuestion, cwd: Path) -> str:
    """The question as one sentence: "Claude wants to run: Bash(npm test)".

    A plan follows its sentence in full (up to a dialog's sensible length).
    """
    line = f"Claude wants to {summary(question, cwd)}"
    plan = plan_of(question)
    if plan is None:
        return line
    shown = plan if len(plan) <= PLAN_SHOWN_CHARS else plan[:PLAN_SHOWN_CHARS] + "\n…"
    return f"{line}:\n\n{shown}"


def current_text(server: LanguageServer, path: Path) -> str | None:
    """The file as the editor shows it (an open buffer wins over disk), None if absent."""
    uri = from_fs_path(str(path))
    document = server.workspace.text_documents.get(uri) if uri else None
    if document is not None:
        return str(document.source)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def tool_call_content(
    server: LanguageServer, question: PermissionQuestion, cwd: Path
) -> list[dict[str, Any]]:
    """ACP `ToolCallContent` for the question, diffs made against the editor's text."""
    return permission_request.tool_call_content(
        question, cwd, lambda path: current_text(server, path)
    )


def edit_line(server: LanguageServer, question: PermissionQuestion, cwd: Path) -> int:
    """The 0-based line an Edit changes (where its `old_string` starts), else 0."""
    old = question.tool_input.get("old_string")
    path = target_path(question, cwd)
    if question.tool_name != "Edit" or not isinstance(old, str) or not old or path is None:
        return 0
    text = current_text(server, path)
    if text is None or old not in text:
        return 0
    return text.count("\n", 0, text.index(old))
