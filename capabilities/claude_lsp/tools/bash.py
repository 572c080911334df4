"""Bash, BashOutput and KillShell: run shell commands for the model.

Each Bash call is a fresh non-interactive `bash -c`; only the working directory carries
over to the next call (recorded with `pwd -P` after the command), never exported
variables. The exception is the session's env file ($CLAUDE_ENV_FILE), which hooks may
append `export` lines to: it is sourced before every command. Long output is cut in the
middle and saved whole to a scratch file so the model can search it instead of flooding
its context.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import stat
import tempfile
import uuid
from pathlib import Path
from typing import Any

from claude_lsp.policy.shell_split import split_command
from claude_lsp.tools.base import Tool, ToolContext, ToolResult
from claude_lsp.tools.shells import (
    OUTPUT_SETTLE_S,
    RecentChunks,
    ShellProcess,
    compile_filter,
    describe_exit,
)

DEFAULT_TIMEOUT_MS = 120_000
MAX_TIMEOUT_MS = 600_000
DEFAULT_MAX_OUTPUT_CHARS = 30_000
MAX_OUTPUT_ENV = "BASH_MAX_OUTPUT_LENGTH"
ENV_FILE_VAR = "CLAUDE_ENV_FILE"
_ENV_FILE_NAME = "session-env.sh"

_HEAD_BYTES = 4 * 1024 * 1024
"""Per stream, the first bytes kept in full (they also feed the saved full output)."""
_TAIL_BYTES = 1024 * 1024
"""Per stream, the last bytes kept once the head is full; what lies between is counted."""
_TITLE_CHARS = 80

_fallback_scratch: Path | None = None


class _Capture:
    """Bytes of one stream with bounded memory: the head, the tail and a dropped count."""

    def __init__(self, head_limit: int = _HEAD_BYTES, tail_limit: int = _TAIL_BYTES) -> None:
        self._head_limit = head_limit
        self._head = bytearray()
        self._tail = RecentChunks(tail_limit, b"")

    @property
    def dropped(self) -> int:
        return self._tail.dropped

    def feed(self, data: bytes) -> None:
        room = self._head_limit - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        self._tail.append(data)

    def text(self) -> str:
        tail = self._tail.joined()
        if not self.dropped:
            return (bytes(self._head) + tail).decode("utf-8", errors="replace")
        head = bytes(self._head).decode("utf-8", errors="replace")
        note = f"\n[... {self.dropped:,} bytes of output were not kept ...]\n"
        return head + note + tail.decode("utf-8", errors="replace")


def _timeout_ms(value: Any) -> float:
    """The requested timeout, defaulted and clamped to the maximum (never an error)."""
    if value is None:
        return DEFAULT_TIMEOUT_MS
    return float(min(max(float(value), 1.0), MAX_TIMEOUT_MS))


def _format_ms(value: float) -> str:
    return f"{int(value)}" if value == int(value) else f"{value:g}"


def _max_output_chars(env: dict[str, str]) -> int:
    raw = env.get(MAX_OUTPUT_ENV, "")
    try:
        value = int(raw)
    except ValueError:
        return DEFAULT_MAX_OUTPUT_CHARS
    return value if value > 0 else DEFAULT_MAX_OUTPUT_CHARS


def _scratch_dir(ctx: ToolContext) -> Path:
    """The session's scratch folder, or a private temp folder when there is none."""
    global _fallback_scratch
    if ctx.scratch_dir is not None:
        try:
            ctx.scratch_dir.mkdir(parents=True, exist_ok=True)
            return ctx.scratch_dir
        except OSError:
            pass
    if _fallback_scratch is None or not _fallback_scratch.is_dir():
        _fallback_scratch = Path(tempfile.mkdtemp(prefix="claude-lsp-bash-"))
    return _fallback_scratch


def _fallback_root(ctx: ToolContext) -> Path:
    """Where to go when the working directory has vanished: the first workspace root."""
    for root in ctx.roots:
        if root.is_dir():
            return root
    with contextlib.suppress(OSError):
        return Path.cwd()
    return Path.home()


def provide_env_file(ctx: ToolContext) -> Path | None:
    """Give the session the file SessionStart hooks append `export` lines to.

    A CLAUDE_ENV_FILE already set (the user's environment or settings `env`) is kept and
    sourced, as Claude Code does; otherwise an empty file in the session's private
    scratch folder is named in `ctx.env`, which hooks and commands inherit. None when no
    file could be created.
    """
    preset = ctx.subprocess_env().get(ENV_FILE_VAR)
    if preset:
        return Path(preset)
    path = _scratch_dir(ctx) / _ENV_FILE_NAME
    try:
        path.touch(mode=0o600)
    except OSError:
        return None
    ctx.env[ENV_FILE_VAR] = str(path)
    return path


def env_file_to_source(env: dict[str, str]) -> Path | None:
    """The env file named in `env` when it has content to source; one stat, no read."""
    name = env.get(ENV_FILE_VAR)
    if not name:
        return None
    try:
        info = os.stat(name)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size == 0:
        return None
    return Path(os.path.abspath(name))  # `. name` without a slash would search PATH


def _source_line(env_file: Path | None) -> str:
    """Source the env file in the command's own shell, so its exports reach the command.

    A broken file only prints its errors to stderr: bash goes on to run the command.
    """
    return f". {shlex.quote(str(env_file))}\n" if env_file is not None else ""


def _wrap(command: str, cwd_file: Path, env_file: Path | None) -> str:
    """The script bash runs: the env file sourced, if there is one; the command via
    `eval` (so an unterminated heredoc or a trailing backslash cannot swallow what
    follows), then `pwd -P` into `cwd_file`, then the command's own exit status. A
    command that exits early records nothing."""
    return (
        _source_line(env_file) + f"eval {shlex.quote(command)}\n"
        "__claude_lsp_status=$?\n"
        f"pwd -P >| {shlex.quote(str(cwd_file))} 2>/dev/null\n"
        "exit $__claude_lsp_status\n"
    )


def _join_output(stdout: str, stderr: str) -> str:
    parts = [part.rstrip("\n") for part in (stdout, stderr)]
    return "\n".join(part for part in parts if part)


def _save_full_output(text: str, scratch: Path) -> Path | None:
    try:
        fd, name = tempfile.mkstemp(prefix="bash-output-", suffix=".txt", dir=scratch)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError:
        return None
    return Path(name)


def _truncate(text: str, limit: int, scratch: Path) -> str:
    """Keep the head and the tail of `text`; say what was cut and where it all is."""
    if len(text) <= limit:
        return text
    saved = _save_full_output(text, scratch)
    head_len = limit // 2
    tail_len = limit - head_len
    cut = text[head_len : len(text) - tail_len]
    where = (
        f"The full output ({len(text):,} characters) is saved in {saved}; "
        "use Read or Grep on that file to see the rest."
        if saved is not None
        else "The full output could not be saved."
    )
    note = (
        f"\n\n[... {len(cut):,} characters ({cut.count(chr(10)):,} lines) "
        f"cut from the middle. {where} ...]\n\n"
    )
    return text[:head_len] + note + text[len(text) - tail_len :]


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def _shorten(text: str, limit: int = _TITLE_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# Redirection targets that write no file.
DEVICES = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"})


def written_files(command: str, ctx: ToolContext) -> list[Path]:
    """The files `command`'s output redirections write, resolved from the shell's cwd.

    Targets only known when the command runs (`> "$OUT"`) are left out; the permission
    policy asks about those itself.
    """
    return [
        ctx.resolve(target)
        for target in split_command(command).writes
        if target not in DEVICES and not any(char in target for char in "$`*?[")
    ]


class BashTool(Tool):
    """Runs one shell command and returns its output; `cd` persists across calls."""

    name = "Bash"
    kind = "execute"
    reads_disk = True
    read_only = False

    def paths(self, tool_input: dict[str, Any], ctx: ToolContext) -> list[Path]:
        """The files the command writes by redirection: checked like edits, shown as
        the call's locations."""
        command = tool_input.get("command")
        return written_files(command, ctx) if isinstance(command, str) else []

    description = (
        "Run a shell command with bash in the session's working directory and return its "
        "output (stdout, then stderr) and its exit code when it fails.\n\n"
        "- Each call starts a fresh non-interactive shell. The working directory carries "
        "over to the next call (a `cd` sticks); exported variables, aliases and functions "
        "do not.\n"
        "- stdin is empty: commands that wait for input or open an editor or pager will not "
        "work. Pass flags such as `--yes` or `--no-edit` instead.\n"
        f"- The default timeout is {DEFAULT_TIMEOUT_MS} ms; set `timeout` (in ms, at most "
        f"{MAX_TIMEOUT_MS}) for longer work. On timeout the command and everything it "
        "started are stopped.\n"
        f"- Output longer than {DEFAULT_MAX_OUTPUT_CHARS} characters is cut in the middle; "
        "the full text is saved to a file whose path the result gives.\n"
        "- For servers, watchers and other long-running commands set `run_in_background`; "
        "then read their output with BashOutput and stop them with KillShell.\n"
        "- Prefer the dedicated tools for reading, searching and editing files over cat, "
        "grep, find, sed or echo redirection.\n"
        "- Quote paths containing spaces, and chain dependent steps with `&&`."
    )
    input_schema = {
        "type": "object",
        "properties": {
            "command": {"type": "string", "description": "The bash command line to run."},
            "timeout": {
                "type": "number",
                "exclusiveMinimum": 0,
                "description": (
                    f"Milliseconds before the command is stopped (default {DEFAULT_TIMEOUT_MS}; "
                    f"larger values are treated as {MAX_TIMEOUT_MS})."
                ),
            },
            "description": {
                "type": "string",
                "description": (
                    "What the command does, in 5 to 10 words, shown to the user "
                    "(e.g. 'Run the unit tests')."
                ),
            },
            "run_in_background": {
                "type": "boolean",
                "description": (
                    "Start the command in the background and return its shell id at once; "
                    "use BashOutput to read its output and KillShell to stop it."
                ),
            },
        },
        "required": ["command"],
        "additionalProperties": False,
    }

    def title(self, tool_input: dict[str, Any]) -> str:
        description = tool_input.get("description")
        if isinstance(description, str) and description.strip():
            return description.strip()
        return f"Bash({_shorten(str(tool_input.get('command', '')))})"

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        command: str = tool_input["command"]
        timeout_ms = _timeout_ms(tool_input.get("timeout"))
        notices: list[str] = []
        if not ctx.cwd.is_dir():
            root = _fallback_root(ctx)
            notices.append(f"The working directory {ctx.cwd} no longer exists; reset to {root}.")
            ctx.cwd = root
        env = ctx.subprocess_env()
        env_file = env_file_to_source(env)

        if tool_input.get("run_in_background"):
            script = (
                _source_line(env_file) + f"eval {shlex.quote(command)}"
                if env_file is not None
                else None
            )
            shell_id = await ctx.shells.start(
                command,
                cwd=ctx.cwd,
                env=env,
                description=tool_input.get("description"),
                script=script,
            )
            lines = [
                f"Command started in the background with id {shell_id}.",
                f'Read its output with BashOutput (bash_id "{shell_id}") and stop it with '
                f'KillShell (shell_id "{shell_id}").',
                *notices,
            ]
            return ToolResult("\n".join(lines))

        scratch = _scratch_dir(ctx)
        cwd_file = scratch / f"cwd-{uuid.uuid4().hex}"
        streams = {1: _Capture(), 2: _Capture()}
        timed_out = False
        try:
            process = await ShellProcess.start(
                _wrap(command, cwd_file, env_file),
                cwd=ctx.cwd,
                env=env,
                merge_stderr=False,
                on_data=lambda fd, data: streams[fd].feed(data),
            )
            try:
                if not await process.wait(timeout_ms / 1000):
                    timed_out = True
                    await process.terminate()
                await process.wait_output(OUTPUT_SETTLE_S)
            except asyncio.CancelledError:
                await process.kill_and_reap(timeout=0.5)
                raise
            finally:
                process.close()
            notices.extend(self._update_cwd(ctx, cwd_file))
        finally:
            with contextlib.suppress(OSError):
                cwd_file.unlink(missing_ok=True)

        body = _join_output(streams[1].text(), streams[2].text())
        body = _truncate(body, _max_output_chars(env), scratch)
        lines = [body or "(no output)"]
        code = process.returncode
        if timed_out:
            lines.append(f"Command timed out after {_format_ms(timeout_ms)} ms and was stopped.")
        elif code:
            lines.append(_capitalize(describe_exit(code)))
        lines.extend(notices)
        return ToolResult("\n".join(lines), is_error=timed_out or bool(code))

    @staticmethod
    def _update_cwd(ctx: ToolContext, cwd_file: Path) -> list[str]:
        """Adopt the directory the command ended in; reset to a root if it is gone."""
        try:
            recorded: str | None = cwd_file.read_text(encoding="utf-8").rstrip("\n")
        except (OSError, UnicodeDecodeError):
            recorded = None  # the command exited early: the directory stays
        if recorded is None:
            candidate: Path | None = ctx.cwd
        else:
            candidate = Path(recorded) if recorded else None  # empty: pwd failed
        if candidate is not None and candidate.is_dir():
            ctx.cwd = candidate
            return []
        root = _fallback_root(ctx)
        gone = candidate if candidate is not None else ctx.cwd
        ctx.cwd = root
        return [f"The working directory {gone} no longer exists; reset to {root}."]


class BashOutputTool(Tool):
    """Reads what a background command printed since the last read."""

    name = "BashOutput"
    kind = "execute"
    read_only = True
    description = (
        "Get the new output of a command started with Bash run_in_background, together "
        "with its status (running, completed with its exit code, or killed). Each call "
        "returns only output that earlier calls did not. With `filter`, only lines matching "
        "the regular expression are returned; the other new lines are discarded."
    )
    input_schema = {
        "type": "object",
        "properties": {
            "bash_id": {
                "type": "string",
                "description": "The id Bash returned for the background command, e.g. bash_1.",
            },
            "filter": {
                "type": "string",
                "description": (
                    "Optional Python regular expression; only new lines matching it are shown."
                ),
            },
        },
        "required": ["bash_id"],
        "additionalProperties": False,
    }

    def title(self, tool_input: dict[str, Any]) -> str:
        return f"BashOutput({tool_input.get('bash_id', '')})"

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        pattern: str | None = tool_input.get("filter")
        if pattern is not None:
            compile_filter(pattern)  # a bad regex is the model's to fix, before any read
        read = ctx.shells.read_new(tool_input["bash_id"], pattern)
        if read.state == "running":
            status = "running"
        elif read.state == "killed":
            status = "killed"
        else:
            assert read.returncode is not None
            status = f"completed ({describe_exit(read.returncode)})"
        lines = [f"Shell {read.shell_id}: {status}"]
        if read.dropped_chars:
            lines.append(
                f"[{read.dropped_chars:,} characters of older output were dropped "
                "because they were not read in time]"
            )
        if read.output:
            lines.append(read.output.rstrip("\n"))
        else:
            lines.append("(no new output" + (" matching the filter)" if pattern else ")"))
        return ToolResult("\n".join(lines))


class KillShellTool(Tool):
    """Stops a background command and everything it started."""

    name = "KillShell"
    kind = "execute"
    read_only = False
    description = (
        "Stop a command started with Bash run_in_background, including any processes it "
        "spawned. Output it printed before stopping can still be read with BashOutput."
    )
    input_schema = {
        "type": "object",
        "properties": {
            "shell_id": {
                "type": "string",
                "description": "The id of the background command to stop, e.g. bash_1.",
            },
        },
        "required": ["shell_id"],
        "additionalProperties": False,
    }

    def title(self, tool_input: dict[str, Any]) -> str:
        return f"KillShell({tool_input.get('shell_id', '')})"

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        shell_id: str = tool_input["shell_id"]
        if await ctx.shells.kill(shell_id):
            return ToolResult(f"Killed shell {shell_id}.")
        state, code = ctx.shells.status(shell_id)
        how = describe_exit(code) if state == "completed" and code is not None else state
        return ToolResult(
            f"Shell {shell_id} was no longer running ({how}); stopped anything it had left running."
        )


__all__ = ["BashOutputTool", "BashTool", "KillShellTool"]
