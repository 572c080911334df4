"""Running hook processes: stdin, environment, parallelism, timeouts and misbehaving hooks."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import sys
import time
from pathlib import Path

import pytest

from claude_lsp.hooks import HookConfig, HookEvent, run_hooks
from claude_lsp.hooks.process import OUTPUT_CAP_BYTES
from tests.unit.hooks.helpers import alive, command, payload, read_pids, run, wait_gone


async def test_the_payload_arrives_on_stdin(project: Path, tmp_path: Path) -> None:
    seen = tmp_path / "seen.json"
    outcome = await run(
        project,
        HookEvent.PRE_TOOL_USE,
        f"cat > {shlex.quote(str(seen))}",
        tool_name="Write",
        tool_input={"file_path": "a.txt", "content": "héllo"},
        tool_use_id="toolu_1",
    )
    assert outcome.warnings == []
    assert json.loads(seen.read_text()) == {
        "session_id": "session-1",
        "transcript_path": str(project / "transcript.jsonl"),
        "cwd": str(project),
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": "Write",
        "tool_input": {"file_path": "a.txt", "content": "héllo"},
        "tool_use_id": "toolu_1",
    }


async def test_values_json_cannot_encode_are_sent_as_text(project: Path, tmp_path: Path) -> None:
    seen = tmp_path / "seen.json"
    await run(
        project,
        HookEvent.POST_TOOL_USE,
        f"cat > {shlex.quote(str(seen))}",
        tool_name="Write",
        tool_response={"path": project / "a.txt"},
    )
    assert json.loads(seen.read_text())["tool_response"] == {"path": str(project / "a.txt")}


async def test_hooks_run_in_the_project_with_claude_project_dir(
    project: Path, tmp_path: Path
) -> None:
    seen = tmp_path / "seen.txt"
    text = 'printf "%s\\n%s\\n%s\\n" "$PWD" "$CLAUDE_PROJECT_DIR" "$MY_VAR" > ' + shlex.quote(
        str(seen)
    )
    commands = [command(text, HookEvent.STOP)]
    outcome = await run_hooks(
        commands,
        payload(project, HookEvent.STOP, stop_hook_active=False),
        project_dir=project,
        env={**os.environ, "MY_VAR": "from-env"},
    )
    assert outcome.warnings == []
    assert seen.read_text().splitlines() == [str(project), str(project), "from-env"]


async def test_no_commands_means_an_empty_outcome(project: Path) -> None:
    outcome = await run(project, HookEvent.STOP)
    assert not outcome.blocked and not outcome.stop and outcome.outputs == []


async def test_a_timed_out_hook_is_killed_with_its_children(project: Path, tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    started = time.monotonic()
    outcome = await run(
        project,
        HookEvent.PRE_TOOL_USE,
        f"sleep 100 & echo $! $$ > {shlex.quote(str(pids))}; sleep 100",
        timeout_s=1.0,
        tool_name="Bash",
    )
    elapsed = time.monotonic() - started
    assert elapsed < 5
    [report] = outcome.outputs
    assert report.timed_out and report.duration_s >= 1.0
    assert not outcome.blocked and outcome.permission_decision is None
    assert any("timed out after 1 s" in warning for warning in outcome.warnings)
    assert wait_gone(read_pids(pids))


async def test_matching_hooks_run_in_parallel(project: Path, tmp_path: Path) -> None:
    script = tmp_path / "stamp.py"
    script.write_text(
        "import sys, time\n"
        "start = time.time()\n"
        "time.sleep(0.5)\n"
        "open(sys.argv[1], 'w').write(f'{start} {time.time()}')\n"
    )
    stamps = [tmp_path / "one", tmp_path / "two"]
    outcome = await run(
        project,
        HookEvent.STOP,
        *(f"{shlex.quote(sys.executable)} {shlex.quote(str(script))} {stamp}" for stamp in stamps),
    )
    assert outcome.warnings == []
    (start_1, end_1), (start_2, end_2) = (map(float, s.read_text().split()) for s in stamps)
    assert start_1 < end_2 and start_2 < end_1  # each started before the other ended


async def test_deduplicated_commands_run_once(project: Path, tmp_path: Path) -> None:
    log = tmp_path / "log"
    hook = {"type": "command", "command": f"echo ran >> {shlex.quote(str(log))}"}
    config, _ = HookConfig.from_scopes(
        [
            ("user", {"PostToolUse": [{"matcher": "Edit", "hooks": [hook]}]}),
            ("project", {"PostToolUse": [{"matcher": "Edit|Write", "hooks": [hook]}]}),
        ]
    )
    commands = config.matching(HookEvent.POST_TOOL_USE, "Edit")
    await run_hooks(
        commands,
        payload(project, HookEvent.POST_TOOL_USE, tool_name="Edit"),
        project_dir=project,
        env=dict(os.environ),
    )
    assert log.read_text() == "ran\n"


async def test_an_output_flood_is_capped_without_deadlock(project: Path) -> None:
    flood = "head -c 5000000 /dev/zero | tr '\\0' x"
    outcome = await run(project, HookEvent.POST_TOOL_USE, f"{flood}; {flood} >&2; exit 1")
    [report] = outcome.outputs
    assert report.exit_code == 1
    assert report.stdout_truncated and report.stderr_truncated
    assert len(report.output) == OUTPUT_CAP_BYTES and len(report.stderr) == OUTPUT_CAP_BYTES
    assert sum("was dropped" in warning for warning in outcome.warnings) == 2


async def test_a_hook_that_closes_stdin_early_is_harmless(project: Path) -> None:
    big = "x" * (4 * 1024 * 1024)
    outcome = await run(
        project,
        HookEvent.POST_TOOL_USE,
        "exec 0<&-; echo fine",
        "sleep 0.2; echo did-not-read",
        tool_name="Bash",
        tool_response={"stdout": big},
    )
    assert [r.output for r in outcome.outputs] == ["fine\n", "did-not-read\n"]
    assert [r.exit_code for r in outcome.outputs] == [0, 0]
    assert outcome.warnings == []


async def test_a_crashing_hook_is_a_warning(project: Path) -> None:
    outcome = await run(project, HookEvent.PRE_TOOL_USE, "kill -SEGV $$", tool_name="Bash")
    [report] = outcome.outputs
    assert report.exit_code == -11
    assert not outcome.blocked and outcome.permission_decision is None
    assert outcome.warnings == ["Hook `kill -SEGV $$` failed with signal SIGSEGV"]


async def test_a_hook_that_cannot_start_is_a_warning(tmp_path: Path) -> None:
    missing = tmp_path / "gone"
    outcome = await run(missing, HookEvent.STOP, "true")
    assert len(outcome.warnings) == 1 and "could not start" in outcome.warnings[0]
    assert outcome.outputs[0].exit_code is None


async def test_a_background_child_holding_the_pipes_does_not_delay_the_result(
    project: Path, tmp_path: Path
) -> None:
    pids = tmp_path / "pids"
    started = time.monotonic()
    outcome = await run(
        project, HookEvent.NOTIFICATION, f"sleep 30 & echo $! > {shlex.quote(str(pids))}; echo done"
    )
    try:
        assert time.monotonic() - started < 3
        assert outcome.outputs[0].output == "done\n" and outcome.outputs[0].exit_code == 0
        [child] = read_pids(pids)
        assert alive(child)  # left running: a notifier's `cmd &` is meant to outlive it
    finally:
        for pid in read_pids(pids):
            os.kill(pid, 9)


async def test_cancelling_the_caller_kills_running_hooks(project: Path, tmp_path: Path) -> None:
    files = [tmp_path / "a", tmp_path / "b"]
    task = asyncio.create_task(
        run(
            project,
            HookEvent.PRE_TOOL_USE,
            *(f"sleep 100 & echo $! $$ > {shlex.quote(str(f))}; sleep 100" for f in files),
            tool_name="Bash",
        )
    )
    deadline = time.monotonic() + 5
    while not all(f.exists() and f.read_text().strip() for f in files):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert wait_gone([pid for f in files for pid in read_pids(f)])
