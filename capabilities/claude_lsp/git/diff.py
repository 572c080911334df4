"""The uncommitted changes of a repository as one unified diff: what /review looks at.

"Uncommitted" is `git diff HEAD` plus untracked files: staged and unstaged edits,
deletions, and new files whether added to the index or not (ignored files excepted).
pygit2 makes the patches of tracked files; an untracked file's patch is made here from
its text, so a stray large or binary file costs a line instead of its whole content.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from claude_lsp.git.context import open_repository
from claude_lsp.review.unified import unified_diff

log = logging.getLogger(__name__)

# git's empty tree: what HEAD is compared as before the first commit.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
MAX_UNTRACKED_BYTES = 256 * 1024
MAX_DIFF_CHARS = 80_000

ChangeKind = Literal["added", "modified", "deleted", "renamed", "type changed"]


@dataclass(frozen=True)
class ChangedFile:
    """One file of the change set; `patch` is its unified diff ("" when not shown)."""

    path: str  # relative to the repository root, with forward slashes
    kind: ChangeKind
    patch: str
    note: str = ""  # why the patch is missing or partial (binary, too large)


@dataclass(frozen=True)
class WorkingTreeDiff:
    root: Path
    files: tuple[ChangedFile, ...]

    @property
    def empty(self) -> bool:
        return not self.files

    def existing_paths(self) -> list[Path]:
        """The changed files that are still there to look at (not deleted)."""
        return [self.root / changed.path for changed in self.files if changed.kind != "deleted"]

    def text(self, limit: int = MAX_DIFF_CHARS) -> str:
        """The whole diff, cut at a file boundary once past `limit` characters.

        Files left out are listed by name, so the reader knows to look at them itself.
        """
        parts: list[str] = []
        used = 0
        left_out: list[str] = []
        for changed in self.files:
            body = changed.patch or _header_only(changed)
            if used + len(body) > limit and parts:
                left_out.append(f"{changed.path} ({changed.kind})")
                continue
            parts.append(body)
            used += len(body)
        if left_out:
            parts.append(
                f"# {len(left_out)} more changed files not shown (the diff is too long): "
                + ", ".join(left_out)
                + "\n"
            )
        return "".join(parts)


def _header_only(changed: ChangedFile) -> str:
    note = f" ({changed.note})" if changed.note else ""
    return f"diff --git a/{changed.path} b/{changed.path}\n# {changed.kind}{note}\n"


def working_tree_diff(cwd: Path) -> WorkingTreeDiff | None:
    """The uncommitted changes of the repository containing `cwd`; None outside one.

    Blocking (pygit2 reads the work tree): call it from a worker thread.
    """
    repo = open_repository(cwd)
    if repo is None or repo.workdir is None:
        return None
    import pygit2
    from pygit2.enums import DeltaStatus, DiffOption

    root = Path(repo.workdir)
    base = repo.get(EMPTY_TREE) if repo.head_is_unborn else repo.head.peel(pygit2.Tree)
    assert isinstance(base, pygit2.Tree)
    flags = DiffOption.INCLUDE_UNTRACKED | DiffOption.RECURSE_UNTRACKED_DIRS
    diff = base.diff_to_workdir(flags=flags)
    kinds: dict[int, ChangeKind] = {
        DeltaStatus.ADDED: "added",
        DeltaStatus.MODIFIED: "modified",
        DeltaStatus.DELETED: "deleted",
        DeltaStatus.RENAMED: "renamed",
        DeltaStatus.TYPECHANGE: "type changed",
    }
    files: list[ChangedFile] = []
    shown = 0  # past the limit `text()` cuts anyway: new files are then not even read
    for patch in diff:
        if patch is None:
            continue
        delta = patch.delta
        path = delta.new_file.path or delta.old_file.path
        if delta.status == DeltaStatus.UNTRACKED:
            changed = _untracked(root, path, read=shown <= MAX_DIFF_CHARS)
        elif (kind := kinds.get(delta.status)) is None:
            continue
        elif delta.is_binary:
            changed = ChangedFile(path, kind, "", "binary")
        else:
            changed = ChangedFile(path, kind, patch.text or "")
        shown += len(changed.patch)
        files.append(changed)
    files.sort(key=lambda changed: changed.path)
    return WorkingTreeDiff(root=root, files=tuple(files))


def _untracked(root: Path, path: str, *, read: bool) -> ChangedFile:
    """A new file's patch from its text, or just its name when binary or large."""
    if not read:
        return ChangedFile(path, "added", "", "not shown: the diff is long already")
    file = root / path
    try:
        size = file.stat().st_size
        if size > MAX_UNTRACKED_BYTES:
            return ChangedFile(path, "added", "", f"{size} bytes, too large to show")
        text = file.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return ChangedFile(path, "added", "", "binary")
    except OSError as exc:
        log.info("cannot read the new file %s: %s", file, exc)
        return ChangedFile(path, "added", "", "unreadable")
    if "\0" in text:
        return ChangedFile(path, "added", "", "binary")
    return ChangedFile(path, "added", unified_diff("", text, path, new_file=True))
