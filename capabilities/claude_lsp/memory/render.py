"""The memory text block the model reads, one headed section per file."""

from __future__ import annotations

from claude_lsp.memory.files import MemoryFile, MemoryKind

INTRO = (
    "The user has given you the instructions below in memory files. They take precedence "
    "over your default behaviour, and you must follow them exactly as written."
)

DESCRIPTIONS: dict[MemoryKind, str] = {
    "managed": "organisation-wide instructions installed by an administrator",
    "user": "the user's own instructions for all of their projects",
    "project": "project instructions, shared with everyone through the repository",
    "local": "the user's private instructions for this project, kept out of the repository",
    "rule": "a rule file with instructions on one topic",
    "nested": "instructions for the files in this folder and the folders below it",
}


def render(files: list[MemoryFile]) -> str:
    """The intro and each non-blank file as a section; no files, no text at all."""
    sections = [_section(file) for file in files if file.text.strip()]
    if not sections:
        return ""
    return "\n\n".join([INTRO, *sections])


def _section(file: MemoryFile) -> str:
    description = DESCRIPTIONS[file.kind]
    if file.imported_from is not None:
        description += f"; imported by {file.imported_from}"
    return f"Contents of {file.path} ({description}):\n\n{file.text.strip()}"
