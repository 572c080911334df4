"""Run every hook of one event at once and fold their answers into one outcome."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from claude_lsp.hooks.config import HookCommand
from claude_lsp.hooks.outcome import EventOutcome, combine, interpret
from claude_lsp.hooks.process import run_hook_process
from claude_lsp.hooks.prompt_hook import AskModel, run_prompt_hook


async def run_hooks(
    commands: Sequence[HookCommand],
    payload: Mapping[str, Any],
    *,
    project_dir: Path,
    env: Mapping[str, str],
    ask_model: AskModel | None = None,
) -> EventOutcome:
    """Run `commands` (from `HookConfig.matching`) in parallel with `payload` on stdin.

    `env` is the whole environment for the hooks (e.g. `ToolContext.subprocess_env()`);
    `CLAUDE_PROJECT_DIR` is added and the hooks run in `project_dir`. `prompt` hooks
    go to `ask_model` instead. Returns once every hook has finished or been killed at
    its timeout; a cancel kills the hooks still running before it propagates.
    """
    if not commands:
        return EventOutcome()
    # default=str: a Path or other stray value in a tool response must not stop the hooks.
    payload_json = json.dumps(payload, ensure_ascii=False, default=str)
    hook_env = {**env, "CLAUDE_PROJECT_DIR": str(project_dir)}
    runs = await asyncio.gather(
        *(
            run_prompt_hook(command, payload_json, ask_model)
            if command.kind == "prompt"
            else run_hook_process(
                command.command,
                payload_json.encode(),
                cwd=project_dir,
                env=hook_env,
                timeout_s=command.timeout_s,
            )
            for command in commands
        )
    )
    return combine([interpret(command, run) for command, run in zip(commands, runs, strict=True)])
