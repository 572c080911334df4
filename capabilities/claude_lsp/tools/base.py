"""What every tool is: a name, a JSON schema, a kind and an async `run`.

Tools never raise for problems the model can fix: they raise `ToolError`, which the
loop turns into an `is_error` tool_result with the message as its text.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from claude_lsp.schema import schema_error

if TYPE_CHECKING:
    from claude_lsp.host import FileAccess
    from claude_lsp.index.build import SymbolIndex
    from claude_lsp.models.client import ModelResponse
    from claude_lsp.tools.file_state import FileReadState
    from claude_lsp.tools.shells import BackgroundShells

ToolKind = Literal[
    "read", "edit", "delete", "move", "search", "execute", "think", "fetch", "switch_mode", "other"
]

ContentBlock = dict[str, Any]

PathFilter = Callable[[Path], bool]
"""True for an absolute path a search must leave out of its results."""


def _nothing_hidden(tool_name: str) -> PathFilter | None:
    return None


async def _no_symbol_index() -> SymbolIndex | None:
    return None


AskModel = Callable[[str, list[dict[str, Any]], list[dict[str, Any]]], Awaitable["ModelResponse"]]
"""One request to the small, fast model: (system, messages, tools) -> its response."""


async def _no_model(
    system: str, messages: list[dict[str, Any]], tools: list[dict[str, Any]]
) -> ModelResponse:
    raise ToolError("No model is available to this tool here.")


class ToolError(Exception):
    """A failure the model should read and act on (bad path, ambiguous edit, ...)."""


@dataclass(frozen=True)
class Diff:
    """The change an edit tool made, for diff previews (`old_text` None: a new file)."""

    path: str
    old_text: str | None
    new_text: str


@dataclass
class ToolResult:
    """The tool_result content sent back to the model, plus display-only metadata."""

    content: str | list[ContentBlock]
    is_error: bool = False
    diff: Diff | None = None
    # TodoWrite's new list (JSON items), which editors show as the session's plan.
    todos: list[dict[str, str]] | None = None

    def as_blocks(self) -> list[ContentBlock]:
        if isinstance(self.content, str):
            return [{"type": "text", "text": self.content}]
        return self.content

    def text(self) -> str:
        """The text parts joined; images are summarised (for logs and UIs)."""
        if isinstance(self.content, str):
            return self.content
        parts = []
        for block in self.content:
            if block.get("type") == "text":
                parts.append(str(block.get("text", "")))
            else:
                parts.append(f"[{block.get('type')}]")
        return "\n".join(parts)


@dataclass
class ToolContext:
    """Per-session state tools share: where they run and what they have seen.

    `cwd` is mutable: Bash updates it after each command so that `cd` persists.
    """

    cwd: Path
    files: FileAccess
    read_state: FileReadState
    shells: BackgroundShells
    roots: list[Path] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    scratch_dir: Path | None = None
    # For a search tool's name, the paths it must hide (those the tool may not be
    # pointed at: Read deny rules). Asked once per search, so rules added mid-session
    # apply; None means nothing is hidden and the search pays no per-path cost.
    hidden_paths: Callable[[str], PathFilter | None] = _nothing_hidden
    # Where plan mode lets the model write its plan (ExitPlanMode reads it from there).
    plan_file: Path | None = None
    # The workspace's symbol index (the Symbols tool), once it is available.
    symbol_index: Callable[[], Awaitable[SymbolIndex | None]] = _no_symbol_index
    # Side requests to the small model (WebFetch's answer, WebSearch), billed to the session.
    ask_model: AskModel = _no_model

    def resolve(self, file_path: str) -> Path:
        """An absolute, symlink- and `..`-free path; relative paths start at `cwd`."""
        path = Path(os.path.expanduser(file_path))
        if not path.is_absolute():
            path = self.cwd / path
        return path.resolve()

    def subprocess_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(self.env)
        env["CLAUDE_LSP"] = "1"
        env.setdefault("GIT_EDITOR", "true")
        return env


class Tool(ABC):
    """One capability offered to the model."""

    name: ClassVar[str]
    description: ClassVar[str]
    input_schema: ClassVar[dict[str, Any]]
    read_only: ClassVar[bool]
    kind: ClassVar[ToolKind]
    # Reads files from disk rather than through FileAccess (a shell, ripgrep), so
    # buffers the agent edited in the editor must be saved before it runs.
    reads_disk: ClassVar[bool] = False

    def definition(self) -> dict[str, Any]:
        """The Messages API `tools` entry."""
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.input_schema,
        }

    def is_read_only(self, tool_input: Mapping[str, Any]) -> bool:
        """Whether this call only looks: it runs without asking (within the session's
        folders) and alongside other such calls. Tools with read and write operations
        decide per call."""
        return self.read_only

    def validate(self, tool_input: Any) -> str | None:
        """None if `tool_input` matches the schema, else a message for the model."""
        problem = schema_error(self.input_schema, tool_input)
        if problem is None:
            return None
        return f"InputValidationError: {self.name} failed due to the following issue: {problem}"

    # The input field naming the file or folder a call works on, if there is one.
    target_field: ClassVar[str | None] = None

    def _target(self, tool_input: dict[str, Any]) -> str | None:
        target = tool_input.get(self.target_field) if self.target_field else None
        return target if isinstance(target, str) and target else None

    def title(self, tool_input: dict[str, Any]) -> str:
        """A short human label for UIs and progress, e.g. `Read src/app.py`."""
        target = self._target(tool_input)
        return f"{self.name} {target}" if target else self.name

    def paths(self, tool_input: dict[str, Any], ctx: ToolContext) -> list[Path]:
        """Files the call touches, for editor locations and path rules."""
        target = self._target(tool_input)
        return [ctx.resolve(target)] if target else []

    @abstractmethod
    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Do the work. Raise `ToolError` for failures the model should see."""


class SearchTool(Tool):
    """A search over a folder (`path`, default the working directory) for a `pattern`."""

    target_field = "path"

    def title(self, tool_input: dict[str, Any]) -> str:
        title = f"{self.name} {tool_input.get('pattern', '')}".rstrip()
        target = self._target(tool_input)
        return f"{title} in {target}" if target else title

    def paths(self, tool_input: dict[str, Any], ctx: ToolContext) -> list[Path]:
        return super().paths(tool_input, ctx) or [ctx.cwd]


def hidden_note(count: int) -> str:
    """The line telling the model that a search withheld results, so it knows why."""
    return f"({count} result{'' if count == 1 else 's'} hidden by permission rules.)"


def display_path(path: Path, cwd: Path) -> str:
    """`path` relative to `cwd` when it lies below it, else absolute."""
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)
