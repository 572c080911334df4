"""cleanupPeriodDays: old transcripts go at start-up, nothing outside the projects folder does."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from claude_lsp.agent.session import Session, SessionOptions
from claude_lsp.host import DiskFiles
from claude_lsp.models.client import ModelClient
from claude_lsp.models.credentials import Credentials
from claude_lsp.sessions.transcripts import (
    clean_up_at_start,
    project_folder,
    projects_dir,
    remove_old_transcripts,
)

DAY = 86400.0
NOW = 2_000_000_000.0


def aged(path: Path, days: float, now: float = NOW) -> Path:
    """A file last written `days` before `now`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{}\n")
    os.utime(path, (now - days * DAY, now - days * DAY))
    return path


def test_only_transcripts_older_than_the_period_go(tmp_path: Path) -> None:
    folder = project_folder(tmp_path / "app")
    old = aged(folder / "old.jsonl", 31)
    recent = aged(folder / "recent.jsonl", 29)
    notes = aged(folder / "notes.txt", 90)
    nested = aged(folder / "sub" / "agent.jsonl", 90)
    other = aged(project_folder(tmp_path / "lib") / "older.jsonl", 45)

    removed = remove_old_transcripts(30, now=NOW)

    assert sorted(removed) == sorted([old, other])
    assert not old.exists() and not other.exists()
    assert recent.exists() and notes.exists() and nested.exists()


def test_zero_days_removes_every_transcript(tmp_path: Path) -> None:
    folder = project_folder(tmp_path / "app")
    paths = [aged(folder / "a.jsonl", 0), aged(folder / "b.jsonl", 400)]
    assert sorted(remove_old_transcripts(0, now=NOW)) == sorted(paths)
    assert not any(path.exists() for path in paths)


def test_links_are_neither_followed_nor_removed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    kept = aged(outside / "precious.jsonl", 400)
    projects_dir().mkdir(parents=True)
    (projects_dir() / "-linked-folder").symlink_to(outside, target_is_directory=True)
    folder = project_folder(tmp_path / "app")
    folder.mkdir(parents=True)
    (folder / "link.jsonl").symlink_to(kept)

    assert remove_old_transcripts(0, now=NOW) == []
    assert kept.exists() and (folder / "link.jsonl").is_symlink()


def test_no_projects_folder_is_fine() -> None:
    assert not projects_dir().exists()
    assert remove_old_transcripts(30) == []


def test_start_up_reads_the_period_from_the_settings(
    tmp_path: Path, private_claude_config: Path
) -> None:
    project = tmp_path / "app"
    (project / ".claude").mkdir(parents=True)
    folder = project_folder(project)
    week_old = aged(folder / "week.jsonl", 7, now=time.time())
    month_old = aged(folder / "month.jsonl", 40, now=time.time())

    assert clean_up_at_start(project) == [month_old]  # the default: 30 days
    (private_claude_config / "settings.json").write_text(json.dumps({"cleanupPeriodDays": 60}))
    (project / ".claude" / "settings.json").write_text(json.dumps({"cleanupPeriodDays": 5}))
    assert clean_up_at_start(project) == [week_old]  # the project's setting wins


async def test_zero_days_turns_recording_off(tmp_path: Path, private_claude_config: Path) -> None:
    private_claude_config.mkdir(parents=True)
    (private_claude_config / "settings.json").write_text(json.dumps({"cleanupPeriodDays": 0}))
    session = Session(
        SessionOptions(cwd=tmp_path),
        model_client=ModelClient(Credentials()),
        files=DiskFiles(),
        emit=lambda _event: None,
        asker=None,
    )
    try:
        assert session.transcript is None
    finally:
        await session.close()
