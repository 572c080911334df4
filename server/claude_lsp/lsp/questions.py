"""How a permission question reads in an editor: one line, the file it touches, a diff.

Every way of asking (claude/session/requestPermission, window/showMessageRequest, the
approval queue) describes the call the same way, so the user sees what they approve:
the whole shell command, or the change to the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pygls.uris import from_fs_path

from claude_lsp.tools.base import display_path

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from claude_lsp.policy.questions import PermissionQuestion

# Input fields that name the file or folder a call works on, in the core's tools.
PATH_FIELDS = ("file_path", "notebook_path", "path")
VERBS = {"read": "read", "edit": "edit", "delete": "delete", "move": "move", "search": "search"}
TOOL_VERBS = {"Write": "write"}
PLAN_SHOWN_CHARS = 4000


def command_of(question: PermissionQuestion) -> str | None:
    """The shell command a call runs (Bash's `command`), if it runs one."""
    command = question.tool_input.get("command")
    return command if isinstance(command, str) and command else None


def target_path(question: PermissionQuestion, cwd: Path) -> Path | None:
    """The file or folder the call touches, absolute (relative inputs start at `cwd`)."""
    for field in PATH_FIELDS:
        value = question.tool_input.get(field)
        if isinstance(value, str) and value:
            path = Path(value).expanduser()
            return path if path.is_absolute() else cwd / path
    return None


def plan_of(question: PermissionQuestion) -> str | None:
    """The plan an ExitPlanMode question puts to the user."""
    plan = question.tool_input.get("plan")
    return plan if question.kind == "switch_mode" and isinstance(plan, str) else None


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
    """ACP `ToolCallContent` for the question: the diff of an edit, the command to run.

    The core hands a diff when it has one; otherwise Edit and Write inputs are turned
    into one against the current text, so a client can preview the change it approves.
    """
    content: list[dict[str, Any]] = []
    diff = _diff(server, question, cwd)
    if diff is not None:
        content.append(diff)
    command = command_of(question)
    if command is not None:
        content.append({"type": "content", "content": {"type": "text", "text": command}})
    plan = plan_of(question)
    if plan is not None:
        content.append({"type": "content", "content": {"type": "text", "text": plan}})
    return content


def _diff(server: LanguageServer, question: PermissionQuestion, cwd: Path) -> dict[str, Any] | None:
    if question.diff is not None:
        return {
            "type": "diff",
            "path": question.diff.path,
            "oldText": question.diff.old_text,
            "newText": question.diff.new_text,
        }
    path = target_path(question, cwd)
    tool_input = question.tool_input
    if path is None:
        return None
    if question.tool_name == "Write" and isinstance(tool_input.get("content"), str):
        old_text = current_text(server, path)
        return {
            "type": "diff",
            "path": str(path),
            "oldText": old_text,
            "newText": tool_input["content"],
        }
    old, new = tool_input.get("old_string"), tool_input.get("new_string")
    if question.tool_name == "Edit" and isinstance(old, str) and isinstance(new, str):
        text = current_text(server, path)
        if text is not None and old and old in text:
            count = -1 if tool_input.get("replace_all") is True else 1
            return {
                "type": "diff",
                "path": str(path),
                "oldText": text,
                "newText": text.replace(old, new, count),
            }
        return {"type": "diff", "path": str(path), "oldText": old, "newText": new}
    return None


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
