"""A snapshot of the repository for the system prompt: branch, status, recent commits."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pygit2

log = logging.getLogger(__name__)

MAX_STATUS_LINES = 40
RECENT_COMMITS = 5


@dataclass(frozen=True)
class GitSnapshot:
    root: Path
    branch: str
    status_lines: tuple[str, ...]
    status_omitted: int
    recent_commits: tuple[str, ...]

    def describe(self) -> str:
        lines = [f"Current branch: {self.branch}", "", "Status:"]
        lines.extend(self.status_lines or ["(clean)"])
        if self.status_omitted:
            lines.append(f"... and {self.status_omitted} more changed files")
        if self.recent_commits:
            lines += ["", "Recent commits:", *self.recent_commits]
        return "\n".join(lines)


def git_snapshot(cwd: Path) -> GitSnapshot | None:
    """The snapshot for the repository containing `cwd`, or None outside a repository.

    Blocking (pygit2 walks the work tree): call it from a worker thread.
    """
    repo = open_repository(cwd)
    if repo is None:
        return None
    status = status_lines(repo)
    return GitSnapshot(
        root=Path(repo.workdir),
        branch=branch_name(repo),
        status_lines=tuple(status[:MAX_STATUS_LINES]),
        status_omitted=max(0, len(status) - MAX_STATUS_LINES),
        recent_commits=tuple(_recent_commits(repo)),
    )


def open_repository(cwd: Path) -> pygit2.Repository | None:
    """The non-bare repository containing `cwd`, or None outside one."""
    if not _may_be_in_a_repository(cwd):
        return None  # pygit2 costs ~10 MiB and ~90 ms to load: not for plain folders
    import pygit2

    try:
        found = pygit2.discover_repository(str(cwd))
        if found is None:
            return None
        repo = pygit2.Repository(found)
    except pygit2.GitError as exc:
        log.info("no git repository for %s: %s", cwd, exc)
        return None
    if repo.is_bare or repo.workdir is None:
        return None
    return repo


def _may_be_in_a_repository(cwd: Path) -> bool:
    """A cheap look for `.git` in `cwd` or above (or GIT_DIR set) before loading pygit2."""
    if os.environ.get("GIT_DIR"):
        return True
    return any((folder / ".git").exists() for folder in (cwd, *cwd.parents))


def branch_name(repo: pygit2.Repository) -> str:
    if repo.head_is_unborn:
        target = repo.references["HEAD"].target
        name = str(target).removeprefix("refs/heads/")
        return f"{name} (no commits yet)"
    if repo.head_is_detached:
        return f"(detached at {str(repo.head.target)[:7]})"
    return repo.head.shorthand


def status_lines(repo: pygit2.Repository) -> list[str]:
    """`git status --short` lines (ignored files left out), sorted by path."""
    from pygit2.enums import FileStatus

    codes = (
        (FileStatus.INDEX_NEW, "A "),
        (FileStatus.INDEX_MODIFIED, "M "),
        (FileStatus.INDEX_DELETED, "D "),
        (FileStatus.INDEX_RENAMED, "R "),
        (FileStatus.WT_MODIFIED, " M"),
        (FileStatus.WT_DELETED, " D"),
        (FileStatus.WT_RENAMED, " R"),
        (FileStatus.WT_NEW, "??"),
    )
    lines = []
    for path, flags in sorted(repo.status().items()):
        if flags & FileStatus.IGNORED:
            continue
        code = next((text for flag, text in codes if flags & flag), "  ")
        lines.append(f"{code} {path}")
    return lines


def _recent_commits(repo: pygit2.Repository) -> list[str]:
    from pygit2.enums import SortMode

    if repo.head_is_unborn:
        return []
    commits = []
    for commit in repo.walk(repo.head.target, SortMode.TIME):
        subject = commit.message.splitlines()[0] if commit.message.strip() else ""
        commits.append(f"{str(commit.id)[:7]} {subject}")
        if len(commits) == RECENT_COMMITS:
            break
    return commits
