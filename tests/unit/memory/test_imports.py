"""`@path` imports: what counts as one, how it resolves, depth, cycles and misses."""

from __future__ import annotations

from pathlib import Path

from claude_lsp.memory.imports import MAX_IMPORT_DEPTH, import_targets, resolve_target

from .conftest import Sandbox


def test_targets_are_words_starting_with_at() -> None:
    text = "See @docs/a.md and @/abs/b.md,\n@~/c.md. (also @d.md) and @e.md#section"
    assert import_targets(text) == ["docs/a.md", "/abs/b.md", "~/c.md", "d.md", "e.md"]


def test_email_addresses_and_words_with_at_are_not_imports() -> None:
    assert import_targets("Mail foo@bar.com or x@y; decorators like a@b.md too") == []
    assert import_targets("@ alone, @@twice and @#hash") == []


def test_escaped_spaces_belong_to_the_path() -> None:
    assert import_targets(r"Read @my\ notes/file.md now") == ["my notes/file.md"]


def test_code_spans_are_not_imports() -> None:
    text = "Write `@a.md` or ``x @b.md y`` but load @c.md; `unclosed @d.md"
    assert import_targets(text) == ["c.md", "d.md"]


def test_fenced_blocks_are_not_imports() -> None:
    text = (
        "@before.md\n"
        "```markdown\n@in-backticks.md\n```\n"
        "~~~~\n@in-tildes.md\n~~~\n@still-in-tildes.md\n~~~~\n"
        "@after.md\n"
        "  ```\n@unclosed-fence.md\n"
    )
    assert import_targets(text) == ["before.md", "after.md"]


def test_resolution(tmp_path: Path) -> None:
    importer = tmp_path / "docs" / "CLAUDE.md"
    assert resolve_target("x/y.md", importer) == tmp_path / "docs" / "x" / "y.md"
    assert resolve_target("../z.md", importer) == tmp_path / "z.md"
    assert resolve_target("/etc/x.md", importer) == Path("/etc/x.md")


def test_relative_absolute_and_home_imports_load(sandbox: Sandbox) -> None:
    absolute = sandbox.write("shared/abs.md", "absolute")
    sandbox.write("home/personal.md", "from home")
    sandbox.write("work/repo/docs/style.md", "style")
    sandbox.write(
        "work/repo/CLAUDE.md",
        f"Follow @docs/style.md, @{absolute} and @~/personal.md.\n",
    )
    sandbox.write("work/repo/CLAUDE.local.md", "local")
    index = sandbox.load()
    top = sandbox.cwd / "CLAUDE.md"
    assert [(file.text, file.kind, file.imported_from) for file in index.files] == [
        ("Follow @docs/style.md, @" + str(absolute) + " and @~/personal.md.\n", "project", None),
        ("style", "project", top),
        ("absolute", "project", top),
        ("from home", "project", top),
        ("local", "local", None),
    ]
    assert index.warnings == []


def test_imports_come_right_after_their_importer_depth_first(sandbox: Sandbox) -> None:
    sandbox.write("work/repo/CLAUDE.md", "@a.md @b.md")
    sandbox.write("work/repo/a.md", "@a1.md")
    sandbox.write("work/repo/a1.md", "a1")
    sandbox.write("work/repo/b.md", "b")
    sandbox.write("work/repo/CLAUDE.local.md", "local")
    names = sandbox.names(sandbox.load().files)
    assert names == [
        "work/repo/CLAUDE.md",
        "work/repo/a.md",
        "work/repo/a1.md",
        "work/repo/b.md",
        "work/repo/CLAUDE.local.md",
    ]


def test_imports_stop_after_five_levels(sandbox: Sandbox) -> None:
    levels = MAX_IMPORT_DEPTH + 2
    for level in range(levels):
        name = "CLAUDE.md" if level == 0 else f"level{level}.md"
        sandbox.write(f"work/repo/{name}", f"level {level} @level{level + 1}.md")
    sandbox.write(f"work/repo/level{levels}.md", "never reached")
    index = sandbox.load()
    assert [file.text.split(" @")[0] for file in index.files] == [
        f"level {level}" for level in range(MAX_IMPORT_DEPTH + 1)
    ]
    (warning,) = index.warnings
    assert f"@level{MAX_IMPORT_DEPTH + 1}.md was not loaded" in warning


def test_cycles_stop(sandbox: Sandbox) -> None:
    sandbox.write("work/repo/CLAUDE.md", "@a.md")
    sandbox.write("work/repo/a.md", "a @b.md")
    sandbox.write("work/repo/b.md", "b @a.md @./CLAUDE.md")
    index = sandbox.load()
    assert sandbox.names(index.files) == ["work/repo/CLAUDE.md", "work/repo/a.md", "work/repo/b.md"]
    assert index.warnings == []


def test_already_loaded_files_are_not_imported_again(sandbox: Sandbox) -> None:
    sandbox.write("config/CLAUDE.md", "user")
    sandbox.write("work/repo/CLAUDE.md", f"@{sandbox.config / 'CLAUDE.md'}")
    assert [file.kind for file in sandbox.load().files] == ["user", "project"]


def test_missing_import_stays_as_text_and_is_noted(sandbox: Sandbox) -> None:
    sandbox.write("work/repo/CLAUDE.md", "See @missing.md and @docs please")
    (sandbox.cwd / "docs").mkdir()
    index = sandbox.load()
    assert [file.text for file in index.files] == ["See @missing.md and @docs please"]
    assert len(index.warnings) == 2
    assert "@missing.md not imported" in index.warnings[0]
    assert "does not exist" in index.warnings[0]
    assert "is not a file" in index.warnings[1]


def test_binary_import_is_skipped_with_a_warning(sandbox: Sandbox) -> None:
    sandbox.write("work/repo/CLAUDE.md", "Logo: @logo.png")
    (sandbox.cwd / "logo.png").write_bytes(b"\x89PNG\x00\x00")
    index = sandbox.load()
    assert len(index.files) == 1
    assert "binary" in index.warnings[0]


def test_lazily_loaded_memory_brings_its_imports(sandbox: Sandbox) -> None:
    sandbox.write("work/repo/CLAUDE.md", "@shared.md")
    sandbox.write("work/repo/shared.md", "shared")
    sandbox.write("work/repo/pkg/CLAUDE.md", "@notes.md @../shared.md")
    sandbox.write("work/repo/pkg/notes.md", "notes")
    index = sandbox.load()
    loaded = index.touched(sandbox.cwd / "pkg" / "x.py")
    assert [(file.text, file.kind) for file in loaded] == [
        ("@notes.md @../shared.md", "nested"),
        ("notes", "nested"),
    ]
    assert loaded[1].imported_from == sandbox.cwd / "pkg" / "CLAUDE.md"
