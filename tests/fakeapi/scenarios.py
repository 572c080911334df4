"""Stateless scenarios for ``FakeAnthropic.set_fallback``: each step is derived from the
request alone, so concurrent and repeated runs work."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

from .responses import Reply, reply, text, tool_use

Scenario = Callable[[dict[str, Any]], Reply]


def _blocks(messages: list[Any], role: str) -> Iterator[dict[str, Any]]:
    for message in messages:
        if isinstance(message, dict) and message.get("role") == role:
            content = message.get("content")
            if isinstance(content, list):
                yield from (b for b in content if isinstance(b, dict))


def _system_text(system: Any) -> str:
    if isinstance(system, list):
        return "\n".join(str(b.get("text", "")) for b in system if isinstance(b, dict))
    return str(system or "")


def _same_path(a: Any, b: str) -> bool:
    return isinstance(a, str) and os.path.normpath(a) == os.path.normpath(b)


def fix_calc(
    calc_path: str,
    *,
    system_contains: str | None = None,
    read_tool: str = "Read",
    edit_tool: str = "Edit",
    old_string: str = "return a - b",
    new_string: str = "return a + b",
    side_text: str = "Fix calc.add",
    final_text: str = "Fixed: calc.add now returns a + b.",
) -> Scenario:
    """Read ``calc_path``, then Edit ``old_string`` -> ``new_string``, then say it is fixed.

    Requests without both tools (or whose system prompt lacks ``system_contains``) are
    side requests (titles, quota checks...) and get ``side_text``.
    """

    def respond(body: dict[str, Any]) -> Reply:
        tools = {t.get("name") for t in body.get("tools") or [] if isinstance(t, dict)}
        if not {read_tool, edit_tool} <= tools or (
            system_contains is not None and system_contains not in _system_text(body.get("system"))
        ):
            return reply(text(side_text))

        messages = body.get("messages") or []
        results = (b for b in _blocks(messages, "user") if b.get("type") == "tool_result")
        answered = {b.get("tool_use_id") for b in results}
        read_done = edit_done = False
        for b in _blocks(messages, "assistant"):
            if b.get("type") != "tool_use" or b.get("id") not in answered:
                continue
            args = b.get("input") or {}
            if not isinstance(args, dict) or not _same_path(args.get("file_path"), calc_path):
                continue
            if b.get("name") == read_tool:
                read_done = True
            elif b.get("name") == edit_tool and args.get("new_string") == new_string:
                edit_done = True

        if edit_done:
            return reply(text(final_text))
        if read_done:
            edit = {"file_path": calc_path, "old_string": old_string, "new_string": new_string}
            return reply(text("I'll fix the subtraction."), tool_use(edit_tool, edit))
        read = {"file_path": calc_path}
        return reply(text("Let me look at the file."), tool_use(read_tool, read))

    return respond


SCENARIOS: dict[str, Callable[..., Scenario]] = {"fix-calc": fix_calc}
