"""Plain-LSP chat for editors with no plugin: the Markdown chat file, its code action and
the claude.openChat / claude.ask / claude.chat.send commands."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.conftest import agent_env
from tests.e2e.conftest import PROFILES, negotiated_encoding, start_editor
from tests.e2e.editor_buffers import EditorBuffers
from tests.fakeapi import FakeAnthropic, reply, text, tool_use


async def command(client: Any, name: str, *arguments: Any) -> Any:
    return await asyncio.wait_for(
        client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(arguments))
        ),
        30,
    )


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_write_under_you_send_and_the_answer_streams_into_the_file(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(
        reply(text("Let me check. "), tool_use("Read", {"file_path": str(project / "calc.py")})),
        reply(text("add subtracts: it should return a + b.")),
    )
    chat = project / ".claude" / "chat.md"
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        recorder,
    ):
        commands = client.init_result.capabilities.execute_command_provider.commands
        assert {"claude.openChat", "claude.ask", "claude.chat.send"} <= set(commands)
        uri = await command(client, "claude.openChat")
        assert uri == chat.as_uri() and chat.read_text().endswith("## You\n\n")
        buffers = EditorBuffers(client, recorder, negotiated_encoding(client, editor))
        buffers.open(chat, chat.read_text() + "What is wrong with add?\n")
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(
                    start=types.Position(line=0, character=0),
                    end=types.Position(line=0, character=0),
                ),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        (send,) = [a for a in actions or [] if a.title == "Claude: send"]
        assert send.command is not None
        result = await command(client, send.command.command, *send.command.arguments)
        final = buffers.texts[uri]

    assert result["stopReason"] == "end_turn"
    assert final.endswith(
        "What is wrong with add?\n\n\n## Claude\n\nLet me check. \n\n> Read "
        f"{project / 'calc.py'}\n\nadd subtracts: it should return a + b.\n\n## You\n\n"
    )
    assert fake_api.message_requests()[0].body["messages"][0]["content"][0]["text"] == (
        "What is wrong with add?"
    )
    assert chat.read_text().endswith("## You\n\n")  # the open buffer was edited, not the disk


async def test_ask_without_an_open_buffer_writes_the_file_and_keeps_the_session(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(reply(text("First answer.")), reply(text("Second answer.")))
    chat = project / ".claude" / "chat.md"
    async with start_editor(agent_env(fake_api, tmp_path), project, "helix") as (client, _):
        await command(client, "claude.ask", "first", "question")
        await command(client, "claude.ask", "second question")
        with pytest.raises(JsonRpcException) as nothing:
            await command(client, "claude.chat.send")
    content = chat.read_text()
    assert content.index("first question") < content.index("First answer.")
    assert content.index("First answer.") < content.index("second question")
    assert content.endswith("Second answer.\n\n## You\n\n")
    assert nothing.value.code == -32602 and "nothing to send" in nothing.value.message
    second = fake_api.message_requests()[1].body["messages"]
    assert [m["role"] for m in second] == ["user", "assistant", "user"]
