"""Permission rules in Claude Code's syntax, `Tool` or `Tool(specifier)`, and their matching.

A rule only says which tool uses it covers; whether it allows, asks or denies is the
list the policy keeps it in. Specifiers are matched strictly: a Bash rule sees one
simple command at a time (see `shell_split`), a path rule sees resolved absolute paths
with gitignore-style globs, a WebFetch rule sees the URL's host, a Git or GitHub rule
the call's operation, an Agent rule the subagent the call starts. Where a rule cannot
tell (no host, a command it cannot split), deny and ask rules count as matching and
allow rules as not: the policy then asks rather than guesses.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from claude_lsp.policy.shell_split import CommandSplit, normalize_line, spellings, split_command
from claude_lsp.tools.agent import AgentTool, subagent_type

# Rules naming the group cover every tool in it, as in Claude Code.
EDIT_TOOLS = frozenset({"Edit", "Write", "MultiEdit", "NotebookEdit"})
READ_TOOLS = frozenset({"Read", "Grep", "Glob", "LS", "NotebookRead", "Symbols"})
# Tools whose path is a folder they look inside, not a file.
FOLDER_TOOLS = frozenset({"Grep", "Glob", "LS"})
# Tools with read and write operations: `Git(commit)` covers that operation only.
OPERATION_TOOLS = frozenset({"Git", "GitHub"})
# Tools by an earlier name, which rules may still use.
LEGACY_TOOL_NAMES = {AgentTool.legacy_name: AgentTool.name}

_RULE = re.compile(r"(?P<tool>[A-Za-z0-9_\-]+?(?:__\*)?)(?:\((?P<spec>.*)\))?", re.DOTALL)
_TOOL_NAME = re.compile(r"[A-Za-z0-9_\-]+")
_GLOB_CHARS = frozenset("*?[\\")
_HOST = re.compile(r"(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*")
_OPERATION = re.compile(r"[a-z][a-z_]*")
_AGENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


class RuleScope(StrEnum):
    """Where a rule was written (Claude Code's setting source names)."""

    CLI_ARG = "cliArg"
    FLAG_SETTINGS = "flagSettings"
    SESSION = "session"
    LOCAL_SETTINGS = "localSettings"
    PROJECT_SETTINGS = "projectSettings"
    USER_SETTINGS = "userSettings"
    MANAGED_SETTINGS = "managedSettings"


_SCOPE_LABELS = {
    RuleScope.CLI_ARG: "the command line",
    RuleScope.FLAG_SETTINGS: "the editor's settings",
    RuleScope.SESSION: "this session",
    RuleScope.LOCAL_SETTINGS: "local settings",
    RuleScope.PROJECT_SETTINGS: "project settings",
    RuleScope.USER_SETTINGS: "user settings",
    RuleScope.MANAGED_SETTINGS: "managed settings",
}


@dataclass(frozen=True)
class RuleSource:
    """A rule's origin; `base_dir` anchors its `/path` specifiers (the session cwd if None).

    For project and local settings that is the project root, for user settings the
    folder of the settings file, as in Claude Code.
    """

    scope: RuleScope
    base_dir: Path | None = None

    @property
    def label(self) -> str:
        return _SCOPE_LABELS[self.scope]


class RuleError(ValueError):
    """A rule text that cannot be understood; the message says why."""


@dataclass
class ToolUse:
    """One tool call as rules see it. Bash splitting is done once, on first use."""

    tool_name: str
    tool_input: Mapping[str, Any]
    paths: tuple[Path, ...]
    cwd: Path

    @property
    def folder(self) -> bool:
        return self.tool_name in FOLDER_TOOLS

    @cached_property
    def command(self) -> str:
        command = self.tool_input.get("command")
        return command if isinstance(command, str) else ""

    @cached_property
    def split(self) -> CommandSplit:
        return split_command(self.command)

    @cached_property
    def line(self) -> str:
        return normalize_line(self.command)

    @cached_property
    def spellings(self) -> frozenset[str]:
        return spellings(self.split)

    @cached_property
    def host(self) -> str | None:
        return url_host(self.tool_input.get("url"))


@dataclass(frozen=True)
class CommandPattern:
    """A Bash specifier: `prefix:*`, a glob with `*`, or an exact command.

    `compound` specifiers contain shell operators or redirections; they are compared
    with whole command lines, never with one command of a line.
    """

    kind: Literal["exact", "prefix", "glob"]
    text: str
    compound: bool

    @classmethod
    def parse(cls, spec: str) -> CommandPattern:
        spec = spec.strip()
        kind: Literal["exact", "prefix", "glob"] = "exact"
        if spec.endswith(":*"):
            kind, spec = "prefix", spec[:-2].rstrip()
        elif "*" in spec:
            kind = "glob"
        if not spec:
            raise RuleError("the command is empty")
        split = split_command(spec)
        if split.complete and not split.compound and len(split.commands) == 1:
            return cls(kind, split.commands[0].text, compound=False)
        return cls(kind, normalize_line(spec), compound=True)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        if self.kind == "exact":
            return re.compile(re.escape(self.text), re.DOTALL)
        if self.kind == "prefix":
            return re.compile(re.escape(self.text) + r"(?:\s.*)?", re.DOTALL)
        body, tail = self.text, ""
        if body.endswith(" *"):  # `ls *` also matches a bare `ls`, as `ls:*` does
            body, tail = body[:-2], r"(?:\s.*)?"
        pieces = (re.escape(piece) for piece in body.split("*"))
        return re.compile(".*".join(pieces) + tail, re.DOTALL)

    def matches(self, command: str) -> bool:
        return self.regex.fullmatch(command) is not None

    def occurs_in(self, line: str) -> bool:
        """Anywhere in a whole command line (deny and ask rules with operators)."""
        return self.regex.search(line) is not None


@dataclass(frozen=True)
class PathPattern:
    """A path specifier: `//abs`, `~/home`, `/rule-base`, `./cwd` or `cwd-relative` glob.

    gitignore semantics: a pattern without a slash matches at any depth below its base;
    `*` stays within one folder, `**` crosses folders; a pattern that matches a folder
    matches everything inside it; a trailing `/` or `/**` means "the folder's contents".
    The literal leading folders are resolved like the paths tools give, so a rule about
    a symlinked folder still matches.
    """

    anchor: Literal["root", "home", "rule_base", "cwd"]
    literal: str
    glob: str
    anchored: bool
    dir_only: bool

    @classmethod
    def parse(cls, spec: str) -> PathPattern:
        anchor: Literal["root", "home", "rule_base", "cwd"]
        anchored = True
        if spec.startswith("//"):
            anchor, body = "root", spec[2:]
        elif spec == "~" or spec.startswith("~/"):
            anchor, body = "home", spec[2:]
        elif spec.startswith("~"):
            raise RuleError("only `~/` paths are supported, not another user's home")
        elif spec.startswith("/"):
            anchor, body = "rule_base", spec[1:]
        elif spec.startswith("./"):
            anchor, body = "cwd", spec[2:]
        else:
            anchor, body = "cwd", spec
            anchored = "/" in body.rstrip("/")
        if not spec.strip():
            raise RuleError("the path is empty")
        if body.startswith("!"):
            raise RuleError("negated (`!`) patterns are not supported")
        dir_only = body.endswith("/")
        if body.endswith("/**"):
            body, dir_only = body[:-3], True
        segments = [segment for segment in body.split("/") if segment not in ("", ".")]
        literal: list[str] = []
        if anchored:
            while segments and not _GLOB_CHARS.intersection(segments[0]):
                literal.append(segments.pop(0))
        return cls(anchor, "/".join(literal), "/".join(segments), anchored, dir_only)

    def matches(self, path: Path, *, folder: bool, cwd: Path, rule_base: Path | None) -> bool:
        """Whether `path` (absolute, resolved) or a folder above it matches."""
        base = self._base(cwd, rule_base)
        if base is None:
            return False
        root = (base / self.literal).resolve() if self.literal else base.resolve()
        if path != root and not path.is_relative_to(root):
            return False
        parts = path.relative_to(root).parts
        candidates = ["/".join(parts[:count]) for count in range(len(parts))]
        if folder or not self.dir_only:
            candidates.append("/".join(parts))
        regex = _glob_regex(self.glob, self.anchored)
        return any(regex.fullmatch(candidate) for candidate in candidates)

    def _base(self, cwd: Path, rule_base: Path | None) -> Path | None:
        if self.anchor == "root":
            return Path("/")
        if self.anchor == "home":
            home = Path(os.path.expanduser("~"))
            return home if home.is_absolute() else None
        if self.anchor == "rule_base" and rule_base is not None:
            return rule_base
        return cwd


@lru_cache(maxsize=512)
def _glob_regex(glob: str, anchored: bool) -> re.Pattern[str]:
    """A gitignore glob (relative, no leading or trailing slash) as a regex."""
    pieces = []
    segments = glob.split("/") if glob else []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            pieces.append(".*" if last else "(?:.*/)?")
        else:
            pieces.append(_segment_regex(segment) + ("" if last else "/"))
    regex = "".join(pieces)
    if not anchored:
        regex = "(?:.*/)?" + regex
    return re.compile(regex, re.DOTALL)


def _segment_regex(segment: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(segment):
        char = segment[index]
        index += 1
        if char == "\\" and index < len(segment):
            out.append(re.escape(segment[index]))
            index += 1
        elif char == "*":
            while index < len(segment) and segment[index] == "*":
                index += 1
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and (end := segment.find("]", index + 1)) > index:
            body = segment[index:end]
            negate = body[:1] in ("!", "^")
            body = body[1:] if negate else body
            escaped = body.replace("\\", "\\\\").replace("^", "\\^").replace("[", "\\[")
            out.append(f"(?!/)[{'^' if negate else ''}{escaped}]")
            index = end + 1
        else:
            out.append(re.escape(char))
    return "".join(out)


@dataclass(frozen=True)
class DomainPattern:
    """`domain:example.com` (that host only) or `domain:*.example.com` (its subdomains)."""

    host: str

    @classmethod
    def parse(cls, spec: str) -> DomainPattern:
        if not spec.startswith("domain:"):
            raise RuleError("WebFetch rules take `domain:HOST`")
        host = spec.removeprefix("domain:").strip().rstrip(".").lower()
        if not _HOST.fullmatch(host):
            raise RuleError(f"{host!r} is not a host name")
        return cls(host)

    def matches(self, host: str) -> bool:
        if self.host.startswith("*."):
            return host.endswith(self.host[1:])
        return host == self.host


def url_host(url: object) -> str | None:
    """The lower-case host of an http(s) URL; None when unsure how a client would read it.

    A non-ASCII host is given in its IDNA (punycode) form, the name a client resolves:
    full-width letters and ideographic full stops (U+3002) cannot hide a host from a rule.
    """
    if not isinstance(url, str) or any(char.isspace() or char == "\\" for char in url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host or "%" in host:
        return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return None
    return host.rstrip(".")


@dataclass(frozen=True)
class OperationPattern:
    """One operation of a tool that has several (`Git(commit)`, `GitHub(pr_comment)`)."""

    operation: str

    @classmethod
    def parse(cls, spec: str) -> OperationPattern:
        operation = spec.strip()
        if not _OPERATION.fullmatch(operation):
            raise RuleError(f"{operation!r} is not an operation name")
        return cls(operation)

    def matches(self, operation: object) -> bool:
        return operation == self.operation


@dataclass(frozen=True)
class AgentPattern:
    """One subagent: `Agent(Explore)` covers the calls that start Explore."""

    agent: str

    @classmethod
    def parse(cls, spec: str) -> AgentPattern:
        agent = spec.strip()
        if not _AGENT_NAME.fullmatch(agent):
            raise RuleError(f"{agent!r} is not an agent name")
        return cls(agent)

    def matches(self, tool_input: Mapping[str, Any]) -> bool:
        return subagent_type(tool_input) == self.agent


Specifier = CommandPattern | PathPattern | DomainPattern | OperationPattern | AgentPattern


@dataclass(frozen=True)
class Rule:
    """`tool` or `tool(specifier)`, with where it came from. Construction validates."""

    tool: str
    specifier: str | None
    source: RuleSource
    pattern: Specifier | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        tool = LEGACY_TOOL_NAMES.get(self.tool, self.tool)  # however the rule was made
        object.__setattr__(self, "tool", tool)
        object.__setattr__(self, "pattern", _parse_specifier(tool, self.specifier))

    @classmethod
    def parse(cls, text: str, source: RuleSource) -> Rule:
        """One rule; raises `RuleError` when it is malformed."""
        match = _RULE.fullmatch(text.strip())
        if match is None:
            raise RuleError("expected `Tool` or `Tool(specifier)`")
        tool, spec = match["tool"], match["spec"]
        if tool.endswith("__*") and not tool.startswith("mcp__"):
            raise RuleError("only MCP rules (`mcp__server__*`) take a `*` in the tool name")
        if tool == "Bash" and spec is not None and spec.strip() == "*":
            spec = None
        return cls(tool, spec, source)

    @property
    def text(self) -> str:
        return self.tool if self.specifier is None else f"{self.tool}({self.specifier})"

    def covers(self, tool_name: str) -> bool:
        """Whether this rule is about `tool_name` at all (groups and MCP servers included)."""
        if tool_name == self.tool:
            return True
        if self.tool == "Edit":
            return tool_name in EDIT_TOOLS
        if self.tool == "Read":
            return tool_name in READ_TOOLS
        server = _mcp_server(self.tool)
        return server is not None and tool_name.startswith(f"mcp__{server}__")

    def covers_every_use(self, tool_name: str) -> bool:
        return self.specifier is None and self.covers(tool_name)

    def covers_mcp_server(self, server: str) -> bool:
        """Whether this is `mcp__server` or `mcp__server__*`: all that server offers."""
        return self.specifier is None and _mcp_server(self.tool) == server

    def matches(self, use: ToolUse, *, restrictive: bool) -> bool:
        """Whether the rule applies to `use`.

        `restrictive` (deny and ask rules): any doubt counts as a match. Otherwise
        (allow rules) every path must match and doubt is no match. Bash allow rules
        match single commands through `allows_command`; here they only match a whole
        line equal to an exact rule written with operators.
        """
        if not self.covers(use.tool_name):
            return False
        pattern = self.pattern
        if pattern is None:
            return True
        if isinstance(pattern, CommandPattern):
            if restrictive:
                if pattern.compound:
                    return pattern.occurs_in(use.line)
                return any(pattern.matches(spelling) for spelling in use.spellings)
            return pattern.compound and pattern.kind == "exact" and pattern.matches(use.line)
        if isinstance(pattern, PathPattern):
            if not use.paths:
                return restrictive
            hits = [
                pattern.matches(
                    path, folder=use.folder, cwd=use.cwd, rule_base=self.source.base_dir
                )
                for path in use.paths
            ]
            return any(hits) if restrictive else all(hits)
        if isinstance(pattern, OperationPattern):
            return pattern.matches(use.tool_input.get("operation"))
        if isinstance(pattern, AgentPattern):
            return pattern.matches(use.tool_input)
        host = use.host
        return restrictive if host is None else pattern.matches(host)

    def allows_command(self, command: str) -> bool:
        """Whether this allow rule approves one simple command of a Bash line."""
        if not self.covers("Bash"):
            return False
        pattern = self.pattern
        if pattern is None:
            return True
        if not isinstance(pattern, CommandPattern) or pattern.compound:
            return False
        return pattern.matches(command)


def _mcp_server(tool: str) -> str | None:
    """`server` for the rules `mcp__server` and `mcp__server__*`, else None."""
    if not tool.startswith("mcp__"):
        return None
    name = tool.removeprefix("mcp__").removesuffix("__*")
    if tool.endswith("__*") or "__" not in name:
        return name or None
    return None


def _parse_specifier(tool: str, spec: str | None) -> Specifier | None:
    if spec is None:
        return None
    if tool == "Bash":
        return CommandPattern.parse(spec)
    if tool in EDIT_TOOLS or tool in READ_TOOLS:
        return PathPattern.parse(spec)
    if tool == "WebFetch":
        return DomainPattern.parse(spec)
    if tool in OPERATION_TOOLS:
        return OperationPattern.parse(spec)
    if tool == AgentTool.name:
        return AgentPattern.parse(spec)
    raise RuleError(f"{tool} rules take no specifier")


def split_rule_list(text: str) -> list[str]:
    """Rules from a `--allowedTools` value: separated by commas or blanks outside `( )`."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if depth == 0 and (char == "," or char.isspace()):
            parts.append("".join(current))
            current = []
            continue
        if char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        current.append(char)
    parts.append("".join(current))
    return [part for part in parts if part]


def tool_name_of(text: str) -> str | None:
    """The tool a malformed rule names, if its text starts with one."""
    match = _TOOL_NAME.match(text.strip())
    return match[0] if match else None


def path_rule(path: Path, *, contents: bool) -> str:
    """A `//absolute` specifier for `path` (`/**` appended for a folder's contents)."""
    escaped = "".join("\\" + char if char in _GLOB_CHARS else char for char in path.as_posix())
    body = escaped.lstrip("/")
    if contents:
        return f"//{body}/**" if body else "//**"
    return f"//{body}"
