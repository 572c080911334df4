"""Shared fixtures: a fake Messages API and the environment that points at it."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakeapi import FakeAnthropic

CREDENTIAL_VARS = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_MODEL",
    "ANTHROPIC_PROFILE",
)


@pytest.fixture(autouse=True)
def private_claude_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Sessions created in the test process write transcripts here, not to ~/.claude."""
    folder = tmp_path / "claude-config"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def private_runtime_folder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Attach sockets and locks of the servers a test starts go here (a short path: a
    socket's must fit in about 100 bytes), never next to a real editor's."""
    folder = Path(tempfile.mkdtemp(prefix="cl-"))
    monkeypatch.setenv("CLAUDE_LSP_RUNTIME_DIR", str(folder))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def fake_api() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as server:
        yield server


def agent_env(fake: FakeAnthropic | None, home: Path, **extra: str) -> dict[str, str]:
    """A clean environment for a server or CLI subprocess: no real credentials leak in."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in CREDENTIAL_VARS and not key.startswith("CLAUDE")
    }
    env["HOME"] = str(home)
    env["CLAUDE_LSP_RUNTIME_DIR"] = os.environ["CLAUDE_LSP_RUNTIME_DIR"]
    if fake is not None:
        env["ANTHROPIC_BASE_URL"] = fake.base_url
        env["ANTHROPIC_API_KEY"] = "test-key-not-secret"
    env.update(extra)
    return env


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A small project with the bug the scripted model fixes."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    return root
