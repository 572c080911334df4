"""Permission modes and rules, and the decision they give for one tool call.

Order, as in Claude Code: a deny rule (from any scope) wins, then an ask rule, then an
allow rule, then the mode. Two safety rails sit on top: the mode alone never waves
through a path outside the session's folders, and plan mode never lets a file edit
through, not even one an allow rule covers (plan mode promises to change nothing).
A GitHub call to a host the model names is asked about whatever the allow rules and
the mode (bypassPermissions included) say: gh would hand that host a token.
Rule syntax and matching live in `rules`, shell command splitting in `shell_split`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from claude_lsp.policy.rules import (
    EDIT_TOOLS,
    FOLDER_TOOLS,
    OPERATION_TOOLS,
    READ_TOOLS,
    CommandPattern,
    PathPattern,
    Rule,
    RuleError,
    RuleScope,
    RuleSource,
    ToolUse,
    path_rule,
    split_rule_list,
    tool_name_of,
    url_host,
)
from claude_lsp.policy.shell_split import SimpleCommand, normalize_line, split_command
from claude_lsp.tools.base import Tool
from claude_lsp.tools.github import foreign_host

log = logging.getLogger(__name__)

RuleBehavior = Literal["allow", "ask", "deny"]

CLI_SOURCE = RuleSource(RuleScope.CLI_ARG)
SESSION_SOURCE = RuleSource(RuleScope.SESSION)

# CLIs whose first argument names a subcommand: "always allow" remembers `git status:*`
# rather than one exact `git status -s`.
_SUBCOMMAND_CLIS = frozenset(
    {"git", "npm", "pnpm", "yarn", "bun", "npx", "pnpx", "bunx", "deno", "cargo", "rustup"}
    | {"go", "pip", "pip3", "uv", "uvx", "poetry", "pdm", "hatch", "tox", "nox", "conda"}
    | {"docker", "podman", "kubectl", "helm", "terraform", "make", "just", "gh", "dotnet"}
    | {"mvn", "gradle", "brew", "bundle", "rake", "mix", "composer"}
)
# Subcommands whose own first argument matters too: `npm run test:*`, `docker compose up:*`.
_NESTED_SUBCOMMANDS = frozenset(
    {("npm", "run"), ("pnpm", "run"), ("yarn", "run"), ("bun", "run"), ("uv", "run")}
    | {("uv", "pip"), ("poetry", "run"), ("pdm", "run"), ("hatch", "run"), ("go", "mod")}
    | {("docker", "compose"), ("podman", "compose"), ("gh", "pr"), ("gh", "issue")}
    | {("git", "stash"), ("git", "remote"), ("git", "worktree"), ("git", "submodule")}
)
_PYTHONS = frozenset({"python", "python3"})
# Tools that read the web and change nothing: plan mode asks for them (as Claude Code
# does) instead of refusing them.
WEB_TOOLS = frozenset({"WebFetch", "WebSearch"})
_PLAIN_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:@/+-]*")


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


@dataclass(frozen=True)
class Decision:
    behavior: Literal["allow", "deny", "ask"]
    reason: str = ""
    # The rules that decided; empty when the mode (or a safety rail) did.
    rules: tuple[Rule, ...] = ()


def parse_rules(
    texts: Iterable[str],
    *,
    behavior: RuleBehavior,
    warnings: list[str],
    source: RuleSource = CLI_SOURCE,
) -> list[Rule]:
    """Rules from `--allowedTools`-style strings (comma or blank separated).

    Problems are appended to `warnings` for the user, not just logged. A malformed
    allow rule is dropped. A malformed deny or ask rule that names a tool applies to
    every use of that tool instead: the user meant to restrict it, and guessing which
    uses they meant could let the dangerous one through.
    """
    rules = []
    already_reported = len(warnings)
    for text in texts:
        for part in split_rule_list(text):
            rule = _parse_one(part, behavior, source, warnings)
            if rule is not None:
                rules.append(rule)
    for warning in warnings[already_reported:]:
        log.warning("%s", warning)
    return rules


def _parse_one(
    text: str, behavior: RuleBehavior, source: RuleSource, warnings: list[str]
) -> Rule | None:
    try:
        rule = Rule.parse(text, source)
    except RuleError as exc:
        tool = tool_name_of(text)
        if behavior == "allow" or tool is None:
            warnings.append(f"ignored malformed permission rule {text!r}: {exc}")
            return None
        warnings.append(
            f"{behavior} rule {text!r} is malformed ({exc}); it applies to every use of "
            f"{tool} instead"
        )
        return Rule(tool, None, source)
    pattern = rule.pattern
    if (
        behavior == "allow"
        and isinstance(pattern, CommandPattern)
        and pattern.compound
        and pattern.kind != "exact"
    ):
        warnings.append(
            f"ignored allow rule {text!r}: wildcard command rules are matched one command "
            "at a time, so they cannot contain shell operators or redirections"
        )
        return None
    return rule


@dataclass
class PermissionPolicy:
    mode: PermissionMode = PermissionMode.DEFAULT
    allow: list[Rule] = field(default_factory=list)
    ask: list[Rule] = field(default_factory=list)
    deny: list[Rule] = field(default_factory=list)
    # Folders the session works in; the mode alone never allows paths outside them.
    roots: list[Path] = field(default_factory=list)
    # Where `./path` rules start: the session's first folder. Fixed even when a `cd`
    # moves Bash, so a deny rule cannot be stepped around by changing directory.
    cwd: Path = field(default_factory=Path.cwd)
    # The one file plan mode lets the model write: its plan (resolved).
    plan_file: Path | None = None

    def decide(self, tool: Tool, tool_input: Mapping[str, Any], paths: Sequence[Path]) -> Decision:
        """Allow, ask or deny one call; `paths` are the resolved paths the tool gives."""
        use = ToolUse(tool.name, tool_input, tuple(paths), self.cwd)
        for rule in self.deny:
            if rule.matches(use, restrictive=True):
                return Decision("deny", f"denied by rule {_named(rule)}", (rule,))
        if tool.name == "Bash":
            denied = self._denied_write(paths)
            if denied is not None:
                return denied
        if self.mode is PermissionMode.PLAN and tool.kind == "edit":
            if paths and all(path == self.plan_file for path in paths):
                return Decision("allow", "plan mode may write the plan file")
            return _plan_denial(tool)
        for rule in self.ask:
            if rule.matches(use, restrictive=True):
                return Decision("ask", f"rule {_named(rule)} asks for approval", (rule,))
        host = _foreign_github_host(tool, tool_input)
        if host is not None:
            if self.mode is PermissionMode.PLAN:
                return _plan_denial(tool)
            return Decision(
                "ask",
                f"the call goes to {host}, not github.com or GH_HOST, and gh would give "
                "that host the GitHub Enterprise token (GH_ENTERPRISE_TOKEN)",
            )
        allowing = self._allowing(use)
        if allowing or self.mode is PermissionMode.BYPASS:
            doubt = self._doubt(use)
            if doubt:
                return Decision("ask", doubt)
        if allowing and tool.name == "Bash":
            doubt = self._write_doubt(use, paths)
            if doubt:
                return Decision("ask", doubt)
        if allowing:
            names = ", ".join(_named(rule) for rule in allowing)
            return Decision("allow", f"allowed by rule {names}", allowing)
        if self.mode is PermissionMode.BYPASS or tool.kind == "think":
            return Decision("allow")  # "think" tools (Agent) ask nothing; what follows asks
        outside = self._outside(paths)
        outside_note = f"{outside[0]} is outside the session's folders" if outside else ""
        if tool.is_read_only(tool_input):
            return Decision("ask", outside_note) if outside else Decision("allow")
        if self.mode is PermissionMode.PLAN and tool.name not in WEB_TOOLS:
            return _plan_denial(tool)
        if self.mode is PermissionMode.ACCEPT_EDITS and tool.kind == "edit" and not outside:
            return Decision("allow")
        return Decision("ask", outside_note)

    def hidden_paths(self, tool_name: str) -> Callable[[Path], bool] | None:
        """What a search by `tool_name` must leave out of its results: each path the tool
        would be denied if pointed at it directly, so `Read(./secrets/**)` keeps Grep,
        Glob and LS of a parent folder from showing what is inside. None when no deny
        rule names paths for that tool, so searches then pay nothing per path."""
        rules = [
            rule
            for rule in self.deny
            if rule.covers(tool_name) and isinstance(rule.pattern, PathPattern)
        ]
        if not rules:
            return None

        def denied(path: Path) -> bool:
            use = ToolUse(tool_name, {}, (path,), self.cwd)
            return any(rule.matches(use, restrictive=True) for rule in rules)

        return denied

    def _allowing(self, use: ToolUse) -> tuple[Rule, ...]:
        """The allow rules that together approve `use`; empty when they do not."""
        for rule in self.allow:
            if rule.matches(use, restrictive=False):
                return (rule,)
        if use.tool_name != "Bash" or not use.split.complete or not use.split.commands:
            return ()
        chosen: list[Rule] = []
        for command in use.split.commands:
            found = next((rule for rule in self.allow if rule.allows_command(command.text)), None)
            if found is None:
                return ()
            if found not in chosen:
                chosen.append(found)
        return tuple(chosen)

    def _doubt(self, use: ToolUse) -> str:
        """Why a Bash line that would run must be asked about: it could hide a denied command."""
        if use.tool_name != "Bash" or use.split.complete:
            return ""
        for rule in [*self.deny, *self.ask]:
            if rule.covers("Bash") and rule.specifier is not None:
                return (
                    f"the command cannot be checked against rule {_named(rule)} with "
                    f"confidence: {use.split.problems[0]}"
                )
        return ""

    def _denied_write(self, paths: Sequence[Path]) -> Decision | None:
        """A Bash redirection into a file an Edit deny rule protects is denied like the edit."""
        for path in paths:
            write = ToolUse("Write", {"file_path": str(path)}, (path,), self.cwd)
            for rule in self.deny:
                if rule.matches(write, restrictive=True):
                    return Decision(
                        "deny", f"the command writes {path}, denied by rule {_named(rule)}", (rule,)
                    )
        return None

    def _write_doubt(self, use: ToolUse, paths: Sequence[Path]) -> str:
        """Why an allowed Bash line must still be asked about: where its output goes.

        Bash rules name commands, not files, so `Bash(echo:*)` must not become a way to
        write `~/.bashrc`: redirections outside the session's folders, or to a name only
        known at run time, are asked about.
        """
        outside = self._outside(paths)
        if outside:
            return f"the command writes {outside[0]}, outside the session's folders"
        hidden = [t for t in use.split.writes if any(char in t for char in "$`*?[")]
        if hidden:
            return f"the command writes to {hidden[0]}, a file only known when it runs"
        return ""

    def _resolved_roots(self) -> list[Path]:
        roots = [*self.roots, *(root.resolve() for root in self.roots)]
        return list(dict.fromkeys(roots))

    def _outside(self, paths: Sequence[Path]) -> list[Path]:
        roots = self._resolved_roots()
        return [path for path in paths if _root_of(path, roots) is None]

    def suggest_rules(
        self, tool: Tool, tool_input: Mapping[str, Any], paths: Sequence[Path]
    ) -> list[str]:
        """Rules in Claude Code's syntax that would let calls like this one run.

        Bash: one rule per command of the line not yet allowed, `cli sub:*` for CLIs with
        subcommands, else the exact command (none for a line that cannot be split with
        confidence, or for a command with a `*`, which a rule would read as a wildcard).
        Edits: the workspace folder holding the file (or the file's folder outside them).
        Reads outside the workspace: that folder. WebFetch: the URL's host (none when the
        host is unclear). Git and GitHub: the operation, `Git(commit)`, so approving one
        kind of write never approves the others; none for a GitHub call to a host the
        model names, which asks every time. Anything else: the tool's name.
        """
        if tool.name == "Bash":
            command = tool_input.get("command")
            split = split_command(command if isinstance(command, str) else "")
            if not split.complete:
                return []
            texts: list[str] = []
            for part in split.commands:
                if any(rule.allows_command(part.text) for rule in self.allow):
                    continue
                text = bash_rule(part)
                if text is not None and text not in texts:
                    texts.append(text)
            return texts
        roots = self._resolved_roots()
        if paths and (tool.kind == "edit" or tool.name in EDIT_TOOLS):
            folders = [_root_of(path, roots) or path.parent for path in paths]
            return _unique(f"Edit({path_rule(folder, contents=True)})" for folder in folders)
        outside = [path for path in paths if _root_of(path, roots) is None]
        if tool.name in READ_TOOLS and outside:
            folders = [path if tool.name in FOLDER_TOOLS else path.parent for path in outside]
            return _unique(f"Read({path_rule(folder, contents=True)})" for folder in folders)
        if tool.name == "WebFetch":
            return _domain_rule(tool_input.get("url"))
        if tool.name in OPERATION_TOOLS:
            if _foreign_github_host(tool, tool_input) is not None:
                return []
            return _operation_rule(tool.name, tool_input.get("operation"))
        return [tool.name]

    def allow_always(
        self, tool: Tool, tool_input: Mapping[str, Any], paths: Sequence[Path]
    ) -> list[str]:
        """Remember an "always allow" answer as session rules; returns the rules added.

        Claude Code keeps edit approvals for the session only; the caller may persist
        the others (Bash ones in particular) to `.claude/settings.local.json`.
        """
        added = []
        for text in self.suggest_rules(tool, tool_input, paths):
            rule = Rule.parse(text, SESSION_SOURCE)
            if rule not in self.allow:
                self.allow.append(rule)
                added.append(text)
        return added

    def reject_always(
        self, tool: Tool, tool_input: Mapping[str, Any], paths: Sequence[Path]
    ) -> list[str]:
        """Remember a "never allow" answer as session deny rules; returns the rules added.

        The rule is as narrow as the call: the exact Bash command line, the file for
        path tools, the operation for Git and GitHub, else the whole tool.
        """
        texts: list[str]
        if tool.name == "Bash":
            command = tool_input.get("command")
            line = normalize_line(command) if isinstance(command, str) else ""
            texts = [f"Bash({line})"] if line else []
        elif paths and (tool.kind == "edit" or tool.name in EDIT_TOOLS):
            texts = _unique(f"Edit({path_rule(path, contents=False)})" for path in paths)
        elif paths and tool.name in READ_TOOLS:
            texts = _unique(f"Read({path_rule(path, contents=False)})" for path in paths)
        elif tool.name in OPERATION_TOOLS:
            texts = _operation_rule(tool.name, tool_input.get("operation")) or [tool.name]
        else:
            texts = [tool.name]
        added = []
        for text in texts:
            rule = Rule.parse(text, SESSION_SOURCE)
            if rule not in self.deny:
                self.deny.append(rule)
                added.append(text)
        return added


def bash_rule(command: SimpleCommand) -> str | None:
    """The rule "always allow" remembers for one command, or None when none is safe."""
    words = [word.raw for word in command.words]
    prefix = _command_prefix(words)
    if prefix is not None:
        return f"Bash({' '.join(prefix)}:*)"
    return None if "*" in command.text else f"Bash({command.text})"


def _command_prefix(words: list[str]) -> list[str] | None:
    """`git status`, `npm run test`, `python -m pytest`: a CLI and its subcommand."""

    def plain(index: int) -> bool:
        return (
            index < len(words)
            and _PLAIN_WORD.fullmatch(words[index]) is not None
            and not words[index].startswith("-")
        )

    if not plain(0):
        return None
    if words[0] in _PYTHONS:
        return words[:3] if len(words) > 2 and words[1] == "-m" and plain(2) else None
    if words[0] not in _SUBCOMMAND_CLIS or not plain(1):
        return None
    if (words[0], words[1]) in _NESTED_SUBCOMMANDS:
        return words[:3] if plain(2) else None
    return words[:2]


def _domain_rule(url: object) -> list[str]:
    """`WebFetch(domain:host)` for `url`, or nothing when no valid rule names its host."""
    host = url_host(url)
    if host is None:
        return []
    text = f"WebFetch(domain:{host})"
    try:  # an IPv6 address is not a rule's host
        Rule.parse(text, SESSION_SOURCE)
    except RuleError:
        return []
    return [text]


def _operation_rule(tool_name: str, operation: object) -> list[str]:
    """`Git(commit)` for one operation of a tool that has several; none if unnamed."""
    if not isinstance(operation, str):
        return []
    text = f"{tool_name}({operation})"
    try:
        Rule.parse(text, SESSION_SOURCE)
    except RuleError:
        return []
    return [text]


def _foreign_github_host(tool: Tool, tool_input: Mapping[str, Any]) -> str | None:
    """The host of a GitHub call that no rule or mode may approve (`foreign_host`)."""
    return foreign_host(tool_input) if tool.name == "GitHub" else None


def _root_of(path: Path, roots: list[Path]) -> Path | None:
    return next((root for root in roots if path == root or path.is_relative_to(root)), None)


def _named(rule: Rule) -> str:
    return f"{rule.text} from {rule.source.label}"


def _plan_denial(tool: Tool) -> Decision:
    return Decision(
        "deny",
        f"{tool.name} is not available in plan mode, which only allows read-only tools; "
        "present your plan with ExitPlanMode and wait for the user's approval first",
    )


def _unique(texts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(texts))
