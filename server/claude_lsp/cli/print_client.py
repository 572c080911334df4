"""Print mode's LSP client: one session, one prompt, rendered as it streams.

Print mode is an LSP client like any editor: it opens a session with
`claude/session/new` (or, for --continue / --resume, `claude/session/load`), sends
`claude/session/prompt` and renders the `claude/session/update` stream. The server runs
in this process (see inprocess.py), so the behaviour is the server's, with one Python
start-up.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.lsp.client import LanguageClient

from claude_lsp.cli.inprocess import connect_in_process
from claude_lsp.cli.print_output import PrintOutput, result_object
from claude_lsp.lsp.protocol import PROTOCOL_VERSION, ClaudeMessagesProtocol
from claude_lsp.models.client import ModelClient


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


async def _open_session(client: LanguageClient, args: argparse.Namespace, cwd: Path) -> Any:
    """A new session, or the one --continue / --resume names (a copy, with --fork-session)."""
    params = _session_params(args, cwd)
    if not (args.continue_session or args.resume):
        return await client.protocol.send_request_async("claude/session/new", params)
    session_id = args.resume or await _latest_session(client, cwd)
    params["sessionId"] = session_id
    if args.fork_session:
        params["forkSession"] = True  # a new transcript, in this directory's folder
    else:
        del params["cwd"]  # the session's own, checked below
    try:
        session = await client.protocol.send_request_async("claude/session/load", params)
    except JsonRpcException as exc:
        if "unknown sessionId" in (exc.message or ""):
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


async def _latest_session(client: LanguageClient, cwd: Path) -> str:
    """The id of the conversation in `cwd` that changed last (the list is newest first)."""
    listed = await client.protocol.send_request_async("claude/session/list", {"cwd": str(cwd)})
    if not listed["sessions"]:
        raise ResumeError(f"no conversation found to continue in {cwd}")
    return str(listed["sessions"][0]["sessionId"])


async def run_session(
    args: argparse.Namespace,
    prompt: str,
    model_client: ModelClient,
    settings: dict[str, Any] | None = None,
) -> int:
    """Run one prompt; `settings` (from --settings) become the server's editor settings."""
    started = time.monotonic()
    output = PrintOutput(args.output_format)
    client = LanguageClient("claude-lsp-print", "1", protocol_cls=ClaudeMessagesProtocol)
    # A loaded session replays its history before the load is answered; only the new
    # turn is printed.
    opened = asyncio.Event()

    @client.feature("claude/session/update")  # type: ignore[untyped-decorator]
    def on_update(params: dict[str, Any]) -> None:
        if opened.is_set():
            output.update(params.get("update", {}))

    connection = connect_in_process(client, model_client)
    cwd = Path.cwd()
    turn: dict[str, Any] | None = None
    error: str | None = None
    try:
        await client.initialize_async(
            types.InitializeParams(
                process_id=os.getpid(),
                root_uri=cwd.as_uri(),
                initialization_options=None if settings is None else {"claude": settings},
                capabilities=types.ClientCapabilities(
                    experimental={
                        "claude": {
                            "protocolVersion": PROTOCOL_VERSION,
                            "sessionUpdate": True,
                            "requestPermission": False,
                        }
                    }
                ),
            )
        )
        client.initialized(types.InitializedParams())
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
        turn = await client.protocol.send_request_async(
            "claude/session/prompt",
            {"sessionId": session["sessionId"], "prompt": [{"type": "text", "text": prompt}]},
        )
    except JsonRpcException as exc:
        error = exc.message or str(exc)
    except ResumeError as exc:
        error = str(exc)
    finally:
        try:
            await asyncio.wait_for(client.shutdown_async(None), timeout=5)
        finally:
            await connection.close()
    result = result_object(
        output.facts, turn, error=error, duration_ms=int((time.monotonic() - started) * 1000)
    )
    output.finished(result)
    if error is not None:
        print(f"claude-lsp: {error}", file=sys.stderr)
    elif result["subtype"] == "error_max_turns":
        print(f"claude-lsp: reached the turn limit (--max-turns {args.max_turns})", file=sys.stderr)
    return 1 if result["is_error"] else 0
