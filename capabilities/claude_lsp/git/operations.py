"""What the Git tool does to a repository, on pygit2: each function takes the repository
and returns the text the model reads. All of them block (pygit2 reads the disk): run
them in a worker thread.

`hidden` is the permission policy's Read deny filter: files it hides are left out of
status, diffs and commits shown, as Grep leaves them out of its results.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from claude_lsp.git.context import branch_name, status_lines
from claude_lsp.git.diff import EMPTY_TREE, MAX_DIFF_CHARS

if TYPE_CHECKING:
    import pygit2

Hidden = Callable[[Path], bool] | None
DEFAULT_LOG_COUNT = 20
MAX_LOG_COUNT = 200


class GitError(Exception):
    """A git operation that cannot be done, with the reason the model reads."""


def _root(repo: pygit2.Repository) -> Path:
    assert repo.workdir is not None
    return Path(repo.workdir)


def _visible(repo: pygit2.Repository, relative: str, hidden: Hidden) -> bool:
    return hidden is None or not hidden(_root(repo) / relative)


def status(repo: pygit2.Repository, hidden: Hidden) -> str:
    lines = [
        line for line in status_lines(repo) if _visible(repo, line[3:].split(" -> ")[-1], hidden)
    ]
    return "\n".join([f"On branch {branch_name(repo)}", *(lines or ["(nothing to commit)"])])


def _commit(repo: pygit2.Repository, revision: str) -> pygit2.Commit:
    import pygit2

    try:
        found = repo.revparse_single(revision).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError) as exc:
        raise GitError(f"unknown revision {revision!r}") from exc
    assert isinstance(found, pygit2.Commit)
    return found


def _tree(repo: pygit2.Repository, revision: str) -> pygit2.Tree:
    import pygit2

    tree = _commit(repo, revision).peel(pygit2.Tree)
    assert isinstance(tree, pygit2.Tree)
    return tree


def _merge_base_tree(repo: pygit2.Repository, old: str, new: str) -> pygit2.Tree:
    """The tree of the newest commit `old` and `new` share (`git merge-base`)."""
    base = repo.merge_base(_commit(repo, old).id, _commit(repo, new).id)
    if base is None:
        raise GitError(f"{old} and {new} have no common ancestor")
    return _tree(repo, str(base))


def _head_tree(repo: pygit2.Repository) -> pygit2.Tree:
    import pygit2

    tree = repo.get(EMPTY_TREE) if repo.head_is_unborn else repo.head.peel(pygit2.Tree)
    assert isinstance(tree, pygit2.Tree)
    return tree


def diff(
    repo: pygit2.Repository,
    hidden: Hidden,
    *,
    staged: bool = False,
    revision: str | None = None,
    paths: Sequence[str] = (),
) -> str:
    """`git diff` (work tree against the index), `--staged` (index against HEAD), `A`
    (A against the work tree), `A..B`, or `A...B` (B against where it left A); limited to
    `paths` (relative to the root)."""
    if revision and "..." in revision:
        old, new = revision.split("...", 1)
        patches = _merge_base_tree(repo, old or "HEAD", new or "HEAD").diff_to_tree(
            _tree(repo, new or "HEAD")
        )
    elif revision and ".." in revision:
        old, new = revision.split("..", 1)
        patches = _tree(repo, old or "HEAD").diff_to_tree(_tree(repo, new or "HEAD"))
    elif revision:
        patches = _tree(repo, revision).diff_to_workdir()
    elif staged:
        patches = _head_tree(repo).diff_to_index(repo.index)
    else:
        patches = repo.diff()
    return _patch_text(repo, patches, hidden, paths) or "(no differences)"


def _patch_text(
    repo: pygit2.Repository, patches: pygit2.Diff, hidden: Hidden, paths: Sequence[str] = ()
) -> str:
    parts: list[str] = []
    used = 0
    left_out: list[str] = []
    for patch in patches:
        if patch is None:
            continue
        path = patch.delta.new_file.path or patch.delta.old_file.path
        if paths and not any(path == p or path.startswith(p.rstrip("/") + "/") for p in paths):
            continue
        if not _visible(repo, path, hidden):
            continue
        text = patch.text or ""
        if patch.delta.is_binary:
            text = f"diff --git a/{path} b/{path}\nBinary file changed\n"
        if used + len(text) > MAX_DIFF_CHARS and parts:
            left_out.append(path)
            continue
        if len(text) > MAX_DIFF_CHARS:
            hidden_chars = len(text) - MAX_DIFF_CHARS
            text = f"{text[:MAX_DIFF_CHARS]}\n# … {hidden_chars} more characters of {path}\n"
        parts.append(text)
        used += len(text)
    if left_out:
        parts.append(f"# {len(left_out)} more files not shown (too long): {', '.join(left_out)}\n")
    return "".join(parts)


def _when(commit: pygit2.Commit) -> str:
    return datetime.fromtimestamp(commit.commit_time, UTC).strftime("%Y-%m-%d %H:%M")


def log(
    repo: pygit2.Repository, *, revision: str | None = None, max_count: int = DEFAULT_LOG_COUNT
) -> str:
    """One line per commit: short id, date (UTC), author, subject; newest first."""
    from pygit2.enums import SortMode

    if repo.head_is_unborn and not revision:
        return "(no commits yet)"
    start = _commit(repo, revision or "HEAD")
    lines = []
    for commit in repo.walk(start.id, SortMode.TIME):
        subject = commit.message.strip().splitlines()[0] if commit.message.strip() else ""
        author = commit.author.name
        lines.append(f"{str(commit.id)[:7]} {_when(commit)} {author}: {subject}")
        if len(lines) >= min(max_count, MAX_LOG_COUNT):
            break
    return "\n".join(lines)


def show(repo: pygit2.Repository, hidden: Hidden, *, revision: str | None = None) -> str:
    """A commit: id, author, date, message, and its changes against its first parent."""
    import pygit2

    commit = _commit(repo, revision or "HEAD")
    parent = commit.parents[0].peel(pygit2.Tree) if commit.parents else repo.get(EMPTY_TREE)
    assert isinstance(parent, pygit2.Tree)
    changes = parent.diff_to_tree(commit.peel(pygit2.Tree))
    header = (
        f"commit {commit.id}\nAuthor: {commit.author.name} <{commit.author.email}>\n"
        f"Date:   {_when(commit)} UTC\n\n{commit.message.rstrip()}\n\n"
    )
    return header + (_patch_text(repo, changes, hidden) or "(no changes)")


def blame(repo: pygit2.Repository, relative: str) -> str:
    """Each line of the committed file with the commit, author and date that last
    changed it."""
    import pygit2

    try:
        found = _head_tree(repo)[relative]
    except KeyError as exc:
        raise GitError(f"{relative} is not in the last commit") from exc
    blob = repo.get(found.id)
    if not isinstance(blob, pygit2.Blob) or blob.is_binary:
        raise GitError(f"{relative} is not a text file in the last commit")
    lines = blob.data.decode("utf-8", "replace").splitlines()
    shown: list[str] = []
    for hunk in repo.blame(relative):
        commit = repo.get(hunk.final_commit_id)
        label = (
            f"{str(hunk.final_commit_id)[:7]} ({commit.author.name} {_when(commit)[:10]}"
            if isinstance(commit, pygit2.Commit)
            else f"{str(hunk.final_commit_id)[:7]} ("
        )
        first = hunk.final_start_line_number
        for number in range(first, first + hunk.lines_in_hunk):
            text = lines[number - 1] if number - 1 < len(lines) else ""
            shown.append(f"{label} {number:>4}) {text}")
    return "\n".join(shown)


def branches(repo: pygit2.Repository) -> str:
    current = None if repo.head_is_unborn or repo.head_is_detached else repo.head.shorthand
    names = sorted(repo.branches.local)
    lines = [f"{'*' if name == current else ' '} {name}" for name in names]
    return "\n".join(lines) or f"(no branches yet; on {branch_name(repo)})"


def create_branch(repo: pygit2.Repository, name: str, revision: str | None = None) -> str:
    import pygit2

    if name in repo.branches.local:
        raise GitError(f"a branch named {name!r} exists already")
    start = _commit(repo, revision or "HEAD")
    try:
        repo.branches.local.create(name, start)
    except (ValueError, pygit2.GitError) as exc:
        raise GitError(f"cannot create branch {name!r}: {exc}") from exc
    return f"Created branch {name} at {str(start.id)[:7]} (still on {branch_name(repo)})."


def add(repo: pygit2.Repository, paths: Sequence[str], hidden: Hidden) -> str:
    """Stage `paths` (files or folders, relative to the root; deleted files too) as `git
    add` does: a symlink as the link, a path that names nothing is an error. Files
    `hidden` are left unstaged, so `add .` cannot put a denied file into a commit."""
    import pygit2
    from pygit2.enums import FileStatus

    changed = repo.status()  # untracked files included, ignored ones not
    chosen: set[str] = set()
    for spec in paths:
        matched = [path for path in changed if _under(path, spec)]
        if not matched:
            _check_unchanged(repo, spec)
        chosen.update(matched)
    unstaged = FileStatus.WT_NEW | FileStatus.WT_MODIFIED | FileStatus.WT_DELETED
    unstaged |= FileStatus.WT_TYPECHANGE | FileStatus.WT_RENAMED | FileStatus.CONFLICTED
    to_stage = sorted(path for path in chosen if changed[path] & unstaged)
    visible = [path for path in to_stage if _visible(repo, path, hidden)]
    index = repo.index
    try:
        for path in visible:
            if (_root(repo) / path).is_symlink() or (_root(repo) / path).exists():
                index.add(path)
            else:
                index.remove(path)
        index.write()
    except (pygit2.GitError, OSError) as exc:
        raise GitError(f"cannot stage {', '.join(paths)}: {exc}") from exc
    staged = [
        line
        for line in status_lines(repo)
        if line[0] not in " ?" and _visible(repo, line[3:].split(" -> ")[-1], hidden)
    ]
    head = "Staged." if visible else f"Nothing to stage in {', '.join(paths)}: no changes."
    withheld = len(to_stage) - len(visible)
    if withheld:
        files = "file" if withheld == 1 else "files"
        head += f" ({withheld} {files} hidden by permission rules left unstaged.)"
    return f"{head} Now staged for commit:\n" + ("\n".join(staged) or "(nothing)")


def _under(path: str, spec: str) -> bool:
    """Whether `path` is `spec` or inside the folder `spec` (`.`: the whole work tree)."""
    return spec == "." or path == spec or path.startswith(spec.rstrip("/") + "/")


def _check_unchanged(repo: pygit2.Repository, spec: str) -> None:
    """A path with nothing to stage must at least exist, as a file or in the index, and
    not be ignored (git refuses both)."""
    tracked = any(_under(entry.path, spec) for entry in repo.index)
    if tracked:
        return
    if not os.path.lexists(_root(repo) / spec):
        raise GitError(f"pathspec {spec!r} did not match any files")
    if repo.path_is_ignored(spec):
        raise GitError(f"{spec} is ignored (.gitignore), so it is not staged")


def commit(repo: pygit2.Repository, message: str) -> str:
    """Commit what is staged, as the configured user (user.name, user.email)."""
    import pygit2
    from pygit2.enums import RepositoryState

    if not message.strip():
        raise GitError("a commit needs a message")
    if repo.state() != RepositoryState.NONE:
        raise GitError(
            "a merge, rebase or similar is in progress: finish it with Bash (git commit)"
        )
    if len(repo.index) == 0:
        raise GitError("nothing is staged: stage changes with operation add first")
    try:
        tree = repo.index.write_tree()
    except pygit2.GitError as exc:
        raise GitError(f"the staged changes cannot be committed: {exc}") from exc
    parents = [] if repo.head_is_unborn else [repo.head.target]
    if parents and tree == _head_tree(repo).id:
        raise GitError("nothing is staged: stage changes with operation add first")
    try:
        author = repo.default_signature
    except (KeyError, pygit2.GitError) as exc:
        raise GitError(
            "git has no identity here: set user.name and user.email (git config)"
        ) from exc
    reference = "HEAD" if repo.head_is_unborn else repo.head.name
    try:
        new = repo.create_commit(reference, author, author, message, tree, parents)
    except (pygit2.GitError, OSError) as exc:
        raise GitError(f"the commit could not be written: {exc}") from exc
    subject = message.strip().splitlines()[0]
    return f"Committed {str(new)[:7]} on {branch_name(repo)}: {subject}"
