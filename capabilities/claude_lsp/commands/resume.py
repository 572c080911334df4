"""`/resume`: the list of the project's earlier sessions, and which one the user means.

An id may be shortened to a unique prefix of `MIN_PREFIX` characters, enough to be
typed from the list; anything shorter is too likely to be a typo that picks the wrong
conversation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from claude_lsp.sessions.transcripts import SessionInfo

LISTED = 20
MIN_PREFIX = 8


class ResumeError(Exception):
    """The argument names no session that can be resumed here; the message says why."""


def listing(sessions: Sequence[SessionInfo], current_id: str) -> str:
    """The newest sessions other than the current one, with how to resume one."""
    others = [info for info in sessions if info.session_id != current_id]
    if not others:
        return "No earlier sessions of this project to resume."
    lines = ["Earlier sessions of this project, newest first:"]
    lines += [
        f"  {info.session_id}  {_when(info.updated_at)}  {info.title}" for info in others[:LISTED]
    ]
    if len(others) > LISTED:
        lines.append(f"  … and {len(others) - LISTED} older")
    lines.append(
        f"Type /resume <session id> (its first {MIN_PREFIX} characters are enough) to "
        "continue one of them here."
    )
    return "\n".join(lines)


def pick(query: str, sessions: Sequence[SessionInfo], current_id: str) -> SessionInfo | None:
    """The session `query` names among `sessions`; None when no id matches.

    Raises `ResumeError` for the current session, a short or an ambiguous prefix.
    """
    if query == current_id:
        raise ResumeError("That is this session; /resume continues a different one.")
    exact = next((info for info in sessions if info.session_id == query), None)
    if exact is not None:
        return exact
    if len(query) < MIN_PREFIX:
        raise ResumeError(
            f"Give a session id, or at least its first {MIN_PREFIX} characters. "
            "/resume with no argument lists the sessions."
        )
    ids = sorted({info.session_id for info in sessions} | {current_id})
    matches = [session_id for session_id in ids if session_id.startswith(query)]
    if len(matches) > 1:
        raise ResumeError(f"{query} matches {', '.join(matches)}; type more of the id.")
    if matches == [current_id]:
        raise ResumeError("That is this session; /resume continues a different one.")
    return next((info for info in sessions if info.session_id in matches), None)


def _when(timestamp: str) -> str:
    """An ISO timestamp as local `YYYY-MM-DD HH:MM`."""
    try:
        return datetime.fromisoformat(timestamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return timestamp
