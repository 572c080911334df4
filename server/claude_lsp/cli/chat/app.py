"""The terminal chat: a client of the server like an editor, one session at a time.

Everything the chat does is a claude/* request; what it shows is the server's
`claude/session/update` stream (see render.py). The prompt (prompt_input.py) reads the
next message; while a turn runs, keys.py watches for Esc / Ctrl-C (stop the turn) and
answers permission questions with single keys.

Messages: `/exit` (or `/quit`) leaves; `!command` runs the command through the session's
Bash tool (`claude/tool/run`: the permission rules apply and the model sees it next
turn); anything else, slash commands included, is a prompt for the server.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from rich.console import Console

from claude_lsp.cli.attach_client import handshake
from claude_lsp.cli.chat.connect import ServerLink
from claude_lsp.cli.chat.keys import TurnKeys
from claude_lsp.cli.chat.prompt_input import PromptInput
from claude_lsp.cli.chat.render import ChatState, SessionView, plain_terminal
from claude_lsp.cli.rpc import RpcError
from claude_lsp.cli.session_open import ResumeError, open_session

EXIT_COMMANDS = frozenset({"/exit", "/quit"})
# The keys that answer a permission question, by ACP option kind.
ANSWER_KEYS = {"allow_once": "y", "allow_always": "a", "reject_once": "n", "reject_always": "d"}
# Shift-Tab goes round these (bypassPermissions only when the chat started in it).
MODE_CYCLE = ("default", "acceptEdits", "plan")


class ChatApp:
    def __init__(self, args: argparse.Namespace, link: ServerLink, cwd: Path) -> None:
        self._args = args
        self._link = link
        self._rpc = link.connection
        self._cwd = cwd
        plain = plain_terminal()
        console = (
            Console(file=sys.stdout, force_terminal=False, no_color=True, highlight=False)
            if plain
            else Console(highlight=False)
        )
        self.state = ChatState()
        self.view = SessionView(console, self.state, plain=plain, cwd=cwd)
        self.keys = TurnKeys(on_cancel=self._cancel, on_cycle_mode=self._cycle_mode)
        self.input = PromptInput(self.state, cwd, on_cycle_mode=self._cycle_mode)
        self.input.on_note = self.view.note
        self._session_id = ""
        self._turn: asyncio.Future[Any] | None = None
        self._mode_changes: set[asyncio.Task[None]] = set()

    async def run(self, first_prompt: str | None = None) -> int:
        self._rpc.on_notification("claude/session/update", self._update)
        self._rpc.on_request("claude/session/requestPermission", self._ask)
        try:
            if not self._link.initialized:
                await handshake(self._rpc, self._cwd, attach_token=None, request_permission=True)
            self.view.in_turn = True  # a resumed conversation is replayed as it loads
            session = await open_session(self._rpc, self._args, self._cwd)
        except (RpcError, ResumeError) as exc:
            self.view.error(str(exc))
            return 1
        finally:
            self.view.in_turn = False
            self.view.end_text()
        self._opened(session)
        message = first_prompt
        while True:
            if message is None:
                message = await self.input.read()
                if message is None:
                    return 0
            text, message = message.strip(), None
            if not text:
                continue
            if text in EXIT_COMMANDS:
                return 0
            if self._rpc.closed.is_set():
                self.view.error("the connection to the server was lost")
                return 1
            if text.startswith("!"):
                await self._turn_of(self._run_command(text[1:].strip()))
            else:
                await self._turn_of(self._prompt(text))

    def _opened(self, session: dict[str, Any]) -> None:
        self._session_id = session["sessionId"]
        meta = session.get("_meta", {}).get("claude", {})
        modes = session.get("modes", {})
        self.state.model = meta.get("model", "")
        self.state.mode = modes.get("currentModeId", "default")
        self.state.modes = [mode["id"] for mode in modes.get("availableModes", [])]
        for warning in meta.get("warnings", []):
            self.view.note(f"warning: {warning}", "yellow")
        self.view.note(
            f"claude-lsp chat · {self.state.model} · {self.state.mode} · {self._cwd} · "
            f"{self._link.description}"
        )
        self.view.note(
            "/ commands · @ files · ! shell · esc or ctrl-c stops a turn · "
            "shift+tab cycles the mode · ctrl-d exits"
        )

    # ---- turns

    async def _turn_of(self, work: Any) -> None:
        """Run a request as the turn: keys watched, its end shown."""
        self._turn = asyncio.ensure_future(work)
        self.view.in_turn = True
        try:
            with self.keys.watching():
                await self._turn
        except RpcError as exc:
            self.view.error(exc.message)
        finally:
            self._turn = None
            self.view.in_turn = False
            self.view.end_text()
        if self.view.plain:
            self.view.note(f"[{self.state.status_line()}]")

    async def _prompt(self, text: str) -> None:
        result = await self._rpc.request(
            "claude/session/prompt",
            {"sessionId": self._session_id, "prompt": [{"type": "text", "text": text}]},
        )
        self.view.end_text()
        stop = result.get("stopReason")
        if stop == "cancelled":
            self.view.note("Interrupted.", "yellow")
        elif stop == "max_turn_requests":
            self.view.note("Stopped: the turn limit was reached.", "yellow")
        elif stop in ("max_tokens", "refusal"):
            self.view.note(f"Stopped: {stop}.", "yellow")

    async def _run_command(self, command: str) -> None:
        if not command:
            return
        await self._rpc.request(
            "claude/tool/run",
            {
                "sessionId": self._session_id,
                "name": "Bash",
                "input": {"command": command},
            },
        )

    def _cancel(self) -> None:
        if self._turn is not None and self._session_id:
            self._rpc.notify("claude/session/cancel", {"sessionId": self._session_id})

    def _cycle_mode(self) -> None:
        cycle = [mode for mode in MODE_CYCLE if mode in self.state.modes]
        if self.state.mode == "bypassPermissions" or self._args.permission_mode == (
            "bypassPermissions"
        ):
            cycle.append("bypassPermissions")
        if not cycle:
            return
        current = self.state.mode
        following = cycle[(cycle.index(current) + 1) % len(cycle)] if current in cycle else cycle[0]
        task = asyncio.ensure_future(self._set_mode(following))
        self._mode_changes.add(task)
        task.add_done_callback(self._mode_changes.discard)

    async def _set_mode(self, mode: str) -> None:
        try:
            await self._rpc.request(
                "claude/session/setMode", {"sessionId": self._session_id, "modeId": mode}
            )
        except RpcError as exc:
            self.view.error(exc.message)
            return
        self.state.mode = mode
        self.input.invalidate()

    # ---- from the server

    def _update(self, params: dict[str, Any]) -> None:
        self.view.show(params.get("update", {}))
        self.input.invalidate()

    async def _ask(self, params: dict[str, Any]) -> dict[str, Any]:
        options: list[dict[str, Any]] = params.get("options", [])
        choices: dict[str, str] = {}
        shown: list[tuple[str, str]] = []
        for option in options:
            key = ANSWER_KEYS.get(str(option.get("kind")))
            if key is None or key in choices:
                continue
            choices[key] = str(option["optionId"])
            shown.append((key, str(option.get("name", key))))
        deny = next((str(o["optionId"]) for o in options if o.get("kind") == "reject_once"), None)
        if deny is not None:
            choices["escape"] = deny
        self.view.question(params.get("toolCall", {}), shown)
        answer = await self.keys.choose(choices)
        if answer is None:
            self.view.note("  → cancelled", "yellow")
            return {"outcome": {"outcome": "cancelled"}}
        name = next((str(o.get("name")) for o in options if o.get("optionId") == answer), answer)
        self.view.note(f"  → {name}")
        return {"outcome": {"outcome": "selected", "optionId": answer}}


async def run_chat(args: argparse.Namespace) -> int:
    from claude_lsp.cli.chat.connect import connect

    cwd = Path.cwd().resolve()
    link = await connect(
        cwd, no_attach=args.no_attach, log_file=args.log_file, log_level=args.log_level
    )
    try:
        return await ChatApp(args, link, cwd).run(args.prompt)
    finally:
        await link.close()
