"""`claude-lsp -p`: one prompt, answered by the language server, printed, exit.

Start-up order matters here: the model worker (which imports the anthropic SDK, the
slowest part of a cold run) is launched first, so it loads on the other core while this
process imports pygls and opens the session.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from claude_lsp.models.client import ModelClient


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
    if args.fork_session and not (args.continue_session or args.resume):
        print("claude-lsp: --fork-session needs --continue or --resume", file=sys.stderr)
        return 2
    settings = None
    if args.settings is not None:
        from claude_lsp.cli.settings_flag import SettingsFlagError, read_settings_flag

        try:
            settings = read_settings_flag(args.settings)
        except SettingsFlagError as exc:
            print(f"claude-lsp: --settings: {exc}", file=sys.stderr)
            return 2
    # --settings are this run's own: an editor's server has its editor's.
    if not args.no_attach and settings is None:
        attached = asyncio.run(run_attached(args, prompt))
        if attached is not None:
            return attached
    from claude_lsp.models.credentials import Credentials
    from claude_lsp.models.worker_spawn import spawn_worker

    credentials = Credentials.from_env()
    usable = credentials.usable or settings_give_credentials(settings)
    worker = spawn_worker() if usable else None
    from claude_lsp.models.client import ModelClient

    model_client = ModelClient(credentials, worker_process=worker)
    return asyncio.run(run_in_process(args, prompt, model_client, settings))


async def run_attached(args: argparse.Namespace, prompt: str) -> int | None:
    """Answer through the editor's server for this folder; None when there is none."""
    from pathlib import Path

    from claude_lsp.cli.attach_client import attach
    from claude_lsp.cli.print_client import run_session

    attached = await attach(Path.cwd(), request_permission=False)
    if attached is None:
        return None
    try:
        return await run_session(args, prompt, attached.connection, initialized=True)
    finally:
        await attached.connection.close()


async def run_in_process(
    args: argparse.Namespace,
    prompt: str,
    model_client: ModelClient,
    settings: dict[str, Any] | None,
) -> int:
    """Answer through a server started in this process."""
    from claude_lsp.cli.inprocess import connect_in_process
    from claude_lsp.cli.print_client import run_session

    connection, server = connect_in_process(model_client)
    try:
        return await run_session(args, prompt, connection, settings=settings)
    finally:
        await connection.close()
        await server.close()


def settings_give_credentials(editor: dict[str, Any] | None) -> bool:
    """Whether the settings' `env` or apiKeyHelper can reach the API (only read when the
    environment cannot: the worker then still starts before the server does)."""
    from pathlib import Path

    from claude_lsp.models.credentials import Credentials
    from claude_lsp.settings.load import load_settings

    found = load_settings(Path.cwd(), editor=editor)
    return Credentials.from_env(found.env).usable or found.api_key_helper is not None
