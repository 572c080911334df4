"""A sandbox for memory tests: a fake home, configuration folder and project tree."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from claude_lsp.memory.discovery import MemoryIndex, load_memory
from claude_lsp.memory.files import MemoryFile


@dataclass
class Sandbox:
    root: Path
    home: Path
    config: Path
    managed: Path
    cwd: Path

    def write(self, path: Path | str, text: str) -> Path:
        """Create `path` (relative to the sandbox root unless absolute) with `text`."""
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        return target

    def load(self) -> MemoryIndex:
        return load_memory(self.cwd, managed_path=self.managed)

    def names(self, files: list[MemoryFile]) -> list[str]:
        """Sandbox-relative paths of `files`, in order, for readable assertions."""
        return [file.path.relative_to(self.root).as_posix() for file in files]


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    home = tmp_path / "home"
    config = tmp_path / "config"
    cwd = tmp_path / "work" / "repo"
    for folder in (home, config, cwd):
        folder.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(config))
    return Sandbox(tmp_path, home, config, tmp_path / "etc" / "CLAUDE.md", cwd)
