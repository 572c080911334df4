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


async def run_hooks(
    commands: Sequence[HookCommand],
    payload: Mapping[str, Any],
    *,
    project_dir: Path,
    env: Mapping[str, str],
) -> EventOutcome:
    """Run `commands` (from `HookConfig.matching`) in parallel with `payload` on stdin.

    `env` is the whole environment for the hooks (e.g. `ToolContext.subprocess_env()`);
    `CLAUDE_PROJECT_DIR` is added and the hooks run in `project_dir`. Returns once every
    hook has finished or been killed at its timeout; a cancel kills the hooks still
    running before it propagates.
    """
    if not commands:
        return EventOutcome()
    # default=str: a Path or other stray value in a tool response must not stop the hooks.
    stdin_data = json.dumps(payload, ensure_ascii=False, default=str).encode()
    hook_env = {**env, "CLAUDE_PROJECT_DIR": str(project_dir)}
    runs = await asyncio.gather(
        *(
            run_hook_process(
                command.command,
                stdin_data,
                cwd=project_dir,
                env=hook_env,
                timeout_s=command.timeout_s,
            )
            for command in commands
        )
    )
    return combine([interpret(command, run) for command, run in zip(commands, runs, strict=True)])
