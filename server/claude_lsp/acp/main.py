"""Serve ACP on stdio (`claude-lsp --acp`): newline-delimited JSON-RPC, logs on stderr."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from acp.interfaces import Agent


def serve_acp() -> int:
    return asyncio.run(_serve())


async def _serve() -> int:
    from acp import run_agent
    from claude_lsp.acp.agent import ClaudeAgent
    from claude_lsp.lsp.process_exit import exit_now
    from claude_lsp.sessions.transcripts import clean_up_in_background

    clean_up_in_background(Path.cwd())
    agent = ClaudeAgent()
    try:
        # It implements the methods it supports; the router refuses the others.
        await run_agent(cast("Agent", agent))
    finally:
        await agent.close()
    # The client closed the connection. Leave without joining worker threads (the
    # index's, jedi's, asyncio.to_thread's): transcripts are written as they happen.
    exit_now(0)
