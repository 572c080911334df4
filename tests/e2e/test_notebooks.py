"""A notebook read and edited by the agent through the real server: the model sees the
cells and the image output, NotebookEdit asks like an edit, showing the change, and the file
keeps its JSON."""

from __future__ import annotations

import difflib
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
    before = json.dumps(notebook(), indent=1, sort_keys=True) + "\n"  # as nbformat writes
    path.write_text(before)
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
    after = path.read_text()
    cell = json.loads(after)["cells"][2]
    assert cell["source"] == "1 / 1" and cell["outputs"] == []
    # The question showed the change before it was made: exactly what was then written,
    # a diff of the notebook's JSON in which only the edited cell's lines change.
    (diff,) = [item for item in question["toolCall"]["content"] if item["type"] == "diff"]
    assert diff == {"type": "diff", "path": str(path), "oldText": before, "newText": after}
    changed = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert '-   "execution_count": 4,' in changed and '+   "execution_count": null,' in changed
    assert '-   "source": "1 / 0"' in changed and '+   "source": "1 / 1"' in changed
    assert not any("print(add(1, 2))" in line or "Sums" in line for line in changed)
