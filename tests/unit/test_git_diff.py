"""The uncommitted diff (git/diff.py) on real repositories made with pygit2."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pygit2
import pytest
from unidiff.patch import PatchSet

from claude_lsp.git.diff import MAX_UNTRACKED_BYTES, ChangedFile, WorkingTreeDiff, working_tree_diff

WHO = pygit2.Signature("Dev", "dev@example.com")


def commit(repo: pygit2.Repository, root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
        repo.index.add(name)
    repo.index.write()
    parents = [] if repo.head_is_unborn else [repo.head.target]
    repo.create_commit("HEAD", WHO, WHO, "commit", repo.index.write_tree(), parents)


@pytest.fixture
def repo(tmp_path: Path) -> tuple[pygit2.Repository, Path]:
    root = tmp_path / "repo"
    repository = pygit2.init_repository(str(root), initial_head="main")
    commit(
        repository,
        root,
        {"app.py": "x = 1\ny = 2\nz = 3\n", "gone.py": "bye\n", ".gitignore": "*.log\n"},
    )
    return repository, root


def test_staged_unstaged_deleted_and_new_files_against_head(
    repo: tuple[pygit2.Repository, Path],
) -> None:
    repository, root = repo
    (root / "app.py").write_text("x = 10\ny = 2\nz = 3\n")
    repository.index.add("app.py")  # staged ...
    repository.index.write()
    (root / "app.py").write_text("x = 10\ny = 2\nz = 30\n")  # ... and changed again
    (root / "gone.py").unlink()
    (root / "staged.py").write_text("staged = True\n")
    repository.index.add("staged.py")
    repository.index.write()
    (root / "pkg").mkdir()
    (root / "pkg" / "new.py").write_text("new = True")
    (root / "debug.log").write_text("ignored\n")

    changes = working_tree_diff(root / "pkg")  # found from a subfolder too

    assert changes is not None and changes.root == root
    assert [(f.path, f.kind) for f in changes.files] == [
        ("app.py", "modified"),
        ("gone.py", "deleted"),
        ("pkg/new.py", "added"),
        ("staged.py", "added"),
    ]
    assert changes.existing_paths() == [root / "app.py", root / "pkg/new.py", root / "staged.py"]
    app = changes.files[0].patch
    assert "-x = 1\n+x = 10\n y = 2\n-z = 3\n+z = 30\n" in app  # HEAD -> work tree, in one
    assert changes.files[2].patch == (
        "diff --git a/pkg/new.py b/pkg/new.py\nnew file mode 100644\n--- /dev/null\n"
        "+++ b/pkg/new.py\n@@ -0,0 +1 @@\n+new = True\n\\ No newline at end of file\n"
    )
    patch = PatchSet(changes.text())
    assert [(p.path, p.added, p.removed) for p in patch] == [
        ("app.py", 2, 2),
        ("gone.py", 0, 1),
        ("pkg/new.py", 1, 0),
        ("staged.py", 1, 0),
    ]


def test_the_diff_applies_to_head_with_git(
    repo: tuple[pygit2.Repository, Path], tmp_path: Path
) -> None:
    _, root = repo
    (root / "app.py").write_text("x = 1\ny = 20\nz = 3\n")
    (root / "added.py").write_text("a = 1\n")
    changes = working_tree_diff(root)
    assert changes is not None
    copy = tmp_path / "copy"
    pygit2.clone_repository(str(root), str(copy))
    (copy / "change.diff").write_text(changes.text())
    done = subprocess.run(
        ["git", "apply", "change.diff"], cwd=copy, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert (copy / "app.py").read_text() == "x = 1\ny = 20\nz = 3\n"
    assert (copy / "added.py").read_text() == "a = 1\n"


def test_binary_and_large_new_files_are_named_not_shown(
    repo: tuple[pygit2.Repository, Path],
) -> None:
    _, root = repo
    (root / "blob.bin").write_bytes(b"\x00\x01\x02")
    (root / "big.txt").write_text("x" * (MAX_UNTRACKED_BYTES + 1))
    changes = working_tree_diff(root)

    assert changes is not None
    notes = {f.path: (f.patch, f.note) for f in changes.files}
    assert notes == {
        "big.txt": ("", f"{MAX_UNTRACKED_BYTES + 1} bytes, too large to show"),
        "blob.bin": ("", "binary"),
    }
    assert "# added (binary)" in changes.text()


def test_a_clean_tree_an_unborn_head_and_no_repository(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    pygit2.init_repository(str(root), initial_head="main")
    clean = working_tree_diff(root)
    (root / "first.py").write_text("print(1)\n")
    unborn = working_tree_diff(root)
    plain = tmp_path / "plain"
    plain.mkdir()

    assert clean is not None and clean.empty
    assert unborn is not None and [(f.path, f.kind) for f in unborn.files] == [
        ("first.py", "added")
    ]
    assert working_tree_diff(plain) is None


def test_text_stops_at_a_file_boundary_and_names_what_it_left_out() -> None:
    files = tuple(
        ChangedFile(f"f{n}.py", "modified", f"diff --git a/f{n}.py b/f{n}.py\n" + "+x\n" * 10)
        for n in range(3)
    )
    diff = WorkingTreeDiff(Path("/r"), files)

    text = diff.text(limit=80)

    assert text.startswith("diff --git a/f0.py b/f0.py\n")
    assert "f1.py b/f1.py" not in text
    assert text.endswith(
        "# 2 more changed files not shown (the diff is too long): f1.py (modified), "
        "f2.py (modified)\n"
    )
    assert diff.text() == "".join(f.patch for f in files)
