"""Print mode's LSP client: one session, one prompt, rendered as it streams.

Print mode is a client like any editor: it opens a session with `claude/session/new`
(or, for --continue / --resume, `claude/session/load`), sends `claude/session/prompt`
and renders the `claude/session/update` stream. The server is the editor's when one
runs for this folder (attached: warm, and sharing the editor's buffers), else one in
this process (see inprocess.py); either way the behaviour is the server's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from pathlib import Path
from typing import Any

from claude_lsp.cli.attach_client import handshake
from claude_lsp.cli.print_output import PrintOutput, result_object
from claude_lsp.cli.rpc import RpcConnection, RpcError
from claude_lsp.cli.session_open import ResumeError, open_session


async def run_session(
    args: argparse.Namespace,
    prompt: str,
    client: RpcConnection,
    *,
    initialized: bool = False,
    settings: dict[str, Any] | None = None,
) -> int:
    """Run one prompt over `client` (already `initialized` when it is attached to an
    editor's server); `settings` (from --settings) become an in-process server's editor
    settings."""
    started = time.monotonic()
    output = PrintOutput(args.output_format)
    # A loaded session replays its history before the load is answered; only the new
    # turn is printed.
    opened = asyncio.Event()

    def on_update(params: dict[str, Any]) -> None:
        if opened.is_set():
            output.update(params.get("update", {}))

    client.on_notification("claude/session/update", on_update)
    cwd = Path.cwd()
    turn: dict[str, Any] | None = None
    error: str | None = None
    try:
        if not initialized:
            await handshake(
                client, cwd, attach_token=None, settings=settings, request_permission=False
            )
        session = await open_session(client, args, cwd)
        opened.set()
        meta = session.get("_meta", {}).get("claude", {})
        output.facts.session_id = session["sessionId"]
        output.facts.model = meta.get("model", "")
        output.facts.cwd = meta.get("cwd", str(cwd))
        output.facts.tools = meta.get("tools", [])
        output.facts.slash_commands = meta.get("slashCommands", [])
        output.facts.mcp_servers = meta.get("mcpServers", [])
        output.facts.permission_mode = session["modes"]["currentModeId"]
        for warning in meta.get("warnings", []):
            print(f"claude-lsp: warning: {warning}", file=sys.stderr)
        output.started()
        turn = await client.request(
            "claude/session/prompt",
            {"sessionId": session["sessionId"], "prompt": [{"type": "text", "text": prompt}]},
        )
    except RpcError as exc:
        error = exc.message or str(exc)
    except ResumeError as exc:
        error = str(exc)
    finally:
        if not client.closed.is_set():
            # An attached client just leaves (`exit` is the editor's to send).
            with contextlib.suppress(RpcError, TimeoutError):
                await asyncio.wait_for(client.request("shutdown"), timeout=5)
    result = result_object(
        output.facts, turn, error=error, duration_ms=int((time.monotonic() - started) * 1000)
    )
    output.finished(result)
    if error is not None:
        print(f"claude-lsp: {error}", file=sys.stderr)
    elif result["subtype"] == "error_max_turns":
        print(f"claude-lsp: reached the turn limit (--max-turns {args.max_turns})", file=sys.stderr)
    return 1 if result["is_error"] else 0
