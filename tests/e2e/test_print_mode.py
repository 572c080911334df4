"""`claude-lsp -p` as a user runs it: the real CLI in a subprocess, the fake API behind it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import agent_env
from tests.fakeapi import FakeAnthropic, error_event, http_error, reply, text, tool_use

FIXED = "def add(a, b):\n    return a + b\n"
BROKEN = "def add(a, b):\n    return a - b\n"


def run_cli(
    args: list[str],
    cwd: Path,
    env: dict[str, str],
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "claude_lsp", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def script_fix(fake: FakeAnthropic, calc: Path) -> None:
    fake.script(
        reply(tool_use("Read", {"file_path": str(calc)})),
        reply(
            text("Found it: subtraction. "),
            tool_use(
                "Edit",
                {
                    "file_path": str(calc),
                    "old_string": "return a - b",
                    "new_string": "return a + b",
                },
            ),
        ),
        reply(text("Fixed: add now returns a + b.")),
    )


def last_tool_result(fake: FakeAnthropic) -> dict[str, Any]:
    result = fake.message_requests()[-1].body["messages"][-1]["content"][0]
    assert result["type"] == "tool_result"
    return dict(result)


def test_json_result_fixes_the_file(fake_api: FakeAnthropic, project: Path, tmp_path: Path) -> None:
    script_fix(fake_api, project / "calc.py")
    done = run_cli(
        [
            "-p",
            "fix the bug in calc.py",
            "--permission-mode",
            "acceptEdits",
            "--output-format",
            "json",
        ],
        project,
        agent_env(fake_api, tmp_path),
    )

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["type"] == "result" and result["subtype"] == "success"
    assert result["is_error"] is False
    assert result["result"] == "Fixed: add now returns a + b."
    assert result["num_turns"] == 3
    assert result["session_id"] and result["duration_ms"] >= result["duration_api_ms"] > 0
    assert result["total_cost_usd"] > 0
    assert set(result["usage"]) >= {
        "input_tokens",
        "output_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
    }
    assert (project / "calc.py").read_text() == FIXED
    assert done.stderr == ""


def test_text_output_prints_the_answer(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    script_fix(fake_api, project / "calc.py")
    done = run_cli(
        ["-p", "fix it", "--permission-mode", "acceptEdits"], project, agent_env(fake_api, tmp_path)
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Fixed: add now returns a + b.\n"


def test_stream_json_prints_each_step_as_it_happens(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    script_fix(fake_api, project / "calc.py")
    done = run_cli(
        [
            "-p",
            "fix it",
            "--permission-mode",
            "acceptEdits",
            "--output-format",
            "stream-json",
            "--verbose",
        ],
        project,
        agent_env(fake_api, tmp_path),
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    kinds = [(line["type"], line.get("subtype")) for line in lines]
    assert kinds[0] == ("system", "init") and kinds[-1] == ("result", "success")
    assert "Read" in lines[0]["tools"] and lines[0]["permissionMode"] == "acceptEdits"
    assert {"clear", "compact", "help"} <= set(lines[0]["slash_commands"])
    blocks = [(line["type"], line["message"]["content"][0]["type"]) for line in lines[1:-1]]
    assert blocks == [
        ("assistant", "tool_use"),
        ("user", "tool_result"),
        ("assistant", "text"),
        ("assistant", "tool_use"),
        ("user", "tool_result"),
        ("assistant", "text"),
    ]
    assert lines[1]["message"]["content"][0]["name"] == "Read"
    assert lines[3]["message"]["content"][0]["text"] == "Found it: subtraction. "
    assert all(line["session_id"] == lines[0]["session_id"] for line in lines)


def test_default_mode_denies_edits_with_a_clear_tool_result(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    script_fix(fake_api, project / "calc.py")
    done = run_cli(
        ["-p", "fix it", "--output-format", "json"], project, agent_env(fake_api, tmp_path)
    )
    assert done.returncode == 0, done.stderr
    assert (project / "calc.py").read_text() == BROKEN
    denial = last_tool_result(fake_api)
    assert denial["is_error"] is True
    assert "acceptEdits" in denial["content"][0]["text"]
    result = json.loads(done.stdout)
    assert [d["tool_name"] for d in result["permission_denials"]] == ["Edit"]


def test_bash_needs_bypass_permissions(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    for mode, runs in (("acceptEdits", False), ("bypassPermissions", True)):
        marker = project / f"{mode}.txt"
        fake_api.script(
            reply(tool_use("Bash", {"command": f"touch {marker}"})), reply(text("done"))
        )
        done = run_cli(
            ["-p", "touch it", "--permission-mode", mode], project, agent_env(fake_api, tmp_path)
        )
        assert done.returncode == 0, done.stderr
        assert marker.exists() is runs


def test_allowed_and_disallowed_tools(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    marker = project / "allowed.txt"
    fake_api.script(reply(tool_use("Bash", {"command": f"touch {marker}"})), reply(text("ok")))
    done = run_cli(
        ["-p", "go", "--allowedTools", "Bash,Read", "--disallowedTools", "Write", "LS"],
        project,
        agent_env(fake_api, tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert marker.exists()
    offered = [tool["name"] for tool in fake_api.message_requests()[0].body["tools"]]
    assert "Write" not in offered and "LS" not in offered and "Read" in offered


def test_model_system_prompt_and_dirs_reach_the_api(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    extra = tmp_path / "extra"
    extra.mkdir()
    fake_api.script(reply(text("hi")))
    done = run_cli(
        [
            "-p",
            "hello",
            "--model",
            "sonnet",
            "--append-system-prompt",
            "Always answer in haiku.",
            "--add-dir",
            str(extra),
        ],
        project,
        agent_env(fake_api, tmp_path),
    )
    assert done.returncode == 0, done.stderr
    body = fake_api.message_requests()[0].body
    assert body["model"] == "claude-sonnet-4-6"
    system = body["system"][0]["text"]
    assert system.endswith("Always answer in haiku.")
    assert f"Working directory: {project.resolve()}" in system and str(extra) in system
    assert body["messages"][0]["content"][0]["text"] == "hello"


def test_prompt_from_standard_input(fake_api: FakeAnthropic, project: Path, tmp_path: Path) -> None:
    fake_api.script(reply(text("summarised")))
    done = run_cli(
        ["-p", "summarise this"],
        project,
        agent_env(fake_api, tmp_path),
        stdin="line one\nline two\n",
    )
    assert done.returncode == 0, done.stderr
    sent = fake_api.message_requests()[0].body["messages"][0]["content"][0]["text"]
    assert sent == "line one\nline two\n\nsummarise this"


def test_max_turns_stops_with_error_max_turns(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    script_fix(fake_api, project / "calc.py")
    done = run_cli(
        ["-p", "fix it", "--max-turns", "1", "--output-format", "json"],
        project,
        agent_env(fake_api, tmp_path),
    )
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["subtype"] == "error_max_turns" and result["is_error"] is True
    assert result["num_turns"] == 1
    assert "turn limit" in done.stderr


def test_transient_api_errors_are_retried(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(
        http_error(429, retry_after=0),
        http_error(529, retry_after_ms=5),
        error_event(after_events=3),
        reply(text("made it")),
    )
    done = run_cli(
        ["-p", "hi", "--output-format", "stream-json"], project, agent_env(fake_api, tmp_path)
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    retries = [line for line in lines if line.get("subtype") == "api_retry"]
    assert [line["attempt"] for line in retries] == [1, 2, 3]
    assert "overloaded_error" in retries[2]["error"]
    assert lines[-1]["result"] == "made it"
    assert len(fake_api.message_requests()) == 4


def test_api_failure_exits_non_zero_with_one_line(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(http_error(400, message="messages: field required"))
    done = run_cli(["-p", "hi"], project, agent_env(fake_api, tmp_path))
    assert done.returncode == 1
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert "400" in line and "invalid_request_error" in line
    assert len(fake_api.message_requests()) == 1  # a 400 is not retried


def test_missing_credentials_explain_what_to_set(project: Path, tmp_path: Path) -> None:
    done = run_cli(["-p", "hi", "--output-format", "json"], project, agent_env(None, tmp_path))
    assert done.returncode == 1
    assert "ANTHROPIC_API_KEY" in done.stderr and "ANTHROPIC_BASE_URL" in done.stderr
    assert json.loads(done.stdout)["is_error"] is True


def test_api_key_never_appears_in_output_or_logs(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    secret = "sk-ant-test-do-not-print-0123456789"
    fake_api.script(http_error(401, message="invalid x-api-key"))
    env = agent_env(fake_api, tmp_path, ANTHROPIC_API_KEY=secret)
    done = run_cli(["-p", "hi", "--log-level", "debug", "--output-format", "json"], project, env)
    assert done.returncode == 1
    assert secret not in done.stdout and secret not in done.stderr


def test_version_and_help(project: Path, tmp_path: Path) -> None:
    version = run_cli(["--version"], project, agent_env(None, tmp_path))
    assert version.returncode == 0 and version.stdout.startswith("claude-lsp ")
    usage = run_cli(["--help"], project, agent_env(None, tmp_path))
    assert usage.returncode == 0 and "--output-format" in usage.stdout


def test_accept_edits_still_refuses_paths_outside_the_workspace(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.txt"
    fake_api.script(
        reply(tool_use("Write", {"file_path": str(outside), "content": "x"})),
        reply(text("could not")),
    )
    done = run_cli(
        ["-p", "write outside", "--permission-mode", "acceptEdits"],
        project,
        agent_env(fake_api, tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert not outside.exists()
    denial = last_tool_result(fake_api)
    assert (
        denial["is_error"] is True
        and "outside the session's folders" in (denial["content"][0]["text"])
    )


def test_rules_with_specifiers_keep_the_tool_and_malformed_deny_rules_fail_closed(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(reply(text("ok")))
    done = run_cli(
        [
            "-p",
            "hi",
            "--disallowedTools",
            "Bash(rm:*)",
            "Read(~bob/notes)",
            "--allowedTools",
            "Bash(git status)",
        ],
        project,
        agent_env(fake_api, tmp_path),
    )
    assert done.returncode == 0, done.stderr
    warnings = done.stderr.splitlines()
    assert len(warnings) == 1 and warnings[0].startswith("claude-lsp: warning:")
    assert "every use of Read" in warnings[0]
    offered = [tool["name"] for tool in fake_api.message_requests()[0].body["tools"]]
    assert "Bash" in offered
    assert not {"Read", "Grep", "Glob", "LS"} & set(offered)


def test_a_reader_that_goes_away_is_not_an_error(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    script_fix(fake_api, project / "calc.py")
    done = subprocess.run(
        f"{sys.executable} -m claude_lsp -p 'fix it' --permission-mode acceptEdits "
        "--output-format stream-json | head -1",
        shell=True,
        cwd=project,
        env=agent_env(fake_api, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(done.stdout)["subtype"] == "init"
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
    assert (project / "calc.py").read_text() == FIXED


def test_a_slash_command_runs_in_print_mode(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    done = run_cli(
        ["-p", "/cost", "--output-format", "json"], project, agent_env(fake_api, tmp_path)
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["subtype"] == "success" and result["result"].startswith("Total cost: $0.0000")
    assert result["num_turns"] == 0 and fake_api.message_requests() == []
