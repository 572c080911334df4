"""A chat session: its conversation, its tools and policy, and the turn loop.

One `prompt` call is one user turn: the model is called, the tools it asks for run, and
their results go back, until the model ends its turn, hits a limit, or is cancelled.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from claude_lsp.agent.context_window import auto_compact_threshold
from claude_lsp.agent.events import (
    AgentText,
    AgentThought,
    ApiRetrying,
    CommandInfo,
    CommandsChanged,
    ModeChanged,
    PlanUpdated,
    ToolCallUpdated,
    TurnResult,
    UsageUpdated,
    UserText,
)
from claude_lsp.agent.model_request import max_tokens, request_params
from claude_lsp.agent.plan_approval import plan_file_of, plan_mode_reminder
from claude_lsp.agent.session_hooks import SessionHooks
from claude_lsp.agent.slash_commands import CommandPrompt, available_commands, run_command
from claude_lsp.agent.subagent_run import Subagents
from claude_lsp.agent.system_prompt import PromptEnvironment, build_system_prompt
from claude_lsp.agent.tool_runner import INTERRUPTED, ToolRunner, call_started, error_result
from claude_lsp.commands.builtin import parse_slash_call
from claude_lsp.commands.expansion import CommandEnv, include_files
from claude_lsp.git.context import git_snapshot
from claude_lsp.hooks import EventOutcome, HookConfig, HookEvent
from claude_lsp.hooks.prompt_hook import JUDGE_SYSTEM_PROMPT
from claude_lsp.host import EventSink, FileAccess, PermissionAsker
from claude_lsp.index.on_demand import IndexOnDemand
from claude_lsp.mcp.config import client_servers
from claude_lsp.mcp.servers import McpServers
from claude_lsp.memory.discovery import load_memory
from claude_lsp.memory.imports import import_targets
from claude_lsp.memory.render import render
from claude_lsp.models.client import ModelClient, ModelError, ModelResponse, StreamCallbacks
from claude_lsp.models.credentials import SessionCredentials
from claude_lsp.models.usage import Usage, cost_usd
from claude_lsp.policy.from_settings import settings_rules
from claude_lsp.policy.permissions import (
    MODE_DESCRIPTIONS,
    MODE_NAMES,
    SESSION_SOURCE,
    PermissionMode,
    PermissionPolicy,
    parse_rules,
)
from claude_lsp.policy.rules import Rule
from claude_lsp.sessions.transcripts import Transcript, messages_of
from claude_lsp.settings.load import load_settings
from claude_lsp.settings.local_rules import SettingsWriteError, add_permission_rule
from claude_lsp.tools.agent import AgentTool
from claude_lsp.tools.base import Tool, ToolContext
from claude_lsp.tools.bash import provide_env_file
from claude_lsp.tools.file_state import FileReadState
from claude_lsp.tools.registry import builtin_tools
from claude_lsp.tools.shells import BackgroundShells
from claude_lsp.tools.todo import TodoWriteTool

if TYPE_CHECKING:
    from collections.abc import Callable

    from claude_lsp.index.build import SymbolIndex

log = logging.getLogger(__name__)

# Claude Code's defaults as of its 2.1 releases (late 2026).
DEFAULT_MODEL = "claude-opus-4-8"
MODEL_ALIASES = {
    "opus": "claude-opus-4-8",
    "sonnet": "claude-sonnet-4-6",
    "haiku": "claude-haiku-4-5",
}

COMPACT_REQUEST = """\
Stop here and write a summary of this conversation so far; it will replace the \
history, so a fresh start can carry on the work without losing anything that matters. \
Use no tools. Cover, in this order:
1. What the user asked for and wants, in their own terms, including every explicit \
request and correction.
2. Key technical facts: the code base, technologies, decisions and their reasons.
3. Files read, created or changed, with paths, and the important code (short snippets \
where they matter).
4. Errors met and how they were fixed; what the user said about them.
5. Work still pending, and what was being done right before this summary.
6. The next step, if one follows directly from the user's latest request.
"""

# The model for quick side questions (prompt hooks), as Claude Code names it.
SMALL_MODEL_VARIABLE = "ANTHROPIC_SMALL_FAST_MODEL"
HOOK_VERDICT_MAX_TOKENS = 1024
SIDE_REQUEST_MAX_TOKENS = 4096

AUTO_COMPACT_NOTICE = "The conversation is close to the context limit: compacting it first."
CONTINUE_AFTER_COMPACT = (
    "Carry on with the work from where it stopped, without asking the user anything "
    "first: the history above was compacted to make room."
)

COMPACT_INTRO = (
    "This session continues an earlier conversation that was compacted to save context. "
    "Summary of it:\n\n"
)


def resolve_model(name: str | None) -> str:
    """A full model id from an alias, `ANTHROPIC_MODEL` or the default."""
    name = name or os.environ.get("ANTHROPIC_MODEL") or DEFAULT_MODEL
    return MODEL_ALIASES.get(name, name)


@dataclass
class SessionOptions:
    cwd: Path
    model: str | None = None
    permission_mode: PermissionMode | None = None  # None: settings' defaultMode, else default
    max_turns: int | None = None
    allowed_tools: list[str] = field(default_factory=list)
    disallowed_tools: list[str] = field(default_factory=list)
    append_system_prompt: str | None = None
    additional_dirs: list[Path] = field(default_factory=list)
    record_transcript: bool = True
    # Settings from the editor (initializationOptions / workspace/configuration): the
    # highest scope below managed settings.
    editor_settings: dict[str, Any] | None = None
    # Finds the host's symbol index for the session's folder as the workspace is now
    # (folders come and go); without a host, or outside its folders, one is built on
    # first use.
    symbol_index: Callable[[], SymbolIndex | None] | None = None
    # MCP servers the client passed with the session, in ACP's shape (`mcpServers`).
    mcp_servers: list[dict[str, Any]] = field(default_factory=list)


class SessionBusyError(Exception):
    """A prompt arrived while the previous one is still running."""


class ModeUnavailableError(Exception):
    """The permission mode asked for is switched off by settings."""


@dataclass
class _TurnStats:
    started: float = field(default_factory=time.monotonic)
    num_turns: int = 0
    api_ms: int = 0
    usage: Usage = field(default_factory=Usage)
    cost: float = 0.0
    last_text: str = ""  # of the latest response that had text
    final_text: str = ""  # of the latest response, even when it had none
    # Calls refused, the turn's subagents' included (print mode's permission_denials).
    denials: list[dict[str, Any]] = field(default_factory=list)

    def result(self, stop_reason: Any) -> TurnResult:
        return TurnResult(
            stop_reason=stop_reason,
            result_text=self.last_text,
            num_turns=self.num_turns,
            usage=self.usage.as_dict(),
            cost_usd=self.cost,
            duration_ms=int((time.monotonic() - self.started) * 1000),
            duration_api_ms=self.api_ms,
            permission_denials=self.denials,
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
        self.warnings: list[str] = []
        self.settings = load_settings(options.cwd, editor=options.editor_settings)
        self.warnings.extend(self.settings.problems)
        self.model = resolve_model(
            options.model
            or self.settings.env.get("ANTHROPIC_MODEL")
            or os.environ.get("ANTHROPIC_MODEL")
            or self.settings.model
        )
        # The environment with the settings' `env` on top, and apiKeyHelper: like Claude Code.
        self.credentials = SessionCredentials.for_session(
            model_client.credentials, self.settings.env, self.settings.api_key_helper, options.cwd
        )
        self.messages: list[dict[str, Any]] = []
        # cleanupPeriodDays 0 turns session persistence off.
        recording = options.record_transcript and self.settings.cleanup_period_days != 0
        self.transcript: Transcript | None = (
            Transcript.create(self.id, options.cwd) if recording else None
        )
        self.usage = Usage()
        self.cost_usd = 0.0
        self.context_tokens = 0  # the window in use after the latest model response
        self._announced_commands: tuple[CommandInfo, ...] | None = None
        self._model_client = model_client
        self._emit = emit
        deny = [
            *parse_rules(options.disallowed_tools, behavior="deny", warnings=self.warnings),
            *settings_rules(self.settings, "deny", self.warnings),
        ]
        allow = [
            *parse_rules(options.allowed_tools, behavior="allow", warnings=self.warnings),
            *settings_rules(self.settings, "allow", self.warnings),
        ]
        self.subagents = Subagents(self, emit, asker)  # the agents the Agent tool starts
        self.warnings.extend(self.subagents.catalogue.warnings)
        self.tools = _offered([*builtin_tools(), AgentTool(self.subagents)], deny)
        roots = _unique_paths(
            [
                options.cwd,
                *options.additional_dirs,
                *(path.resolve() for path in self.settings.additional_directories),
            ]
        )
        # private (0700) per session, so no other user can plant files in it
        scratch_dir = Path(tempfile.mkdtemp(prefix="claude-lsp-"))
        self.policy = PermissionPolicy(
            mode=self._starting_mode(),
            allow=allow,
            ask=settings_rules(self.settings, "ask", self.warnings),
            deny=deny,
            roots=[*roots, scratch_dir],
            cwd=options.cwd,
            plan_file=plan_file_of(self.id),
        )
        self.ctx = ToolContext(
            cwd=options.cwd,
            files=files,
            read_state=FileReadState(),
            shells=BackgroundShells(),
            roots=roots,
            env=dict(self.settings.env),
            scratch_dir=scratch_dir,
            plan_file=self.policy.plan_file,
            hidden_paths=self.policy.hidden_paths,
            ask_model=self._ask_small_model,
        )
        self._symbol_index = IndexOnDemand(options.cwd, options.symbol_index)
        self.ctx.symbol_index = self._symbol_index
        provide_env_file(self.ctx)  # SessionStart hooks may add exports for Bash to it
        self.mcp = McpServers(
            options.cwd,
            self.settings.personal,
            self.environment(),
            client_servers(options.mcp_servers, self.warnings),
            self.warnings,
        )
        self._mcp_started = False
        self.memory = load_memory(options.cwd)
        self.warnings.extend(self.memory.warnings)
        hook_scopes = (
            []
            if self.settings.raw.get("disableAllHooks") is True
            else (self.settings.hooks_by_scope())
        )
        hook_config, hook_warnings = HookConfig.from_scopes(hook_scopes)
        self.warnings.extend(hook_warnings)
        self.hooks = SessionHooks(
            config=hook_config,
            common=self._hook_fields,
            project_dir=options.cwd,
            env=self.ctx.subprocess_env,
            notify=lambda text: self._emit(AgentText(f"\n{text}\n")),
            ask_model=self._judge_hook_prompt,
        )
        # SessionStart runs before the first prompt; its source says why the session began.
        self._start_source: str | None = "startup"
        self._asker = asker
        self._system_prompt: str | None = None
        self._task: asyncio.Task[Any] | None = None
        self._cancel_requested = False
        # Allow rules a custom command's `allowed-tools` grant until its turn ends.
        self._command_rules: list[Rule] = []
        # Allow rules this session's calls do not get: a subagent's, the main agent's
        # command grants.
        self._withheld_rules: tuple[Rule, ...] = ()
        # Where model usage is added up: here, or a subagent's main session.
        self._usage_sink: Callable[[Usage, float], None] = self._add_usage
        # Where a subagent's refused calls go: the main session's running prompt.
        self._denial_sink: Callable[[list[dict[str, Any]]], None] = lambda denials: None
        self._turn_stats: _TurnStats | None = None  # the running prompt's, for subagents
        self._stop_event = HookEvent.STOP  # a subagent's session runs SubagentStop hooks
        self._stop_fields: dict[str, Any] = {}  # a subagent's: its transcript

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def _starting_mode(self) -> PermissionMode:
        mode = self.options.permission_mode
        if mode is None:
            configured = self.settings.default_mode
            mode = PermissionMode(configured) if configured else PermissionMode.DEFAULT
        if mode is PermissionMode.BYPASS and self.settings.disable_bypass_mode:
            self.warnings.append(
                "bypassPermissions mode is disabled by settings "
                "(disableBypassPermissionsMode); using default mode"
            )
            return PermissionMode.DEFAULT
        return mode

    def set_mode(self, mode: PermissionMode) -> None:
        if mode is PermissionMode.BYPASS and self.settings.disable_bypass_mode:
            raise ModeUnavailableError(
                "bypassPermissions mode is disabled by settings (disableBypassPermissionsMode)"
            )
        self.policy.mode = mode
        self._emit(ModeChanged(mode.value))

    def info(self) -> dict[str, Any]:
        """What a client shows of the session: model, folder, tools, commands, warnings."""
        return {
            "model": self.model,
            "cwd": str(self.options.cwd),
            "tools": list(self.tools),
            "slashCommands": [command.name for command in available_commands(self)],
            "mcpServers": self.mcp.summary(),
            "warnings": self.warnings,
        }

    def mode_state(self) -> dict[str, Any]:
        """ACP's `SessionModeState`: the current mode and those settings allow."""
        return {
            "currentModeId": self.policy.mode.value,
            "availableModes": [
                {"id": mode.value, "name": MODE_NAMES[mode], "description": MODE_DESCRIPTIONS[mode]}
                for mode in PermissionMode
                if not (mode is PermissionMode.BYPASS and self.settings.disable_bypass_mode)
            ],
        }

    def add_root(self, folder: Path) -> None:
        """Another folder the session may read and edit (`/add-dir`)."""
        if folder not in self.ctx.roots:
            self.ctx.roots.append(folder)
            self.policy.roots.append(folder)
            self._system_prompt = None  # it lists the folders

    def switch_model(self, name: str) -> None:
        self.model = resolve_model(name)
        self._system_prompt = None  # it names the model

    def _hook_fields(self) -> dict[str, Any]:
        return {
            "session_id": self.id,
            "transcript_path": str(self.transcript.path) if self.transcript else "",
            "cwd": str(self.ctx.cwd),
            "permission_mode": self.policy.mode.value,
        }

    def announce_commands(self) -> None:
        """Tell the client the slash commands, when they changed since it last heard."""
        commands = available_commands(self)
        if commands != self._announced_commands:
            self._announced_commands = commands
            self._emit(CommandsChanged(commands))

    async def clear(self) -> None:
        """Forget the conversation (`/clear`): history, todo list, what was read."""
        await self.hooks.run(HookEvent.SESSION_END, "clear", reason="clear")
        self._start_source = "clear"
        self.memory = load_memory(self.options.cwd)  # nested memory is delivered afresh
        self.messages = []
        self.context_tokens = 0
        self.ctx.read_state = FileReadState()
        if self.transcript is not None:
            self.transcript.mark_boundary("Cleared")
        self._emit(PlanUpdated(()))

    async def compact(self, instructions: str | None = None) -> str:
        """Replace the history with a model-written summary (`/compact`)."""
        if not self.messages:
            return "Nothing to compact yet."
        before = len(self.messages)
        summary = await self._summarize("manual", instructions, None)
        if summary is None:
            return "Could not compact: the model returned no summary. The history is unchanged."
        return f"Compacted {before} messages into a summary. Summary:\n\n{summary}"

    async def _summarize(
        self, trigger: str, instructions: str | None, stats: _TurnStats | None
    ) -> str | None:
        """Swap the history for a summary (None: the model wrote none; nothing changed).

        The transcript keeps the full history before a boundary line; open todos are
        carried over word for word, as the summary could drop them.
        """
        await self.hooks.run(
            HookEvent.PRE_COMPACT,
            trigger,
            trigger=trigger,
            custom_instructions=instructions or "",
        )
        if self._system_prompt is None:
            self._system_prompt = await self._build_system_prompt()
        request = COMPACT_REQUEST + (f"\nAlso: {instructions}\n" if instructions else "")
        params = self._request_params() | {
            "messages": _appended(
                self.messages, {"role": "user", "content": [{"type": "text", "text": request}]}
            )
        }
        tokens_before = self.context_tokens
        response = await self._model_client.stream(params, StreamCallbacks(), self.credentials)
        self._record_usage(response, stats, model_turn=False)
        summary = _text_of(response.content).strip()
        if not summary:
            return None
        todos = _open_todos(self.messages)
        self.messages = []
        self.context_tokens = Usage.from_api(response.usage).output_tokens
        if self.transcript is not None:
            self.transcript.mark_boundary(
                "Conversation compacted", trigger=trigger, tokens_before=tokens_before
            )
        self._append_user([{"type": "text", "text": COMPACT_INTRO + summary + todos}])
        return summary

    async def _compact_if_full(self, stats: _TurnStats, *, mid_turn: bool) -> None:
        """Compact before the next model call when the context window is nearly full.

        Mid-turn (between tool calls) the model is told to carry on afterwards, so the
        work goes on without the user.
        """
        env = self.environment()
        threshold = auto_compact_threshold(max_tokens(env), env)
        if threshold is None or self.context_tokens < threshold or not self.messages:
            return
        self._emit(AgentText(f"\n{AUTO_COMPACT_NOTICE}\n"))
        try:
            summary = await self._summarize("auto", None, stats)
        except ModelError as exc:
            log.warning("automatic compaction failed: %s", exc)
            summary = None
        if summary is None:
            self._emit(AgentText("\nCould not compact the conversation; going on without.\n"))
        elif mid_turn:
            self._append_user([{"type": "text", "text": CONTINUE_AFTER_COMPACT}])

    async def _judge_hook_prompt(self, prompt: str, model: str | None) -> str:
        """A `prompt` hook's question, put to the small model."""
        messages = [{"role": "user", "content": [{"type": "text", "text": prompt}]}]
        response = await self._ask_small_model(
            JUDGE_SYSTEM_PROMPT, messages, [], model=model, max_tokens=HOOK_VERDICT_MAX_TOKENS
        )
        return _text_of(response.content)

    async def _ask_small_model(
        self,
        system: str,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]],
        *,
        model: str | None = None,
        max_tokens: int = SIDE_REQUEST_MAX_TOKENS,
    ) -> ModelResponse:
        """A side request to the small, fast model (or `model`); its cost is the session's."""
        params: dict[str, Any] = {
            "model": resolve_model(model or self.environment().get(SMALL_MODEL_VARIABLE, "haiku")),
            "max_tokens": max_tokens,
            "system": system,
            "messages": messages,
        }
        if tools:
            params["tools"] = tools
        response = await self._model_client.stream(params, StreamCallbacks(), self.credentials)
        self._record_usage(response, None, model_turn=False)
        return response

    def environment(self) -> dict[str, str]:
        """The process environment with the settings' `env` applied, as the session sees it."""
        return {**os.environ, **self.settings.env}

    def cancel(self) -> None:
        """Stop the running turn: the model stream and any tool process."""
        if self.busy:
            assert self._task is not None
            self._cancel_requested = True
            self._task.cancel()

    async def close(self) -> None:
        self.cancel()
        await self.hooks.run(HookEvent.SESSION_END, "other", reason="other")
        await self.ctx.shells.close_all()
        await self.mcp.close()
        self._symbol_index.close()
        if self.ctx.scratch_dir is not None:
            shutil.rmtree(self.ctx.scratch_dir, ignore_errors=True)

    async def prompt(
        self, content: list[dict[str, Any]], context: list[dict[str, Any]] | None = None
    ) -> TurnResult:
        """Run one user turn to its end and report how it ended.

        `context` (what the editor shows, say) goes to the model ahead of the prompt,
        but never turns the prompt into something else: `/help` stays a command.
        """
        if self.busy:
            raise SessionBusyError("a prompt is already running in this session")
        self._cancel_requested = False
        stats = self._turn_stats = _TurnStats()
        runner = self._runner(denials=stats.denials)
        self.announce_commands()
        self._task = asyncio.create_task(self._run_prompt(content, context or [], stats, runner))
        try:
            stop_reason = await self._task
        except asyncio.CancelledError:
            if not self._cancel_requested:
                raise
            stop_reason = "cancelled"
        finally:
            self._task = None
            self._turn_stats = None
            self._revoke_command_rules()
        return stats.result(stop_reason)

    def subagent_session(
        self,
        *,
        agent_id: str,
        agent_type: str,
        tools: dict[str, Tool],
        model: str | None,
        max_turns: int | None,
        instructions: str,
        transcript: Transcript | None,
        emit: EventSink,
        asker: PermissionAsker | None,
    ) -> Session:
        """A subagent's session: a fresh conversation with its own tools, model (None:
        this one's), limit on model requests, transcript and system prompt (the usual
        one, the user's appended text, then `instructions`).

        It is a shallow copy, so what is not replaced here is shared: settings, the
        permission policy (less a custom command's grants to this turn), hook settings,
        files, folders, background shells. Its hooks are told which agent runs them, and
        their messages show under its Agent call. Its model usage counts as this
        session's, its refused calls as the running prompt's; its conversation and reads
        are its own.
        """
        child = copy.copy(self)
        appended = [text for text in (self.options.append_system_prompt, instructions) if text]
        child.options = replace(
            self.options, append_system_prompt="\n\n".join(appended), max_turns=max_turns
        )
        child.model = resolve_model(model) if model else self.model
        child.tools = tools
        child.messages = []
        child.transcript = transcript
        child.usage, child.cost_usd, child.context_tokens = Usage(), 0.0, 0
        child.ctx = replace(self.ctx, read_state=FileReadState())  # its `cd`s stay its own too
        child.memory = load_memory(self.options.cwd)  # nested memory is delivered afresh
        child._emit = emit
        child._asker = asker
        child._system_prompt = None
        child._start_source = None  # the session has started: no SessionStart
        child._task = None
        child._command_rules = []
        child._withheld_rules = (*self._withheld_rules, *self._command_rules)
        child._usage_sink = self._add_subagent_usage
        child._denial_sink = self._add_subagent_denials
        child._turn_stats = None
        child._stop_event = HookEvent.SUBAGENT_STOP
        agent_fields = {"agent_id": agent_id, "agent_type": agent_type}
        parent_fields = self.hooks.common  # the main session's id and transcript
        child.hooks = replace(
            self.hooks,
            common=lambda: {**parent_fields(), "cwd": str(child.ctx.cwd), **agent_fields},
            env=child.ctx.subprocess_env,
            notify=lambda text: emit(AgentText(f"\n{text}\n")),
        )
        child._stop_fields = {"agent_transcript_path": str(transcript.path) if transcript else ""}
        return child

    async def run_subagent_task(self, prompt: str, *, read_only: bool) -> TurnResult:
        """A subagent session's task, as one turn without what a user's prompt brings
        (slash commands, prompt hooks, @mentions). It runs in the caller's task, so
        cancelling the main turn stops it. Its result text is its final response's
        alone: an earlier "let me look" is no report."""
        stats = _TurnStats()
        runner = self._runner(read_only=read_only, denials=stats.denials)
        text = [{"type": "text", "text": prompt}]
        try:
            stop_reason = await self._run_turn(text, stats, runner, None)
        finally:
            self._denial_sink(stats.denials)
        return replace(stats.result(stop_reason), result_text=stats.final_text)

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

    def _runner(
        self, *, read_only: bool = False, denials: list[dict[str, Any]] | None = None
    ) -> ToolRunner:
        return ToolRunner(
            tools=self.tools,
            policy=self.policy,
            asker=self._asker,
            emit=self._emit,
            ctx=self.ctx,
            memory=self.memory,
            keep_rules=self._keep_rules,
            hooks=self.hooks,
            read_only=read_only,
            withheld=self._withheld_rules,
            denials=[] if denials is None else denials,
        )

    def _keep_rules(self, rules: list[str]) -> None:
        """Save "always allow" answers for later sessions, as Claude Code does."""
        for rule in rules:
            try:
                add_permission_rule(self.options.cwd, rule)
            except (SettingsWriteError, OSError, ValueError) as exc:
                log.warning("could not save the rule %s: %s", rule, exc)
                self.warnings.append(f"could not save the rule {rule} to settings: {exc}")

    def _grant_command_rules(self, texts: tuple[str, ...]) -> None:
        """A custom command's `allowed-tools`: allow rules for its own turn (`prompt` ends them)."""
        self._command_rules = parse_rules(
            texts, behavior="allow", warnings=self.warnings, source=SESSION_SOURCE
        )
        self.policy.allow.extend(self._command_rules)

    def _revoke_command_rules(self) -> None:
        """Drop the granted rules by identity, so an equal rule from settings stays."""
        granted, self._command_rules = self._command_rules, []
        if granted:
            self.policy.allow[:] = [
                rule for rule in self.policy.allow if not any(rule is g for g in granted)
            ]

    async def _run_prompt(
        self,
        content: list[dict[str, Any]],
        context: list[dict[str, Any]],
        stats: _TurnStats,
        runner: ToolRunner,
    ) -> str:
        await self._start_mcp()
        if self._start_source is not None:
            source, self._start_source = self._start_source, None
            started = await self.hooks.run(HookEvent.SESSION_START, source, source=source)
            context = [*context, *_reminders(started)]
        first = content[0] if content else {}
        call = parse_slash_call(first.get("text", "")) if first.get("type") == "text" else None
        model = None
        if call is not None:
            outcome = await run_command(self, call)
            if not isinstance(outcome, CommandPrompt):
                stats.last_text = outcome.text
                self._emit(AgentText(outcome.markdown))
                return "end_turn"
            content = [*outcome.content, *content[1:]]
            model = resolve_model(outcome.model) if outcome.model else None
            self._grant_command_rules(outcome.allowed_tools)
        submitted = await self.hooks.run(HookEvent.USER_PROMPT_SUBMIT, prompt=_text_of(content))
        if submitted is not None and (submitted.stop or submitted.blocked):
            stats.last_text = (
                submitted.stop_reason
                or submitted.message_for_user
                or "A UserPromptSubmit hook blocked this prompt."
            )
            return "end_turn"
        context = [*context, *_reminders(submitted)]
        if call is None and first.get("type") == "text":  # the hook saw what was typed
            content = [*content, *await self._mentioned_files(str(first.get("text", "")))]
        if self.policy.mode is PermissionMode.PLAN and self.policy.plan_file is not None:
            context.append({"type": "text", "text": plan_mode_reminder(self.policy.plan_file)})
        return await self._run_turn([*context, *content], stats, runner, model)

    async def _mentioned_files(self, text: str) -> list[dict[str, Any]]:
        """The files a prompt names with `@path`, read as a custom command's are (under the
        same policy), so the model has them without asking: Claude Code's mentions."""
        resources = await self.mcp.mentioned_resources(text)
        targets = import_targets(text)
        if not targets:
            return resources
        env = CommandEnv(self.tools, self.policy, self.ctx, self.options.cwd)
        return [*await include_files(targets, env), *resources]

    async def _start_mcp(self) -> None:
        """Start the MCP servers with the first prompt and offer their tools and prompts.

        Tools a deny rule covers entirely are left out, as built-in ones are; servers
        that failed are named to the user (`/mcp` has the details).
        """
        if self._mcp_started:
            return
        known = len(self.warnings)
        await self.mcp.start(
            self._asker.ask if self._asker is not None else None,
            lambda server: any(rule.covers_mcp_server(server) for rule in self.policy.deny),
        )
        self._mcp_started = True
        self.tools.update(_offered(self.mcp.tools(), self.policy.deny))
        for warning in self.warnings[known:]:
            self._emit(AgentText(f"{warning} (/mcp shows the MCP servers)\n\n"))
        if self.mcp.connections:
            self.announce_commands()

    async def _run_turn(
        self,
        content: list[dict[str, Any]],
        stats: _TurnStats,
        runner: ToolRunner,
        model: str | None,
    ) -> str:
        await self._compact_if_full(stats, mid_turn=False)
        self._append_user(content)
        if self._system_prompt is None:
            self._system_prompt = await self._build_system_prompt()
        stop_hook_active = False
        while True:
            if self.options.max_turns is not None and stats.num_turns >= self.options.max_turns:
                return "max_turn_requests"
            if stats.num_turns:  # tool results (or a hook) grew the history since
                await self._compact_if_full(stats, mid_turn=True)
            response = await self._call_model(stats, model)
            self._add({"role": "assistant", "content": response.content})
            calls = [block for block in response.content if block.get("type") == "tool_use"]
            if response.stop_reason == "tool_use" and calls:
                try:
                    await runner.run_all(calls)
                finally:  # also on cancel: every call gets its result or "interrupted"
                    self._add({"role": "user", "content": runner.results_for(calls)})
                if runner.stop_reason is not None:  # a hook said `continue: false`
                    stats.last_text = stats.final_text = runner.stop_reason
                    return "end_turn"
                continue
            if calls:  # cut off mid-request (max_tokens): the calls never ran
                note = f"Not run: the response ended with stop reason {response.stop_reason}."
                self._add({"role": "user", "content": [error_result(c["id"], note) for c in calls]})
            if response.stop_reason == "pause_turn":
                continue  # a server tool paused a long turn: send it back to resume
            if response.stop_reason in ("max_tokens", "refusal"):
                return response.stop_reason
            stopping = await self.hooks.run(
                self._stop_event, stop_hook_active=stop_hook_active, **self._stop_fields
            )
            if stopping is not None and stopping.blocked and not stopping.stop:
                stop_hook_active = True  # tells the hook it already made the agent go on
                reason = stopping.reason_for_model or "A Stop hook asked you to continue."
                self._append_user([{"type": "text", "text": f"Stop hook feedback: {reason}"}])
                continue
            return "end_turn"

    async def _call_model(self, stats: _TurnStats, model: str | None) -> ModelResponse:
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
            params = self._request_params()
            if model is not None:
                params["model"] = model
            response = await self._model_client.stream(params, callbacks, self.credentials)
        except asyncio.CancelledError:
            if streamed:  # keep what the user already saw
                self._add(
                    {"role": "assistant", "content": [{"type": "text", "text": "".join(streamed)}]}
                )
            raise
        self._record_usage(response, stats)
        text = stats.final_text = _text_of(response.content)
        if text:
            stats.last_text = text
        return response

    def _record_usage(
        self, response: ModelResponse, stats: _TurnStats | None, *, model_turn: bool = True
    ) -> None:
        """Add a response's usage and cost to the session (and the turn) and report it.

        A summary or side call (`model_turn` False) costs like any other but is not one
        of the model requests `--max-turns` counts, nor the conversation's size.
        """
        usage = Usage.from_api(response.usage)
        cost = cost_usd(response.model or self.model, usage)
        if stats is not None:
            stats.num_turns += int(model_turn)
            stats.api_ms += response.api_duration_ms
            stats.usage += usage
            stats.cost += cost
        if model_turn:  # a side request's size says nothing of the conversation's
            self.context_tokens = (
                usage.input_tokens
                + usage.cache_creation_input_tokens
                + usage.cache_read_input_tokens
                + usage.output_tokens
            )
        self._usage_sink(usage, cost)

    def _add_usage(self, usage: Usage, cost: float) -> None:
        """Add to the session's totals and report them."""
        self.usage += usage
        self.cost_usd += cost
        self._emit(
            UsageUpdated(
                model=self.model,
                usage=self.usage.as_dict(),
                cost_usd=self.cost_usd,
                context_tokens=self.context_tokens,
            )
        )

    def _add_subagent_denials(self, denials: list[dict[str, Any]]) -> None:
        """A subagent's refused calls are the running prompt's too."""
        if self._turn_stats is not None:
            self._turn_stats.denials.extend(denials)

    def _add_subagent_usage(self, usage: Usage, cost: float) -> None:
        """A subagent's model request: it costs this session, and the running prompt."""
        if self._turn_stats is not None:
            self._turn_stats.usage += usage
            self._turn_stats.cost += cost
        self._add_usage(usage, cost)

    def _request_params(self) -> dict[str, Any]:
        assert self._system_prompt is not None
        return request_params(
            model=self.model,
            system_prompt=self._system_prompt,
            tools=[tool.definition() for tool in self.tools.values()],
            messages=self.messages,
            env=self.environment(),
            always_thinking=self.settings.raw.get("alwaysThinkingEnabled") is True,
        )

    async def _build_system_prompt(self) -> str:
        git = await asyncio.to_thread(git_snapshot, self.options.cwd)
        env = PromptEnvironment(
            cwd=self.options.cwd,
            model=self.model,
            additional_dirs=tuple(root for root in self.ctx.roots if root != self.options.cwd),
            git=git,
        )
        return build_system_prompt(
            env,
            self.options.append_system_prompt,
            memory=render(self.memory.files),
            mcp_instructions=self.mcp.instructions(),
        )

    def _append_user(self, content: list[dict[str, Any]]) -> None:
        self._add({"role": "user", "content": content})

    def _add(self, message: dict[str, Any]) -> None:
        """Append to the conversation and its transcript.

        Consecutive messages of one role are joined for the API (tool_results and the
        next prompt share a user turn); the transcript keeps one line per addition.
        """
        if self.transcript is not None:
            self.transcript.append(message)
        self.messages = _appended(self.messages, message)

    def restore(self, entries: list[dict[str, Any]]) -> None:
        """Take over a conversation read back from this session's transcript."""
        self.messages = messages_of(entries)
        self._start_source = "resume"
        if self.transcript is not None:
            self.transcript.continue_after(entries)

    def resume_from(self, entries: list[dict[str, Any]]) -> int:
        """Continue another session's conversation here (`/resume`); returns its length.

        Its history replaces this one's and is shown again. The other transcript is left
        alone: the messages are copied into this session's own after a boundary, so
        reloading this session brings them back.
        """
        messages = messages_of(entries)
        self.messages = []
        self.context_tokens = 0
        self.ctx.read_state = FileReadState()  # reads of the replaced conversation
        self.memory = load_memory(self.options.cwd)  # nested memory is delivered afresh
        self._start_source = "resume"
        if self.transcript is not None:
            self.transcript.mark_boundary("Resumed an earlier session")
        for message in messages:
            self._add(message)
        self._emit(PlanUpdated(()))
        self.replay()
        return len(messages)

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
        tool = self.tools.get(call["name"])
        succeeded = not result.get("is_error")
        if (
            succeeded
            and isinstance(tool, TodoWriteTool)
            and tool.validate(call.get("input")) is None
        ):
            self._emit(PlanUpdated(tuple(call["input"]["todos"])))


def _offered(tools: list[Tool], deny: list[Rule]) -> dict[str, Tool]:
    """The tools by name, less those a deny rule covers whole: the model never sees them."""
    return {
        tool.name: tool
        for tool in tools
        if not any(rule.covers_every_use(tool.name) for rule in deny)
    }


def _appended(messages: list[dict[str, Any]], message: dict[str, Any]) -> list[dict[str, Any]]:
    """`messages` plus `message`, joined to the last one when the roles match."""
    if messages and messages[-1]["role"] == message["role"]:
        joined = [*messages[-1]["content"], *message["content"]]
        return [*messages[:-1], {"role": message["role"], "content": joined}]
    return [*messages, {"role": message["role"], "content": list(message["content"])}]


def _text_of(content: list[dict[str, Any]]) -> str:
    return "".join(block.get("text", "") for block in content if block.get("type") == "text")


def _open_todos(messages: list[dict[str, Any]]) -> str:
    """The latest todo list's unfinished items, as text to keep after a summary."""
    latest = next(
        (
            block
            for message in reversed(messages)
            for block in reversed(message["content"])
            if block.get("type") == "tool_use" and block.get("name") == TodoWriteTool.name
        ),
        None,
    )
    todos = latest.get("input", {}).get("todos") if latest is not None else None
    if not isinstance(todos, list):
        return ""
    items = [
        f"- [{todo.get('status')}] {todo.get('content')}"
        for todo in todos
        if isinstance(todo, dict) and todo.get("status") != "completed"
    ]
    return "\n\nOpen todos:\n" + "\n".join(items) if items else ""


def _reminders(outcome: EventOutcome | None) -> list[dict[str, Any]]:
    """A hook's additional context, as text the model reads with the prompt."""
    if outcome is None:
        return []
    return [
        {"type": "text", "text": f"<system-reminder>\n{context}\n</system-reminder>"}
        for context in outcome.additional_context
    ]


def _unique_paths(paths: list[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))
