"""A custom command's text before the model sees it: `` !`command` `` output and `@file`s.

`` !`git status` `` (an `!` starting a word, then a backquoted command) runs the command
with the session's Bash tool and puts its output in place of the span, as Claude Code
does. It runs only when the permission policy, with the command's `allowed-tools` added,
allows it outright: nobody is asked, so a command that would need a question (or is
denied) stops the whole slash command before anything runs.

`@path` outside code spans and blocks (the finder memory imports use) adds the file's
content after the prompt, read with the Read tool (LS for a folder) under the same
policy, so deny rules and the session's folders hold, and what was read counts as read
for later edits. A path that does not exist is left as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from claude_lsp.memory.imports import import_targets, resolve_reference
from claude_lsp.policy.permissions import PermissionPolicy
from claude_lsp.policy.rules import Rule
from claude_lsp.tools.base import Tool, ToolContext, ToolError

# `!` at the start of the text or after whitespace or "(", then a backquoted command.
SHELL_SPAN = re.compile(r"(?<![^\s(])!`([^`]+)`")


@dataclass(frozen=True)
class CommandEnv:
    """What expansion uses of the session: its tools, policy and tool context.

    `cwd` is where relative `@paths` start: the session's folder, not wherever a `cd`
    in Bash has moved `ctx.cwd` to.
    """

    tools: Mapping[str, Tool]
    policy: PermissionPolicy
    ctx: ToolContext
    cwd: Path


class CommandRefused(Exception):
    """Shell commands of the text that the policy does not allow; none of them ran."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


async def expand_text(
    text: str, env: CommandEnv, allowed: Sequence[Rule] = ()
) -> list[dict[str, Any]]:
    """The prompt blocks for `text`: shell output spliced in, then the included files.

    `allowed` are the command's `allowed-tools` rules. Raises `CommandRefused`.
    """
    policy = replace(env.policy, allow=[*env.policy.allow, *allowed])
    targets = import_targets(text)  # before splicing: command output includes nothing
    spliced = await run_shell_spans(text, replace(env, policy=policy))
    included = await include_files(targets, replace(env, policy=policy))
    return [{"type": "text", "text": spliced}, *included]


async def run_shell_spans(text: str, env: CommandEnv) -> str:
    """`text` with every `` !`command` `` replaced by what the command printed.

    Every command is checked before the first one runs. The session's working directory
    is left where it was, even when a command changes directory.
    """
    spans = [match for match in SHELL_SPAN.finditer(text) if match[1].strip()]
    if not spans:
        return text
    bash = env.tools.get("Bash")
    if bash is None:
        raise CommandRefused(["the Bash tool is disabled in this session"])
    problems = [
        problem
        for match in spans
        if (problem := _shell_problem(bash, match[1].strip(), env)) is not None
    ]
    if problems:
        raise CommandRefused(problems)
    await env.ctx.files.save_edited()  # the command reads the disk: unsaved edits first
    outputs = [await _run_shell(bash, match[1].strip(), env.ctx) for match in spans]
    pieces: list[str] = []
    end = 0
    for match, output in zip(spans, outputs, strict=True):
        pieces += [text[end : match.start()], output]
        end = match.end()
    return "".join([*pieces, text[end:]])


def _shell_problem(bash: Tool, command: str, env: CommandEnv) -> str | None:
    """Why `command` may not run (with the allowed-tools entry that would fix it), or None."""
    tool_input = {"command": command}
    paths = bash.paths(tool_input, env.ctx)
    decision = env.policy.decide(bash, tool_input, paths)
    if decision.behavior == "allow":
        return None
    if decision.behavior == "deny":
        return f"!`{command}` is not allowed: {decision.reason or 'denied'}"
    rules = env.policy.suggest_rules(bash, tool_input, paths) or [f"Bash({command})"]
    problem = f"!`{command}` needs allowed-tools: {', '.join(rules)}"
    return f"{problem} ({decision.reason})" if decision.reason else problem


async def _run_shell(bash: Tool, command: str, ctx: ToolContext) -> str:
    cwd = ctx.cwd
    try:
        result = await bash.run({"command": command}, ctx)
    except ToolError as exc:
        return str(exc)
    finally:
        ctx.cwd = cwd
    return result.text()


async def include_files(targets: Sequence[str], env: CommandEnv) -> list[dict[str, Any]]:
    """Content blocks for the `@` targets: each file's content, or why it is left out."""
    blocks: list[dict[str, Any]] = []
    seen: set[Path] = set()
    for target in targets:
        path = resolve_reference(target, env.cwd)
        try:
            if not path.exists() or path.resolve() in seen:
                continue
        except OSError:  # a name too long to be a path: plain text
            continue
        seen.add(path.resolve())
        blocks += await _include(target, path, env)
    return blocks


async def _include(target: str, path: Path, env: CommandEnv) -> list[dict[str, Any]]:
    folder = path.is_dir()
    tool = env.tools.get("LS" if folder else "Read")
    if tool is None:
        return [_note(f"@{target} was not included: the tool to read it is disabled")]
    tool_input = {"path": str(path)} if folder else {"file_path": str(path)}
    decision = env.policy.decide(tool, tool_input, tool.paths(tool_input, env.ctx))
    if decision.behavior != "allow":
        why = decision.reason or "reading it needs permission"
        return [_note(f"@{target} was not included: {why}")]
    try:
        result = await tool.run(tool_input, env.ctx)
    except ToolError as exc:
        return [_note(f"@{target} was not included: {exc}")]
    if result.is_error:
        return [_note(f"@{target} was not included: {result.text()}")]
    what = "Listing of the folder" if folder else "Contents of"
    return [_note(f"{what} {path} (from @{target}):"), *result.as_blocks()]


def _note(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}
