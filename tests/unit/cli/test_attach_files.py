"""Lock files and the private folder that let terminal clients find an editor's server."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from claude_lsp.lsp import attach_files
from claude_lsp.lsp.attach_files import AttachUnavailable, ServerLock


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def lock(root: Path, folder: Path, pid: int | None = None, token: str = "t" * 64) -> ServerLock:
    pid = os.getpid() if pid is None else pid
    return ServerLock(pid, str(attach_files.socket_path(folder, pid)), token, str(root))


def test_the_folder_is_created_private_and_refused_when_open_to_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "run"
    monkeypatch.setenv("CLAUDE_LSP_RUNTIME_DIR", str(folder))

    assert attach_files.runtime_folder() == folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700

    folder.chmod(0o755)
    with pytest.raises(AttachUnavailable, match="open to other users"):
        attach_files.runtime_folder()
    folder.chmod(0o700)
    link = tmp_path / "link"
    link.symlink_to(folder)
    monkeypatch.setenv("CLAUDE_LSP_RUNTIME_DIR", str(link))
    with pytest.raises(AttachUnavailable, match="not a folder"):
        attach_files.runtime_folder()


def test_without_an_override_the_folder_is_the_users_runtime_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLAUDE_LSP_RUNTIME_DIR")
    runtime = tmp_path / "xdg"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    assert attach_files.runtime_folder() == runtime / "claude-lsp"
    monkeypatch.setenv("XDG_RUNTIME_DIR", "relative/ignored")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert attach_files.runtime_folder() == tmp_path / f"claude-lsp-{os.getuid()}"


def test_a_claim_is_private_and_a_live_servers_claim_is_kept(tmp_path: Path) -> None:
    folder, root = attach_files.runtime_folder(), tmp_path / "work"
    mine = lock(root, folder)

    assert attach_files.claim(folder, root, mine)
    path = attach_files.lock_path(folder, root)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert attach_files.read_lock(path) == mine
    # Another live process holds it (our parent stands in for a second editor's server).
    other = lock(root, folder, pid=os.getppid(), token="o" * 64)
    path.write_text(other.as_json())
    assert not attach_files.claim(folder, root, mine)
    assert attach_files.read_lock(path) == other
    assert [p.name for p in folder.iterdir() if p.name.startswith(".lock-")] == []


def test_a_dead_servers_claim_is_replaced_and_its_socket_removed(tmp_path: Path) -> None:
    folder, root = attach_files.runtime_folder(), tmp_path / "work"
    gone = lock(root, folder, pid=dead_pid())
    Path(gone.socket).write_text("")
    attach_files.lock_path(folder, root).write_text(gone.as_json())

    assert attach_files.claim(folder, root, lock(root, folder))

    assert attach_files.read_lock(attach_files.lock_path(folder, root)) == lock(root, folder)
    assert not Path(gone.socket).exists()


def test_the_nearest_lock_among_the_parents_is_found(tmp_path: Path) -> None:
    folder = attach_files.runtime_folder()
    outer, inner = tmp_path / "repo", tmp_path / "repo" / "pkg"
    attach_files.claim(folder, outer, lock(outer, folder, token="a" * 64))
    deep = inner / "src" / "module"

    found = attach_files.find_lock(folder, deep)
    assert found is not None and found[1].root == str(outer)
    attach_files.claim(folder, inner, lock(inner, folder, token="b" * 64))
    found = attach_files.find_lock(folder, deep)
    assert found is not None and found[1].root == str(inner)
    assert attach_files.find_lock(folder, tmp_path / "elsewhere") is None


def test_release_removes_only_this_servers_locks(tmp_path: Path) -> None:
    folder = attach_files.runtime_folder()
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    attach_files.claim(folder, mine, lock(mine, folder))
    attach_files.lock_path(folder, theirs).write_text(lock(theirs, folder, pid=1).as_json())

    attach_files.release(folder, [mine, theirs], os.getpid())

    assert not attach_files.lock_path(folder, mine).exists()
    assert attach_files.lock_path(folder, theirs).exists()


def test_garbage_is_not_a_lock(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    for content in ("", "{", '{"pid": "x"}', "[]", '{"pid": 1}'):
        path.write_text(content)
        assert attach_files.read_lock(path) is None
