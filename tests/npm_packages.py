"""Installing a test's locked npm packages (a peer client, a real MCP server)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path


def npm_ci(source: Path, names: Iterable[str], folder: Path) -> Path:
    """Copy `names` (package.json, its lock, scripts) from `source` to `folder` and run
    `npm ci` there; the folder, with its node_modules."""
    npm = shutil.which("npm")
    assert npm is not None, "npm (Node.js 20 or newer) is needed for this test; install nodejs"
    for name in names:
        shutil.copy(source / name, folder / name)
    installed = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    return folder
