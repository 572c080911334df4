"""The built-in slash commands: what they are called, what they do, how they are typed.

Most run inside the session without the model (`/clear`, `/cost`, `/resume`); `/init`
and `/review` are prompts the model carries out with its tools.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from claude_lsp.agent.events import CommandInfo

_CALL = re.compile(r"^/([A-Za-z0-9][\w:.-]*)(?:\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True)
class SlashCall:
    """`/name arguments`, as the user typed it."""

    name: str
    arguments: str


def parse_slash_call(text: str) -> SlashCall | None:
    """The command a prompt starts with; None for ordinary text (`/usr/bin/env` too)."""
    match = _CALL.match(text.strip())
    if match is None:
        return None
    return SlashCall(match.group(1), (match.group(2) or "").strip())


INIT_PROMPT = """\
Study this code base and write a CLAUDE.md file at its root for future coding agents \
working in it. Keep it short and specific to this project:

1. The commands that build, lint and test it, including how to run a single test.
2. The architecture a newcomer needs the big picture of: how the main parts fit \
together, what lives where. Leave out what a file listing makes obvious.
3. Conventions that are not obvious from one file: code style, error handling, naming.

Take what you can from the README, existing CLAUDE.md, .cursor/rules, \
.github/copilot-instructions.md and the build files. If a CLAUDE.md exists, improve it \
rather than replacing it. Do not invent practices the code does not follow, and do not \
list generic advice. Start the file with a line saying it guides coding agents working \
in this repository.\
"""

REVIEW_PROMPT = """\
Review the changes in this repository as a careful senior engineer would.

Find the change set: with a pull request number or branch in the arguments, review \
that (use `gh pr diff` if it is available); otherwise review the working tree against \
HEAD: its diff, untracked files included, follows when this is a git repository. Read \
enough of the surrounding code to judge each change.

Report, most important first: bugs and regressions, security problems, missing tests \
for changed behaviour, and unclear or over-complicated code. Cite `path:line` for each \
finding and say how to fix it. Skip style nits a formatter would catch. If the change \
looks right, say so briefly.\
"""

PROMPT_COMMANDS = {"init": INIT_PROMPT, "review": REVIEW_PROMPT}

BUILTIN_COMMANDS = (
    CommandInfo("add-dir", "Let the session read and edit another folder", "path to the folder"),
    CommandInfo("agents", "List the subagents the model can hand tasks to, reading their files"),
    CommandInfo("clear", "Start over: clear the conversation history and the todo list"),
    CommandInfo(
        "compact",
        "Replace the conversation with a summary, to free context",
        "optional instructions for the summary",
    ),
    CommandInfo("context", "Show how much of the model's context window is in use"),
    CommandInfo("cost", "Show the session's token usage, cost and duration"),
    CommandInfo("help", "List the slash commands"),
    CommandInfo("init", "Write a CLAUDE.md that guides agents working in this code base"),
    CommandInfo("memory", "List the memory files (CLAUDE.md, rules) the session follows"),
    CommandInfo("mcp", "Show the MCP servers: where each is configured and how it is doing"),
    CommandInfo("model", "Show or switch the model", "model name or alias (opus, sonnet, haiku)"),
    CommandInfo("permissions", "Show the permission mode and every allow, ask and deny rule"),
    CommandInfo(
        "resume",
        "Continue an earlier session of this project here (no argument: list them)",
        "session id",
    ),
    CommandInfo("review", "Review the current changes or a pull request", "PR number or branch"),
    CommandInfo("status", "Show the version, model, folders, mode and settings files"),
)
