"""Session transcripts: one JSONL file per session, one line per message, as it happens.

The layout and line shape follow Claude Code's (`<config>/projects/<cwd with every
non-alphanumeric character turned into '-'>/<session id>.jsonl`, lines of
`{"type": "user"|"assistant", "message": ..., "uuid", "parentUuid", "sessionId", "cwd",
"timestamp"}`), so a killed server loses at most the message in flight and sessions
can be listed and loaded again later. Like Claude Code, a server start deletes the ones
older than `cleanupPeriodDays`.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from claude_lsp.version import __version__

log = logging.getLogger(__name__)

TITLE_CHARS = 80
# The line after which earlier history is dropped on resume (Claude Code's name for it).
BOUNDARY = "compact_boundary"
# Claude Code's default for `cleanupPeriodDays`.
DEFAULT_CLEANUP_DAYS = 30
# Inside `<session id>/` beside a transcript: its subagents' transcripts.
SUBAGENTS_FOLDER = "subagents"


def config_dir() -> Path:
    """Claude Code's configuration folder: `CLAUDE_CONFIG_DIR`, else `~/.claude`."""
    configured = os.environ.get("CLAUDE_CONFIG_DIR")
    return Path(configured).expanduser() if configured else Path.home() / ".claude"


def projects_dir() -> Path:
    return config_dir() / "projects"


def project_folder(cwd: Path) -> Path:
    return projects_dir() / re.sub(r"[^A-Za-z0-9]", "-", str(cwd))


@dataclass(frozen=True)
class SessionInfo:
    session_id: str
    title: str
    cwd: str
    updated_at: str

    def as_json(self) -> dict[str, str]:
        return {
            "sessionId": self.session_id,
            "title": self.title,
            "cwd": self.cwd,
            "updatedAt": self.updated_at,
        }


class Transcript:
    """Appends a session's messages to its JSONL file, each flushed as it is written."""

    def __init__(self, path: Path, session_id: str, cwd: Path, agent_id: str | None = None) -> None:
        self.path = path
        self._session_id = session_id
        self._cwd = str(cwd)
        self._parent: str | None = None
        self._agent_id = agent_id

    @classmethod
    def create(cls, session_id: str, cwd: Path) -> Transcript:
        return cls(project_folder(cwd) / f"{session_id}.jsonl", session_id, cwd)

    def for_subagent(self, agent_id: str) -> Transcript:
        """A subagent's transcript, beside this one as Claude Code keeps them:
        `<session id>/subagents/agent-<agent id>.jsonl`, its lines marked as a side chain
        of this session, so they never mix into its conversation."""
        folder = self.path.with_suffix("") / SUBAGENTS_FOLDER
        return Transcript(
            folder / f"agent-{agent_id}.jsonl", self._session_id, Path(self._cwd), agent_id
        )

    def continue_after(self, entries: list[dict[str, Any]]) -> None:
        """Chain new lines to the last one already in the file (after a load)."""
        self._parent = entries[-1].get("uuid") if entries else None

    def append(self, message: dict[str, Any]) -> None:
        """Write one message; a failing disk is logged, never fatal to the chat."""
        self._write({"type": message["role"], "message": message})

    def copy_in(self, entries: list[dict[str, Any]]) -> None:
        """Start this transcript with another session's lines (a fork), as this session's.

        They keep their ids and chain, so a later load of this session sees all of them.
        """
        lines = [{**entry, "sessionId": self._session_id} for entry in entries]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        except OSError as exc:
            log.error("could not write the transcript %s: %s", self.path, exc)

    def mark_boundary(
        self, content: str, *, trigger: str = "manual", tokens_before: int | None = None
    ) -> None:
        """Note that the history before this line no longer counts (`/clear`, `/compact`,
        `/resume`, automatic compaction).

        The line has the shape of Claude Code's compact boundary, so either tool
        resumes the session from the same place.
        """
        metadata: dict[str, Any] = {"trigger": trigger}
        if tokens_before is not None:
            metadata["preTokens"] = tokens_before
        self._write(
            {
                "type": "system",
                "subtype": BOUNDARY,
                "content": content,
                "compactMetadata": metadata,
            }
        )

    def _write(self, fields: dict[str, Any]) -> None:
        entry_id = str(uuid.uuid4())
        entry = {
            **fields,
            "uuid": entry_id,
            "parentUuid": self._parent,
            "sessionId": self._session_id,
            "cwd": self._cwd,
            "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "version": f"claude-lsp {__version__}",
            "isSidechain": self._agent_id is not None,
            "userType": "external",
        }
        if self._agent_id is not None:
            entry["agentId"] = self._agent_id
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
        except OSError as exc:
            log.error("could not write the transcript %s: %s", self.path, exc)
            return
        self._parent = entry_id


def read_entries(path: Path) -> list[dict[str, Any]]:
    """The message lines of a transcript; a torn last line (a crash mid-write) is skipped."""
    entries = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            try:
                entry = json.loads(line)
            except ValueError:
                log.warning("skipping unreadable line %d of %s", number, path)
                continue
            if not isinstance(entry, dict):
                continue
            is_message = entry.get("type") in ("user", "assistant") and isinstance(
                entry.get("message"), dict
            )
            if is_message or _is_boundary(entry):
                entries.append(entry)
    return entries


def _is_boundary(entry: dict[str, Any]) -> bool:
    return entry.get("type") == "system" and entry.get("subtype") == BOUNDARY


def messages_of(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation for the API since the last boundary, one role's run joined."""
    messages: list[dict[str, Any]] = []
    for entry in entries:
        if _is_boundary(entry):
            messages = []
            continue
        message = entry["message"]
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if messages and messages[-1]["role"] == message["role"]:
            messages[-1]["content"] = [*messages[-1]["content"], *blocks]
        else:
            messages.append({"role": message["role"], "content": list(blocks or [])})
    return messages


def find(session_id: str) -> Path | None:
    """The transcript of `session_id` in any project folder."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", session_id):
        return None  # never let an id walk out of the projects folder
    return next(projects_dir().glob(f"*/{session_id}.jsonl"), None)


def list_sessions(cwd: Path | None) -> list[SessionInfo]:
    """Sessions of the project at `cwd` (every project when None), newest first."""
    folders = [project_folder(cwd)] if cwd is not None else list(_project_folders())
    found = []
    for folder in folders:
        for path in folder.glob("*.jsonl"):
            info = _info(path)
            if info is not None:
                found.append(info)
    return sorted(found, key=lambda info: info.updated_at, reverse=True)


SESSIONS_PAGE = 50


def sessions_page(cwd: Path | None, cursor: str | None) -> tuple[list[SessionInfo], str | None]:
    """One page of `list_sessions` and the cursor of the next (None on the last page).

    A cursor is an offset in the list, as a string; anything else is a ValueError.
    """
    if cursor is not None and not cursor.isdigit():
        raise ValueError(f"cursor {cursor!r} is not one this server gave")
    start = int(cursor or 0)
    found = list_sessions(cwd)
    more = start + SESSIONS_PAGE < len(found)
    return found[start : start + SESSIONS_PAGE], str(start + SESSIONS_PAGE) if more else None


def _project_folders() -> Iterator[Path]:
    if projects_dir().is_dir():
        yield from (path for path in projects_dir().iterdir() if path.is_dir())


def _info(path: Path) -> SessionInfo | None:
    try:
        entries = read_entries(path)
        updated = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:
        return None
    if not entries:
        return None
    return SessionInfo(
        session_id=path.stem,
        title=_title(entries),
        cwd=str(entries[0].get("cwd", "")),
        updated_at=updated.isoformat().replace("+00:00", "Z"),
    )


def _title(entries: list[dict[str, Any]]) -> str:
    """The first thing the user typed, on one line."""
    for entry in entries:
        if entry["type"] != "user":
            continue
        content = entry["message"].get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        for block in blocks or []:
            text = block.get("text", "") if block.get("type") == "text" else ""
            if text and not text.startswith("<"):
                line = " ".join(text.split())
                return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1] + "…"
    return "(untitled)"


def remove_old_transcripts(max_age_days: int, now: float | None = None) -> list[Path]:
    """Delete the transcripts last written more than `max_age_days` ago; all of them for 0.

    Only `*.jsonl` files directly inside a project folder of `projects_dir()`, and those in
    a `<session id>/subagents/` folder there, are candidates (emptied subagent folders go
    too); a symbolic link (to a folder or a file) is neither followed nor removed, so
    nothing outside the projects folder is ever touched. `now`: seconds since the epoch.
    """
    start = time.time() if now is None else now
    cutoff = None if max_age_days == 0 else start - max_age_days * 86400
    removed: list[Path] = []
    for project in _folders_in(str(projects_dir())):
        removed += _remove_old_files(project.path, cutoff)
        for session in _folders_in(project.path):
            for folder in _folders_in(session.path):
                if folder.name == SUBAGENTS_FOLDER:
                    removed += _remove_old_files(folder.path, cutoff)
                    _remove_if_empty(folder.path, session.path)
    return removed


def _folders_in(path: str) -> list[os.DirEntry[str]]:
    """The folders in `path` (not links to folders); none when it cannot be read."""
    try:
        return [entry for entry in os.scandir(path) if entry.is_dir(follow_symlinks=False)]
    except OSError as exc:
        if os.path.exists(path):
            log.warning("could not look for old transcripts in %s: %s", path, exc)
        return []


def _remove_old_files(folder: str, cutoff: float | None) -> list[Path]:
    """Delete the `*.jsonl` files in `folder` last written before `cutoff` (None: all)."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        log.warning("could not look for old transcripts in %s: %s", folder, exc)
        return removed
    for entry in entries:
        if not entry.name.endswith(".jsonl") or not entry.is_file(follow_symlinks=False):
            continue
        try:
            if cutoff is None or entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError as exc:
            log.warning("could not delete the old transcript %s: %s", entry.path, exc)
    return removed


def _remove_if_empty(*folders: str) -> None:
    for folder in folders:
        try:
            os.rmdir(folder)
        except OSError:
            return  # something else is still in it


def clean_up_in_background(project_root: Path) -> None:
    """`clean_up_at_start` in a thread: it reads settings files and walks the projects
    folder, which must not hold up a server's first requests."""
    import threading

    threading.Thread(
        target=clean_up_at_start, args=(project_root,), name="transcript-cleanup", daemon=True
    ).start()


def clean_up_at_start(project_root: Path) -> list[Path]:
    """The start-up clean-up, with `cleanupPeriodDays` from the settings `project_root` sees."""
    from claude_lsp.settings.load import load_settings

    days = load_settings(project_root).cleanup_period_days
    removed = remove_old_transcripts(DEFAULT_CLEANUP_DAYS if days is None else days)
    if removed:
        log.info("deleted %d transcripts (cleanupPeriodDays: %s)", len(removed), days)
    return removed
