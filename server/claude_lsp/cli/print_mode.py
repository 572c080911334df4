"""`claude-lsp -p`: one prompt, answered by the language server, printed, exit.

Start-up order matters here: the model worker (which imports the anthropic SDK, the
slowest part of a cold run) is launched first, so it loads on the other core while this
process imports pygls and opens the session.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from typing import NoReturn


def read_prompt(args: argparse.Namespace) -> str | None:
    """The prompt argument, with piped standard input placed before it."""
    piped = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    parts = [part.strip() for part in (piped, args.prompt or "") if part and part.strip()]
    return "\n\n".join(parts) or None


def run_print_mode(args: argparse.Namespace) -> int:
    prompt = read_prompt(args)
    if prompt is None:
        print(
            'claude-lsp: print mode needs a prompt: claude-lsp -p "your request" '
            "(or pipe it on standard input)",
            file=sys.stderr,
        )
        return 2
    from claude_lsp.models.credentials import Credentials
    from claude_lsp.models.worker_spawn import spawn_worker

    credentials = Credentials.from_env()
    worker = spawn_worker() if credentials.usable else None
    from claude_lsp.cli.print_client import run_session
    from claude_lsp.models.client import ModelClient

    model_client = ModelClient(credentials, worker_process=worker)

    return asyncio.run(run_session(args, prompt, model_client))


def exit_now(code: int) -> NoReturn:
    """Flush and leave without tearing down thousands of modules (about 0.3 s).

    Everything that matters is finished by now: the session is closed, its scratch
    folder removed, the model worker told to exit.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):
            stream.flush()
    logging.shutdown()
    os._exit(code)
