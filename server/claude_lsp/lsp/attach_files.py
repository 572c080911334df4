"""Where a running server can be reached by terminal clients of its workspace, and how
they prove they are its user.

A server started by an editor listens on a Unix socket in a per-user folder (mode 0700,
refused when it is anyone else's or open to others) and, for each of its workspace
roots, writes a lock file (mode 0600) naming its pid, the socket and a random token.
`claude-lsp -p` and `--chat` look for the lock of the folder they run in or of one of
its parents, present the token in `initialize`, and so share the editor's unsaved
buffers and land their edits in it. A lock whose server is gone is stale: whoever finds
it removes it.

This module is imported by the terminal clients' start-up path: the standard library
only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

LOCK_SUFFIX = ".lock"
SOCKET_SUFFIX = ".sock"


class AttachUnavailable(Exception):
    """The per-user folder cannot be used safely (someone else's, or open to others)."""


@dataclass(frozen=True)
class ServerLock:
    """What a lock file says about the server of a workspace root."""

    pid: int
    socket: str
    token: str
    root: str

    def as_json(self) -> str:
        return json.dumps(
            {"pid": self.pid, "socket": self.socket, "token": self.token, "root": self.root}
        )


def runtime_folder() -> Path:
    """The private folder for sockets and locks, created (0700) when missing.

    `CLAUDE_LSP_RUNTIME_DIR` replaces it; else `$XDG_RUNTIME_DIR/claude-lsp`, else
    `<tmp>/claude-lsp-<uid>`. A folder not owned by this user, not a real folder, or
    readable by others is refused rather than trusted.
    """
    override = os.environ.get("CLAUDE_LSP_RUNTIME_DIR")
    xdg = os.environ.get("XDG_RUNTIME_DIR", "")
    if override:
        folder = Path(override)
    elif xdg and os.path.isabs(xdg) and os.path.isdir(xdg):
        folder = Path(xdg) / "claude-lsp"
    else:
        folder = Path(tempfile.gettempdir()) / f"claude-lsp-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700, parents=True)
    found = os.lstat(folder)
    if not stat.S_ISDIR(found.st_mode):
        raise AttachUnavailable(f"{folder} is not a folder")
    if found.st_uid != os.getuid():
        raise AttachUnavailable(f"{folder} belongs to another user")
    if found.st_mode & 0o077:
        raise AttachUnavailable(f"{folder} is open to other users (mode {found.st_mode & 0o777:o})")
    return folder


def key_of(root: Path) -> str:
    """The name a workspace root's lock goes by: short, and fine in a socket path."""
    return hashlib.sha256(os.fsencode(root)).hexdigest()[:24]


def lock_path(folder: Path, root: Path) -> Path:
    return folder / f"{key_of(root)}{LOCK_SUFFIX}"


def socket_path(folder: Path, pid: int) -> Path:
    """The socket of the server with `pid` (one per server, whatever its roots)."""
    return folder / f"server-{pid}{SOCKET_SUFFIX}"


def new_token() -> str:
    return secrets.token_hex(32)


def read_lock(path: Path) -> ServerLock | None:
    """The lock at `path`, or None when there is none or it is not a lock."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ServerLock(int(data["pid"]), str(data["socket"]), str(data["token"]), data["root"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone's process has the pid: not our server, but not for us to judge
    return True


def claim(folder: Path, root: Path, lock: ServerLock) -> bool:
    """Write `lock` for `root` unless a live server holds it; replaces a stale one.

    The file appears whole or not at all (written aside, then linked into place), so a
    client never reads half a lock, and of two servers starting at once one wins.
    """
    target = lock_path(folder, root)
    for _ in range(2):
        descriptor, aside = tempfile.mkstemp(dir=folder, prefix=".lock-")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as file:
                file.write(lock.as_json())
            os.link(aside, target)
            return True
        except FileExistsError:
            held = read_lock(target)
            if held is not None and held.pid != lock.pid and is_alive(held.pid):
                return False
            remove_stale(target, held)
        finally:
            os.unlink(aside)
    return False


def release(folder: Path, roots: list[Path], pid: int) -> None:
    """Remove the locks of `roots` that are still this server's."""
    for root in roots:
        target = lock_path(folder, root)
        held = read_lock(target)
        if held is not None and held.pid == pid:
            target.unlink(missing_ok=True)


def remove_stale(path: Path, lock: ServerLock | None) -> None:
    """Remove a lock whose server is gone, and that server's socket."""
    path.unlink(missing_ok=True)
    if lock is not None and Path(lock.socket).parent == path.parent:
        Path(lock.socket).unlink(missing_ok=True)


def find_lock(folder: Path, cwd: Path) -> tuple[Path, ServerLock] | None:
    """The lock of the workspace holding `cwd` (the nearest root among its parents)."""
    for candidate in (cwd, *cwd.parents):
        path = lock_path(folder, candidate)
        lock = read_lock(path)
        if lock is not None:
            return path, lock
    return None
