"""Agent: hands a task to a subagent, which works in a context of its own and reports back.

The tool itself only checks its input and asks nothing: the subagent's own tool calls
go through the permission policy. Running one is the session's business (see
`agent/subagent_run.py`), reached through `SubagentRunner`, so tools stay free of
sessions.
Several Agent calls in one response run side by side, like other calls that only look.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from claude_lsp.tools.base import Tool, ToolContext, ToolKind, ToolResult

DESCRIPTION = """\
Hand a task to a subagent: an agent with a fresh context and its own tools, which works \
on the task alone and returns one final report. Use it for searches that may take \
several tries, for research that would fill this conversation with file contents, and \
for independent pieces of work. Several Agent calls in one response run in parallel.

- Write `prompt` as a complete brief: the subagent has not seen this conversation. Say \
what to do, what to leave alone, and what its report must contain.
- The report comes back to you, not to the user: pass on what matters.
- To read a known file or find a definition you can name, use Read, Grep or Symbols \
yourself: it is quicker.

Agents (`subagent_type`: when to use it):
"""


class SubagentRunner(Protocol):
    """What the tool needs from its session: the agents there are, and running one."""

    def listing(self) -> list[tuple[str, str]]:
        """(name, description) of each agent the model may pick."""

    async def run(self, subagent_type: str, prompt: str) -> ToolResult:
        """Run the agent on `prompt` to its end; its final text is the result."""


class AgentTool(Tool):
    name = "Agent"
    description = DESCRIPTION
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["description", "prompt", "subagent_type"],
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
                "description": "Which agent does the task (one from the list)",
            },
        },
    }
    # It asks nothing and changes nothing itself: a subagent's own calls are asked about.
    read_only = True
    kind: ClassVar[ToolKind] = "think"

    def __init__(self, subagents: SubagentRunner) -> None:
        self._subagents = subagents

    def definition(self) -> dict[str, Any]:
        """The description lists the agents there are now (`/agents` reloads them)."""
        agents = "\n".join(f"- {name}: {about}" for name, about in self._subagents.listing())
        return {**super().definition(), "description": DESCRIPTION + agents}

    def title(self, tool_input: dict[str, Any]) -> str:
        agent = tool_input.get("subagent_type")
        task = tool_input.get("description")
        if isinstance(agent, str) and isinstance(task, str):
            return f"{agent}: {task}"
        return self.name

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return await self._subagents.run(tool_input["subagent_type"], tool_input["prompt"])
