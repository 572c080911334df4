"""Permission questions as ACP `session/request_permission`, with the diff or command."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from claude_lsp.agent.permission_request import (
    chosen_answer,
    diff_source,
    permission_options,
    tool_call,
)
from claude_lsp.policy.questions import PermissionAnswer, PermissionQuestion

if TYPE_CHECKING:
    from acp.interfaces import Client

    from claude_lsp.acp.updates import ClientUpdates
    from claude_lsp.host import FileAccess

log = logging.getLogger(__name__)


class ClientAsker:
    """Asks the ACP client's user; an error answer or a cancelled question denies."""

    def __init__(
        self,
        client: Client,
        updates: ClientUpdates,
        session_id: str,
        cwd: Path,
        files: FileAccess,
    ) -> None:
        self._client = client
        self._updates = updates
        self._session_id = session_id
        self._cwd = cwd
        self._files = files

    async def ask(self, question: PermissionQuestion) -> PermissionAnswer:
        from acp.schema import PermissionOption, ToolCallUpdate

        # A change is shown against the text in the editor, unsaved changes included.
        source = diff_source(question, self._cwd)
        current = None
        if source is not None:
            current = await self._files.open_buffer_text(source)
            if current is None:
                current = await asyncio.to_thread(_disk_text, source)
        call = tool_call(question, self._cwd, lambda path: current if path == source else None)
        tool_call_update = ToolCallUpdate.model_validate(call)
        options = [PermissionOption.model_validate(o) for o in permission_options(question)]
        await self._updates.flushed()  # the tool call first, then the question about it
        try:
            response = await self._client.request_permission(
                session_id=self._session_id, tool_call=tool_call_update, options=options
            )
        except Exception as exc:  # an error answer or a broken client: deny, don't crash
            log.warning("session/request_permission failed: %s", exc)
            return PermissionAnswer.REJECT_ONCE
        return chosen_answer(response.outcome.model_dump(by_alias=True))


def _disk_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
