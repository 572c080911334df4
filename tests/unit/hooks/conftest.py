"""Fixtures for the hook tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The project folder hooks run in (their cwd and CLAUDE_PROJECT_DIR)."""
    folder = tmp_path / "project"
    folder.mkdir()
    return folder
