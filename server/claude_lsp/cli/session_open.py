"""Opening the terminal clients' session: new, or the one --continue / --resume names."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from claude_lsp.cli.rpc import RpcConnection, RpcError


def session_params(args: argparse.Namespace, cwd: Path) -> dict[str, Any]:
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


async def open_session(client: RpcConnection, args: argparse.Namespace, cwd: Path) -> Any:
    """A new session, or the one --continue / --resume names (a copy, with --fork-session)."""
    params = session_params(args, cwd)
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
