"""Print mode's LSP client: one session, one prompt, rendered as it streams.

Print mode is an LSP client like any editor: it opens a session with
`claude/session/new`, sends `claude/session/prompt` and renders the
`claude/session/update` stream. The server runs in this process (see inprocess.py),
so the behaviour is the server's, with one Python start-up.
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


async def run_session(args: argparse.Namespace, prompt: str, model_client: ModelClient) -> int:
    started = time.monotonic()
    output = PrintOutput(args.output_format)
    client = LanguageClient("claude-lsp-print", "1", protocol_cls=ClaudeMessagesProtocol)

    @client.feature("claude/session/update")  # type: ignore[untyped-decorator]
    def on_update(params: dict[str, Any]) -> None:
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
        session = await client.protocol.send_request_async(
            "claude/session/new", _session_params(args, cwd)
        )
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
