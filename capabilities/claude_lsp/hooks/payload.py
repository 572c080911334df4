"""The JSON object a hook reads on stdin.

Every event carries the same session fields, so hook scripts can log or filter on
them uniformly; the event's own fields (tool_name, prompt, trigger, ...) come on top.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from claude_lsp.hooks.config import HookEvent


def hook_payload(
    event: HookEvent,
    *,
    session_id: str,
    transcript_path: Path | str,
    cwd: Path | str,
    permission_mode: str,
    **fields: Any,
) -> dict[str, Any]:
    """The common fields plus the event's own, e.g. `tool_name=`, `tool_input=`,
    `tool_use_id=`, `tool_response=`, `prompt=`, `stop_hook_active=`, `trigger=`,
    `custom_instructions=`, `source=`, `reason=`, `message=`."""
    return {
        "session_id": session_id,
        "transcript_path": str(transcript_path),
        "cwd": str(cwd),
        "permission_mode": permission_mode,
        "hook_event_name": event.value,
        **fields,
    }
