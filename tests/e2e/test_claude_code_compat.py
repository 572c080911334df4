"""A Claude Code user's `~/.claude` and `.claude/` folders, brought as they are.

One realistic set of files (settings in every scope, rules, hooks, memory with imports,
custom commands) and one scripted session through the real server: what the model was
sent and what the user saw must follow Claude Code's rules for all of it at once.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

from tests.conftest import agent_env
from tests.e2e.conftest import prompt, request, start_editor
from tests.fakeapi import FakeAnthropic, reply, text, tool_use


def write(path: Path, content: str | dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = json.dumps(content, indent=2) if isinstance(content, dict) else content
    path.write_text(textwrap.dedent(body) if isinstance(content, str) else body)


def user_folder(home: Path) -> None:
    claude = home / ".claude"
    write(
        claude / "settings.json",
        {
            "model": "opus",
            "env": {"TEAM": "core", "FLAVOR": "user"},
            "permissions": {
                "allow": ["Bash(git status:*)", "Bash(git diff:*)"],
                "deny": ["Read(~/.ssh/**)"],
            },
            "hooks": {
                "SessionStart": [
                    {"hooks": [{"type": "command", "command": "echo 'Team core: make check.'"}]}
                ]
            },
        },
    )
    write(claude / "CLAUDE.md", "# Personal\n- Answer tersely.\n@~/.claude/style.md\n")
    write(claude / "style.md", "Prefer f-strings over format().\n")
    write(
        claude / "commands" / "standup.md",
        """\
        ---
        description: Summarise my work
        ---
        Summarise: $ARGUMENTS
        """,
    )


def project_folder(project: Path) -> None:
    hook_log = project / ".hook-log.jsonl"
    write(
        project / "CLAUDE.md",
        "# Project\nTests use pytest. See @docs/conventions.md.\n`@docs/not-imported.md`\n",
    )
    write(project / "docs" / "conventions.md", "Functions are snake_case.\n")
    write(project / "docs" / "not-imported.md", "NEVER LOADED\n")
    write(project / "CLAUDE.local.md", "My sandbox database is sqlite.\n")
    write(
        project / ".claude" / "settings.json",
        {
            "model": "sonnet",
            "env": {"FLAVOR": "project"},
            "permissions": {
                "allow": ["Bash(npm run test:*)"],
                "ask": ["Bash(git push:*)"],
                "deny": ["Read(./secrets/**)", "Bash(rm:*)"],
                "defaultMode": "acceptEdits",
            },
            "hooks": {
                "PreToolUse": [
                    {
                        "matcher": "Bash",
                        "hooks": [
                            {
                                "type": "command",
                                "command": f"cat >> {hook_log}; echo >> {hook_log}",
                            }
                        ],
                    }
                ],
                "PostToolUse": [
                    {
                        "matcher": "Edit|Write",
                        "hooks": [
                            {
                                "type": "command",
                                "command": 'echo \'{"hookSpecificOutput": {"hookEventName": '
                                '"PostToolUse", "additionalContext": "formatted with ruff"}}\'',
                            }
                        ],
                    }
                ],
            },
        },
    )
    write(
        project / ".claude" / "settings.local.json",
        {"env": {"FLAVOR": "local"}, "permissions": {"allow": ["Bash(make lint)"]}},
    )
    write(
        project / ".claude" / "rules" / "python.md",
        """\
        ---
        paths: ["**/*.py"]
        ---
        Python files: type hints everywhere.
        """,
    )
    write(
        project / ".claude" / "commands" / "frontend" / "component.md",
        """\
        ---
        description: Scaffold a component
        argument-hint: <name>
        allowed-tools: Bash(printf:*)
        model: haiku
        ---
        Branch: !`printf feature-x`
        Create the component $1 following @docs/conventions.md
        """,
    )
    write(project / "secrets" / "token.txt", "password=hunter2\n")
    write(project / "app.py", "PASSWORD_FIELD = 'password'\n\n\ndef add(a, b):\n    return a - b\n")


def texts(blocks: list[dict[str, Any]]) -> str:
    """All text in a message's blocks, tool results included."""
    parts = []
    for block in blocks:
        if block.get("type") == "text":
            parts.append(block["text"])
        elif block.get("type") == "tool_result":
            parts.append(texts(block["content"]))
    return "\n".join(parts)


async def test_a_claude_code_setup_just_works(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    user_folder(home)
    project_folder(project)
    app = project / "app.py"
    fake_api.script(
        reply(tool_use("Bash", {"command": "git status && rm -rf build"})),
        reply(tool_use("Bash", {"command": 'printf \'%s-%s\' "$FLAVOR" "$TEAM"'})),
        reply(tool_use("Grep", {"pattern": "password", "path": str(project)})),
        reply(tool_use("Read", {"file_path": str(app)})),
        reply(
            tool_use("Edit", {"file_path": str(app), "old_string": "a - b", "new_string": "a + b"})
        ),
        reply(text("Component scaffolded.")),
        reply(tool_use("Bash", {"command": "git push origin main"})),
        reply(text("Not pushed.")),
    )
    async with start_editor(
        agent_env(fake_api, home), project, sessionUpdate=True, requestPermission=True
    ) as (client, recorder):
        session = await request(client, "claude/session/new", {"cwd": str(project)})
        session_id = session["sessionId"]
        first = await prompt(client, session_id, "/component Button")
        asked_during_command = list(recorder.permission_requests)
        recorder.permission_answer = "reject_once"
        await prompt(client, session_id, "push it")
        commands = recorder.of_kind("available_commands_update")[-1]["availableCommands"]

    # The session: mode from the project's defaultMode, no warnings, commands from both.
    assert session["modes"]["currentModeId"] == "acceptEdits"
    assert session["_meta"]["claude"]["warnings"] == []
    described = {command["name"]: command["description"] for command in commands}
    assert described["component"] == "Scaffold a component (project:frontend)"
    assert described["standup"] == "Summarise my work (user)"
    assert first["stopReason"] == "end_turn"

    requests = [r.body for r in fake_api.message_requests()]
    assert len(requests) == 8
    # The command's model for its own turn; the settings' (project beats user) after it.
    assert {body["model"] for body in requests[:6]} == {"claude-haiku-4-5"}
    assert requests[6]["model"] == "claude-sonnet-4-6"

    # Memory: user, imported, project, imported, local; not the code span, no rule yet.
    system = requests[0]["system"][0]["text"]
    for expected in (
        "Answer tersely.",
        "Prefer f-strings over format().",
        "Tests use pytest.",
        "Functions are snake_case.",
        "My sandbox database is sqlite.",
    ):
        assert expected in system
    assert "NEVER LOADED" not in system
    assert "type hints everywhere" not in system

    # The prompt: SessionStart context, the `!` output, the argument, the @file.
    prompt_text = texts(requests[0]["messages"][0]["content"])
    assert "Team core: make check." in prompt_text
    assert "Branch: feature-x" in prompt_text
    assert "Create the component Button" in prompt_text
    assert "Functions are snake_case." in prompt_text

    def result_of(index: int) -> str:
        return texts(requests[index]["messages"][-1]["content"])

    # A deny rule wins inside a compound command, with no question asked.
    assert "Bash(rm:*)" in result_of(1) and "denied" in result_of(1)
    # allowed-tools let printf run; env: local settings beat project, user fills in.
    assert "local-core" in result_of(2)
    # The Read deny rule hides secrets/ from a search of the whole project.
    assert "app.py" in result_of(3) and "token.txt" not in result_of(3)
    assert "hidden by permission rules" in result_of(3)
    # Reading a .py file brings in the rule whose `paths` match it.
    assert "Python files: type hints everywhere." in result_of(4)
    # acceptEdits applied the edit unasked; the PostToolUse hook's context followed.
    assert "PostToolUse hook: formatted with ruff" in result_of(5)
    assert app.read_text().endswith("return a + b\n")
    assert asked_during_command == []

    # The ask rule asks even though the mode would not have; the answer was no.
    (question,) = recorder.permission_requests
    assert question["toolCall"]["rawInput"] == {"command": "git push origin main"}
    assert "denied" in result_of(7)

    # Every Bash call went through the project's PreToolUse hook with the full payload.
    payloads = [
        json.loads(line)
        for line in (project / ".hook-log.jsonl").read_text().splitlines()
        if line.strip()
    ]
    assert [p["tool_input"]["command"] for p in payloads] == [
        "git status && rm -rf build",
        'printf \'%s-%s\' "$FLAVOR" "$TEAM"',
        "git push origin main",
    ]
    assert {p["session_id"] for p in payloads} == {session_id}
    assert {p["permission_mode"] for p in payloads} == {"acceptEdits"}
    transcript = Path(payloads[0]["transcript_path"])
    assert transcript.parent.parent == home / ".claude" / "projects"
    assert transcript.parent.name == re.sub(r"[^A-Za-z0-9]", "-", str(project))
    lines = [json.loads(line) for line in transcript.read_text().splitlines()]
    assert {line["sessionId"] for line in lines} == {session_id}
    assert sum(line["type"] == "assistant" for line in lines) == 8
