"""Keys pressed while a turn runs (the prompt is not on screen then).

Esc or Ctrl-C cancels the turn; Shift-Tab cycles the permission mode; while a permission
question waits, its keys answer it. Only on a terminal: piped input has no keys, and a
question then reads its answer as a line.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prompt_toolkit.input import Input

# A lone Esc byte may start an escape sequence: it counts as Esc once nothing follows it
# for this long (prompt_toolkit's own default is half a second).
ESCAPE_SECONDS = 0.05


class TurnKeys:
    def __init__(self, on_cancel: Callable[[], None], on_cycle_mode: Callable[[], None]) -> None:
        self._on_cancel = on_cancel
        self._on_cycle_mode = on_cycle_mode
        self._input: Input | None = None
        # Questions waiting, oldest first (read-only tool calls run, and ask, in parallel):
        # keys answer the oldest.
        self._questions: list[tuple[asyncio.Future[str | None], dict[str, str]]] = []
        self._flush: asyncio.TimerHandle | None = None

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        """Read keys (raw, unechoed) for the duration of a turn."""
        if not sys.stdin.isatty():
            yield
            return
        from prompt_toolkit.input import create_input

        self._input = create_input()
        try:
            with self._input.raw_mode(), self._input.attach(self._ready):
                yield
        finally:
            if self._flush is not None:
                self._flush.cancel()
            self._input = None
            while self._questions:  # the turn is over: nobody answers these any more
                self._answer(None)

    async def choose(self, choices: dict[str, str]) -> str | None:
        """Wait for one of `choices` (key -> answer); Esc gives `choices["escape"]`, and
        None means the turn was cancelled meanwhile. Without a terminal, a line is read."""
        if self._input is None:
            line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
            return choices.get(line.strip().lower()[:1] or "escape", choices.get("escape"))
        question: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self._questions.append((question, choices))
        return await question

    def _ready(self) -> None:
        assert self._input is not None
        self._handle([(press.key, press.data) for press in self._input.read_keys()])
        if self._flush is not None:
            self._flush.cancel()
        self._flush = asyncio.get_running_loop().call_later(ESCAPE_SECONDS, self._flushed)

    def _flushed(self) -> None:
        self._flush = None
        if self._input is not None:
            self._handle([(press.key, press.data) for press in self._input.flush_keys()])

    def _handle(self, presses: list[tuple[object, str]]) -> None:
        from prompt_toolkit.keys import Keys

        for key, data in presses:
            choices = self._questions[0][1] if self._questions else None
            if key == Keys.ControlC:
                while self._questions:
                    self._answer(None)
                self._on_cancel()
            elif key == Keys.BackTab:
                self._on_cycle_mode()
            elif key == Keys.Escape:
                if choices is not None:
                    self._answer(choices.get("escape"))
                else:
                    self._on_cancel()
            elif choices is not None and data.lower() in choices:
                self._answer(choices[data.lower()])

    def _answer(self, answer: str | None) -> None:
        """Answer the oldest question waiting."""
        question, _ = self._questions.pop(0)
        if not question.done():
            question.set_result(answer)
