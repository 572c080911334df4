"""Serve ACP on stdio (`claude-lsp --acp`): newline-delimited JSON-RPC, logs on stderr."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from acp.interfaces import Agent


def serve_acp() -> int:
    return asyncio.run(_serve())


async def _serve() -> int:
    from acp import run_agent
    from claude_lsp.acp.agent import ClaudeAgent

    agent = ClaudeAgent()
    try:
        # It implements the methods it supports; the router refuses the others.
        await run_agent(cast("Agent", agent))
    finally:
        await agent.close()
    return 0
