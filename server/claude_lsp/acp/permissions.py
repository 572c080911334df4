"""Permission questions as ACP `session/request_permission`, with the diff or command."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from claude_lsp.agent.permission_request import (
    chosen_answer,
    permission_options,
    target_path,
    tool_call,
)
from claude_lsp.policy.questions import PermissionAnswer, PermissionQuestion

if TYPE_CHECKING:
    from acp.interfaces import Client
    from claude_lsp.host import FileAccess

log = logging.getLogger(__name__)

DIFFED = ("Edit", "Write")  # the tools whose question shows a diff of the file


class ClientAsker:
    """Asks the ACP client's user; an error or a cancelled question denies."""

    def __init__(self, client: Client, session_id: str, cwd: Path, files: FileAccess) -> None:
        self._client = client
        self._session_id = session_id
        self._cwd = cwd
        self._files = files

    async def ask(self, question: PermissionQuestion) -> PermissionAnswer:
        from acp.schema import PermissionOption, ToolCallUpdate

        # An edit's diff is shown against the text in the editor, unsaved changes included.
        path = target_path(question, self._cwd) if question.tool_name in DIFFED else None
        buffer = await self._files.open_buffer_text(path) if path is not None else None

        def read(target: Path) -> str | None:
            return buffer if buffer is not None and target == path else _disk_text(target)

        try:
            response = await self._client.request_permission(
                session_id=self._session_id,
                tool_call=ToolCallUpdate.model_validate(tool_call(question, self._cwd, read)),
                options=[PermissionOption.model_validate(o) for o in permission_options(question)],
            )
        except Exception as exc:  # an error answer or a broken client: deny, don't crash
            log.warning("session/request_permission failed: %s", exc)
            return PermissionAnswer.REJECT_ONCE
        return chosen_answer(response.outcome.model_dump(by_alias=True))


def _disk_text(path: Path) -> str | None:
    """A file's text on disk, for a diff preview."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
