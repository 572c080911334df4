"""Fixtures for the file and search tool tests: a ToolContext over real temporary files."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

try:
    import claude_lsp.tools.base  # noqa: F401
except ModuleNotFoundError:  # the project is not installed: use the source tree
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "capabilities"))

from claude_lsp.host import DiskFiles, WriteOutcome
from claude_lsp.tools.base import ToolContext
from claude_lsp.tools.file_state import FileReadState
from claude_lsp.tools.shells import BackgroundShells


class FakeFiles:
    """A FileAccess with editor buffers kept in memory and an optional refusal."""

    def __init__(self, buffers: dict[Path, str] | None = None, refuse: str | None = None):
        self.buffers = dict(buffers or {})
        self.refuse = refuse
        self.writes: list[tuple[Path, str, str | None, str]] = []

    async def open_buffer_text(self, path: Path) -> str | None:
        return self.buffers.get(path)

    async def write_text(
        self, path: Path, text: str, *, old_text: str | None, title: str
    ) -> WriteOutcome:
        self.writes.append((path, text, old_text, title))
        if self.refuse is not None:
            return WriteOutcome(applied=False, reason=self.refuse)
        self.buffers[path] = text
        return WriteOutcome(applied=True)


MakeCtx = Callable[..., ToolContext]


@pytest.fixture
def make_ctx(tmp_path: Path) -> MakeCtx:
    def make(files: Any = None, cwd: Path | None = None) -> ToolContext:
        return ToolContext(
            cwd=(cwd or tmp_path).resolve(),
            files=files if files is not None else DiskFiles(),
            read_state=FileReadState(),
            shells=None,  # type: ignore[arg-type]  # the file tools never use shells
        )

    return make


@pytest.fixture
def ctx(make_ctx: MakeCtx) -> ToolContext:
    return make_ctx()


@pytest.fixture
async def shell_ctx(tmp_path: Path) -> AsyncIterator[ToolContext]:
    """A context for the shell tools: a root folder, a scratch folder, real shells."""
    root = tmp_path / "root"
    root.mkdir()
    context = ToolContext(
        cwd=root,
        files=DiskFiles(),
        read_state=FileReadState(),
        shells=BackgroundShells(),
        roots=[root],
        scratch_dir=tmp_path / "scratch",
    )
    yield context
    await context.shells.close_all()


@pytest.fixture
def fake_files() -> type[FakeFiles]:
    """The FakeFiles class, so tests need not import from conftest."""
    return FakeFiles
