"""Git: the repository's state and history, and staging and committing, on pygit2.

Looking (status, diff, log, show, blame, listing branches) runs without asking, like
Read, when the whole repository is inside the session's folders (it shows all of it);
changing the repository (add, commit, creating a branch) asks, like a shell command, and
plan mode refuses it; "always allow" keeps a rule for that operation only (`Git(add)`).
`Read(...)` deny rules hide files: a denied file is left out of what it shows, cannot be
blamed and is never staged. A `Read` allow rule never approves Git.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from claude_lsp.git import operations
from claude_lsp.git.context import open_repository
from claude_lsp.tools.base import Tool, ToolContext, ToolError, ToolKind, ToolResult

READ_OPERATIONS = ("status", "diff", "log", "show", "blame", "branch")
WRITE_OPERATIONS = ("add", "commit")


class GitTool(Tool):
    name: ClassVar[str] = "Git"
    description: ClassVar[str] = (
        "Look at and change the git repository of the working directory, without a "
        "shell.\n\n"
        "- status: the branch and changed files (short format).\n"
        "- diff: unstaged changes; staged=true for staged ones; revision 'A' compares A "
        "with the working tree, 'A..B' two revisions, 'A...B' what B changed since it "
        "left A (a branch's own changes); paths limits it.\n"
        "- log: recent commits (revision to start from, max_count, default 20).\n"
        "- show: one commit (revision, default HEAD) with its changes.\n"
        "- blame: who last changed each line of paths[0] (as committed).\n"
        "- branch: list branches; with name, create one at revision (default HEAD).\n"
        "- add: stage paths (files or folders; a symlink is staged as the link). commit: "
        "commit what is staged, with message.\n"
        "Looking needs no permission; add, commit and creating a branch ask first."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "operation": {"type": "string", "enum": [*READ_OPERATIONS, *WRITE_OPERATIONS]},
            "paths": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Files or folders (diff, blame, add).",
            },
            "revision": {
                "type": "string",
                "description": "A commit, branch or tag; diff also takes A..B and A...B.",
            },
            "staged": {"type": "boolean", "description": "diff: the staged changes."},
            "max_count": {"type": "integer", "minimum": 1, "description": "log: how many."},
            "name": {"type": "string", "description": "branch: the branch to create."},
            "message": {"type": "string", "description": "commit: the commit message."},
        },
        "required": ["operation"],
        "additionalProperties": False,
    }
    read_only: ClassVar[bool] = False
    kind: ClassVar[ToolKind] = "execute"

    def is_read_only(self, tool_input: Mapping[str, Any]) -> bool:
        operation = tool_input.get("operation")
        if operation == "branch":
            return not tool_input.get("name")
        return operation in READ_OPERATIONS

    def title(self, tool_input: dict[str, Any]) -> str:
        details = [str(tool_input.get(key)) for key in ("revision", "name") if tool_input.get(key)]
        details += [str(path) for path in tool_input.get("paths") or []]
        return " ".join(["git", str(tool_input.get("operation", "")), *details])

    def paths(self, tool_input: dict[str, Any], ctx: ToolContext) -> list[Path]:
        """The files named, and the work tree of the repository the call opens (found as
        `run` finds it): every call can show all of it."""
        named = [ctx.resolve(str(path)) for path in tool_input.get("paths") or []]
        repo = open_repository(ctx.cwd)
        return [*named, Path(repo.workdir).resolve() if repo and repo.workdir else ctx.cwd]

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        import pygit2

        repo = await asyncio.to_thread(open_repository, ctx.cwd)
        if repo is None:
            raise ToolError(f"{ctx.cwd} is not in a git repository.")
        assert repo.workdir is not None
        root = Path(repo.workdir).resolve()
        relative = [
            _relative(root, _named_path(ctx, str(path))) for path in tool_input.get("paths") or []
        ]
        hidden = ctx.hidden_paths("Read")
        named = relative[:1] if tool_input["operation"] == "blame" else relative
        if tool_input["operation"] in ("blame", "add") and hidden:
            for path in named:
                if path != "." and hidden(root / path):
                    raise ToolError(f"{path} is denied by the permission rules.")
        if tool_input["operation"] in ("add", "commit"):
            await ctx.files.save_edited()  # git reads the disk: the editor's edits first
        try:
            text = await asyncio.to_thread(_run, repo, tool_input, relative, hidden)
        except operations.GitError as exc:
            raise ToolError(f"git {tool_input['operation']}: {exc}") from exc
        except (pygit2.GitError, OSError, ValueError, OverflowError) as exc:
            # A damaged repository (index, objects, timestamps): say so, don't crash.
            raise ToolError(f"git {tool_input['operation']} failed: {exc}") from exc
        return ToolResult(text)


def _run(repo: Any, tool_input: dict[str, Any], relative: list[str], hidden: Any) -> str:
    operation = tool_input["operation"]
    revision = tool_input.get("revision")
    if operation == "status":
        return operations.status(repo, hidden)
    if operation == "diff":
        staged = bool(tool_input.get("staged"))
        return operations.diff(repo, hidden, staged=staged, revision=revision, paths=relative)
    if operation == "log":
        count = int(tool_input.get("max_count") or operations.DEFAULT_LOG_COUNT)
        return operations.log(repo, revision=revision, max_count=count)
    if operation == "show":
        return operations.show(repo, hidden, revision=revision)
    if operation == "blame":
        if not relative:
            raise operations.GitError("blame needs the file in paths")
        return operations.blame(repo, relative[0])
    if operation == "branch":
        name = tool_input.get("name")
        return operations.create_branch(repo, name, revision) if name else operations.branches(repo)
    if operation == "add":
        if not relative:
            raise operations.GitError("add needs paths")
        return operations.add(repo, relative, hidden)
    return operations.commit(repo, str(tool_input.get("message") or ""))


def _named_path(ctx: ToolContext, given: str) -> Path:
    """The absolute path `given` names, `..` resolved, the last part kept when it is a
    symlink: git works on the link itself, never on what it points to."""
    path = Path(os.path.normpath(ctx.cwd / os.path.expanduser(given)))
    return path.parent.resolve() / path.name if path.is_symlink() else path.resolve()


def _relative(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        raise ToolError(f"{path} is outside the repository at {root}.") from None
