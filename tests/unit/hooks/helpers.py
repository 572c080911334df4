"""Helpers for the hook tests: commands, payloads and process checks on real processes."""

from __future__ import annotations

import json
import os
import shlex
import time
from pathlib import Path
from typing import Any

from claude_lsp.hooks import EventOutcome, HookCommand, HookEvent, hook_payload, run_hooks


def command(text: str, event: HookEvent, *, timeout_s: float = 10.0) -> HookCommand:
    return HookCommand(event, text, timeout_s, "project", "")


def payload(project: Path, event: HookEvent, **fields: Any) -> dict[str, Any]:
    return hook_payload(
        event,
        session_id="session-1",
        transcript_path=project / "transcript.jsonl",
        cwd=project,
        permission_mode="default",
        **fields,
    )


async def run(
    project: Path, event: HookEvent, *texts: str, timeout_s: float = 10.0, **fields: Any
) -> EventOutcome:
    """Run shell commands as the hooks of `event` with a payload for it."""
    commands = [command(text, event, timeout_s=timeout_s) for text in texts]
    return await run_hooks(
        commands, payload(project, event, **fields), project_dir=project, env=dict(os.environ)
    )


def emits(folder: Path, answer: dict[str, Any], *, exit_code: int = 0) -> str:
    """A command that prints `answer` as JSON (kept in a file: no shell quoting of JSON)."""
    index = len(list(folder.glob("answer-*.json")))
    path = folder / f"answer-{index}.json"
    path.write_text(json.dumps(answer))
    return f"cat {shlex.quote(str(path))}; exit {exit_code}"


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie counts as gone: nothing may reap orphans here)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2 :].split()[0] not in (b"Z", b"X")


def wait_gone(pids: list[int], timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def read_pids(path: Path) -> list[int]:
    return [int(word) for word in path.read_text().split()]
