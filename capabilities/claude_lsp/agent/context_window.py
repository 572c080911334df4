"""How big the model's context window is and when the conversation must be compacted.

Claude Code's rule, followed here: keep room for one full response, plus a margin for
the summary turn itself; `CLAUDE_AUTOCOMPACT_PCT_OVERRIDE` can only bring compaction
earlier, and `DISABLE_AUTO_COMPACT` turns it off.
"""

from __future__ import annotations

from collections.abc import Mapping

from claude_lsp.env_numbers import positive_number

DEFAULT_WINDOW = 200_000
# Room kept for the response while the history grows, at most this much.
OUTPUT_RESERVE = 20_000
# Room kept for the summary turn on top of that.
SUMMARY_MARGIN = 13_000

_TRUE = frozenset({"1", "true", "yes", "on"})


def context_window(env: Mapping[str, str]) -> int:
    """Tokens the model takes in: 200k for today's models.

    `CLAUDE_CODE_AUTO_COMPACT_WINDOW` overrides it (a smaller window compacts sooner).
    """
    return positive_number(env, "CLAUDE_CODE_AUTO_COMPACT_WINDOW") or DEFAULT_WINDOW


def auto_compact_threshold(max_tokens: int, env: Mapping[str, str]) -> int | None:
    """Tokens in use at which the next model call first compacts; None: never."""
    if env.get("DISABLE_AUTO_COMPACT", "").strip().lower() in _TRUE:
        return None
    usable = context_window(env) - min(max_tokens, OUTPUT_RESERVE)
    threshold = usable - SUMMARY_MARGIN
    override = env.get("CLAUDE_AUTOCOMPACT_PCT_OVERRIDE", "")
    try:
        percent = float(override)
    except ValueError:
        return threshold
    if 0 < percent <= 100:
        return min(int(usable * percent / 100), threshold)
    return threshold
