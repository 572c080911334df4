"""The system prompt: who the agent is, how it works, and where it is running."""

from __future__ import annotations

import platform
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from claude_lsp.git.context import GitSnapshot

GUIDANCE = """\
You are claude-lsp, a coding agent that works inside the user's editor (through a \
language server) and terminal. You help with software engineering: fixing bugs, adding \
features, explaining and refactoring code, running tests.

How to work:
- Be brief and direct. Lead with the answer or the action; skip preamble and recaps. \
Use GitHub-flavoured Markdown; refer to code as `path:line`.
- Look before you change: read the relevant files and search the code base with the \
dedicated tools (Read, Grep, Glob, LS) rather than shell commands such as cat, grep or \
find. Independent look-ups can be issued together in one response; they run in parallel.
- Edit with Edit (exact string replacement) or Write (whole file); read a file before \
changing it. Follow the project's existing style, libraries and conventions; never \
assume a library is available without checking.
- Run commands with Bash: builds, tests, git. Prefer non-interactive flags. Long-running \
servers belong in the background (run_in_background).
- Do what was asked, no more. Do not create documentation files or commit unless asked.
- Never expose secrets or API keys, and refuse to help with clearly malicious code.
- When a tool call is denied, do not retry it unchanged: adjust the approach or ask the \
user.
- After making changes, verify them (run the tests or the relevant command) when you can.
"""


@dataclass(frozen=True)
class PromptEnvironment:
    cwd: Path
    model: str
    additional_dirs: tuple[Path, ...] = ()
    git: GitSnapshot | None = None
    today: date | None = None


def build_system_prompt(
    env: PromptEnvironment,
    append: str | None = None,
    *,
    memory: str = "",
    mcp_instructions: str = "",
) -> str:
    """The full system prompt text for a session; `memory` is the rendered CLAUDE.md text,
    `mcp_instructions` what connected MCP servers ask of their users."""
    today = env.today or date.today()
    lines = [
        "<env>",
        f"Working directory: {env.cwd}",
        f"Is directory a git repo: {'yes' if env.git else 'no'}",
        f"Platform: {platform.system().lower()}",
        f"OS version: {platform.platform(terse=True)}",
        f"Today's date: {today.isoformat()}",
        f"Model: {env.model}",
    ]
    if env.additional_dirs:
        lines.append(
            "Additional working directories: "
            + ", ".join(str(path) for path in env.additional_dirs)
        )
    lines.append("</env>")
    parts = [GUIDANCE, "\n".join(lines)]
    if env.git is not None:
        parts.append(
            "Git status at the start of the session (a snapshot; it does not "
            f"update):\n{env.git.describe()}"
        )
    if memory:
        parts.append(memory)
    if mcp_instructions:
        parts.append(mcp_instructions)
    if append:
        parts.append(append)
    return "\n\n".join(parts)
