"""The body of one Messages API request: limits, extended thinking and cache breakpoints.

Prompt caching allows four breakpoints. They go on the tool list, the system prompt,
the newest message and the previous request's last message: a turn that adds many
tool results still reads everything before it from the cache.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from claude_lsp.env_numbers import positive_number, whole_number

DEFAULT_MAX_TOKENS = 64_000
# Claude Code's budget when thinking is on and MAX_THINKING_TOKENS is not set.
DEFAULT_THINKING_BUDGET = 31_999
MIN_THINKING_BUDGET = 1_024  # the API's floor
CACHE = {"type": "ephemeral"}


def max_tokens(env: Mapping[str, str]) -> int:
    """`CLAUDE_CODE_MAX_OUTPUT_TOKENS`, else the default."""
    return positive_number(env, "CLAUDE_CODE_MAX_OUTPUT_TOKENS") or DEFAULT_MAX_TOKENS


def thinking_budget(env: Mapping[str, str], always_thinking: bool, limit: int) -> int | None:
    """Tokens the model may think for before answering; None: thinking is off.

    `MAX_THINKING_TOKENS` turns it on with that budget (0 turns it off); otherwise the
    `alwaysThinkingEnabled` setting turns it on with the default budget. The budget
    stays below the response's `max_tokens`, as the API requires.
    """
    configured = whole_number(env, "MAX_THINKING_TOKENS")
    if configured is not None:
        budget = configured
    elif always_thinking:
        budget = DEFAULT_THINKING_BUDGET
    else:
        return None
    budget = min(budget, limit - 1)
    return budget if budget >= MIN_THINKING_BUDGET else None


def request_params(
    *,
    model: str,
    system_prompt: str,
    tools: list[dict[str, Any]],
    messages: list[dict[str, Any]],
    env: Mapping[str, str],
    always_thinking: bool,
) -> dict[str, Any]:
    limit = max_tokens(env)
    params: dict[str, Any] = {
        "model": model,
        "max_tokens": limit,
        "system": [{"type": "text", "text": system_prompt, "cache_control": CACHE}],
        "tools": [*tools[:-1], tools[-1] | {"cache_control": CACHE}] if tools else [],
        "messages": with_cache_breakpoints(messages),
    }
    budget = thinking_budget(env, always_thinking, limit)
    if budget is not None:
        params["thinking"] = {"type": "enabled", "budget_tokens": budget}
    return params


def with_cache_breakpoints(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of the history with breakpoints on the last message and on the last
    user message before the newest assistant reply (where the previous request ended).
    """
    marked = {len(messages) - 1}
    for index in range(len(messages) - 2, -1, -1):
        if messages[index]["role"] == "user" and messages[index + 1]["role"] == "assistant":
            marked.add(index)
            break
    return [_with_breakpoint(m) if i in marked else m for i, m in enumerate(messages)]


def _with_breakpoint(message: dict[str, Any]) -> dict[str, Any]:
    content = list(message["content"])
    if not content or content[-1].get("type") in ("thinking", "redacted_thinking"):
        return message  # thinking blocks cannot carry cache_control
    content[-1] = content[-1] | {"cache_control": CACHE}
    return {"role": message["role"], "content": content}
