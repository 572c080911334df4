"""The chat's input line (prompt_toolkit): multi-line editing, history, completion of
slash commands (the session's, from `available_commands_update`) and `@file` mentions,
Shift-Tab to cycle the permission mode, the status line underneath.

Enter sends; a line ending in a backslash, or Alt-Enter (Esc then Enter), starts a new
line instead. Ctrl-C clears what was typed, and on an empty line asks for a second
Ctrl-C to exit; Ctrl-D on an empty line exits. Piped input is read a line at a time.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

from claude_lsp.cli.chat.render import ChatState

EXIT_WINDOW_SECONDS = 2.0
MENTION_LIMIT = 50
MENTION_FILES = 20_000


def history_file() -> Path:
    """Where typed prompts are kept between chats (`$XDG_STATE_HOME/claude-lsp`)."""
    state = os.environ.get("XDG_STATE_HOME", "")
    base = Path(state) if os.path.isabs(state) else Path.home() / ".local" / "state"
    return base / "claude-lsp" / "chat-history"


class ChatCompleter(Completer):
    """`/command` from the session's commands; `@path` from the folder's files (those
    ripgrep lists: .gitignore respected), matched anywhere in the path."""

    def __init__(self, state: ChatState, cwd: Path) -> None:
        self._state = state
        self._cwd = cwd
        self._files: list[str] | None = None

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        before = document.text_before_cursor
        if before.startswith("/") and " " not in before:
            for command in self._state.commands:
                name = f"/{command.get('name', '')}"
                if name.startswith(before):
                    yield Completion(
                        name,
                        start_position=-len(before),
                        display_meta=str(command.get("description", "")),
                    )
            return
        word = document.get_word_before_cursor(WORD=True)
        if word.startswith("@"):
            fragment = word[1:].lower()
            found = 0
            for path in self.files():
                if fragment in path.lower():
                    yield Completion(f"@{path}", start_position=-len(word))
                    found += 1
                    if found >= MENTION_LIMIT:
                        return

    def files(self) -> list[str]:
        if self._files is None:
            from claude_lsp.tools.ripgrep import ripgrep_path

            try:
                listed = subprocess.run(
                    [ripgrep_path(), "--files", "--sort", "path"],
                    cwd=self._cwd,
                    capture_output=True,
                    text=True,
                    timeout=10,
                )
                self._files = listed.stdout.splitlines()[:MENTION_FILES]
            except (OSError, subprocess.SubprocessError):
                self._files = []
        return self._files


class PromptInput:
    """Reads the user's next message; None when they want to leave."""

    def __init__(self, state: ChatState, cwd: Path, on_cycle_mode: Callable[[], None]) -> None:
        self._state = state
        self._interactive = sys.stdin.isatty()
        self._interrupted_at = float("-inf")
        self.on_note: Callable[[str], None] = print
        if not self._interactive:
            return
        bindings = KeyBindings()

        @bindings.add("enter")
        def _send(event: KeyPressEvent) -> None:
            buffer = event.current_buffer
            if buffer.text.endswith("\\"):
                buffer.delete_before_cursor(1)
                buffer.insert_text("\n")
            else:
                buffer.validate_and_handle()

        @bindings.add("escape", "enter")
        def _new_line(event: KeyPressEvent) -> None:
            event.current_buffer.insert_text("\n")

        @bindings.add("c-c")
        def _interrupt(event: KeyPressEvent) -> None:
            if event.current_buffer.text:
                event.current_buffer.reset()
            else:
                event.app.exit(exception=KeyboardInterrupt())

        @bindings.add("s-tab")
        def _cycle_mode(event: KeyPressEvent) -> None:
            on_cycle_mode()

        path = history_file()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            history: FileHistory | InMemoryHistory = FileHistory(str(path))
        except OSError:
            history = InMemoryHistory()
        self._session: PromptSession[str] = PromptSession(
            multiline=True,  # Enter is bound above: it sends unless asked for a new line
            key_bindings=bindings,
            completer=ChatCompleter(state, cwd),
            complete_while_typing=True,
            history=history,
            bottom_toolbar=lambda: f" {state.status_line()} · shift+tab: mode · esc: stop",
            prompt_continuation="  ",
        )

    async def read(self) -> str | None:
        if not self._interactive:
            line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
            return line.rstrip("\n") if line else None
        while True:
            try:
                return await self._session.prompt_async("> ")
            except EOFError:
                return None
            except KeyboardInterrupt:
                now = time.monotonic()
                if now - self._interrupted_at <= EXIT_WINDOW_SECONDS:
                    return None
                self._interrupted_at = now
                self.on_note("Press Ctrl-C again to exit.")

    def invalidate(self) -> None:
        """Redraw the status line (the mode or the figures changed)."""
        if self._interactive and self._session.app.is_running:
            self._session.app.invalidate()
