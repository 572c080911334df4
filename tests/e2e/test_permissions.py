"""The permission fallback chain over LSP, per kind of client (PROTOCOL.md).

VS Code with our extension gets claude/session/requestPermission; Neovim without it
gets window/showMessageRequest; Helix (no showMessage) gets the approval queue: a
diagnostic with code actions and the claude.approve / claude.deny commands.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcMethodNotFound
from pytest_lsp import LanguageClient

from tests.conftest import agent_env
from tests.e2e.conftest import new_session, prompt, start_editor
from tests.fakeapi import FakeAnthropic, reply, text, tool_use

PENDING = "approval-pending"


def bash(marker: Path, description: str | None = None) -> Any:
    tool_input = {"command": f"echo hi > {marker}"}
    if description:
        tool_input["description"] = description
    return reply(tool_use("Bash", tool_input))


def tool_result(fake_api: FakeAnthropic, index: int = -1) -> dict[str, Any]:
    """The first tool_result of the `index`th model request."""
    result = fake_api.message_requests()[index].body["messages"][-1]["content"][0]
    assert result["type"] == "tool_result"
    return dict(result)


def approvals(client: LanguageClient) -> list[tuple[str, types.Diagnostic]]:
    return [
        (uri, diagnostic)
        for uri, diagnostics in client.diagnostics.items()
        for diagnostic in diagnostics
        if diagnostic.code == PENDING
    ]


async def wait_for_approvals(
    client: LanguageClient, count: int = 1, timeout: float = 10
) -> list[tuple[str, types.Diagnostic]]:
    deadline = time.monotonic() + timeout
    while len(pending := approvals(client)) < count:
        assert time.monotonic() < deadline, f"expected {count} pending approvals: {pending}"
        await asyncio.sleep(0.02)
    return pending


async def actions_for(
    client: LanguageClient, uri: str, diagnostic: types.Diagnostic
) -> dict[str, types.Command]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    commands = {}
    for action in result or []:
        assert isinstance(action, types.CodeAction)
        assert action.kind == types.CodeActionKind.QuickFix
        assert list(action.diagnostics or []) == [diagnostic]
        assert action.command is not None
        commands[action.title] = action.command
    return commands


async def run_command(client: LanguageClient, command: str, *arguments: Any) -> Any:
    return await asyncio.wait_for(
        client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=command, arguments=list(arguments))
        ),
        10,
    )


def open_document(client: LanguageClient, path: Path) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=path.read_text()
            )
        )
    )
    return uri


# -- 1. claude/session/requestPermission (VS Code with the extension) -----------------


@pytest.mark.parametrize("answer", ["allow_once", "reject_once"])
async def test_request_permission_carries_the_command_and_decides(
    answer: str, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    marker = project / "ran.txt"
    fake_api.script(bash(marker, "Mark"), reply(text("ok")))
    async with start_editor(
        agent_env(fake_api, tmp_path), project, sessionUpdate=True, requestPermission=True
    ) as (client, recorder):
        recorder.permission_answer = answer
        await prompt(client, await new_session(client, project), "mark it")

    (question,) = recorder.permission_requests
    command = f"echo hi > {marker}"
    assert question["toolCall"]["content"] == [
        {"type": "content", "content": {"type": "text", "text": command}}
    ]
    result = tool_result(fake_api)
    if answer == "allow_once":
        assert marker.read_text() == "hi\n" and not result.get("is_error")
    else:
        assert not marker.exists()
        assert result["is_error"] is True and "denied" in result["content"][0]["text"]


async def test_request_permission_always_allow_is_not_asked_again(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    first, second = project / "one.txt", project / "two.txt"
    fake_api.script(bash(first), bash(second), reply(text("ok")))
    async with start_editor(
        agent_env(fake_api, tmp_path), project, sessionUpdate=True, requestPermission=True
    ) as (client, recorder):
        recorder.permission_answer = "allow_always"
        await prompt(client, await new_session(client, project), "mark twice")

    assert len(recorder.permission_requests) == 1
    assert first.read_text() == "hi\n" and second.read_text() == "hi\n"


async def test_request_permission_offers_every_option_and_reject_always_sticks(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    marker = project / "ran.txt"
    fake_api.script(bash(marker), bash(marker), reply(text("ok")))
    async with start_editor(
        agent_env(fake_api, tmp_path), project, sessionUpdate=True, requestPermission=True
    ) as (client, recorder):
        recorder.permission_answer = "reject_always"
        await prompt(client, await new_session(client, project), "mark twice")

    (question,) = recorder.permission_requests  # the second call was refused unasked
    assert question["options"] == [
        {"optionId": "allow_once", "name": "Allow", "kind": "allow_once"},
        {
            "optionId": "allow_always",
            "name": "Always allow Bash(echo hi) in this project",
            "kind": "allow_always",
        },
        {"optionId": "reject_once", "name": "Deny", "kind": "reject_once"},
        {
            "optionId": "reject_always",
            "name": "Always deny this command in this session",
            "kind": "reject_always",
        },
    ]
    assert not marker.exists()
    refused = tool_result(fake_api)
    assert refused["is_error"] and "denied by rule Bash(echo hi > " in refused["content"][0]["text"]
    assert not (project / ".claude" / "settings.local.json").exists()


async def test_request_permission_for_an_edit_carries_the_diff(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    edit = {"file_path": str(calc), "old_string": "a - b", "new_string": "a + b"}
    fake_api.script(
        reply(tool_use("Read", {"file_path": str(calc)})),
        reply(tool_use("Edit", edit)),
        reply(text("ok")),
    )
    async with start_editor(
        agent_env(fake_api, tmp_path), project, sessionUpdate=True, requestPermission=True
    ) as (client, recorder):
        await prompt(client, await new_session(client, project), "fix it")

    (question,) = recorder.permission_requests
    assert question["toolCall"]["content"] == [
        {
            "type": "diff",
            "path": str(calc),
            "oldText": "def add(a, b):\n    return a - b\n",
            "newText": "def add(a, b):\n    return a + b\n",
        }
    ]
    assert calc.read_text() == "def add(a, b):\n    return a + b\n"


# -- 2. window/showMessageRequest (Neovim without the extension) ----------------------


@pytest.mark.parametrize(("answer", "runs"), [("Allow once", True), ("Deny", False), (None, False)])
async def test_show_message_request_asks_plain_clients(
    answer: str | None, runs: bool, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    marker = project / "ran.txt"
    fake_api.script(bash(marker, "Mark"), reply(text("ok")))
    asked: list[types.ShowMessageRequestParams] = []
    async with start_editor(agent_env(fake_api, tmp_path), project, "neovim") as (client, _):

        @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
        def on_message(params: types.ShowMessageRequestParams) -> types.MessageActionItem | None:
            asked.append(params)
            return None if answer is None else types.MessageActionItem(title=answer)

        await prompt(client, await new_session(client, project), "mark it")

    (question,) = asked
    assert question.type == types.MessageType.Warning
    assert question.message == f"Claude wants to run: Bash(echo hi > {marker})"
    assert [a.title for a in question.actions or []] == [
        "Allow once",
        "Always allow Bash(echo hi) in this project",
        "Deny",
    ]
    result = tool_result(fake_api)
    assert marker.exists() is runs
    assert bool(result.get("is_error")) is not runs
    if not runs:
        assert "denied" in result["content"][0]["text"]


async def test_show_message_request_always_allow_and_edit_wording(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    marker = project / "ran.txt"
    fake_api.script(
        reply(tool_use("Read", {"file_path": str(calc)})),
        reply(tool_use("Edit", {"file_path": str(calc), "old_string": "-", "new_string": "+"})),
        bash(marker),
        bash(marker),
        reply(text("ok")),
    )
    asked: list[str] = []
    titles: list[list[str]] = []
    async with start_editor(agent_env(fake_api, tmp_path), project, "neovim") as (client, _):

        @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
        def on_message(params: types.ShowMessageRequestParams) -> types.MessageActionItem:
            asked.append(params.message)
            titles.append([action.title for action in params.actions or []])
            return (params.actions or [])[1]  # "Always allow …"

        await prompt(client, await new_session(client, project), "fix and mark")

    assert asked == [
        "Claude wants to edit calc.py",
        f"Claude wants to run: Bash(echo hi > {marker})",
    ]
    assert [t[1] for t in titles] == [
        f"Always allow Edit(/{project.resolve()}/**) in this session",
        "Always allow Bash(echo hi) in this project",
    ]
    assert calc.read_text() == "def add(a, b):\n    return a + b\n"
    assert marker.read_text() == "hi\n"
    # the Bash rule outlives the session; the edit approval does not
    saved = json.loads((project / ".claude" / "settings.local.json").read_text())
    assert saved == {"permissions": {"allow": ["Bash(echo hi)"]}}


# -- 3. the approval queue (Helix) -----------------------------------------------------


async def test_helix_code_action_allow_runs_the_command_and_clears_the_diagnostic(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    marker = project / "ran.txt"
    fake_api.script(bash(marker, "Mark"), reply(text("ok")))
    async with start_editor(agent_env(fake_api, tmp_path), project, "helix") as (client, _):
        calc_uri = open_document(client, project / "calc.py")
        session_id = await new_session(client, project)
        turn = asyncio.ensure_future(prompt(client, session_id, "mark it"))
        ((uri, diagnostic),) = await wait_for_approvals(client)
        assert uri == calc_uri  # Bash touches no file: the first open document
        assert diagnostic.severity == types.DiagnosticSeverity.Information
        assert diagnostic.source == "claude"
        assert f"Claude wants to run: Bash(echo hi > {marker})" in diagnostic.message
        assert not marker.exists()
        actions = await actions_for(client, uri, diagnostic)
        assert set(actions) == {
            "Claude: allow",
            "Claude: always allow Bash(echo hi) in this project",
            "Claude: deny",
        }
        allow = actions["Claude: allow"]
        answered = await run_command(client, allow.command, *(allow.arguments or []))
        assert answered["answer"] == "allow_once"
        assert not client.diagnostics[uri]  # gone before the command's answer arrived
        result = await asyncio.wait_for(turn, 10)

    assert result["stopReason"] == "end_turn"
    assert marker.read_text() == "hi\n"
    assert not tool_result(fake_api).get("is_error")


async def test_helix_always_allow_code_action_makes_a_session_rule(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    first, second = project / "one.txt", project / "two.txt"
    fake_api.script(bash(first), bash(second), reply(text("ok")))
    async with start_editor(agent_env(fake_api, tmp_path), project, "helix") as (client, _):
        turn = asyncio.ensure_future(prompt(client, await new_session(client, project), "go"))
        ((uri, diagnostic),) = await wait_for_approvals(client)
        # nothing open and no file touched: a placeholder under the workspace root
        assert uri == (project / ".claude" / "approvals").as_uri()
        actions = await actions_for(client, uri, diagnostic)
        always = actions["Claude: always allow Bash(echo hi) in this project"]
        await run_command(client, always.command, *(always.arguments or []))
        await asyncio.wait_for(turn, 10)
        assert approvals(client) == []

    assert first.read_text() == "hi\n" and second.read_text() == "hi\n"


async def test_helix_edit_waits_on_the_edited_line_and_claude_deny_denies(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    fake_api.script(
        reply(tool_use("Read", {"file_path": str(calc)})),
        reply(tool_use("Edit", {"file_path": str(calc), "old_string": "-", "new_string": "+"})),
        reply(text("ok")),
    )
    async with start_editor(agent_env(fake_api, tmp_path), project, "helix") as (client, _):
        turn = asyncio.ensure_future(prompt(client, await new_session(client, project), "fix"))
        ((uri, diagnostic),) = await wait_for_approvals(client)
        assert uri == calc.as_uri() and diagnostic.range.start.line == 1
        assert "Claude wants to edit calc.py" in diagnostic.message
        answered = await run_command(client, "claude.deny")  # no id: the oldest
        assert answered["answer"] == "reject_once"
        result = await asyncio.wait_for(turn, 10)
        assert approvals(client) == []

    assert calc.read_text() == "def add(a, b):\n    return a - b\n"
    denied = tool_result(fake_api)
    assert denied["is_error"] is True and "denied permission to use Edit" in str(denied)
    assert result["permissionDenials"][0]["tool_name"] == "Edit"


async def test_helix_unanswered_approval_times_out_as_a_denial(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    marker = project / "ran.txt"
    fake_api.script(bash(marker), reply(text("ok")))
    env = agent_env(fake_api, tmp_path, CLAUDE_LSP_APPROVAL_TIMEOUT="0.5")
    async with start_editor(env, project, "helix") as (client, _):
        uri = open_document(client, project / "calc.py")
        result = await prompt(client, await new_session(client, project), "mark it")
        assert not client.diagnostics[uri]
        assert any("timed out" in m.message for m in client.messages)

    assert not marker.exists()
    denied = tool_result(fake_api)
    assert denied["is_error"] is True and "denied" in denied["content"][0]["text"]
    assert result["permissionDenials"][0]["tool_name"] == "Bash"


async def test_helix_questions_from_two_sessions_are_answered_separately(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    first, second = project / "one.txt", project / "two.txt"
    fake_api.script(
        bash(first), bash(second), reply(text("third reply")), reply(text("fourth reply"))
    )
    async with start_editor(agent_env(fake_api, tmp_path), project, "helix") as (client, _):
        uri = open_document(client, project / "calc.py")
        one = asyncio.ensure_future(prompt(client, await new_session(client, project), "1"))
        await wait_for_approvals(client, 1)
        two = asyncio.ensure_future(prompt(client, await new_session(client, project), "2"))
        pending = await wait_for_approvals(client, 2)
        assert {u for u, _ in pending} == {uri}
        ids = [d.data["requestId"] for _, d in pending]
        assert len(set(ids)) == 2
        # the second approval, by its id, through its own code action
        (_, diagnostic) = pending[1]
        actions = await actions_for(client, uri, diagnostic)
        allow = next(c for title, c in actions.items() if title.startswith("Claude: allow"))
        assert list(allow.arguments or []) == [ids[1]]
        await run_command(client, allow.command, *allow.arguments)
        assert (await asyncio.wait_for(two, 10))["result"] == "third reply"
        assert [d.data["requestId"] for _, d in approvals(client)] == [ids[0]]
        await run_command(client, "claude.deny", ids[0])
        await asyncio.wait_for(one, 10)
        with pytest.raises(JsonRpcException) as nothing_pending:
            await run_command(client, "claude.approve")
        assert nothing_pending.value.code == -32602

    assert second.read_text() == "hi\n" and not first.exists()


# -- 2 -> 3: a showMessageRequest error falls through to the queue ---------------------


@pytest.mark.parametrize("error", [JsonRpcMethodNotFound, RuntimeError])
async def test_show_message_request_error_falls_through_to_the_queue(
    error: type[Exception], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    first, second = project / "one.txt", project / "two.txt"
    fake_api.script(bash(first), bash(second), reply(text("ok")))
    asked: list[str] = []
    async with start_editor(agent_env(fake_api, tmp_path), project, "neovim") as (client, _):

        @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
        def on_message(params: types.ShowMessageRequestParams) -> None:
            asked.append(params.message)
            raise error("no dialogs here")

        turn = asyncio.ensure_future(prompt(client, await new_session(client, project), "go"))
        for _ in range(2):
            await wait_for_approvals(client)
            await run_command(client, "claude.approve")
        await asyncio.wait_for(turn, 10)

    assert first.read_text() == "hi\n" and second.read_text() == "hi\n"
    # -32601 means "never implemented": the server stops trying; another error may pass
    assert len(asked) == (1 if error is JsonRpcMethodNotFound else 2)
