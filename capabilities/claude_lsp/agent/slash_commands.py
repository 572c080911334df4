"""What a slash command does to a session: answer locally, or become a prompt.

`/clear`, `/compact`, `/cost`, `/context`, `/help`, `/model` and `/resume` are handled
here without a model turn (compact makes its own summarising call); `/init`, `/review`
and custom commands turn into the prompt the model then works on. A custom command's
`` !`command` `` spans run and its `@file`s are read before that prompt is sent.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_lsp.agent.context_window import auto_compact_threshold, context_window
from claude_lsp.agent.events import CommandInfo
from claude_lsp.agent.model_request import max_tokens
from claude_lsp.agent.subagents import tools_summary
from claude_lsp.commands import custom, resume
from claude_lsp.commands.builtin import BUILTIN_COMMANDS, PROMPT_COMMANDS, SlashCall
from claude_lsp.commands.expansion import CommandEnv, CommandRefused, expand_text
from claude_lsp.mcp.connection import McpCallError
from claude_lsp.policy.permissions import SESSION_SOURCE, parse_rules
from claude_lsp.review.prompts import review_diff_section
from claude_lsp.sessions import transcripts
from claude_lsp.tools.agent import AgentTool
from claude_lsp.version import __version__

if TYPE_CHECKING:
    from claude_lsp.agent.session import Session


@dataclass(frozen=True)
class Reply:
    """The command answered by itself; this text is the whole turn's result."""

    text: str

    @property
    def markdown(self) -> str:
        """The text for clients that render Markdown: each line ends in a hard break (two
        spaces), so the lines of a listing are not joined into one paragraph."""
        return "  \n".join(self.text.split("\n"))


@dataclass(frozen=True)
class CommandPrompt:
    """The command becomes this prompt, optionally on another model.

    `allowed_tools` are allow rules (`allowed-tools` frontmatter) for this turn only.
    """

    content: list[dict[str, Any]]
    model: str | None = None
    allowed_tools: tuple[str, ...] = ()


def available_commands(session: Session) -> tuple[CommandInfo, ...]:
    """Built-ins, then the custom commands (which cannot shadow a built-in)."""
    builtin_names = {command.name for command in BUILTIN_COMMANDS}
    customs = [
        CommandInfo(command.name, f"{command.description} {command.label}", command.argument_hint)
        for command in custom.discover(session.options.cwd).values()
        if command.name not in builtin_names
    ]
    prompts = [
        CommandInfo(command.name, command.description, command.hint or None)
        for command in session.mcp.prompt_commands()
    ]
    return (
        *BUILTIN_COMMANDS,
        *sorted(customs, key=lambda command: command.name),
        *sorted(prompts, key=lambda command: command.name),
    )


async def run_command(session: Session, call: SlashCall) -> Reply | CommandPrompt:
    """Carry out `call` against `session`."""
    local = _LOCAL.get(call.name)
    if local is not None:
        return Reply(await local(session, call.arguments))
    header = _command_header(call)
    if call.name in PROMPT_COMMANDS:
        text = PROMPT_COMMANDS[call.name]
        if call.arguments:
            text += f"\n\nArguments: {call.arguments}"
        elif call.name == "review":  # the working tree's diff, so the model need not ask git
            text += await asyncio.to_thread(review_diff_section, session.options.cwd)
        return CommandPrompt([header, {"type": "text", "text": text}])
    mcp_prompt = next((p for p in session.mcp.prompt_commands() if p.name == call.name), None)
    if mcp_prompt is not None:
        try:
            blocks = await session.mcp.expand_prompt(mcp_prompt, call.arguments)
        except McpCallError as exc:
            return Reply(str(exc))
        return CommandPrompt([header, *blocks])
    command = custom.discover(session.options.cwd).get(call.name)
    if command is None:
        return Reply(f"Unknown command: /{call.name}. Type /help to list the commands.")
    warnings: list[str] = []
    allowed = parse_rules(
        command.allowed_tools, behavior="allow", warnings=warnings, source=SESSION_SOURCE
    )
    env = CommandEnv(session.tools, session.policy, session.ctx, session.options.cwd)
    try:
        blocks = await expand_text(command.expand(call.arguments), env, allowed)
    except CommandRefused as refused:
        return Reply(_refusal(command, refused, warnings))
    return CommandPrompt([header, *blocks], command.model, command.allowed_tools)


def _refusal(command: custom.CustomCommand, refused: CommandRefused, warnings: list[str]) -> str:
    """Why a custom command did not run, and what to add to its `allowed-tools`."""
    lines = [f"/{command.name} did not run: its shell commands are not allowed ({command.path})."]
    lines += [f"  - {problem}" for problem in refused.problems]
    lines += [f"  - {warning}" for warning in warnings]
    lines.append(
        "Commands in !`...` run before the prompt is sent and nobody is asked about them: "
        "list them in the allowed-tools frontmatter of the command file."
    )
    return "\n".join(lines)


def _command_header(call: SlashCall) -> dict[str, Any]:
    """Tells the model (and the transcript) which command the prompt came from."""
    text = f"<command-name>/{call.name}</command-name>"
    if call.arguments:
        text += f"\n<command-args>{call.arguments}</command-args>"
    return {"type": "text", "text": text}


async def _agents(session: Session, arguments: str) -> str:
    catalogue = session.subagents.reload()
    lines = ["Subagents the model can start with the Agent tool:"]
    if AgentTool.name not in session.tools:
        lines = ["Subagents (none can start: a deny rule turns the Agent tool off):"]
    for agent in catalogue.agents.values():
        lines.append(f"  {agent.name} ({agent.origin}): {agent.description}")
        lines.append(f"    tools: {tools_summary(agent)}; model: {agent.model or 'inherit'}")
    lines += [f"  ! {warning}" for warning in catalogue.warnings]
    lines.append("Add one in .claude/agents/<name>.md, or ~/.claude/agents/ for every project.")
    return "\n".join(lines)


async def _clear(session: Session, arguments: str) -> str:
    await session.clear()
    return "Cleared the conversation. The next prompt starts fresh."


async def _compact(session: Session, arguments: str) -> str:
    return await session.compact(arguments or None)


async def _cost(session: Session, arguments: str) -> str:
    usage = session.usage
    return "\n".join(
        [
            f"Total cost: ${session.cost_usd:.4f}",
            f"Model: {session.model}",
            f"Input tokens: {usage.input_tokens:,} "
            f"(cache reads {usage.cache_read_input_tokens:,}, "
            f"cache writes {usage.cache_creation_input_tokens:,})",
            f"Output tokens: {usage.output_tokens:,}",
        ]
    )


async def _context(session: Session, arguments: str) -> str:
    env = session.environment()
    window = context_window(env)
    used = session.context_tokens
    threshold = auto_compact_threshold(max_tokens(env), env)
    automatic = (
        f"Automatic compaction starts at {threshold:,} tokens."
        if threshold is not None
        else "Automatic compaction is off."
    )
    return (
        f"Context: {used:,} of {window:,} tokens in use ({used / window:.0%}) after the "
        f"last model response, across {len(session.messages)} messages. {automatic} "
        "/compact replaces the history with a summary; /clear starts over."
    )


async def _help(session: Session, arguments: str) -> str:
    lines = ["Slash commands:"]
    for command in available_commands(session):
        hint = f" <{command.hint}>" if command.hint else ""
        lines.append(f"  /{command.name}{hint}: {command.description}")
    return "\n".join(lines)


async def _model(session: Session, arguments: str) -> str:
    if not arguments:
        return f"The session uses {session.model}. /model <name> switches it."
    session.switch_model(arguments)
    return f"Switched the model to {session.model}."


async def _add_dir(session: Session, arguments: str) -> str:
    if not arguments:
        return "Usage: /add-dir <path to the folder>"
    folder = (session.options.cwd / Path(arguments).expanduser()).resolve()
    if not folder.is_dir():
        return f"Not a folder: {folder}"
    session.add_root(folder)
    return f"Added {folder}: the session may now read it and edit files there."


async def _resume(session: Session, arguments: str) -> str:
    cwd = session.options.cwd
    sessions = await asyncio.to_thread(transcripts.list_sessions, cwd)
    if not arguments:
        return resume.listing(sessions, session.id)
    query = arguments.split()[0]
    try:
        chosen = resume.pick(query, sessions, session.id)
    except resume.ResumeError as exc:
        return str(exc)
    if chosen is None:
        return await asyncio.to_thread(_not_in_project, query, cwd)
    path = transcripts.project_folder(cwd) / f"{chosen.session_id}.jsonl"
    entries = await asyncio.to_thread(transcripts.read_entries, path)
    count = session.resume_from(entries)
    return (
        f"Resumed session {chosen.session_id} ({chosen.title}): its {count} messages are "
        "this conversation now, and the next prompt continues it."
    )


def _not_in_project(query: str, cwd: Path) -> str:
    """Why no session of this project is `query`: unknown, empty or another project's."""
    path = transcripts.find(query)
    if path is None:
        return f"No session {query} in this project. /resume with no argument lists them."
    if path.parent == transcripts.project_folder(cwd):
        return f"Session {query} has no messages to resume."
    entries = transcripts.read_entries(path)
    folder = entries[0].get("cwd") if entries else None
    return (
        f"Session {query} belongs to another folder ({folder or path.parent.name}); "
        "resume it from a session there."
    )


async def _mcp(session: Session, arguments: str) -> str:
    return session.mcp.status()


async def _memory(session: Session, arguments: str) -> str:
    files = session.memory.files
    if not files:
        return "No memory files: create CLAUDE.md in the project (or run /init)."
    lines = ["Memory files the session follows:"]
    lines += [f"  {file.path} ({file.kind})" for file in files]
    return "\n".join(lines)


async def _permissions(session: Session, arguments: str) -> str:
    policy = session.policy
    lines = [f"Permission mode: {policy.mode}"]
    for behavior, rules in (("deny", policy.deny), ("ask", policy.ask), ("allow", policy.allow)):
        lines.append(f"{behavior.capitalize()} rules:" if rules else f"No {behavior} rules.")
        lines += [f"  {rule.text} (from {rule.source.label})" for rule in rules]
    lines.append("Folders: " + ", ".join(str(root) for root in session.ctx.roots))
    return "\n".join(lines)


async def _status(session: Session, arguments: str) -> str:
    files = session.settings.files
    return "\n".join(
        [
            f"claude-lsp {__version__}",
            f"Session: {session.id}",
            f"Model: {session.model}",
            f"Working directory: {session.ctx.cwd}",
            f"Permission mode: {session.policy.mode}",
            "Settings files: " + (", ".join(str(path) for path in files) or "none"),
            f"Memory files: {len(session.memory.files)}",
        ]
    )


_LOCAL = {
    "add-dir": _add_dir,
    "agents": _agents,
    "clear": _clear,
    "compact": _compact,
    "context": _context,
    "cost": _cost,
    "help": _help,
    "mcp": _mcp,
    "memory": _memory,
    "model": _model,
    "permissions": _permissions,
    "resume": _resume,
    "status": _status,
}
