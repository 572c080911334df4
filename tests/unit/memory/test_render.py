"""The text block the model reads."""

from __future__ import annotations

from pathlib import Path

from claude_lsp.memory.files import MemoryFile
from claude_lsp.memory.render import INTRO, render


def test_no_files_render_nothing() -> None:
    assert render([]) == ""
    assert render([MemoryFile(Path("/r/CLAUDE.md"), "project", " \n")]) == ""


def test_sections_are_headed_by_path_and_kind() -> None:
    files = [
        MemoryFile(Path("/home/u/.claude/CLAUDE.md"), "user", "Be brief.\n"),
        MemoryFile(Path("/r/CLAUDE.md"), "project", "Use tabs. @docs/a.md\n"),
        MemoryFile(Path("/r/docs/a.md"), "project", "A", imported_from=Path("/r/CLAUDE.md")),
        MemoryFile(Path("/r/CLAUDE.local.md"), "local", "My port is 8080."),
    ]
    assert render(files) == (
        f"{INTRO}\n\n"
        "Contents of /home/u/.claude/CLAUDE.md (the user's own instructions for all of "
        "their projects):\n\nBe brief.\n\n"
        "Contents of /r/CLAUDE.md (project instructions, shared with everyone through the "
        "repository):\n\nUse tabs. @docs/a.md\n\n"
        "Contents of /r/docs/a.md (project instructions, shared with everyone through the "
        "repository; imported by /r/CLAUDE.md):\n\nA\n\n"
        "Contents of /r/CLAUDE.local.md (the user's private instructions for this project, "
        "kept out of the repository):\n\nMy port is 8080."
    )


def test_intro_says_the_instructions_override_defaults() -> None:
    text = render([MemoryFile(Path("/etc/claude-code/CLAUDE.md"), "managed", "x")])
    assert text.startswith(INTRO)
    assert "precedence over your default" in INTRO and "must follow" in INTRO
    assert "(organisation-wide instructions installed by an administrator)" in text
