"""What the human is asked about a tool call, and the answers they can give.

Kept apart from the rule engine so that the language server can speak about questions
at start-up without loading rule parsing and shell splitting.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from claude_lsp.tools.base import Diff


class PermissionAnswer(StrEnum):
    ALLOW_ONCE = "allow_once"
    ALLOW_ALWAYS = "allow_always"
    REJECT_ONCE = "reject_once"
    REJECT_ALWAYS = "reject_always"
    # Nobody answered in time (the approval queue's timeout): a denial, told apart.
    TIMED_OUT = "timed_out"


@dataclass(frozen=True)
class PermissionQuestion:
    """What the human is asked: the tool call, with its diff or command."""

    tool_call_id: str
    tool_name: str
    title: str
    kind: str
    tool_input: dict[str, Any]
    diff: Diff | None = None
    # What "always allow" would add, in Claude Code's rule syntax (none: it cannot).
    always_rules: tuple[str, ...] = ()
    # When set, exactly these answers, named so, replace the usual allow / always /
    # deny options (a plan's approval offers "Yes, and auto-accept edits" and so on).
    choices: tuple[tuple[PermissionAnswer, str], ...] = ()

    @property
    def always_label(self) -> str | None:
        """How to offer "always allow", naming the rule and how long it lasts."""
        if not self.always_rules:
            return None
        lasts = "in this session" if self.kind == "edit" else "in this project"
        return f"Always allow {', '.join(self.always_rules)} {lasts}"
