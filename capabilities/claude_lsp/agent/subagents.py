"""Subagent definitions: the built-in agents and Markdown files in `.claude/agents`.

As in Claude Code, a definition's frontmatter names the agent and says when to use it
(`name`, `description`), which tools it gets (`tools`, a comma list; left out: every
tool of the main agent; `disallowedTools` takes some away), how many model requests
it may make (`maxTurns`) and its model (`model`: an alias, a full id or `inherit`); the
text below is its system prompt. Project agents (`.claude/agents/*.md`) win over user
agents (`~/.claude/agents/*.md`) of the same name, and both over the built-ins. A file
that cannot be used is skipped with a warning; the others still load. So is one that
restricts the agent in a way not supported here (`permissionMode`, `hooks`, ...): run
without its restriction, the agent could do what its author ruled out.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from claude_lsp.frontmatter import as_list, split_frontmatter
from claude_lsp.sessions.transcripts import config_dir
from claude_lsp.tools.agent import DEFAULT_AGENT, AgentTool
from claude_lsp.tools.base import Tool
from claude_lsp.tools.exit_plan_mode import ExitPlanModeTool
from claude_lsp.tools.registry import builtin_tools

log = logging.getLogger(__name__)

MAX_AGENT_BYTES = 256 * 1024
INHERIT = "inherit"
# A subagent never starts subagents of its own, and the main conversation's plan mode
# is the main agent's to leave.
NOT_FOR_SUBAGENTS = frozenset({AgentTool.name, ExitPlanModeTool.name})
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# Frontmatter fields of Claude Code's agents that limit what the agent may do, and
# that these agents do not support: a file with one is not loaded.
UNSUPPORTED_RESTRICTIONS = ("permissionMode", "hooks", "mcpServers", "isolation")
# The model aliases `resolve_model` knows (session.MODEL_ALIASES), and `inherit`.
MODEL_ALIAS_NAMES = frozenset({"sonnet", "opus", "haiku", INHERIT})

Scope = Literal["built-in", "project", "user"]


@dataclass(frozen=True)
class AgentDefinition:
    name: str
    description: str
    prompt: str
    # Tool names; None: every tool the main agent has (but those NOT_FOR_SUBAGENTS).
    tools: tuple[str, ...] | None = None
    # Tool names taken away from `tools` (`disallowedTools`).
    disallowed: tuple[str, ...] = ()
    # The most model requests one task may make; None: no limit.
    max_turns: int | None = None
    # An alias or a full id; None: the main agent's model (`inherit`).
    model: str | None = None
    scope: Scope = "built-in"
    path: Path | None = None
    # Calls that would change something (a commit, an edit) are refused before anyone
    # is asked, whatever the permission mode.
    read_only: bool = False

    @property
    def origin(self) -> str:
        """Where it comes from, for listings: `built-in`, or the scope and file."""
        return self.scope if self.path is None else f"{self.scope}: {self.path}"


@dataclass(frozen=True)
class AgentCatalogue:
    """The agents visible from a folder, by name, and what was wrong with the files."""

    agents: dict[str, AgentDefinition]
    warnings: tuple[str, ...] = ()


LOOKING_TOOLS = ("Glob", "Grep", "LS", "Read", "Symbols", "Git")

_REPORT = (
    "Your final message is all the main agent receives: it cannot see your tool calls "
    "or their results. End with a self-contained report it can act on: what you found "
    "or changed, with file paths (and line numbers where they help)."
)

GENERAL_PURPOSE = AgentDefinition(
    name=DEFAULT_AGENT,
    description=(
        "An agent with every tool, for open-ended research and multi-step tasks: searching "
        "for code when the first tries may miss, reading many files, carrying out a "
        "self-contained change. Its work stays out of the main conversation; only its "
        "report comes back."
    ),
    prompt=(
        "The main agent has handed you one task. Carry it out completely with your tools: "
        "search broadly when you do not know where something is, read what matters, and "
        "change files only when the task asks for changes.\n\n" + _REPORT
    ),
)

EXPLORE = AgentDefinition(
    name="Explore",
    description=(
        "A fast, read-only agent for finding your way around the code base: files by "
        "pattern, code by keyword, how something works. It cannot edit files or run "
        "commands. Say how thorough to be: quick, medium or very thorough."
    ),
    prompt=(
        "You explore a code base for the main agent, without changing anything: you have "
        "only tools that look (Glob, Grep, LS, Read, Symbols, and Git's status, diff, log, "
        "show and blame). Start wide, then narrow down; search in parallel where you can. "
        "Match the thoroughness the task asks for.\n\n" + _REPORT
    ),
    tools=LOOKING_TOOLS,
    read_only=True,
)

PLAN = AgentDefinition(
    name="Plan",
    description=(
        "A read-only agent that researches the code base and designs an implementation "
        "plan: the files to change, in what order, and the risks. Use it before a large "
        "change or while planning."
    ),
    prompt=(
        "You research a code base and design an implementation plan for the main agent, "
        "without changing anything: you have only tools that look. Find the code involved, "
        "the conventions it follows and the tests that cover it. Then lay out the steps, "
        "the files each touches, and the risks or open questions.\n\n" + _REPORT
    ),
    tools=LOOKING_TOOLS,
    read_only=True,
)

BUILTIN_AGENTS = (GENERAL_PURPOSE, EXPLORE, PLAN)


def load_agents(cwd: Path) -> AgentCatalogue:
    """The built-in agents, then user ones, then project ones: a later one of the same
    name replaces an earlier one."""
    warnings: list[str] = []
    agents = {agent.name: agent for agent in BUILTIN_AGENTS}
    folders: tuple[tuple[Scope, Path], ...] = (
        ("user", config_dir() / "agents"),
        ("project", cwd / ".claude" / "agents"),
    )
    for scope, folder in folders:
        seen: set[str] = set()
        for agent in _read_folder(folder, scope, warnings):
            if agent.name in seen:
                warnings.append(
                    f"agent file {agent.path}: another {scope} agent is named "
                    f"{agent.name}; this one is ignored"
                )
                continue
            seen.add(agent.name)
            agents[agent.name] = agent
    return AgentCatalogue(agents, tuple(warnings))


def tools_for(agent: AgentDefinition, available: Mapping[str, Tool]) -> dict[str, Tool]:
    """The tools `agent` gets out of the main agent's (those rules denied stay out), in
    the order the main agent has them."""
    return {
        name: tool
        for name, tool in available.items()
        if (agent.tools is None or name in agent.tools)
        and name not in agent.disallowed
        and name not in NOT_FOR_SUBAGENTS
    }


def changes_nothing(agent: AgentDefinition, available: Mapping[str, Tool]) -> bool:
    """Whether `agent` only looks: a read-only built-in, or one whose every tool only
    looks. Such agents run side by side with other calls that only look."""
    return agent.read_only or all(tool.read_only for tool in tools_for(agent, available).values())


def tools_summary(agent: AgentDefinition) -> str:
    """The agent's tools as `/agents` lists them."""
    if agent.tools is not None:
        names = [name for name in agent.tools if name not in agent.disallowed]
        return ", ".join(names) or "none"
    left_out = [*sorted(NOT_FOR_SUBAGENTS), *agent.disallowed]
    return f"all but {', '.join(left_out)}"


def _read_folder(folder: Path, scope: Scope, warnings: list[str]) -> list[AgentDefinition]:
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.rglob("*.md")):
        agent = _read_agent(path, scope, warnings)
        if agent is not None:
            found.append(agent)
    return found


def _read_agent(path: Path, scope: Scope, warnings: list[str]) -> AgentDefinition | None:
    def skip(why: str) -> None:
        log.warning("skipping agent file %s: %s", path, why)
        warnings.append(f"agent file {path} is ignored: {why}")

    try:
        if not path.is_file():
            return None
        if path.stat().st_size > MAX_AGENT_BYTES:
            skip(f"it is larger than {MAX_AGENT_BYTES // 1024} KiB")
            return None
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        skip(str(exc))
        return None
    fields, body = split_frontmatter(text)
    name, description = fields.get("name"), fields.get("description")
    if not fields:
        skip("it has no frontmatter (a --- block with name and description)")
        return None
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        skip("its frontmatter needs a name of letters, digits, '-', '_' or '.'")
        return None
    if not isinstance(description, str) or not description:
        skip("its frontmatter needs a description (when the agent should be used)")
        return None
    if not body.strip():
        skip("it has no system prompt below the frontmatter")
        return None
    unsupported = [field for field in UNSUPPORTED_RESTRICTIONS if field in fields]
    if unsupported:
        skip(
            f"its {', '.join(unsupported)} frontmatter is not supported here, and the agent "
            "must not run without that restriction (remove it to use the agent)"
        )
        return None
    max_turns = fields.get("maxTurns")
    if max_turns is not None and not (isinstance(max_turns, str) and _positive(max_turns)):
        skip("its maxTurns must be a whole number above 0")
        return None
    tools = fields.get("tools")
    disallowed = fields.get("disallowedTools")
    return AgentDefinition(
        name=name,
        description=description,
        prompt=body.strip(),
        tools=_tool_names(tools, path, warnings, granted=True) if "tools" in fields else None,
        disallowed=_tool_names(disallowed, path, warnings, granted=False),
        max_turns=int(max_turns) if isinstance(max_turns, str) else None,
        model=_model(fields.get("model"), path, warnings),
        scope=scope,
        path=path,
    )


def _positive(text: str) -> bool:
    return text.isascii() and text.isdigit() and int(text) > 0


def _model(value: str | list[str] | None, path: Path, warnings: list[str]) -> str | None:
    """The agent's own model; None for `inherit` or none. A name that is neither an alias
    nor a Claude model id is kept (the API judges it) but warned about."""
    if not isinstance(value, str) or not value or value == INHERIT:
        return None
    if value not in MODEL_ALIAS_NAMES and not value.startswith("claude-"):
        aliases = ", ".join(sorted(MODEL_ALIAS_NAMES))
        warnings.append(
            f"agent file {path}: model {value!r} is neither an alias ({aliases}) nor a "
            "model id starting with claude-"
        )
    return value


def _tool_names(
    value: str | list[str] | None, path: Path, warnings: list[str], *, granted: bool
) -> tuple[str, ...]:
    """A list of tools to give (`tools`, `granted`) or take away (`disallowedTools`),
    with a warning for each name that is no tool, or that no subagent can be given."""
    known = {tool.name for tool in builtin_tools()}
    names = as_list(value)
    for name in names:
        if name in NOT_FOR_SUBAGENTS:
            if granted:
                warnings.append(f"agent file {path}: subagents cannot use {name}; it is left out")
        elif name not in known and not name.startswith("mcp__"):
            warnings.append(f"agent file {path}: there is no tool named {name}")
    return tuple(names)
