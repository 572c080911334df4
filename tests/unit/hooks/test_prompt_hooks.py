"""`prompt` hooks: the verdict of the model decides like a command hook's exit would."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from claude_lsp.hooks import HookCommand, HookEvent, run_hooks
from claude_lsp.hooks.prompt_hook import hook_prompt
from tests.unit.hooks.helpers import command, payload


class Judge:
    """Stands in for the small model: answers each prompt with a fixed reply."""

    def __init__(self, reply: str, delay: float = 0.0) -> None:
        self.reply = reply
        self.delay = delay
        self.asked: list[tuple[str, str | None]] = []

    async def __call__(self, prompt: str, model: str | None) -> str:
        self.asked.append((prompt, model))
        await asyncio.sleep(self.delay)
        return self.reply


def prompt_hook(text: str, event: HookEvent, *, timeout_s: float = 5.0) -> HookCommand:
    return HookCommand(event, text, timeout_s, "project", "", kind="prompt", model="haiku")


def test_the_payload_goes_where_arguments_says_or_after_the_prompt() -> None:
    assert (
        hook_prompt("Check: $ARGUMENTS. Reply JSON.", '{"a": 1}') == 'Check: {"a": 1}. Reply JSON.'
    )
    assert hook_prompt("Check it.", '{"a": 1}') == 'Check it.\n\n{"a": 1}'


@pytest.mark.parametrize(
    ("reply", "blocked", "reason"),
    [
        ('{"ok": true}', False, None),
        (
            'Sure.\n```json\n{"ok": false, "reason": "run the tests first"}\n```',
            True,
            "run the tests first",
        ),
        ('{"decision": "block", "reason": "not done"}', True, "not done"),
        ('{"decision": "approve"}', False, None),
    ],
)
async def test_a_stop_verdict_blocks_or_lets_go(
    reply: str, blocked: bool, reason: str | None, project: Path
) -> None:
    judge = Judge(reply)
    outcome = await run_hooks(
        [prompt_hook("Is the work done? $ARGUMENTS", HookEvent.STOP)],
        payload(project, HookEvent.STOP, stop_hook_active=False),
        project_dir=project,
        env=dict(os.environ),
        ask_model=judge,
    )
    assert outcome.blocked is blocked and outcome.reason_for_model == reason
    ((prompt, model),) = judge.asked
    assert model == "haiku"
    sent = json.loads(prompt.removeprefix("Is the work done? "))
    assert sent["hook_event_name"] == "Stop" and sent["stop_hook_active"] is False


async def test_a_pre_tool_use_verdict_denies_the_call(project: Path) -> None:
    outcome = await run_hooks(
        [prompt_hook("Safe?", HookEvent.PRE_TOOL_USE)],
        payload(project, HookEvent.PRE_TOOL_USE, tool_name="Bash", tool_input={"command": "x"}),
        project_dir=project,
        env=dict(os.environ),
        ask_model=Judge('{"ok": false, "reason": "touches prod"}'),
    )
    assert outcome.blocked and outcome.reason_for_model == "touches prod"


@pytest.mark.parametrize(
    ("judge", "warning"),
    [
        (Judge("I think it is fine"), "did not answer with a JSON verdict"),
        (Judge('{"ok": true}', delay=5), "timed out"),
        (None, "could not start: no model is available"),
    ],
)
async def test_a_hook_that_cannot_decide_only_warns(
    judge: Judge | None, warning: str, project: Path
) -> None:
    outcome = await run_hooks(
        [prompt_hook("Done?", HookEvent.STOP, timeout_s=0.2)],
        payload(project, HookEvent.STOP, stop_hook_active=False),
        project_dir=project,
        env=dict(os.environ),
        ask_model=judge,
    )
    assert not outcome.blocked
    (only,) = outcome.warnings
    assert warning in only


async def test_prompt_and_command_hooks_of_one_event_run_together(project: Path) -> None:
    outcome = await run_hooks(
        [
            prompt_hook("Done?", HookEvent.STOP),
            command("echo 'keep going' >&2; exit 2", HookEvent.STOP),
        ],
        payload(project, HookEvent.STOP, stop_hook_active=False),
        project_dir=project,
        env=dict(os.environ),
        ask_model=Judge('{"ok": true}'),
    )
    assert outcome.blocked and outcome.reason_for_model == "keep going"
