"""Which files the index covers: ripgrep's listing, filtered by language and size."""

from __future__ import annotations

import os
from pathlib import Path

from claude_lsp.index.scan import MAX_FILE_BYTES, indexable, is_listed, scan_workspace


def write(root: Path, relative: str, text: str = "x = 1\n") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def git_workspace(root: Path) -> Path:
    """A folder rg treats as a git repository, so that its .gitignore applies."""
    (root / ".git").mkdir(parents=True)
    (root / ".gitignore").write_text("build/\n*.gen.py\n")
    return root


async def test_lists_source_files_with_their_stat_sorted(tmp_path: Path) -> None:
    write(tmp_path, "pkg/b.py")
    write(tmp_path, "a.ts", "let a = 1;\n")
    write(tmp_path, "pkg/sub/c.go", "package sub\n")

    found = await scan_workspace(tmp_path)

    assert [f.path for f in found] == ["a.ts", "pkg/b.py", "pkg/sub/c.go"]
    assert [f.language for f in found] == ["typescript", "python", "go"]
    for scanned in found:
        info = os.stat(tmp_path / scanned.path)
        assert (scanned.mtime_ns, scanned.size) == (info.st_mtime_ns, info.st_size)


async def test_gitignored_hidden_and_unknown_files_are_left_out(tmp_path: Path) -> None:
    root = git_workspace(tmp_path)
    write(root, "src/keep.py")
    write(root, "build/out.py")
    write(root, "src/models.gen.py")
    write(root, ".hidden/secret.py")
    write(root, "README.md", "# readme\n")
    write(root, "data.json", "{}\n")

    assert [f.path for f in await scan_workspace(root)] == ["src/keep.py"]


async def test_files_over_the_size_cap_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, "small.py", "a" * 100)
    write(tmp_path, "exact.py", "a" * 200)
    write(tmp_path, "large.py", "a" * 201)

    found = await scan_workspace(tmp_path, max_bytes=200)

    assert [f.path for f in found] == ["exact.py", "small.py"]
    assert MAX_FILE_BYTES == 1 << 20


async def test_a_missing_root_has_no_files(tmp_path: Path) -> None:
    assert await scan_workspace(tmp_path / "nowhere") == []


async def test_is_listed_applies_ignore_rules_even_to_one_file(tmp_path: Path) -> None:
    root = git_workspace(tmp_path)
    write(root, "build/out.py")
    write(root, "src/ok.py")
    write(root, "src/we[i]rd {1}.py")

    assert await is_listed(root, "src/ok.py")
    assert await is_listed(root, "src/we[i]rd {1}.py")
    assert not await is_listed(root, "build/out.py")
    assert not await is_listed(root, "src/missing.py")


def test_indexable_checks_language_kind_and_size(tmp_path: Path) -> None:
    write(tmp_path, "ok.rs", "fn main() {}\n")
    write(tmp_path, "big.py", "a" * 50)
    write(tmp_path, "notes.txt")
    (tmp_path / "dir.py").mkdir()

    found = indexable(tmp_path, "ok.rs")
    assert found is not None
    assert (found.path, found.language, found.size) == ("ok.rs", "rust", 13)
    assert indexable(tmp_path, "big.py", max_bytes=10) is None
    assert indexable(tmp_path, "notes.txt") is None
    assert indexable(tmp_path, "dir.py") is None
    assert indexable(tmp_path, "gone.py") is None


async def test_names_that_are_not_utf8_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, "good.py")
    with open(os.path.join(os.fsencode(tmp_path), b"bad\xff.py"), "w") as bad:
        bad.write("x = 1\n")

    assert [f.path for f in await scan_workspace(tmp_path)] == ["good.py"]
