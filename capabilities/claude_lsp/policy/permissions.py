"""Permission modes and tool rules, and the decision they give for one tool call.

Order, as in Claude Code: a deny rule wins, then an allow rule, then the mode decides.
Rules are tool names (`Read`, `Bash`); rules with a specifier such as `Bash(git status)`
are parsed but not yet matched, so they are ignored with a warning rather than
guessed at (a guessed Bash rule could let `git status && rm -rf x` through).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from claude_lsp.tools.base import Diff, Tool

log = logging.getLogger(__name__)

RULE = re.compile(r"^(?P<tool>[A-Za-z0-9_\-]+)(?:\((?P<spec>.*)\))?$")


class PermissionMode(StrEnum):
    DEFAULT = "default"
    ACCEPT_EDITS = "acceptEdits"
    PLAN = "plan"
    BYPASS = "bypassPermissions"


MODE_NAMES = {
    PermissionMode.DEFAULT: "Default",
    PermissionMode.ACCEPT_EDITS: "Accept edits",
    PermissionMode.PLAN: "Plan mode",
    PermissionMode.BYPASS: "Bypass permissions",
}
MODE_DESCRIPTIONS = {
    PermissionMode.DEFAULT: "Ask before edits and shell commands",
    PermissionMode.ACCEPT_EDITS: "Apply file edits without asking; ask before shell commands",
    PermissionMode.PLAN: "Read-only: explore and plan, change nothing",
    PermissionMode.BYPASS: "Run every tool without asking",
}


class PermissionAnswer(StrEnum):
    ALLOW_ONCE = "allow_once"
    ALLOW_ALWAYS = "allow_always"
    REJECT_ONCE = "reject_once"


@dataclass(frozen=True)
class PermissionQuestion:
    """What the human is asked: the tool call, with its diff or command."""

    tool_call_id: str
    tool_name: str
    title: str
    kind: str
    tool_input: dict[str, Any]
    diff: Diff | None = None


@dataclass(frozen=True)
class Decision:
    behavior: Literal["allow", "deny", "ask"]
    reason: str = ""


@dataclass(frozen=True)
class Rule:
    tool: str
    specifier: str | None

    @classmethod
    def parse(cls, text: str) -> Rule | None:
        match = RULE.match(text.strip())
        if match is None:
            return None
        return cls(match["tool"], match["spec"])


def parse_rules(texts: list[str]) -> list[Rule]:
    """Rules from `--allowedTools`-style strings (comma or space separated)."""
    rules = []
    for text in texts:
        for part in re.split(r"[,\s]+(?![^()]*\))", text):
            if not part:
                continue
            rule = Rule.parse(part)
            if rule is None:
                log.warning("ignoring malformed permission rule %r", part)
            elif rule.specifier is not None:
                log.warning("permission rule %r: specifiers are not supported yet; ignored", part)
            else:
                rules.append(rule)
    return rules


@dataclass
class PermissionPolicy:
    mode: PermissionMode = PermissionMode.DEFAULT
    allow: list[Rule] = field(default_factory=list)
    deny: list[Rule] = field(default_factory=list)

    def decide(self, tool: Tool) -> Decision:
        if any(rule.tool == tool.name for rule in self.deny):
            return Decision("deny", f"{tool.name} is disallowed by a permission rule")
        if any(rule.tool == tool.name for rule in self.allow):
            return Decision("allow")
        if self.mode is PermissionMode.BYPASS or tool.read_only:
            return Decision("allow")
        if self.mode is PermissionMode.PLAN:
            return Decision(
                "deny",
                f"{tool.name} is not available in plan mode, which only allows read-only tools",
            )
        if self.mode is PermissionMode.ACCEPT_EDITS and tool.kind == "edit":
            return Decision("allow")
        return Decision("ask")

    def allow_always(self, tool: Tool) -> None:
        """Remember an "always allow" answer for the rest of the session."""
        self.allow.append(Rule(tool.name, None))
