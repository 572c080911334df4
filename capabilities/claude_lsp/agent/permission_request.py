"""A permission question in ACP's `request_permission` shape: the tool call, with what
it would do (the diff of an edit, the command, the plan), and the options to pick from.

Every host asks the same way (the LSP adapter's claude/session/requestPermission, its
dialogs and approval queue, the `--acp` agent), so the user always sees what they approve.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from claude_lsp.policy.questions import PermissionAnswer, PermissionQuestion

# Input fields that name the file or folder a call works on, in the core's tools.
PATH_FIELDS = ("file_path", "notebook_path", "path")
# Tools whose question shows the change they would make, worked out from their input.
DIFFED_TOOLS = ("Edit", "Write", "NotebookEdit")
# What a client may pick (`timed_out` is the approval queue's, never an option).
OFFERED_ANSWERS = (
    PermissionAnswer.ALLOW_ONCE,
    PermissionAnswer.ALLOW_ALWAYS,
    PermissionAnswer.REJECT_ONCE,
    PermissionAnswer.REJECT_ALWAYS,
)

# How a host reads a file as its user sees it (an open buffer first); None if absent.
TextReader = Callable[[Path], str | None]


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


def diff_source(question: PermissionQuestion, cwd: Path) -> Path | None:
    """The file whose current text `tool_call_content` reads to show the change: an Edit,
    Write or NotebookEdit that came without a diff of its own; None when nothing is read."""
    if question.diff is not None or question.tool_name not in DIFFED_TOOLS:
        return None
    return target_path(question, cwd)


def tool_call(question: PermissionQuestion, cwd: Path, read: TextReader) -> dict[str, Any]:
    """ACP's `ToolCallUpdate` for the question."""
    return {
        "toolCallId": question.tool_call_id,
        "title": question.title,
        "kind": question.kind,
        "rawInput": question.tool_input,
        "content": tool_call_content(question, cwd, read),
    }


def tool_call_content(
    question: PermissionQuestion, cwd: Path, read: TextReader
) -> list[dict[str, Any]]:
    """ACP `ToolCallContent` for the question: the diff of an edit, the command to run,
    the text a GitHub write would publish.

    The core hands a diff when it has one; otherwise Edit, Write and NotebookEdit inputs
    are turned into one against the current text, so a client can preview the change it
    approves.
    """
    content: list[dict[str, Any]] = []
    diff = _diff(question, cwd, read)
    if diff is not None:
        content.append(diff)
    command = command_of(question)
    if command is not None:
        content.append({"type": "content", "content": {"type": "text", "text": command}})
    plan = plan_of(question)
    if plan is not None:
        content.append({"type": "content", "content": {"type": "text", "text": plan}})
    published = published_text(question)
    if published is not None:
        content.append({"type": "content", "content": {"type": "text", "text": published}})
    return content


def published_text(question: PermissionQuestion) -> str | None:
    """What a GitHub write would publish (a comment, a new issue or pull request)."""
    if question.tool_name != "GitHub":
        return None
    from claude_lsp.tools.github import preview

    return preview(question.tool_input)


def _diff(question: PermissionQuestion, cwd: Path, read: TextReader) -> dict[str, Any] | None:
    if question.diff is not None:
        return {
            "type": "diff",
            "path": question.diff.path,
            "oldText": question.diff.old_text,
            "newText": question.diff.new_text,
        }
    path = diff_source(question, cwd)
    tool_input = question.tool_input
    if path is None:
        return None
    if question.tool_name == "Write" and isinstance(tool_input.get("content"), str):
        return {
            "type": "diff",
            "path": str(path),
            "oldText": read(path),
            "newText": tool_input["content"],
        }
    old, new = tool_input.get("old_string"), tool_input.get("new_string")
    if question.tool_name == "Edit" and isinstance(old, str) and isinstance(new, str):
        text = read(path)
        if text is not None and old and old in text:
            count = -1 if tool_input.get("replace_all") is True else 1
            return {
                "type": "diff",
                "path": str(path),
                "oldText": text,
                "newText": text.replace(old, new, count),
            }
        return {"type": "diff", "path": str(path), "oldText": old, "newText": new}
    if question.tool_name == "NotebookEdit":
        return _notebook_diff(path, read(path), tool_input)
    return None


def _notebook_diff(
    path: Path, text: str | None, tool_input: dict[str, Any]
) -> dict[str, Any] | None:
    """The notebook file before and after the edit: its JSON, as it will be written.

    The JSON rather than a rendering of the cells: it is what changes on disk (and what
    the tool's own diff shows afterwards), a notebook-aware diff view (VS Code's) can
    open it as a notebook, and since only the edited cell is rewritten a line diff of
    it shows just that cell's lines. None when the edit cannot be made: the tool says why.
    """
    from claude_lsp.tools.base import ToolError
    from claude_lsp.tools.notebook_edit import edited
    from claude_lsp.tools.text_files import TextFile

    if text is None or not isinstance(tool_input.get("new_source"), str):
        return None
    try:
        new_text, _ = edited(TextFile.from_raw(path, text), tool_input)
    except ToolError:
        return None
    return {"type": "diff", "path": str(path), "oldText": text, "newText": new_text}


def permission_options(question: PermissionQuestion) -> list[dict[str, str]]:
    """ACP permission options: the question's own choices, else allow / always / deny."""
    if question.choices:
        return [
            {"optionId": answer.value, "name": name, "kind": answer.value}
            for answer, name in question.choices
        ]
    options = [
        {"optionId": PermissionAnswer.ALLOW_ONCE.value, "name": "Allow", "kind": "allow_once"}
    ]
    if question.always_label is not None:
        options.append(
            {
                "optionId": PermissionAnswer.ALLOW_ALWAYS.value,
                "name": question.always_label,
                "kind": "allow_always",
            }
        )
    options += [
        {"optionId": PermissionAnswer.REJECT_ONCE.value, "name": "Deny", "kind": "reject_once"},
        {
            "optionId": PermissionAnswer.REJECT_ALWAYS.value,
            "name": f"Always deny {_deny_scope(question)} in this session",
            "kind": "reject_always",
        },
    ]
    return options


def _deny_scope(question: PermissionQuestion) -> str:
    """What "always deny" refuses: this command line, this file, or the tool."""
    if question.tool_name == "Bash":
        return "this command"
    if question.tool_input.get("file_path"):
        return "this file"
    if question.tool_input.get("path"):
        return "this folder"
    return question.tool_name


def chosen_answer(outcome: Any) -> PermissionAnswer:
    """The answer an ACP `RequestPermissionOutcome` picked; anything else (cancelled, an
    unknown option) denies."""
    if isinstance(outcome, dict) and outcome.get("outcome") == "selected":
        chosen = outcome.get("optionId")
        for answer in OFFERED_ANSWERS:
            if chosen == answer.value:
                return answer
    return PermissionAnswer.REJECT_ONCE
