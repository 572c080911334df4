"""The GitHub tool through the real server and the real `gh`, against a fake GitHub:
reading runs at once, a comment asks first, and "always allow" keeps a rule for that
operation only (saved for the project), so another kind of write still asks, and so
does the same write to another host."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import agent_env
from tests.e2e.conftest import new_session, prompt, start_editor
from tests.fakeapi import FakeAnthropic, reply, text, tool_use
from tests.unit.tools.test_github import GH_VARIABLES
from tests.unit.tools.test_github_fake import FakeGitHub, comment, issue, pull


@pytest.fixture
def github(tmp_path: Path) -> Iterator[FakeGitHub]:
    with FakeGitHub(tmp_path / "github") as fake:
        fake.pulls[12] = pull(12, "Fix the parser", "fix-parser", body="Parses empty input.")
        fake.comments[12] = [comment("bob", "Please add a test.")]
        fake.issues[7] = issue(7, "Crash on empty input")
        yield fake


async def test_the_agent_reads_a_pull_request_and_comments_after_asking(
    fake_api: FakeAnthropic, github: FakeGitHub, project: Path, tmp_path: Path
) -> None:
    # The fake under another name: to gh a host other than GH_HOST, given the same token.
    elsewhere = github.repo.replace("localhost:", "127.0.0.1:")
    copied = {"operation": "pr_comment", "number": 12, "body": "Copied.", "repo": elsewhere}
    fake_api.script(
        reply(tool_use("GitHub", {"operation": "pr_view", "number": 12})),
        reply(tool_use("GitHub", {"operation": "pr_comment", "number": 12, "body": "Added."})),
        reply(tool_use("GitHub", {"operation": "pr_comment", "number": 12, "body": "Also."})),
        reply(tool_use("GitHub", copied)),
        reply(tool_use("GitHub", {"operation": "issue_comment", "number": 7, "body": "Fixed."})),
        reply(tool_use("GitHub", {"operation": "pr_view", "number": 99})),
        reply(text("Done.")),
    )
    env = {k: v for k, v in agent_env(fake_api, tmp_path).items() if k not in GH_VARIABLES}
    env.update(github.env(), GH_REPO=github.repo)
    async with start_editor(env, project, sessionUpdate=True, requestPermission=True) as (
        client,
        recorder,
    ):
        recorder.permission_answer = "allow_always"
        session_id = await new_session(client, project)
        result = await prompt(client, session_id, "address the review of #12")

    assert result["stopReason"] == "end_turn"
    requests = fake_api.message_requests()

    def tool_result(index: int) -> dict[str, Any]:
        block: dict[str, Any] = requests[index].body["messages"][-1]["content"][0]
        assert block["type"] == "tool_result"
        return block

    viewed = tool_result(1)
    assert "is_error" not in viewed
    shown = viewed["content"][0]["text"]
    assert shown.startswith("#12 Fix the parser [open]\n")
    assert (
        "Parses empty input." in shown
        and "- bob (2024-05-02 11:00):\n  Please add a test." in shown
    )
    assert tool_result(2)["content"][0]["text"].startswith("Commented on #12: https://")

    # Reading asked nothing; the first comment asked, and "always allow" covered the
    # second comment on a pull request but neither the one sent to another host nor
    # the comment on an issue.
    questions = recorder.permission_requests
    assert [q["toolCall"]["title"] for q in questions] == [
        "GitHub pr comment #12",
        f"GitHub pr comment #12 in {elsewhere}",
        "GitHub issue comment #7",
    ]
    # For another host no "always allow" is offered, and this client's "allow_always"
    # answer keeps no rule: the saved rules below are unchanged.
    elsewhere_options = [option["kind"] for option in questions[1]["options"]]
    assert elsewhere_options == ["allow_once", "reject_once", "reject_always"]
    # The question shows the text that would be posted under the user's name.
    assert questions[0]["toolCall"]["content"] == [
        {"type": "content", "content": {"type": "text", "text": "Comment on #12:\n\nAdded."}}
    ]
    options = [option["name"] for option in questions[0]["options"]]
    assert "Always allow GitHub(pr_comment) in this project" in options
    saved = json.loads((project / ".claude" / "settings.local.json").read_text())
    assert set(saved["permissions"]["allow"]) == {"GitHub(pr_comment)", "GitHub(issue_comment)"}
    assert [(r.path, r.body) for r in github.posted()] == [
        ("/repos/acme/widgets/issues/12/comments", {"body": "Added."}),
        ("/repos/acme/widgets/issues/12/comments", {"body": "Also."}),
        ("/repos/acme/widgets/issues/12/comments", {"body": "Copied."}),
        ("/repos/acme/widgets/issues/7/comments", {"body": "Fixed."}),
    ]

    # A pull request that does not exist is an error result the model can read.
    missing = tool_result(6)
    assert missing["is_error"] is True
    assert missing["content"][0]["text"].startswith(
        "GitHub has no repos/acme/widgets/pulls/99 (HTTP 404 Not Found)"
    )
