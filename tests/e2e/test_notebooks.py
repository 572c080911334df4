"""A notebook read and edited by the agent through the real server: the model sees the
cells and the image output, NotebookEdit asks like an edit, and the file keeps its JSON."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import agent_env
from tests.e2e.conftest import new_session, prompt, start_editor
from tests.fakeapi import FakeAnthropic, reply, text, tool_use
from tests.notebook_samples import PNG, notebook


async def test_the_agent_reads_a_notebook_and_replaces_a_cell(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    path = project / "sums.ipynb"
    path.write_text(json.dumps(notebook(), indent=1) + "\n")
    fake_api.script(
        reply(tool_use("Read", {"file_path": str(path)})),
        reply(
            tool_use(
                "NotebookEdit",
                {"notebook_path": str(path), "cell_id": "boom", "new_source": "1 / 1"},
            )
        ),
        reply(text("Fixed the division.")),
    )
    env = agent_env(fake_api, tmp_path)
    async with start_editor(env, project, sessionUpdate=True, requestPermission=True) as (
        client,
        recorder,
    ):
        session_id = await new_session(client, project)
        result = await prompt(client, session_id, "fix the notebook")

    assert result["stopReason"] == "end_turn"
    # The model got the cells as text and the figure as an image.
    read_result = fake_api.message_requests()[1].body["messages"][-1]["content"][0]
    kinds = [block["type"] for block in read_result["content"]]
    assert kinds == ["text", "image", "text"]
    assert read_result["content"][1]["source"]["data"] == PNG
    assert '<cell id="boom" type="code" execution_count="4">' in read_result["content"][2]["text"]
    # NotebookEdit was asked about as an edit of the notebook, then made.
    (question,) = recorder.permission_requests
    assert question["toolCall"]["kind"] == "edit"
    assert question["toolCall"]["title"] == f"NotebookEdit {path}"
    cell = json.loads(path.read_text())["cells"][2]
    assert cell["source"] == "1 / 1" and cell["outputs"] == []
