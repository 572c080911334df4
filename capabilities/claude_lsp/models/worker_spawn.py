"""Launch the model worker process (worker.py) with nothing but subprocess loaded.

Print mode calls this before any other import so the worker's SDK import starts as
early as possible and runs on the other core while the parent gets ready.
"""

from __future__ import annotations

import subprocess
import sys


def spawn_worker() -> subprocess.Popen[bytes]:
    """Start `python -m claude_lsp.models.worker` with pipes for its line protocol."""
    return subprocess.Popen(
        [sys.executable, "-m", "claude_lsp.models.worker"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
