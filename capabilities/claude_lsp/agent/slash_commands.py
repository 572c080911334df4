"""What a slash command does to a session: answer locally, or become a prompt.

`/clear`, `/compact`, `/cost`, `/context`, `/help` and `/model` are handled here without
a model turn (compact makes its own summarising call); `/init`, `/review` and custom
commands turn into the prompt the model then works on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_lsp.agent.events import CommandInfo
from claude_lsp.commands import custom
from claude_lsp.commands.builtin import BUILTIN_COMMANDS, PROMPT_COMMANDS, SlashCall
from claude_lsp.version import __version__

if TYPE_CHECKING:
    from claude_lsp.agent.session import Session

CONTEXT_WINDOW = 200_000


@dataclass(frozen=True)
class Reply:
    """The command answered by itself; this text is the whole turn's result."""

    text: str


@dataclass(frozen=True)
class CommandPrompt:
    """The command becomes this prompt, optionally on another model."""

    content: list[dict[str, Any]]
    model: str | None = None


def available_commands(session: Session) -> tuple[CommandInfo, ...]:
    """Built-ins, then the custom commands (which cannot shadow a built-in)."""
    builtin_names = {command.name for command in BUILTIN_COMMANDS}
    customs = [
        CommandInfo(command.name, f"{command.description} {command.label}", command.argument_hint)
        for command in custom.discover(session.options.cwd).values()
        if command.name not in builtin_names
    ]
    return (*BUILTIN_COMMANDS, *sorted(customs, key=lambda command: command.name))


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
        return CommandPrompt([header, {"type": "text", "text": text}])
    command = custom.discover(session.options.cwd).get(call.name)
    if command is None:
        return Reply(f"Unknown command: /{call.name}. Type /help to list the commands.")
    return CommandPrompt(
        [header, {"type": "text", "text": command.expand(call.arguments)}], command.model
    )


def _command_header(call: SlashCall) -> dict[str, Any]:
    """Tells the model (and the transcript) which command the prompt came from."""
    text = f"<command-name>/{call.name}</command-name>"
    if call.arguments:
        text += f"\n<command-args>{call.arguments}</command-args>"
    return {"type": "text", "text": text}


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
    used = session.context_tokens
    share = used / CONTEXT_WINDOW
    return (
        f"Context: {used:,} of {CONTEXT_WINDOW:,} tokens in use ({share:.0%}) after the "
        f"last model response, across {len(session.messages)} messages. "
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
    "clear": _clear,
    "compact": _compact,
    "context": _context,
    "cost": _cost,
    "help": _help,
    "memory": _memory,
    "model": _model,
    "permissions": _permissions,
    "status": _status,
}
