"""`prompt` hooks: the event's payload put to a small model, whose JSON verdict decides.

The verdict is turned into what a command hook would have done (exit 0 lets things
go on, exit 2 blocks with the reason), so one interpreter serves both kinds. The model
answers `{"ok": true}` or `{"ok": false, "reason": "..."}`; the older
`{"decision": "approve" | "block", "reason": ...}` is read too.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from claude_lsp.hooks.config import HookCommand
from claude_lsp.hooks.process import HookRun

log = logging.getLogger(__name__)

AskModel = Callable[[str, str | None], Awaitable[str]]
"""Sends a prompt (and the hook's `model`, if any) to a small model; returns its text."""

JUDGE_SYSTEM_PROMPT = """\
You check one step of a coding agent's work against a condition the user wrote. You \
get the condition and the step's details as JSON. Reply with one JSON object and \
nothing else: {"ok": true} when the condition is met and the agent may go on, or \
{"ok": false, "reason": "<what is wrong, addressed to the agent>"} when it is not.\
"""

ARGUMENTS = "$ARGUMENTS"


def hook_prompt(template: str, payload_json: str) -> str:
    """The prompt text with the payload in place of `$ARGUMENTS` (or after it)."""
    if ARGUMENTS in template:
        return template.replace(ARGUMENTS, payload_json)
    return f"{template}\n\n{payload_json}"


async def run_prompt_hook(
    command: HookCommand, payload_json: str, ask_model: AskModel | None
) -> HookRun:
    started = time.monotonic()

    def finished(exit_code: int | None, stderr: str = "", **more: Any) -> HookRun:
        duration = time.monotonic() - started
        return HookRun(command.command, exit_code, "", stderr, duration, **more)

    if ask_model is None:
        return finished(None, start_error="no model is available for prompt hooks")
    try:
        reply = await asyncio.wait_for(
            ask_model(hook_prompt(command.command, payload_json), command.model),
            command.timeout_s,
        )
    except TimeoutError:
        return finished(None, timed_out=True)
    except Exception as exc:  # an API failure is the hook's failure, never the session's
        log.warning("prompt hook model call failed: %s", exc)
        return finished(1, f"the model call failed: {exc}")
    verdict = _verdict(reply)
    if verdict is None:
        return finished(1, f"the model did not answer with a JSON verdict: {reply[:200]!r}")
    if verdict.get("ok") is True or verdict.get("decision") == "approve":
        return finished(0)
    reason = verdict.get("reason")
    return finished(2, reason if isinstance(reason, str) and reason else "a prompt hook said no")


def _verdict(reply: str) -> dict[str, Any] | None:
    """The JSON object in the reply, also when the model wrapped it in prose or fences."""
    start, end = reply.find("{"), reply.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        data = json.loads(reply[start : end + 1])
    except ValueError:
        return None
    if not isinstance(data, dict) or ("ok" not in data and "decision" not in data):
        return None
    return data
