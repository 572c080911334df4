"""Serve ACP on stdio (`claude-lsp --acp`): newline-delimited JSON-RPC, logs on stderr."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from acp.interfaces import Agent

    from claude_lsp.models.client import ModelClient


def serve_acp() -> int:
    from claude_lsp.models.client import ModelClient
    from claude_lsp.models.credentials import Credentials
    from claude_lsp.models.worker_spawn import spawn_worker

    # The model worker (the SDK's import, about a second) starts now, while the client
    # starts us and opens its session, instead of at the first prompt.
    credentials = Credentials.from_env()
    worker = spawn_worker() if credentials.usable else None
    return asyncio.run(_serve(ModelClient(credentials, worker_process=worker)))


async def _serve(model_client: ModelClient) -> int:
    from acp import run_agent

    from claude_lsp.acp.agent import ClaudeAgent
    from claude_lsp.lsp.process_exit import exit_now
    from claude_lsp.sessions.transcripts import clean_up_in_background

    clean_up_in_background(Path.cwd())
    agent = ClaudeAgent(model_client)
    try:
        # It implements the methods it supports; the router refuses the others.
        await run_agent(cast("Agent", agent))
    finally:
        await agent.close()
    # The client closed the connection. Leave without joining worker threads (the
    # index's, jedi's, asyncio.to_thread's): transcripts are written as they happen.
    exit_now(0)
