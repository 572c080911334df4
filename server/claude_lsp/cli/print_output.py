"""Print mode's three output formats, built from `claude/session/update` messages.

The shapes follow Claude Code's `-p` output: `text` prints the final answer, `json`
prints one result object, `stream-json` prints one JSON object per line as things
happen (init, assistant and user messages, retries, then the result).
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from dataclasses import dataclass, field
from typing import IO, Any


@dataclass
class RunFacts:
    """What the result object reports besides the turn result itself."""

    session_id: str = ""
    model: str = ""
    cwd: str = ""
    tools: list[str] = field(default_factory=list)
    slash_commands: list[str] = field(default_factory=list)
    mcp_servers: list[dict[str, str]] = field(default_factory=list)
    permission_mode: str = "default"


def result_object(
    facts: RunFacts, turn: dict[str, Any] | None, *, error: str | None, duration_ms: int
) -> dict[str, Any]:
    """Claude Code's `type: result` object for a finished (or failed) run."""
    turn = turn or {}
    stop_reason = turn.get("stopReason")
    if error is not None:
        subtype = "error_during_execution"
    elif stop_reason == "max_turn_requests":
        subtype = "error_max_turns"
    else:
        subtype = "success"
    usage = dict(
        turn.get("usage")
        or {
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        }
    )
    result: dict[str, Any] = {
        "type": "result",
        "subtype": subtype,
        "is_error": subtype != "success",
        "duration_ms": duration_ms,
        "duration_api_ms": turn.get("durationApiMs", 0),
        "num_turns": turn.get("numTurns", 0),
        "result": error if error is not None else turn.get("result", ""),
        "stop_reason": stop_reason,
        "session_id": facts.session_id,
        "total_cost_usd": turn.get("costUsd", 0.0),
        "usage": usage,
        "permission_denials": turn.get("permissionDenials", []),
        "uuid": str(uuid.uuid4()),
    }
    if facts.model:
        result["modelUsage"] = {
            facts.model: {
                "inputTokens": usage.get("input_tokens", 0),
                "outputTokens": usage.get("output_tokens", 0),
                "cacheReadInputTokens": usage.get("cache_read_input_tokens", 0),
                "cacheCreationInputTokens": usage.get("cache_creation_input_tokens", 0),
                "costUSD": turn.get("costUsd", 0.0),
            }
        }
    return result


class PrintOutput:
    """Collects updates and prints them in the chosen format."""

    def __init__(self, output_format: str, out: IO[str] | None = None) -> None:
        self.format = output_format
        self.facts = RunFacts()
        self._out = out or sys.stdout
        self._text: list[str] = []
        self._reader_gone = False

    def _write(self, text: str) -> None:
        """Write and flush; a reader that went away (`| head`) just stops the output."""
        if self._reader_gone:
            return
        try:
            self._out.write(text)
            self._out.flush()
        except BrokenPipeError:
            self._reader_gone = True
            # keep the interpreter's final flush from failing on the closed pipe too
            os.dup2(os.open(os.devnull, os.O_WRONLY), self._out.fileno())

    def _line(self, obj: dict[str, Any]) -> None:
        self._write(json.dumps(obj, ensure_ascii=False) + "\n")

    def _envelope(
        self, kind: str, message: dict[str, Any], parent: str | None = None
    ) -> dict[str, Any]:
        """A stream-json line; `parent` is the Agent call a subagent's message is under."""
        return {
            "type": kind,
            "message": message,
            "parent_tool_use_id": parent,
            "session_id": self.facts.session_id,
            "uuid": str(uuid.uuid4()),
        }

    def started(self) -> None:
        if self.format != "stream-json":
            return
        self._line(
            {
                "type": "system",
                "subtype": "init",
                "cwd": self.facts.cwd,
                "session_id": self.facts.session_id,
                "tools": self.facts.tools,
                "mcp_servers": self.facts.mcp_servers,
                "model": self.facts.model,
                "permissionMode": self.facts.permission_mode,
                "slash_commands": self.facts.slash_commands,
                "uuid": str(uuid.uuid4()),
            }
        )

    def update(self, update: dict[str, Any]) -> None:
        if self.format != "stream-json":
            return
        kind = update.get("sessionUpdate")
        parent = update.get("_meta", {}).get("claude", {}).get("parentToolCallId")
        if kind == "agent_message_chunk":
            self._text.append(update.get("content", {}).get("text", ""))
        elif kind == "tool_call":
            self._flush_text()
            name = update.get("_meta", {}).get("claude", {}).get("toolName", "")
            self._assistant(
                {
                    "type": "tool_use",
                    "id": update.get("toolCallId"),
                    "name": name,
                    "input": update.get("rawInput", {}),
                },
                parent,
            )
        elif kind == "tool_call_update" and update.get("status") in ("completed", "failed"):
            block: dict[str, Any] = {
                "type": "tool_result",
                "tool_use_id": update.get("toolCallId"),
                "content": update.get("rawOutput", []),
            }
            if update.get("status") == "failed":
                block["is_error"] = True
            self._line(self._envelope("user", {"role": "user", "content": [block]}, parent))
        elif kind == "api_retry":
            self._text.clear()  # the partial message is streamed again
            self._line(
                {
                    "type": "system",
                    "subtype": "api_retry",
                    "attempt": update.get("attempt"),
                    "max_retries": update.get("maxRetries"),
                    "retry_delay_ms": update.get("delayMs"),
                    "error": update.get("error"),
                    "session_id": self.facts.session_id,
                    "uuid": str(uuid.uuid4()),
                }
            )

    def _assistant(self, block: dict[str, Any], parent: str | None = None) -> None:
        self._line(
            self._envelope(
                "assistant",
                {
                    "type": "message",
                    "role": "assistant",
                    "model": self.facts.model,
                    "content": [block],
                },
                parent,
            )
        )

    def _flush_text(self) -> None:
        text = "".join(self._text)
        self._text.clear()
        if text:
            self._assistant({"type": "text", "text": text})

    def finished(self, result: dict[str, Any]) -> None:
        if self.format == "text":
            if not result["is_error"]:
                text = str(result["result"])
                self._write(text if text.endswith("\n") else text + "\n")
            return
        self._flush_text()
        self._line(result)
