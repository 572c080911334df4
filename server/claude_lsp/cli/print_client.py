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

from claude_lsp.cli.attach_client import initialize_params
from claude_lsp.cli.print_output import PrintOutput, result_object
from claude_lsp.cli.rpc import RpcConnection, RpcError


def _session_params(args: argparse.Namespace, cwd: Path) -> dict[str, Any]:
    params: dict[str, Any] = {
        "cwd": str(cwd),
        "mcpServers": [],
        "allowedTools": args.allowed_tools,
        "disallowedTools": args.disallowed_tools,
        "additionalDirectories": [str(Path(d).resolve()) for d in args.add_dirs],
    }
    if args.permission_mode:
        params["modeId"] = args.permission_mode
    if args.model:
        params["model"] = args.model
    if args.max_turns is not None:
        params["maxTurns"] = args.max_turns
    if args.append_system_prompt:
        params["appendSystemPrompt"] = args.append_system_prompt
    return params


class ResumeError(Exception):
    """--continue or --resume found nothing it may continue here."""


async def _open_session(client: RpcConnection, args: argparse.Namespace, cwd: Path) -> Any:
    """A new session, or the one --continue / --resume names (a copy, with --fork-session)."""
    params = _session_params(args, cwd)
    if not (args.continue_session or args.resume):
        return await client.request("claude/session/new", params)
    session_id = args.resume or await _latest_session(client, cwd)
    params["sessionId"] = session_id
    if args.fork_session:
        params["forkSession"] = True  # a new transcript, in this directory's folder
    else:
        del params["cwd"]  # the session's own, checked below
    try:
        session = await client.request("claude/session/load", params)
    except RpcError as exc:
        if "unknown sessionId" in exc.message:
            raise ResumeError(f"no conversation found with session id {session_id}") from exc
        raise
    started_in = session["_meta"]["claude"]["cwd"]
    if not args.fork_session and Path(started_in) != cwd.resolve():
        # Going on here would split its transcript between two project folders.
        raise ResumeError(
            f"session {session_id} belongs to {started_in}: resume it from there, "
            "or add --fork-session to carry it on here"
        )
    return session


async def _latest_session(client: RpcConnection, cwd: Path) -> str:
    """The id of the conversation in `cwd` that changed last (the list is newest first)."""
    listed = await client.request("claude/session/list", {"cwd": str(cwd)})
    if not listed["sessions"]:
        raise ResumeError(f"no conversation found to continue in {cwd}")
    return str(listed["sessions"][0]["sessionId"])


async def run_session(
    args: argparse.Namespace,
    prompt: str,
    client: RpcConnection,
    *,
    attach_token: str | None = None,
    settings: dict[str, Any] | None = None,
) -> int:
    """Run one prompt over `client`; `attach_token` proves this user to an editor's server,
    `settings` (from --settings) become an in-process server's editor settings."""
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
        await client.request(
            "initialize",
            initialize_params(
                cwd, attach_token=attach_token, settings=settings, request_permission=False
            ),
        )
        client.notify("initialized", {})
        session = await _open_session(client, args, cwd)
        opened.set()
        meta = session.get("_meta", {}).get("claude", {})
        output.facts.session_id = session["sessionId"]
        output.facts.model = meta.get("model", "")
        output.facts.cwd = meta.get("cwd", str(cwd))
        output.facts.tools = meta.get("tools", [])
        output.facts.slash_commands = meta.get("slashCommands", [])
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
