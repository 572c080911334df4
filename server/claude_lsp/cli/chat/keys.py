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
        self._question: asyncio.Future[str | None] | None = None
        self._choices: dict[str, str] = {}
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

    async def choose(self, choices: dict[str, str]) -> str | None:
        """Wait for one of `choices` (key -> answer); Esc gives `choices["escape"]`, and
        None means the turn was cancelled meanwhile. Without a terminal, a line is read."""
        if self._input is None:
            line = await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
            return choices.get(line.strip().lower()[:1] or "escape", choices.get("escape"))
        self._choices = choices
        self._question = asyncio.get_running_loop().create_future()
        try:
            return await self._question
        finally:
            self._question = None
            self._choices = {}

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
            if key == Keys.ControlC:
                self._answer(None)
                self._on_cancel()
            elif key == Keys.BackTab:
                self._on_cycle_mode()
            elif key == Keys.Escape:
                if self._question is not None:
                    self._answer(self._choices.get("escape"))
                else:
                    self._on_cancel()
            elif self._question is not None and data.lower() in self._choices:
                self._answer(self._choices[data.lower()])

    def _answer(self, answer: str | None) -> None:
        if self._question is not None and not self._question.done():
            self._question.set_result(answer)
