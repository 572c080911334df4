"""Which memory files load at start, in which order, and which load when files are touched."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from claude_lsp.memory.discovery import ancestors, default_managed_path
from claude_lsp.memory.files import MAX_CHARS

from .conftest import Sandbox


def test_every_source_loads_broadest_first(sandbox: Sandbox) -> None:
    sandbox.write("etc/CLAUDE.md", "managed")
    sandbox.write("config/CLAUDE.md", "user")
    sandbox.write("config/rules/b.md", "user rule b")
    sandbox.write("config/rules/a/z.md", "user rule a/z")
    sandbox.write("work/CLAUDE.md", "above the project")
    sandbox.write("work/CLAUDE.local.md", "above, local")
    sandbox.write("work/repo/CLAUDE.local.md", "local")
    sandbox.write("work/repo/.claude/CLAUDE.md", "project, dot-claude")
    sandbox.write("work/repo/CLAUDE.md", "project")
    sandbox.write("work/repo/.claude/rules/style.md", "project rule")
    sandbox.write("work/repo/.claude/rules/deep/api.md", "nested project rule")

    index = sandbox.load()

    assert sandbox.names(index.files) == [
        "etc/CLAUDE.md",
        "config/CLAUDE.md",
        "config/rules/a/z.md",
        "config/rules/b.md",
        "work/CLAUDE.md",
        "work/CLAUDE.local.md",
        "work/repo/CLAUDE.md",
        "work/repo/.claude/CLAUDE.md",
        "work/repo/.claude/rules/deep/api.md",
        "work/repo/.claude/rules/style.md",
        "work/repo/CLAUDE.local.md",
    ]
    kinds = [file.kind for file in index.files]
    assert kinds == [
        "managed",
        "user",
        "rule",
        "rule",
        "project",
        "local",
        "project",
        "project",
        "rule",
        "rule",
        "local",
    ]
    assert index.files[-1].text == "local"
    assert all(file.imported_from is None for file in index.files)
    assert index.warnings == []


def test_nothing_to_load_gives_no_files(sandbox: Sandbox) -> None:
    index = sandbox.load()
    assert index.files == []
    assert index.warnings == []


def test_climb_reaches_every_ancestor_but_not_the_filesystem_root(tmp_path: Path) -> None:
    cwd = tmp_path / "a" / "b" / "c"
    assert ancestors(cwd)[-3:] == [tmp_path / "a", tmp_path / "a" / "b", cwd]
    assert ancestors(cwd)[0] == Path(tmp_path.anchor) / tmp_path.parts[1]
    assert Path(tmp_path.anchor) not in ancestors(cwd)


def test_ancestor_memory_loads_for_a_cwd_deep_inside_a_repository(sandbox: Sandbox) -> None:
    sandbox.cwd = sandbox.cwd / "packages" / "core"
    sandbox.cwd.mkdir(parents=True)
    sandbox.write("work/repo/CLAUDE.md", "repo")
    sandbox.write("work/repo/packages/CLAUDE.md", "packages")
    sandbox.write("work/repo/packages/core/CLAUDE.md", "core")
    index = sandbox.load()
    assert [file.text for file in index.files] == ["repo", "packages", "core"]


def test_the_same_file_reached_twice_loads_once(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With the configuration folder at ~/.claude and the project under the home folder,
    # the user's CLAUDE.md and rules are also the home directory's `.claude` memory.
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(sandbox.home / ".claude"))
    sandbox.cwd = sandbox.home / "repo"
    sandbox.cwd.mkdir()
    user_memory = sandbox.write("home/.claude/CLAUDE.md", "user")
    user_rule = sandbox.write("home/.claude/rules/r.md", "rule")
    index = sandbox.load()
    assert [(file.path, file.kind) for file in index.files] == [
        (user_memory, "user"),
        (user_rule, "rule"),
    ]


@pytest.mark.skipif(sys.platform != "linux", reason="the Linux location")
def test_default_managed_path_on_linux() -> None:
    assert default_managed_path() == Path("/etc/claude-code/CLAUDE.md")


def test_rules_with_paths_wait_for_a_matching_file(sandbox: Sandbox) -> None:
    flow = sandbox.write(
        "work/repo/.claude/rules/ts.md",
        '---\npaths: ["src/**/*.ts", "lib/*.py"]\ndescription: ignored\n---\n\nTS rule\n',
    )
    block = sandbox.write(
        "work/repo/.claude/rules/docs.md", '---\npaths:\n  - "docs/**"\n---\nDocs rule\n'
    )
    always = sandbox.write("work/repo/.claude/rules/always.md", "---\nowner: me\n---\nAlways\n")

    index = sandbox.load()

    assert [(file.path, file.text) for file in index.files] == [(always, "Always\n")]
    assert index.touched(sandbox.cwd / "lib" / "deep" / "x.py") == []
    assert index.touched(sandbox.cwd / "README.md") == []
    loaded = index.touched(sandbox.cwd / "src" / "x.ts")
    assert [(file.path, file.kind, file.text) for file in loaded] == [(flow, "rule", "TS rule\n")]
    assert index.touched(sandbox.cwd / "lib" / "x.py") == []  # once per session
    assert [file.path for file in index.touched(sandbox.cwd / "docs" / "a" / "b.md")] == [block]


def test_user_rule_globs_are_relative_to_the_project(sandbox: Sandbox) -> None:
    rule = sandbox.write("config/rules/py.md", "---\npaths: '**/*.py'\n---\nPython rule")
    index = sandbox.load()
    assert index.files == []
    assert index.touched(sandbox.root / "elsewhere" / "x.py") == []
    assert [file.path for file in index.touched(Path("tools/x.py"))] == [rule]


def test_nested_memory_loads_lazily_once(sandbox: Sandbox) -> None:
    sandbox.write("work/repo/CLAUDE.md", "top")
    sandbox.write("work/repo/pkg/CLAUDE.md", "pkg")
    sandbox.write("work/repo/pkg/.claude/CLAUDE.md", "pkg dot-claude")
    sandbox.write("work/repo/pkg/CLAUDE.local.md", "pkg local")
    sandbox.write("work/repo/pkg/sub/CLAUDE.md", "sub")
    sandbox.write("work/repo/pkg/sub/deeper/CLAUDE.md", "not on the way")
    sandbox.write("work/repo/other/CLAUDE.md", "other")
    source = sandbox.write("work/repo/pkg/sub/code.py", "")

    index = sandbox.load()
    assert [file.text for file in index.files] == ["top"]

    loaded = index.touched(source)
    assert sandbox.names(loaded) == [
        "work/repo/pkg/CLAUDE.md",
        "work/repo/pkg/.claude/CLAUDE.md",
        "work/repo/pkg/CLAUDE.local.md",
        "work/repo/pkg/sub/CLAUDE.md",
    ]
    assert {file.kind for file in loaded} == {"nested"}
    assert index.touched(source) == []
    assert index.touched(sandbox.cwd / "pkg" / "other.py") == []
    assert [file.text for file in index.touched(sandbox.cwd / "other" / "x.py")] == ["other"]
    assert index.touched(sandbox.cwd / "CLAUDE.md") == []
    assert index.touched(sandbox.root / "elsewhere" / "x.py") == []


def test_touching_a_directory_includes_its_own_memory(sandbox: Sandbox) -> None:
    sandbox.write("work/repo/pkg/CLAUDE.md", "pkg")
    index = sandbox.load()
    assert [file.text for file in index.touched(sandbox.cwd / "pkg")] == ["pkg"]


def test_huge_file_is_truncated_with_a_note(sandbox: Sandbox) -> None:
    sandbox.write("work/repo/CLAUDE.md", "x" * (MAX_CHARS * 5))
    index = sandbox.load()
    (file,) = index.files
    assert file.text.startswith("x" * MAX_CHARS + "\n\n[")
    assert f"only its first {MAX_CHARS} characters" in file.text
    assert len(index.warnings) == 1 and "CLAUDE.md" in index.warnings[0]


def test_truncation_never_splits_a_character(sandbox: Sandbox) -> None:
    sandbox.write("work/repo/CLAUDE.md", "é" * (MAX_CHARS * 3))
    (file,) = sandbox.load().files
    assert file.text.startswith("é" * MAX_CHARS + "\n\n[")


def test_line_endings_and_bom_are_normalised(sandbox: Sandbox) -> None:
    (sandbox.cwd / "CLAUDE.md").write_bytes("\ufeffone\r\ntwo\r\n".encode())
    (file,) = sandbox.load().files
    assert file.text == "one\ntwo\n"


def test_binary_and_undecodable_files_are_skipped_with_warnings(sandbox: Sandbox) -> None:
    (sandbox.cwd / "CLAUDE.md").write_bytes(b"\x89PNG\r\n\x00\x00binary")
    (sandbox.cwd / "CLAUDE.local.md").write_bytes(b"caf\xe9")
    sandbox.write("work/repo/.claude/CLAUDE.md", "fine")
    index = sandbox.load()
    assert [file.text for file in index.files] == ["fine"]
    assert len(index.warnings) == 2
    assert "binary" in index.warnings[0] and "CLAUDE.md" in index.warnings[0]
    assert "UTF-8" in index.warnings[1] and "CLAUDE.local.md" in index.warnings[1]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads all")
def test_unreadable_file_is_skipped_with_a_warning(sandbox: Sandbox) -> None:
    blocked = sandbox.write("work/repo/CLAUDE.md", "secret")
    blocked.chmod(0)
    index = sandbox.load()
    assert index.files == []
    assert index.warnings == [f"Skipped memory file {blocked}: Permission denied"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_pipes_and_folders_named_like_memory_are_ignored(sandbox: Sandbox) -> None:
    os.mkfifo(sandbox.cwd / "CLAUDE.md")
    (sandbox.cwd / "CLAUDE.local.md").mkdir()
    index = sandbox.load()
    assert index.files == []
    assert index.warnings == []
