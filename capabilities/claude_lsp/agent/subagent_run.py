"""Running a subagent for an Agent tool call, in a session of its own.

The child is a `Session` made from the main one (`Session.subagent_session`): a fresh
conversation with the agent's tools, model and system prompt, on the main session's
permission policy, hooks and files. What it shows (text, tool calls, hook messages) is
reported under the Agent call; its permission questions name it; its transcript lies
beside the main one; only its final message comes back, as the Agent call's result.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, get_args

from claude_lsp.agent.events import NestedEvent, SessionEvent, SubagentEvent, TurnResult
from claude_lsp.agent.subagents import (
    INHERIT,
    AgentCatalogue,
    AgentDefinition,
    changes_nothing,
    load_agents,
    tools_for,
)
from claude_lsp.agent.tool_runner import running_call_id
from claude_lsp.models.client import ModelError
from claude_lsp.tools.base import ToolError, ToolResult

if TYPE_CHECKING:
    from claude_lsp.agent.session import Session
    from claude_lsp.host import EventSink, PermissionAsker
    from claude_lsp.policy.questions import PermissionAnswer, PermissionQuestion

_SHOWN = get_args(NestedEvent)
# Claude Code's variable: the model of every subagent, whatever the agent names.
SUBAGENT_MODEL_VARIABLE = "CLAUDE_CODE_SUBAGENT_MODEL"
EARLY_STOPS = {
    "max_tokens": "its response reached the output token limit",
    "max_turn_requests": "it reached the limit on model requests",
    "refusal": "the model refused to go on",
}


class Subagents:
    """A session's subagents: the agents it offers, and running one for an Agent call."""

    def __init__(self, session: Session, emit: EventSink, asker: PermissionAsker | None) -> None:
        self._session = session
        self._emit = emit
        self._asker = asker
        self.catalogue = load_agents(session.options.cwd)

    def reload(self) -> AgentCatalogue:
        """Read the agent files again (`/agents`), so new and changed ones are offered."""
        self.catalogue = load_agents(self._session.options.cwd)
        return self.catalogue

    def listing(self) -> list[tuple[str, str]]:
        return [(agent.name, agent.description) for agent in self.catalogue.agents.values()]

    def changes_nothing(self, subagent_type: str) -> bool:
        agent = self.catalogue.agents.get(subagent_type)
        return agent is None or changes_nothing(agent, self._session.tools)

    async def run(self, subagent_type: str, prompt: str) -> ToolResult:
        """Run the agent on `prompt` in the calling task (cancelling it stops the agent)."""
        agent = self.catalogue.agents.get(subagent_type)
        if agent is None:
            known = ", ".join(self.catalogue.agents)
            raise ToolError(
                f"There is no agent {subagent_type!r}; subagent_type is one of: {known}."
            )
        parent_call = running_call_id()
        assert parent_call is not None, "an Agent call runs in the tool runner"
        session = self._session
        agent_id = uuid.uuid4().hex[:16]
        forced = session.environment().get(SUBAGENT_MODEL_VARIABLE)
        child = session.subagent_session(
            agent_id=agent_id,
            agent_type=agent.name,
            tools=tools_for(agent, session.tools),
            model=forced if forced and forced != INHERIT else agent.model,
            max_turns=agent.max_turns,
            instructions=instructions(agent),
            transcript=session.transcript.for_subagent(agent_id) if session.transcript else None,
            emit=nested_under(self._emit, parent_call),
            asker=SubagentAsker(self._asker, agent.name) if self._asker is not None else None,
        )
        try:
            turn = await child.run_subagent_task(prompt, read_only=agent.read_only)
        except ModelError as exc:
            raise ToolError(f"The {agent.name} agent stopped: {exc}") from exc
        return ToolResult(report(agent, turn))


def instructions(agent: AgentDefinition) -> str:
    """What the agent's system prompt adds to the usual one: its role and brief."""
    return (
        f"# You are a subagent: {agent.name}\n\n"
        "The main agent started you for one task, given in the first message. Nobody "
        "answers questions you ask: decide for yourself, and say in your report what you "
        f"assumed.\n\n{agent.prompt}"
    )


def report(agent: AgentDefinition, turn: TurnResult) -> str:
    """The Agent call's result: the agent's final text, and why it stopped if it had to."""
    text = turn.result_text.strip()
    early = EARLY_STOPS.get(turn.stop_reason)
    if early is not None:
        return f"{text}\n\n(The {agent.name} agent stopped before it was done: {early}.)".strip()
    return text or f"The {agent.name} agent finished without a report."


def nested_under(emit: EventSink, parent_call_id: str) -> EventSink:
    """A subagent's events, shown under its Agent call. Its todo list is its own, not the
    session's plan, so it is not shown as one."""

    def forward(event: SessionEvent) -> None:
        if isinstance(event, _SHOWN):
            emit(SubagentEvent(parent_call_id, event))

    return forward


@dataclass(frozen=True)
class SubagentAsker:
    """Puts a subagent's permission questions to the user, saying whose they are."""

    asker: PermissionAsker
    agent: str

    async def ask(self, question: PermissionQuestion) -> PermissionAnswer:
        title = f"{self.agent} subagent: {question.title}"
        return await self.asker.ask(replace(question, title=title))
