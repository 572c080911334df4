"""A chat session: its conversation, its tools and policy, and the turn loop.

One `prompt` call is one user turn: the model is called, the tools it asks for run, and
their results go back, until the model ends its turn, hits a limit, or is cancelled.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claude_lsp.agent.events import (
    AgentText,
    AgentThought,
    ApiRetrying,
    ModeChanged,
    ToolCallUpdated,
    TurnResult,
    UsageUpdated,
    UserText,
)
from claude_lsp.agent.system_prompt import PromptEnvironment, build_system_prompt
from claude_lsp.agent.tool_runner import INTERRUPTED, ToolRunner, call_started, error_result
from claude_lsp.git.context import git_snapshot
from claude_lsp.host import EventSink, FileAccess, PermissionAsker
from claude_lsp.models.client import ModelClient, ModelError, ModelResponse, StreamCallbacks
from claude_lsp.models.usage import Usage, cost_usd
from claude_lsp.policy.permissions import PermissionMode, PermissionPolicy, parse_rules
from claude_lsp.sessions.transcripts import Transcript, messages_of
from claude_lsp.tools.base import ToolContext
from claude_lsp.tools.file_state import FileReadState
from claude_lsp.tools.registry import builtin_tools
from claude_lsp.tools.shells import BackgroundShells

log = logging.getLogger(__name__)

# Claude Code's defaults as of its 2.1 releases (late 2026).
DEFAULT_MODEL = "claude-opus-4-8"
MODEL_ALIASES = {
    "opus": "claude-opus-4-8",
    "sonnet": "claude-sonnet-4-6",
    "haiku": "claude-haiku-4-5",
}
DEFAULT_MAX_TOKENS = 64_000


def resolve_model(name: str | None) -> str:
    """A full model id from an alias, `ANTHROPIC_MODEL` or the default."""
    name = name or os.environ.get("ANTHROPIC_MODEL") or DEFAULT_MODEL
    return MODEL_ALIASES.get(name, name)


@dataclass
class SessionOptions:
    cwd: Path
    model: str | None = None
    permission_mode: PermissionMode = PermissionMode.DEFAULT
    max_turns: int | None = None
    allowed_tools: list[str] = field(default_factory=list)
    disallowed_tools: list[str] = field(default_factory=list)
    append_system_prompt: str | None = None
    additional_dirs: list[Path] = field(default_factory=list)
    record_transcript: bool = True


class SessionBusyError(Exception):
    """A prompt arrived while the previous one is still running."""


@dataclass
class _TurnStats:
    started: float = field(default_factory=time.monotonic)
    num_turns: int = 0
    api_ms: int = 0
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0
    last_text: str = ""

    def result(self, stop_reason: Any, denials: list[dict[str, Any]]) -> TurnResult:
        return TurnResult(
            stop_reason=stop_reason,
            result_text=self.last_text,
            num_turns=self.num_turns,
            usage=self.usage.as_dict(),
            cost_usd=self.cost,
            duration_ms=int((time.monotonic() - self.started) * 1000),
            duration_api_ms=self.api_ms,
            permission_denials=denials,
        )


class Session:
    """Conversation state plus everything needed to run the next turn."""

    def __init__(
        self,
        options: SessionOptions,
        *,
        model_client: ModelClient,
        files: FileAccess,
        emit: EventSink,
        asker: PermissionAsker | None,
        session_id: str | None = None,
    ) -> None:
        self.id = session_id or str(uuid.uuid4())
        self.options = options
        self.model = resolve_model(options.model)
        self.messages: list[dict[str, Any]] = []
        self.transcript: Transcript | None = (
            Transcript.create(self.id, options.cwd) if options.record_transcript else None
        )
        self.usage = Usage()
        self.cost_usd = 0.0
        self._model_client = model_client
        self._emit = emit
        self.warnings: list[str] = []
        deny = parse_rules(options.disallowed_tools, deny=True, warnings=self.warnings)
        allow = parse_rules(options.allowed_tools, deny=False, warnings=self.warnings)
        denied_names = {rule.tool for rule in deny}
        self.tools = {tool.name: tool for tool in builtin_tools() if tool.name not in denied_names}
        roots = [options.cwd, *options.additional_dirs]
        # private (0700) per session, so no other user can plant files in it
        scratch_dir = Path(tempfile.mkdtemp(prefix="claude-lsp-"))
        self.policy = PermissionPolicy(
            mode=options.permission_mode, allow=allow, deny=deny, roots=[*roots, scratch_dir]
        )
        self.ctx = ToolContext(
            cwd=options.cwd,
            files=files,
            read_state=FileReadState(),
            shells=BackgroundShells(),
            roots=roots,
            scratch_dir=scratch_dir,
        )
        self._asker = asker
        self._system_prompt: str | None = None
        self._task: asyncio.Task[Any] | None = None
        self._cancel_requested = False

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def set_mode(self, mode: PermissionMode) -> None:
        self.policy.mode = mode
        self._emit(ModeChanged(mode.value))

    def cancel(self) -> None:
        """Stop the running turn: the model stream and any tool process."""
        if self.busy:
            assert self._task is not None
            self._cancel_requested = True
            self._task.cancel()

    async def close(self) -> None:
        self.cancel()
        await self.ctx.shells.close_all()
        if self.ctx.scratch_dir is not None:
            shutil.rmtree(self.ctx.scratch_dir, ignore_errors=True)

    async def prompt(self, content: list[dict[str, Any]]) -> TurnResult:
        """Run one user turn to its end and report how it ended."""
        if self.busy:
            raise SessionBusyError("a prompt is already running in this session")
        self._cancel_requested = False
        stats = _TurnStats()
        runner = self._runner()
        self._task = asyncio.create_task(self._run_turn(content, stats, runner))
        try:
            stop_reason = await self._task
        except asyncio.CancelledError:
            if not self._cancel_requested:
                raise
            stop_reason = "cancelled"
        finally:
            self._task = None
        return stats.result(stop_reason, runner.denials)

    async def run_tool(self, name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
        """Run one tool for the user (the chat's `!command`), under the same policy.

        It streams as a tool call like the model's own, can be cancelled the same way,
        and its input and result join the conversation so the model sees them next turn.
        Returns the tool_result block.
        """
        if self.busy:
            raise SessionBusyError("a prompt is already running in this session")
        self._cancel_requested = False
        runner = self._runner()
        call_id = f"toolu_user_{uuid.uuid4().hex[:16]}"
        call = {"id": call_id, "name": name, "input": tool_input}
        self._task = asyncio.create_task(runner.run_one(call))
        try:
            block: dict[str, Any] = await self._task
        except asyncio.CancelledError:
            if not self._cancel_requested:
                raise
            block = error_result(call_id, INTERRUPTED)
        finally:
            self._task = None
        output = "\n".join(part.get("text", f"[{part.get('type')}]") for part in block["content"])
        status = "failed" if block.get("is_error") else "succeeded"
        record = f"The user ran {name} with input {json.dumps(tool_input)}; it {status}:"
        self._append_user(
            [{"type": "text", "text": f"<user-tool-run>{record}\n{output}\n</user-tool-run>"}]
        )
        return block

    def _runner(self) -> ToolRunner:
        return ToolRunner(
            tools=self.tools, policy=self.policy, asker=self._asker, emit=self._emit, ctx=self.ctx
        )

    async def _run_turn(
        self, content: list[dict[str, Any]], stats: _TurnStats, runner: ToolRunner
    ) -> str:
        self._append_user(content)
        if self._system_prompt is None:
            self._system_prompt = await self._build_system_prompt()
        while True:
            if self.options.max_turns is not None and stats.num_turns >= self.options.max_turns:
                return "max_turn_requests"
            response = await self._call_model(stats)
            self._add({"role": "assistant", "content": response.content})
            calls = [block for block in response.content if block.get("type") == "tool_use"]
            if response.stop_reason == "tool_use" and calls:
                try:
                    await runner.run_all(calls)
                finally:  # also on cancel: every call gets its result or "interrupted"
                    self._add({"role": "user", "content": runner.results_for(calls)})
                continue
            if calls:  # cut off mid-request (max_tokens): the calls never ran
                note = f"Not run: the response ended with stop reason {response.stop_reason}."
                self._add({"role": "user", "content": [error_result(c["id"], note) for c in calls]})
            if response.stop_reason == "pause_turn":
                continue  # a server tool paused a long turn: send it back to resume
            if response.stop_reason in ("max_tokens", "refusal"):
                return response.stop_reason
            return "end_turn"

    async def _call_model(self, stats: _TurnStats) -> ModelResponse:
        streamed: list[str] = []

        def on_text(text: str) -> None:
            streamed.append(text)
            self._emit(AgentText(text))

        def on_retry(attempt: int, max_retries: int, delay: float, error: ModelError) -> None:
            streamed.clear()
            self._emit(ApiRetrying(attempt, max_retries, delay, str(error)))

        callbacks = StreamCallbacks(
            on_text=on_text,
            on_thinking=lambda text: self._emit(AgentThought(text)),
            on_retry=on_retry,
        )
        try:
            response = await self._model_client.stream(self._request_params(), callbacks)
        except asyncio.CancelledError:
            if streamed:  # keep what the user already saw
                self._add(
                    {"role": "assistant", "content": [{"type": "text", "text": "".join(streamed)}]}
                )
            raise
        stats.num_turns += 1
        stats.api_ms += response.api_duration_ms
        usage = Usage.from_api(response.usage)
        stats.usage += usage
        cost = cost_usd(response.model or self.model, usage)
        stats.cost += cost
        self.usage += usage
        self.cost_usd += cost
        text = "".join(
            block.get("text", "") for block in response.content if block.get("type") == "text"
        )
        if text:
            stats.last_text = text
        self._emit(
            UsageUpdated(
                model=self.model,
                usage=self.usage.as_dict(),
                cost_usd=self.cost_usd,
                context_tokens=usage.input_tokens
                + usage.cache_creation_input_tokens
                + usage.cache_read_input_tokens
                + usage.output_tokens,
            )
        )
        return response

    def _request_params(self) -> dict[str, Any]:
        assert self._system_prompt is not None
        tools = [tool.definition() for tool in self.tools.values()]
        if tools:
            tools[-1] = tools[-1] | {"cache_control": {"type": "ephemeral"}}
        return {
            "model": self.model,
            "max_tokens": _max_tokens(),
            "system": [
                {
                    "type": "text",
                    "text": self._system_prompt,
                    "cache_control": {"type": "ephemeral"},
                }
            ],
            "tools": tools,
            "messages": _with_cache_breakpoint(self.messages),
        }

    async def _build_system_prompt(self) -> str:
        git = await asyncio.to_thread(git_snapshot, self.options.cwd)
        env = PromptEnvironment(
            cwd=self.options.cwd,
            model=self.model,
            additional_dirs=tuple(self.options.additional_dirs),
            git=git,
        )
        return build_system_prompt(env, self.options.append_system_prompt)

    def _append_user(self, content: list[dict[str, Any]]) -> None:
        self._add({"role": "user", "content": content})

    def _add(self, message: dict[str, Any]) -> None:
        """Append to the conversation and its transcript.

        Consecutive messages of one role are joined for the API (tool_results and the
        next prompt share a user turn); the transcript keeps one line per addition.
        """
        if self.transcript is not None:
            self.transcript.append(message)
        if self.messages and self.messages[-1]["role"] == message["role"]:
            self.messages[-1] = {
                "role": message["role"],
                "content": [*self.messages[-1]["content"], *message["content"]],
            }
        else:
            self.messages.append({"role": message["role"], "content": list(message["content"])})

    def restore(self, entries: list[dict[str, Any]]) -> None:
        """Take over a conversation read back from this session's transcript."""
        self.messages = messages_of(entries)
        if self.transcript is not None:
            self.transcript.continue_after(entries)

    def replay(self) -> None:
        """Emit the conversation as events, for a client that loaded this session."""
        results = {
            block["tool_use_id"]: block
            for message in self.messages
            if message["role"] == "user"
            for block in message["content"]
            if block.get("type") == "tool_result"
        }
        for message in self.messages:
            for block in message["content"]:
                kind = block.get("type")
                if kind == "text" and message["role"] == "user":
                    self._emit(UserText(block["text"]))
                elif kind == "text":
                    self._emit(AgentText(block["text"]))
                elif kind == "tool_use":
                    self._replay_tool_call(block, results.get(block["id"]))

    def _replay_tool_call(self, call: dict[str, Any], result: dict[str, Any] | None) -> None:
        self._emit(call_started(self.tools.get(call["name"]), call, self.ctx))
        if result is None:
            return
        blocks = result.get("content")
        blocks = [{"type": "text", "text": blocks}] if isinstance(blocks, str) else blocks or []
        self._emit(
            ToolCallUpdated(
                tool_call_id=call["id"],
                status="failed" if result.get("is_error") else "completed",
                output="\n".join(b.get("text", "") for b in blocks if b.get("type") == "text"),
                raw_output=blocks,
            )
        )


def _max_tokens() -> int:
    value = os.environ.get("CLAUDE_CODE_MAX_OUTPUT_TOKENS", "")
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MAX_TOKENS


def _with_cache_breakpoint(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of the history with a prompt-cache breakpoint on its last block."""
    if not messages or not messages[-1]["content"]:
        return messages
    last = messages[-1]
    content = list(last["content"])
    content[-1] = content[-1] | {"cache_control": {"type": "ephemeral"}}
    return [*messages[:-1], {"role": last["role"], "content": content}]
