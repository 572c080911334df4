"""The Git tool through the real server: looking runs at once, a commit asks the editor
first and then lands in the repository."""

from __future__ import annotations

from pathlib import Path

import pygit2

from tests.conftest import agent_env
from tests.e2e.conftest import new_session, prompt, start_editor
from tests.fakeapi import FakeAnthropic, reply, text, tool_use


async def test_the_agent_looks_then_commits_after_asking(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    repo = pygit2.init_repository(str(project), initial_head="main")
    repo.config["user.name"] = "Ada"
    repo.config["user.email"] = "ada@example.com"
    fake_api.script(
        reply(tool_use("Git", {"operation": "status"})),
        reply(tool_use("Git", {"operation": "add", "paths": ["calc.py"]})),
        reply(tool_use("Git", {"operation": "commit", "message": "Add calc"})),
        reply(text("Committed.")),
    )
    env = agent_env(fake_api, tmp_path)
    async with start_editor(env, project, sessionUpdate=True, requestPermission=True) as (
        client,
        recorder,
    ):
        session_id = await new_session(client, project)
        result = await prompt(client, session_id, "commit calc.py")

    assert result["stopReason"] == "end_turn"
    status = fake_api.message_requests()[1].body["messages"][-1]["content"][0]
    assert status["content"][0]["text"] == "On branch main (no commits yet)\n?? calc.py"
    titles = [request["toolCall"]["title"] for request in recorder.permission_requests]
    assert titles == ["git add calc.py", "git commit"]
    head = repo.revparse_single("HEAD").peel(pygit2.Commit)
    assert head.message == "Add calc" and head.author.name == "Ada"
