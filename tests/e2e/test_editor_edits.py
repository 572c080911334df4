"""Agent edits to open documents, end to end, as VS Code, Neovim, Emacs and Helix see them.

The shared harness only records `workspace/applyEdit` and answers it. `EditorBuffers`
adds what a real editor does next: it applies the edit to its buffer and reports it with
`textDocument/didChange`, which the server waits for before it tells the model the
change was made. Positions are decoded here independently of the server's code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.uris import to_fs_path

from tests.conftest import agent_env
from tests.e2e.conftest import (
    EDITORS,
    negotiated_encoding,
    new_session,
    prompt,
    sent_edits,
    start_editor,
    text_edit,
)
from tests.e2e.editor_buffers import EditorBuffers
from tests.fakeapi import FakeAnthropic, reply, text, tool_use

# Every editor preset, and the Helix-like client (documentChanges with create, no
# change annotations, utf-8 positions).
EDIT_CLIENTS = [*EDITORS, "helix"]


def edit_result(fake_api: FakeAnthropic) -> dict[str, Any]:
    """The tool_result the model received for the turn's last tool call."""
    result = fake_api.message_requests()[-1].body["messages"][-1]["content"][0]
    assert result["type"] == "tool_result"
    return dict(result)


def result_text(result: dict[str, Any]) -> str:
    return str(result["content"][0]["text"])


def edit_script(fake_api: FakeAnthropic, path: Path, old: str, new: str) -> None:
    fake_api.script(
        reply(tool_use("Read", {"file_path": str(path)})),
        reply(tool_use("Edit", {"file_path": str(path), "old_string": old, "new_string": new})),
        reply(text("done")),
    )


UNICODE = 'greeting = "héllo 😀"; count = 1\nprint(greeting)\n'


@pytest.mark.parametrize("editor", EDIT_CLIENTS)
async def test_edit_sends_a_minimal_edit_in_the_negotiated_encoding(
    editor: str, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    path = project / "hello.py"
    path.write_text(UNICODE)
    edit_script(fake_api, path, "count = 1", "count = 2")
    async with start_editor(agent_env(fake_api, tmp_path), project, editor) as (client, recorder):
        encoding = negotiated_encoding(client, editor)
        buffers = EditorBuffers(client, recorder, encoding)
        uri = buffers.open(path, UNICODE, version=3)
        session_id = await new_session(client, project, modeId="acceptEdits")
        result = await prompt(client, session_id, "bump the count")

    assert result["stopReason"] == "end_turn"
    column = {"utf-8": 34, "utf-16": 31, "utf-32": 30}[encoding]
    (params,) = recorder.edits
    assert params.label == f"Claude: Edit {path}"
    assert sent_edits(editor, params, uri, 3) == [text_edit((0, column), (0, column + 1), "2")]
    assert buffers.texts[uri] == UNICODE.replace("count = 1", "count = 2")
    outcome = edit_result(fake_api)
    assert not outcome.get("is_error") and result_text(outcome).startswith("Edited")
    assert path.read_text() == UNICODE  # the buffer changed; saving is the user's call


@pytest.mark.parametrize("editor", EDIT_CLIENTS)
async def test_crlf_buffer_without_a_final_newline(
    editor: str, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    path = project / "crlf.py"
    buffer = "a = 1\r\nb = 2"
    path.write_bytes(buffer.encode())
    edit_script(fake_api, path, "b = 2", "b = 3\nc = 4")
    async with start_editor(agent_env(fake_api, tmp_path), project, editor) as (client, recorder):
        buffers = EditorBuffers(client, recorder, negotiated_encoding(client, editor))
        uri = buffers.open(path, buffer)
        session_id = await new_session(client, project, modeId="acceptEdits")
        await prompt(client, session_id, "add c")

    (params,) = recorder.edits
    assert sent_edits(editor, params, uri, 1) == [text_edit((1, 4), (1, 5), "3\r\nc = 4")]
    assert buffers.texts[uri] == "a = 1\r\nb = 3\r\nc = 4"
    assert not edit_result(fake_api).get("is_error")
    assert path.read_bytes() == buffer.encode()


async def test_write_to_an_open_document_still_sends_only_what_changed(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    path = project / "long.py"
    old = "".join(f"value_{n} = {n}\n" for n in range(200))
    new = old.replace("value_120 = 120\n", "value_120 = 'changed'\n")
    path.write_text(old)
    fake_api.script(
        reply(tool_use("Read", {"file_path": str(path)})),
        reply(tool_use("Write", {"file_path": str(path), "content": new})),
        reply(text("done")),
    )
    async with start_editor(agent_env(fake_api, tmp_path), project) as (client, recorder):
        buffers = EditorBuffers(client, recorder, "utf-16")
        uri = buffers.open(path, old, version=2)
        session_id = await new_session(client, project, modeId="acceptEdits")
        await prompt(client, session_id, "change value 120")

    (params,) = recorder.edits
    edits = sent_edits("visual-studio-code", params, uri, 2)
    assert edits == [text_edit((120, 12), (120, 15), "'changed'")]
    assert buffers.texts[uri] == new
    assert not edit_result(fake_api).get("is_error")


@pytest.mark.parametrize("editor", EDIT_CLIENTS)
async def test_write_of_a_new_file(
    editor: str, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    path = project / "pkg" / "new.py"
    content = "ANSWER = 42  # é😀\n"
    fake_api.script(
        reply(tool_use("Write", {"file_path": str(path), "content": content})),
        reply(text("done")),
    )
    (project / "pkg").mkdir()
    async with start_editor(agent_env(fake_api, tmp_path), project, editor) as (client, recorder):
        buffers = EditorBuffers(client, recorder, negotiated_encoding(client, editor))
        session_id = await new_session(client, project, modeId="acceptEdits")
        await prompt(client, session_id, "add the answer")

    outcome = edit_result(fake_api)
    assert not outcome.get("is_error") and result_text(outcome).startswith("Created")
    if editor in ("neovim", "emacs"):  # no CreateFile in documentChanges: written to disk
        assert recorder.edits == [] and path.read_text() == content
        return
    (params,) = recorder.edits
    assert params.label == f"Claude: Write {path}"
    assert params.edit.change_annotations is None
    create, fill = params.edit.document_changes or []
    assert isinstance(create, types.CreateFile) and create.uri == path.as_uri()
    assert isinstance(fill, types.TextDocumentEdit) and fill.text_document.version is None
    assert list(fill.edits) == [text_edit((0, 0), (0, 0), content)]
    assert buffers.texts[path.as_uri()] == content
    assert path.read_text() == ""  # created by the editor, content unsaved in its buffer


@pytest.mark.parametrize("editor", EDIT_CLIENTS)
async def test_rejected_edit_is_reported_as_not_applied(
    editor: str, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    before = calc.read_text()
    edit_script(fake_api, calc, "a - b", "a + b")
    async with start_editor(agent_env(fake_api, tmp_path), project, editor) as (client, recorder):
        recorder.apply_edits = False
        buffers = EditorBuffers(client, recorder, negotiated_encoding(client, editor))
        uri = buffers.open(calc, before)
        session_id = await new_session(client, project, modeId="acceptEdits")
        await prompt(client, session_id, "fix it")

    assert len(recorder.edits) == 1
    outcome = edit_result(fake_api)
    assert outcome["is_error"] is True
    assert result_text(outcome) == (
        f"The change to {calc} was not applied: the editor rejected the edit"
    )
    assert buffers.texts[uri] == before and calc.read_text() == before


@pytest.mark.parametrize("editor", ["visual-studio-code", "neovim"])
async def test_edit_the_editor_never_shows_is_reported_as_not_applied(
    editor: str, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    before = calc.read_text()
    edit_script(fake_api, calc, "a - b", "a + b")
    async with start_editor(agent_env(fake_api, tmp_path), project, editor) as (client, recorder):
        buffers = EditorBuffers(client, recorder, negotiated_encoding(client, editor))
        buffers.confirm = False  # answers applied: true, sends no didChange
        buffers.open(calc, before)
        session_id = await new_session(client, project, modeId="acceptEdits")
        await prompt(client, session_id, "fix it")

    assert len(recorder.edits) == 1
    outcome = edit_result(fake_api)
    assert outcome["is_error"] is True
    assert result_text(outcome) == (
        f"The change to {calc} was not applied: the editor did not confirm the change"
    )
    assert calc.read_text() == before


async def test_reads_after_an_edit_see_the_edited_buffer(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    before = calc.read_text()
    fake_api.script(
        reply(tool_use("Read", {"file_path": str(calc)})),
        reply(
            tool_use("Edit", {"file_path": str(calc), "old_string": "a - b", "new_string": "a + b"})
        ),
        reply(
            tool_use("Edit", {"file_path": str(calc), "old_string": "add", "new_string": "plus"})
        ),
        reply(text("done")),
    )
    async with start_editor(agent_env(fake_api, tmp_path), project, "emacs") as (client, recorder):
        buffers = EditorBuffers(client, recorder, "utf-32")
        uri = buffers.open(calc, before, version=10)
        session_id = await new_session(client, project, modeId="acceptEdits")
        await prompt(client, session_id, "fix it and rename")

    first, second = recorder.edits
    assert sent_edits("emacs", first, uri, 10) == [text_edit((1, 13), (1, 14), "+")]
    # the second edit was computed from the buffer the first one produced (version 11)
    assert sent_edits("emacs", second, uri, 11) == [text_edit((0, 4), (0, 7), "plus")]
    assert buffers.texts[uri] == "def plus(a, b):\n    return a + b\n"
    assert not edit_result(fake_api).get("is_error")
    assert calc.read_text() == before


@pytest.mark.parametrize("saves", [True, False])
async def test_edited_buffers_are_saved_before_the_shell_reads_the_disk(
    saves: bool, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    fake_api.script(
        reply(tool_use("Read", {"file_path": str(calc)})),
        reply(
            tool_use("Edit", {"file_path": str(calc), "old_string": "a - b", "new_string": "a + b"})
        ),
        reply(tool_use("Bash", {"command": f"cat {calc}"})),
        reply(text("done")),
    )
    save_requests: list[Any] = []
    async with start_editor(
        agent_env(fake_api, tmp_path), project, sessionUpdate=True, saveDocuments=saves
    ) as (client, recorder):
        buffers = EditorBuffers(client, recorder, "utf-16")
        uri = buffers.open(calc, calc.read_text())

        @client.feature("claude/saveDocuments")
        def save(params: Any) -> dict[str, Any]:
            save_requests.append(params)
            for saved_uri in params["uris"]:
                Path(to_fs_path(saved_uri) or "").write_text(buffers.texts[saved_uri])
            return {"saved": list(params["uris"])}

        session_id = await new_session(client, project, modeId="bypassPermissions")
        await prompt(client, session_id, "fix and show")

    shell_output = fake_api.message_requests()[3].body["messages"][-1]["content"][0]
    if saves:
        assert save_requests == [{"uris": [uri]}]
        assert "return a + b" in shell_output["content"][0]["text"]
    else:  # a client without the flag is never asked; the shell sees the disk as it is
        assert save_requests == []
        assert "return a - b" in shell_output["content"][0]["text"]


@pytest.mark.parametrize("accept", [True, False])
async def test_diff_review_lets_the_editor_preview_replace_the_permission_question(
    accept: bool, fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    path = project / "calc.py"
    old = path.read_text()
    edit_script(fake_api, path, "a - b", "a + b")
    other = project / "other.py"
    other.write_text("x = 1\n")
    edit_script(fake_api, other, "x = 1", "x = 2")
    async with start_editor(
        agent_env(fake_api, tmp_path),
        project,
        sessionUpdate=True,
        requestPermission=True,
        diffReview=True,
    ) as (client, recorder):
        buffers = EditorBuffers(client, recorder, "utf-16")
        uri = buffers.open(path, old)
        recorder.apply_edits = accept  # the user accepts or rejects the previewed hunks
        session_id = await new_session(client, project)
        await prompt(client, session_id, "fix add")
        reviewed_requests = list(recorder.permission_requests)
        recorder.permission_answer = "reject_once"
        await prompt(client, session_id, "edit other.py")

    assert reviewed_requests == []  # the preview was the question
    (params,) = recorder.edits
    (change,) = params.edit.document_changes or []
    assert isinstance(change, types.TextDocumentEdit)
    assert all(isinstance(e, types.AnnotatedTextEdit) for e in change.edits)
    annotations = params.edit.change_annotations or {}
    assert annotations and all(a.needs_confirmation for a in annotations.values())
    edited = fake_api.message_requests()[2].body["messages"][-1]["content"][0]
    if accept:
        assert buffers.texts[uri] == old.replace("a - b", "a + b")
        assert not edited.get("is_error")
    else:
        assert buffers.texts[uri] == old and edited["is_error"]
        assert "not" in result_text(edited) and "rejected" in result_text(edited)
    # other.py is not open, so it would be written on disk: that still asks first
    (question,) = recorder.permission_requests
    assert question["toolCall"]["rawInput"]["file_path"] == str(other)
    assert other.read_text() == "x = 1\n" and path.read_text() == old


async def test_diff_review_without_change_annotations_asks_the_permission_question(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    """A Helix-like client cannot preview annotated hunks, so opting in changes nothing."""
    path = project / "calc.py"
    old = path.read_text()
    edit_script(fake_api, path, "a - b", "a + b")
    async with start_editor(
        agent_env(fake_api, tmp_path),
        project,
        "helix",
        sessionUpdate=True,
        requestPermission=True,
        diffReview=True,
    ) as (client, recorder):
        buffers = EditorBuffers(client, recorder, negotiated_encoding(client, "helix"))
        uri = buffers.open(path, old)
        session_id = await new_session(client, project)
        await prompt(client, session_id, "fix add")

    (question,) = recorder.permission_requests
    assert question["toolCall"]["rawInput"]["file_path"] == str(path)
    (params,) = recorder.edits
    assert sent_edits("helix", params, uri, 1) == [text_edit((1, 13), (1, 14), "+")]
    assert buffers.texts[uri] == old.replace("a - b", "a + b")
    assert not edit_result(fake_api).get("is_error")
