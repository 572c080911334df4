"""Agent: hands a task to a subagent, which works in a context of its own and reports back.

The tool itself only checks its input and asks nothing: the subagent's own tool calls
go through the permission policy. Running one is the session's business (see
`agent/subagent_run.py`), reached through `SubagentRunner`, so tools stay free of
sessions.
Agent calls for agents that only look run side by side, like other calls that only look;
one for an agent that may change things runs alone, as edits and commands do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

from claude_lsp.tools.base import Tool, ToolContext, ToolKind, ToolResult

# The agent a call without `subagent_type` gets, as in Claude Code.
DEFAULT_AGENT = "general-purpose"

DESCRIPTION = """\
Hand a task to a subagent: an agent with a fresh context and its own tools, which works \
on the task alone and returns one final report. Use it for searches that may take \
several tries, for research that would fill this conversation with file contents, and \
for independent pieces of work. Several Agent calls in one response for agents that only \
look (Explore, Plan) run in parallel; agents that may change files run one at a time.

- Write `prompt` as a complete brief: the subagent has not seen this conversation. Say \
what to do, what to leave alone, and what its report must contain.
- The report comes back to you, not to the user: pass on what matters.
- To read a known file or find a definition you can name, use Read, Grep or Symbols \
yourself: it is quicker.

Agents (`subagent_type`: when to use it; general-purpose when left out):
"""


class SubagentRunner(Protocol):
    """What the tool needs from its session: the agents there are, and running one."""

    def listing(self) -> list[tuple[str, str]]:
        """(name, description) of each agent the model may pick."""

    def changes_nothing(self, subagent_type: str) -> bool:
        """Whether the agent only looks (an unknown one does nothing at all)."""

    async def run(self, subagent_type: str, prompt: str) -> ToolResult:
        """Run the agent on `prompt` to its end; its final text is the result."""


class AgentTool(Tool):
    name = "Agent"
    # Its name before Claude Code renamed it: permission rules and hook matchers that
    # use it still mean this tool.
    legacy_name: ClassVar[str] = "Task"
    description = DESCRIPTION
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["description", "prompt"],
        "properties": {
            "description": {
                "type": "string",
                "minLength": 1,
                "description": "The task in 3 to 5 words, shown to the user",
            },
            "prompt": {
                "type": "string",
                "minLength": 1,
                "description": "The whole task for the agent: it sees nothing else",
            },
            "subagent_type": {
                "type": "string",
                "description": "Which agent does the task (one from the list; "
                f"{DEFAULT_AGENT} when left out)",
            },
        },
    }
    # It asks nothing itself (the policy lets "think" tools through): a subagent's own
    # calls are asked about. Whether a call only looks depends on its agent.
    read_only = False
    kind: ClassVar[ToolKind] = "think"

    def __init__(self, subagents: SubagentRunner) -> None:
        self._subagents = subagents

    def definition(self) -> dict[str, Any]:
        """The description lists the agents there are now (`/agents` reloads them)."""
        agents = "\n".join(f"- {name}: {about}" for name, about in self._subagents.listing())
        return {**super().definition(), "description": DESCRIPTION + agents}

    def is_read_only(self, tool_input: Mapping[str, Any]) -> bool:
        """Only for an agent that only looks: one that may edit runs alone."""
        return self._subagents.changes_nothing(subagent_type(tool_input))

    def title(self, tool_input: dict[str, Any]) -> str:
        task = tool_input.get("description")
        if isinstance(task, str):
            return f"{subagent_type(tool_input)}: {task}"
        return self.name

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return await self._subagents.run(subagent_type(tool_input), tool_input["prompt"])


def subagent_type(tool_input: Mapping[str, Any]) -> str:
    """The agent an Agent call names, or the default one; permission rules such as
    `Agent(Explore)` match it."""
    agent = tool_input.get("subagent_type")
    return agent if isinstance(agent, str) and agent else DEFAULT_AGENT
