"""Print mode's session flags as a user runs them: --continue, --resume, --fork-session and
--settings, with the real CLI in a subprocess and the fake API behind it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from claude_lsp.sessions.transcripts import messages_of, read_entries
from tests.conftest import agent_env
from tests.e2e.conftest import new_session, prompt, request, start_editor
from tests.e2e.test_print_mode import run_cli
from tests.fakeapi import FakeAnthropic, reply, text, tool_use


@pytest.fixture
def env(fake_api: FakeAnthropic, tmp_path: Path) -> dict[str, str]:
    return agent_env(fake_api, tmp_path, CLAUDE_CONFIG_DIR=str(tmp_path / "config"))


def transcript(tmp_path: Path, cwd: Path, session_id: str) -> Path:
    slug = "".join(c if c.isalnum() else "-" for c in str(cwd.resolve()))
    return tmp_path / "config" / "projects" / slug / f"{session_id}.jsonl"


def run_json(args: list[str], cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    done = run_cli(["-p", *args, "--output-format", "json"], cwd, env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert isinstance(result, dict)
    return result


def texts(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(role, text) of each message's first block, to compare conversations at a glance."""
    return [(m["role"], m["content"][0].get("text", m["content"][0]["type"])) for m in messages]


def test_continue_carries_on_the_latest_conversation_of_this_directory(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    fake_api.script(
        reply(text("Noted: 7.")), reply(text("Other project.")), reply(text("It was 7."))
    )
    first = run_json(["remember the number 7"], project, env)
    other = run_json(["something unrelated"], elsewhere, env)  # newer, but another folder

    done = run_cli(["-p", "which number?", "-c"], project, env)

    assert done.returncode == 0, done.stderr
    assert done.stdout == "It was 7.\n"  # the new answer only, not the replayed history
    assert other["session_id"] != first["session_id"]
    sent = fake_api.message_requests()[-1].body["messages"]
    assert texts(sent) == [
        ("user", "remember the number 7"),
        ("assistant", "Noted: 7."),
        ("user", "which number?"),
    ]
    entries = read_entries(transcript(tmp_path, project, first["session_id"]))
    assert len(entries) == 4 and {e["sessionId"] for e in entries} == {first["session_id"]}


def test_continue_reports_the_resumed_id_and_prints_only_the_new_turn(
    fake_api: FakeAnthropic, project: Path, env: dict[str, str]
) -> None:
    calc = project / "calc.py"
    fake_api.script(
        reply(tool_use("Read", {"file_path": str(calc)})),
        reply(text("It subtracts.")),
        reply(text("Still subtracts.")),
    )
    first = run_json(["what does add do?"], project, env)

    done = run_cli(["-p", "and now?", "--continue", "--output-format", "stream-json"], project, env)

    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(line["type"], line.get("subtype")) for line in lines] == [
        ("system", "init"),
        ("assistant", None),
        ("result", "success"),
    ]
    assert lines[1]["message"]["content"] == [{"type": "text", "text": "Still subtracts."}]
    assert {line["session_id"] for line in lines} == {first["session_id"]}
    assert lines[-1]["num_turns"] == 1


def test_resume_by_id_picks_that_conversation(
    fake_api: FakeAnthropic, project: Path, env: dict[str, str]
) -> None:
    fake_api.script(reply(text("Blue.")), reply(text("Green.")), reply(text("You said blue.")))
    first = run_json(["my colour is blue"], project, env)
    run_json(["my colour is green"], project, env)  # the newest, which --continue would take

    resumed = run_json(["what colour did I say?", "--resume", first["session_id"]], project, env)

    assert resumed["session_id"] == first["session_id"]
    assert resumed["result"] == "You said blue."
    assert texts(fake_api.message_requests()[-1].body["messages"]) == [
        ("user", "my colour is blue"),
        ("assistant", "Blue."),
        ("user", "what colour did I say?"),
    ]


def test_fork_session_continues_in_a_new_session_and_leaves_the_old_one_alone(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    fake_api.script(
        reply(text("Plan A.")), reply(text("Plan B, then.")), reply(text("Both: A then B."))
    )
    first = run_json(["make a plan"], project, env)
    original = transcript(tmp_path, project, first["session_id"])
    before = original.read_bytes()

    forked = run_json(
        ["try another plan", "-r", first["session_id"], "--fork-session"], project, env
    )

    fork_id = forked["session_id"]
    assert fork_id != first["session_id"] and forked["result"] == "Plan B, then."
    assert texts(fake_api.message_requests()[-1].body["messages"]) == [
        ("user", "make a plan"),
        ("assistant", "Plan A."),
        ("user", "try another plan"),
    ]
    assert original.read_bytes() == before
    entries = read_entries(transcript(tmp_path, project, fork_id))
    assert {e["sessionId"] for e in entries} == {fork_id}
    assert [e["parentUuid"] for e in entries[1:]] == [e["uuid"] for e in entries[:-1]]
    assert texts(messages_of(entries)) == [
        ("user", "make a plan"),
        ("assistant", "Plan A."),
        ("user", "try another plan"),
        ("assistant", "Plan B, then."),
    ]

    # the fork is now the newest conversation here, and holds everything
    latest = run_json(["summarise", "--continue"], project, env)
    assert latest["session_id"] == fork_id
    assert len(fake_api.message_requests()[-1].body["messages"]) == 5


def test_a_session_of_another_directory_is_resumed_there_or_forked_here(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    fake_api.script(reply(text("Started.")), reply(text("Forked here.")))
    first = run_json(["start"], project, env)
    original = transcript(tmp_path, project, first["session_id"])
    before = original.read_bytes()

    refused = run_cli(["-p", "go on", "-r", first["session_id"]], elsewhere, env)
    assert refused.returncode == 1 and len(fake_api.message_requests()) == 1
    assert refused.stderr.strip() == (
        f"claude-lsp: session {first['session_id']} belongs to {project.resolve()}: resume it "
        "from there, or add --fork-session to carry it on here"
    )

    forked = run_json(["go on", "-r", first["session_id"], "--fork-session"], elsewhere, env)
    body = fake_api.message_requests()[-1].body
    assert f"Working directory: {elsewhere.resolve()}" in body["system"][0]["text"]
    assert texts(body["messages"])[:2] == [("user", "start"), ("assistant", "Started.")]
    assert len(read_entries(transcript(tmp_path, elsewhere, forked["session_id"]))) == 4
    assert original.read_bytes() == before


def test_nothing_to_resume_fails_before_any_model_request(
    fake_api: FakeAnthropic, project: Path, env: dict[str, str]
) -> None:
    unknown = run_cli(
        ["-p", "hi", "--resume", "no-such-session", "--output-format", "json"], project, env
    )
    assert unknown.returncode == 1
    assert "no conversation found with session id no-such-session" in unknown.stderr
    assert json.loads(unknown.stdout)["is_error"] is True

    nothing_here = run_cli(["-p", "hi", "--continue"], project, env)
    assert nothing_here.returncode == 1 and nothing_here.stdout == ""
    assert nothing_here.stderr.strip() == (
        f"claude-lsp: no conversation found to continue in {project.resolve()}"
    )
    assert fake_api.message_requests() == []


def test_settings_inline_json_allows_a_command_and_picks_the_model(
    fake_api: FakeAnthropic, project: Path, env: dict[str, str]
) -> None:
    marker = project / "ran.txt"
    fake_api.script(reply(tool_use("Bash", {"command": f"touch {marker}"})), reply(text("done")))
    settings = {"model": "haiku", "permissions": {"allow": ["Bash(touch:*)"]}}

    done = run_cli(["-p", "touch it", "--settings", json.dumps(settings)], project, env)

    assert done.returncode == 0, done.stderr
    assert marker.exists()  # default mode, no --allowedTools: the settings' rule allowed it
    assert fake_api.message_requests()[0].body["model"] == "claude-haiku-4-5"


def test_settings_file_ranks_above_the_project_settings(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    (project / ".claude").mkdir()
    (project / ".claude" / "settings.json").write_text(json.dumps({"model": "sonnet"}))
    flag_file = tmp_path / "run-settings.json"
    flag_file.write_text(json.dumps({"model": "haiku"}))
    fake_api.script(reply(text("a")), reply(text("b")))

    run_json(["hi"], project, env)
    run_json(["hi", "--settings", str(flag_file)], project, env)

    models = [r.body["model"] for r in fake_api.message_requests()]
    assert models == ["claude-sonnet-4-6", "claude-haiku-4-5"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("missing.json", "cannot read missing.json: No such file or directory"),
        ('{"model": ', "the inline JSON is not valid JSON: Expecting value at line 1"),
        ("list.json", "list.json must hold a JSON object"),
    ],
)
def test_unusable_settings_are_a_usage_error(
    value: str, message: str, fake_api: FakeAnthropic, project: Path, env: dict[str, str]
) -> None:
    (project / "list.json").write_text("[]")
    done = run_cli(["-p", "hi", "--settings", value], project, env)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"claude-lsp: --settings: {message}")
    assert fake_api.message_requests() == []


def test_session_flag_usage_errors(project: Path, env: dict[str, str]) -> None:
    lone_fork = run_cli(["-p", "hi", "--fork-session"], project, env)
    assert lone_fork.returncode == 2
    assert lone_fork.stderr.strip() == "claude-lsp: --fork-session needs --continue or --resume"
    both = run_cli(["-p", "hi", "-c", "-r", "abc"], project, env)
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


async def test_forking_a_session_the_server_hosts(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    fake_api.script(reply(text("One.")), reply(text("Two, in the fork.")), reply(text("Three.")))
    async with start_editor(env, project, sessionUpdate=True) as (client, recorder):
        original = await new_session(client, project)
        await prompt(client, original, "count with me")
        before = transcript(tmp_path, project, original).read_bytes()
        forked = await request(
            client, "claude/session/load", {"sessionId": original, "forkSession": True}
        )
        fork_id = forked["sessionId"]
        replayed = [u for u in recorder.updates if u["sessionId"] == fork_id]
        await prompt(client, fork_id, "go on")
        await prompt(client, original, "and here?")

    assert fork_id != original and forked["_meta"]["claude"]["cwd"] == str(project.resolve())
    assert [u["update"]["sessionUpdate"] for u in replayed][:2] == [
        "user_message_chunk",
        "agent_message_chunk",
    ]
    requests = fake_api.message_requests()
    assert texts(requests[1].body["messages"]) == [
        ("user", "count with me"),
        ("assistant", "One."),
        ("user", "go on"),
    ]
    assert texts(requests[2].body["messages"])[-1] == ("user", "and here?")
    assert len(requests[2].body["messages"]) == 3  # the fork's turn did not leak back
    original_entries = read_entries(transcript(tmp_path, project, original))
    assert transcript(tmp_path, project, original).read_bytes().startswith(before)
    assert len(original_entries) == 4
    assert len(read_entries(transcript(tmp_path, project, fork_id))) == 4
