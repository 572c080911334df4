"""The command that starts one of our own modules in a Python process of its own."""

from __future__ import annotations

import sys


def python_module_command(module: str, *arguments: str) -> list[str]:
    """`python -P -m <module> <arguments>` with this interpreter.

    `python -m` puts the working directory first on `sys.path`, and ours is usually the
    user's project: without -P (Python 3.11+) a project file named like a module we import
    (`json.py`, `tree_sitter.py`) would run in that process.
    """
    return [sys.executable, "-P", "-m", module, *arguments]
