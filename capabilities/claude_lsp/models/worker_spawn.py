"""Launch the model worker process (worker.py) with nothing but subprocess loaded.

Print mode calls this before any other import so the worker's SDK import starts as
early as possible and runs on the other core while the parent gets ready.
"""

from __future__ import annotations

import os
import subprocess

from claude_lsp.models.credentials import CREDENTIAL_VARIABLES
from claude_lsp.python_command import python_module_command


def spawn_worker() -> subprocess.Popen[bytes]:
    """Start `python -m claude_lsp.models.worker` with pipes for its line protocol.

    The credential variables are left out of its environment: every request brings the
    session's credentials, and the SDK must not add the process's own to them.
    """
    env = {name: value for name, value in os.environ.items() if name not in CREDENTIAL_VARIABLES}
    return subprocess.Popen(
        python_module_command("claude_lsp.models.worker"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
    )
