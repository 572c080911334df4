"""Custom slash commands: Markdown files under `.claude/commands` and `~/.claude/commands`.

A file's name is the command (`review-pr.md` is `/review-pr`); a subfolder only shows
in the description (`frontend/component.md` is `/component`, "(project:frontend)").
Project commands win over user commands of the same name, as in Claude Code.
"""

from __future__ import annotations

import logging
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from claude_lsp.frontmatter import as_list, split_frontmatter
from claude_lsp.sessions.transcripts import config_dir

log = logging.getLogger(__name__)

MAX_COMMAND_BYTES = 256 * 1024
_POSITIONAL = re.compile(r"\$(\d+)")


@dataclass(frozen=True)
class CustomCommand:
    name: str
    path: Path
    scope: Literal["project", "user"]
    namespace: str
    description: str
    argument_hint: str | None
    allowed_tools: tuple[str, ...]
    model: str | None
    body: str

    @property
    def label(self) -> str:
        """Where it comes from, as the description shows it: `(project:frontend)`."""
        return f"({self.scope}:{self.namespace})" if self.namespace else f"({self.scope})"

    def expand(self, arguments: str) -> str:
        """The prompt text: `$ARGUMENTS` and `$1`..`$n` filled in.

        With no placeholder in the file, the arguments are appended, so they are never
        silently dropped.
        """
        if "$ARGUMENTS" not in self.body and not _POSITIONAL.search(self.body):
            return f"{self.body.rstrip()}\n\nARGUMENTS: {arguments}" if arguments else self.body
        try:
            words = shlex.split(arguments)
        except ValueError:  # an unbalanced quote: fall back to plain words
            words = arguments.split()
        text = self.body.replace("$ARGUMENTS", arguments)
        return _POSITIONAL.sub(
            lambda m: words[int(m.group(1)) - 1] if 0 < int(m.group(1)) <= len(words) else "",
            text,
        )


def discover(cwd: Path) -> dict[str, CustomCommand]:
    """The custom commands visible from `cwd`, by name; project ones shadow user ones."""
    found = {command.name: command for command in _read_folder(config_dir() / "commands", "user")}
    for command in _read_folder(cwd / ".claude" / "commands", "project"):
        found[command.name] = command
    return found


def _read_folder(folder: Path, scope: Literal["project", "user"]) -> list[CustomCommand]:
    if not folder.is_dir():
        return []
    commands = []
    for path in sorted(folder.rglob("*.md")):
        command = _read_command(path, folder, scope)
        if command is not None:
            commands.append(command)
    return commands


def _read_command(
    path: Path, folder: Path, scope: Literal["project", "user"]
) -> CustomCommand | None:
    try:
        if not path.is_file() or path.stat().st_size > MAX_COMMAND_BYTES:
            return None
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("skipping slash command file %s: %s", path, exc)
        return None
    fields, body = split_frontmatter(text)
    description = fields.get("description")
    if not isinstance(description, str) or not description:
        first = next((line.strip() for line in body.splitlines() if line.strip()), "")
        description = first.lstrip("# ")[:100] or f"Run {path.name}"
    hint = fields.get("argument-hint")
    model = fields.get("model")
    return CustomCommand(
        name=path.stem,
        path=path,
        scope=scope,
        namespace=_namespace(path.parent.relative_to(folder)),
        description=description,
        argument_hint=hint if isinstance(hint, str) and hint else None,
        allowed_tools=tuple(as_list(fields.get("allowed-tools"))),
        model=model if isinstance(model, str) and model else None,
        body=body.strip("\n"),
    )


def _namespace(relative_folder: Path) -> str:
    return "" if relative_folder == Path(".") else relative_folder.as_posix().replace("/", ":")
