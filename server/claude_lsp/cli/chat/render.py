"""What the terminal chat shows of a session: its `claude/session/update` stream as text.

Two outputs with the same content. On a terminal: Markdown rendered as it streams (code
blocks highlighted), tool calls as one line each with a folded result, diffs in colour,
the plan as a checklist. When stdout is not a terminal, or TERM is dumb: the model's
text exactly as it streamed and the same lines, without escape codes.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.markdown import Markdown
from rich.text import Text

# Control characters from the model or a tool never reach the terminal as such: an escape
# sequence could redraw a permission question to show another command than the one asked.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
FOLD_LINES = 6
"""Lines of a tool's output shown before the rest is folded away."""
DIFF_LINES = 24
TOOL_MARK = "●"
RESULT_MARK = "⎿"


@dataclass
class ChatState:
    """What the status line shows, kept current from the updates and turn results."""

    model: str = ""
    mode: str = "default"
    modes: list[str] = field(default_factory=list)
    context_tokens: int = 0
    cost_usd: float = 0.0
    commands: list[dict[str, Any]] = field(default_factory=list)

    def status_line(self) -> str:
        context = f"{self.context_tokens / 1000:.1f}k tokens" if self.context_tokens else "-"
        return f"{self.model} · {self.mode} · context {context} · ${self.cost_usd:.4f}"


def printable(text: str) -> str:
    """`text` with control characters shown as `�` (a carriage return is dropped)."""
    return _CONTROL.sub(lambda m: "" if m[0] == "\r" else "\ufffd", text)


def plain_terminal() -> bool:
    """Whether output must be plain: not a terminal, or one that cannot take escapes."""
    return not sys.stdout.isatty() or os.environ.get("TERM", "") in ("dumb", "")


class MarkdownStream:
    """Markdown shown while it streams: finished blocks are printed for good, the block
    still growing is redrawn in place (a transient live region, so nothing is printed
    twice)."""

    def __init__(self, console: Console) -> None:
        self._console = console
        self._text = ""
        self._printed = 0
        self._live: Live | None = None

    def add(self, chunk: str) -> None:
        self._text += chunk
        settled = settled_end(self._text, self._printed)
        if settled > self._printed:
            self._stop_live()
            self._console.print(Markdown(self._text[self._printed : settled]))
            self._printed = settled
        tail = self._text[self._printed :]
        if not tail.strip():
            return
        if self._live is None:
            self._live = Live(
                Markdown(tail),
                console=self._console,
                refresh_per_second=12,
                transient=True,
                vertical_overflow="visible",
            )
            self._live.start()
        else:
            self._live.update(Markdown(tail))

    def close(self) -> None:
        """Print what is left for good."""
        self._stop_live()
        tail = self._text[self._printed :]
        if tail.strip():
            self._console.print(Markdown(tail))
        self._text, self._printed = "", 0

    def _stop_live(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


def settled_end(text: str, start: int) -> int:
    """The end of the last complete Markdown block of `text` after `start`: just past a
    blank line outside a code fence (`start` is never inside one)."""
    settled = start
    fenced = False
    position = start
    for line in text[start:].splitlines(keepends=True):
        position += len(line)
        if not line.endswith("\n"):
            break  # still being written
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and not line.strip():
            settled = position
    return settled


def folded(text: str, limit: int = FOLD_LINES) -> list[str]:
    """The first lines of `text`, and a count of the rest."""
    lines = text.rstrip("\n").splitlines() or [""]
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], f"… +{len(lines) - limit} lines"]


class SessionView:
    """Renders one session's updates (and the chat's own notes) on a console."""

    def __init__(self, console: Console, state: ChatState, *, plain: bool, cwd: Path) -> None:
        self.console = console
        self.state = state
        self.plain = plain
        self._cwd = cwd
        self._stream = MarkdownStream(console)
        self._streaming_plain = False
        self._thinking = False
        self.in_turn = False

    # ---- updates

    def show(self, update: dict[str, Any]) -> None:
        kind = update.get("sessionUpdate")
        if kind == "agent_message_chunk":
            self._thinking = False
            self._text(str(update.get("content", {}).get("text", "")))
        elif kind == "agent_thought_chunk":
            if not self._thinking:
                self.end_text()
                self._thinking = True
                self._line("✻ Thinking…", "dim italic")
        elif kind == "user_message_chunk":
            self.end_text()
            text = str(update.get("content", {}).get("text", ""))
            self._line(f"> {text}", "bold")
        elif kind == "tool_call":
            self.end_text()
            self._tool_started(update)
        elif kind == "tool_call_update":
            self._tool_updated(update)
        elif kind == "plan":
            self.end_text()
            self._plan(update.get("entries", []))
        elif kind == "usage_update":
            self.state.model = str(update.get("model") or self.state.model)
            self.state.context_tokens = int(update.get("contextTokens") or 0)
            self.state.cost_usd = float(update.get("costUsd") or self.state.cost_usd)
        elif kind == "current_mode_update":
            self.state.mode = str(update.get("currentModeId", self.state.mode))
            if self.in_turn:  # at the prompt the status line shows it
                self.end_text()
                self._line(f"mode: {self.state.mode}", "dim")
        elif kind == "available_commands_update":
            self.state.commands = list(update.get("availableCommands", []))
        elif kind == "api_retry":
            self.end_text()
            seconds = int(update.get("delayMs", 0)) / 1000
            self._line(
                f"API error ({update.get('error')}); retrying in {seconds:.1f} s "
                f"(attempt {update.get('attempt')}/{update.get('maxRetries')})",
                "yellow",
            )

    def end_text(self) -> None:
        """Close the model's text block (before anything else is shown)."""
        if self.plain:
            if self._streaming_plain:
                self.console.file.write("\n")
                self.console.file.flush()
                self._streaming_plain = False
        else:
            self._stream.close()

    def _text(self, text: str) -> None:
        text = printable(text)
        if not text:
            return
        if self.plain:
            self.console.file.write(text)
            self.console.file.flush()
            self._streaming_plain = True
        else:
            self._stream.add(text)

    # ---- tool calls

    def _tool_started(self, update: dict[str, Any]) -> None:
        title = str(update.get("title") or update.get("kind") or "tool")
        self._line(f"{TOOL_MARK} {title}", "bold")

    def _tool_updated(self, update: dict[str, Any]) -> None:
        status = update.get("status")
        if status not in ("completed", "failed"):
            return
        self.end_text()
        failed = status == "failed"
        shown = False
        for item in update.get("content") or []:
            if item.get("type") == "diff":
                self._diff(item)
                shown = True
            elif item.get("type") == "content":
                text = str(item.get("content", {}).get("text", ""))
                self._result(folded(text), failed)
                shown = True
        if not shown:
            self._result(["failed" if failed else "done"], failed)

    def _result(self, lines: list[str], failed: bool) -> None:
        style = "red" if failed else "dim"
        for number, line in enumerate(lines):
            prefix = f"  {RESULT_MARK} " if number == 0 else "    "
            self._line(prefix + line, style)

    def _diff(self, item: dict[str, Any]) -> None:
        from claude_lsp.review.unified import unified_diff

        path = Path(str(item.get("path", "")))
        try:
            name = path.relative_to(self._cwd).as_posix()
        except ValueError:
            name = path.as_posix()
        old = item.get("oldText")
        diff = unified_diff(old or "", str(item.get("newText", "")), name, new_file=old is None)
        lines = [line for line in diff.splitlines() if not line.startswith(("diff ", "---", "+++"))]
        shown = folded("\n".join(lines), DIFF_LINES)
        for number, line in enumerate(shown):
            prefix = f"  {RESULT_MARK} " if number == 0 else "    "
            style = (
                "green"
                if line.startswith("+")
                else "red"
                if line.startswith("-")
                else "cyan"
                if line.startswith("@@")
                else "dim"
            )
            self._line(prefix + line, style)

    # ---- permission questions

    def question(self, tool_call: dict[str, Any], choices: list[tuple[str, str]]) -> None:
        """A permission question: what would run or change, and the keys that answer."""
        self.end_text()
        self._line(f"? Allow {tool_call.get('title') or 'this tool call'}?", "bold yellow")
        for item in tool_call.get("content") or []:
            if item.get("type") == "diff":
                self._diff(item)
            elif item.get("type") == "content":
                text = str(item.get("content", {}).get("text", ""))
                self._result(folded(text, DIFF_LINES), False)
        keys = "  ".join(f"[{key}] {name}" for key, name in choices)
        self._line(f"  {keys}  (esc: deny)", "bold")

    # ---- the plan

    def _plan(self, entries: list[dict[str, Any]]) -> None:
        self._line("Plan:", "bold")
        for entry in entries:
            status = entry.get("status")
            box = {"completed": "☒", "in_progress": "◐"}.get(str(status), "☐")
            style = {"completed": "dim strike", "in_progress": "bold"}.get(str(status), "")
            self._line(f"  {box} {entry.get('content', '')}", style)

    # ---- the chat's own lines

    def note(self, text: str, style: str = "dim") -> None:
        self.end_text()
        self._line(text, style)

    def error(self, text: str) -> None:
        self.end_text()
        self._line(f"Error: {text}", "bold red")

    def _line(self, text: str, style: str) -> None:
        text = printable(text)
        if self.plain:
            self.console.file.write(text + "\n")
            self.console.file.flush()
        else:
            self.console.print(Text(text, style=style) if style else Text(text))
