"""Fixtures for the settings tests: a project folder and a writer for each scope's file."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

WriteScope = Callable[[str, Any], Path]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "repo"
    folder.mkdir()
    return folder


@pytest.fixture
def managed_path(tmp_path: Path) -> Path:
    return tmp_path / "etc" / "claude-code" / "managed-settings.json"


@pytest.fixture
def scope_file(
    root: Path, managed_path: Path, private_claude_config: Path
) -> Callable[[str], Path]:
    """The settings file of a scope by name (the editor scope has none)."""
    files = {
        "managed": managed_path,
        "local": root / ".claude" / "settings.local.json",
        "project": root / ".claude" / "settings.json",
        "user": private_claude_config / "settings.json",
    }
    return files.__getitem__


@pytest.fixture
def write_scope(scope_file: Callable[[str], Path]) -> WriteScope:
    """Write `data` as JSON (or a string as is) into a scope's file."""

    def write(scope: str, data: Any) -> Path:
        path = scope_file(scope)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2))
        return path

    return write
