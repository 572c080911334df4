"""Permission modes and tool rules, and the decision they give for one tool call.

Order, as in Claude Code: a deny rule wins, then an allow rule, then the mode decides,
and the mode never waves through a path outside the session's roots.

Rules are tool names (`Read`, `Bash`). Specifiers such as `Bash(git status)` are not
matched yet, and they fail closed: an allow rule with one is ignored, a deny rule with
one denies the whole tool (a guessed Bash match could let `git status && rm -rf x`
through). Both produce a warning the user sees.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
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


def parse_rules(texts: list[str], *, deny: bool, warnings: list[str]) -> list[Rule]:
    """Rules from `--allowedTools`-style strings (comma or space separated).

    Problems are appended to `warnings` for the user, not just logged.
    """
    rules = []
    already_reported = len(warnings)
    for text in texts:
        for part in re.split(r"[,\s]+(?![^()]*\))", text):
            if not part:
                continue
            rule = Rule.parse(part)
            if rule is None:
                warnings.append(f"ignored malformed permission rule {part!r}")
            elif rule.specifier is not None and not deny:
                warnings.append(
                    f"allow rule {part!r} ignored: rule specifiers are not supported yet"
                )
            else:
                if rule.specifier is not None:
                    warnings.append(
                        f"deny rule {part!r} denies all of {rule.tool}: rule "
                        "specifiers are not supported yet"
                    )
                rules.append(rule)
    for warning in warnings[already_reported:]:
        log.warning("%s", warning)
    return rules


@dataclass
class PermissionPolicy:
    mode: PermissionMode = PermissionMode.DEFAULT
    allow: list[Rule] = field(default_factory=list)
    deny: list[Rule] = field(default_factory=list)
    # Folders the session works in; the mode alone never allows paths outside them.
    roots: list[Path] = field(default_factory=list)

    def decide(self, tool: Tool, paths: list[Path]) -> Decision:
        if any(rule.tool == tool.name for rule in self.deny):
            return Decision("deny", f"{tool.name} is disallowed by a permission rule")
        if any(rule.tool == tool.name for rule in self.allow):
            return Decision("allow")
        if self.mode is PermissionMode.BYPASS:
            return Decision("allow")
        outside = [path for path in paths if not self._inside_roots(path)]
        outside_note = f"{outside[0]} is outside the session's folders" if outside else ""
        if tool.read_only:
            return Decision("ask", outside_note) if outside else Decision("allow")
        if self.mode is PermissionMode.PLAN:
            return Decision(
                "deny",
                f"{tool.name} is not available in plan mode, which only allows read-only tools",
            )
        if self.mode is PermissionMode.ACCEPT_EDITS and tool.kind == "edit" and not outside:
            return Decision("allow")
        return Decision("ask", outside_note)

    def _inside_roots(self, path: Path) -> bool:
        return any(path == root or path.is_relative_to(root) for root in self.roots)

    def allow_always(self, tool: Tool) -> None:
        """Remember an "always allow" answer for the rest of the session."""
        self.allow.append(Rule(tool.name, None))
