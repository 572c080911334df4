"""Claude's code actions, claude.review and diff previews over LSP (the plain-LSP surface).

Listing and resolving ask no model; a task's command runs a one-shot session against
the fake API and ends in an edit of the open document, approved the way each kind of
client is asked: requestPermission with the diff (VS Code with the extension),
showMessageRequest (Neovim), the approval queue and its *show diff* (Helix).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pygit2
import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient
from unidiff.patch import PatchSet

from tests.conftest import agent_env
from tests.e2e.conftest import PROFILES, negotiated_encoding, new_session, prompt, start_editor
from tests.e2e.editor_buffers import EditorBuffers
from tests.fakeapi import FakeAnthropic, fix_calc, hang, reply, text

CALC = "def add(a, b):\n    return a - b\n"
FIXED = "def add(a, b):\n    return a + b\n"
TITLES = [
    "Claude: fix this",
    "Claude: explain",
    "Claude: refactor selection",
    "Claude: write tests",
    "Claude: document this",
    "Claude: add selection to chat",
]
TASK_COMMANDS = [
    "claude.fixThis",
    "claude.explain",
    "claude.refactor",
    "claude.writeTests",
    "claude.document",
    "claude.addToChat",
]


def span(start: tuple[int, int], end: tuple[int, int]) -> types.Range:
    return types.Range(
        start=types.Position(line=start[0], character=start[1]),
        end=types.Position(line=end[0], character=end[1]),
    )


def range_of(start: tuple[int, int], end: tuple[int, int]) -> dict[str, Any]:
    """A range as a command argument carries it."""
    return {
        "start": {"line": start[0], "character": start[1]},
        "end": {"line": end[0], "character": end[1]},
    }


def problem(message: str = "add subtracts", line: int = 1) -> types.Diagnostic:
    return types.Diagnostic(
        range=span((line, 4), (line, 16)),
        message=message,
        severity=types.DiagnosticSeverity.Error,
        source="pyright",
        code="reportBug",
    )


async def code_actions(
    client: LanguageClient,
    uri: str,
    selected: types.Range,
    diagnostics: list[types.Diagnostic] | None = None,
    only: list[str] | None = None,
) -> list[types.CodeAction]:
    result = await asyncio.wait_for(
        client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=selected,
                context=types.CodeActionContext(diagnostics=diagnostics or [], only=only),
            )
        ),
        10,
    )
    actions = list(result or [])
    assert all(isinstance(action, types.CodeAction) for action in actions)
    return actions  # type: ignore[return-value]


async def command_of(client: LanguageClient, action: types.CodeAction) -> types.Command:
    """The action's command, resolving it first when it was listed lazily."""
    if action.command is None:
        assert action.data is not None
        action = await asyncio.wait_for(client.code_action_resolve_async(action), 10)
    assert action.command is not None
    return action.command


def argument(command: types.Command) -> dict[str, Any]:
    """The one argument of a Claude action's command."""
    (target,) = command.arguments or []
    assert isinstance(target, dict)
    return target


async def execute(client: LanguageClient, command: types.Command, timeout: float = 30) -> Any:
    return await asyncio.wait_for(
        client.workspace_execute_command_async(
            types.ExecuteCommandParams(
                command=command.command, arguments=list(command.arguments or [])
            )
        ),
        timeout,
    )


async def run(client: LanguageClient, name: str, *arguments: Any, timeout: float = 30) -> Any:
    return await execute(
        client, types.Command(title=name, command=name, arguments=list(arguments)), timeout
    )


async def wait_for(condition: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


def of(client: LanguageClient, uri: str, code: str) -> list[types.Diagnostic]:
    return [d for d in client.diagnostics.get(uri, []) if d.code == code]


def first_prompt(fake_api: FakeAnthropic) -> str:
    content = fake_api.message_requests()[0].body["messages"][0]["content"]
    return "\n".join(block.get("text", "") for block in content)


def findings_answer(*findings: dict[str, Any]) -> str:
    items = ", ".join(
        "{" + ", ".join(f'"{key}": {value!r}'.replace("'", '"') for key, value in f.items()) + "}"
        for f in findings
    )
    return f'I looked at the changes.\n\n```json\n{{"findings": [{items}]}}\n```\n'


# -- listing and resolving --------------------------------------------------------------


@pytest.mark.parametrize(
    ("editor", "claude"),
    [*PROFILES, pytest.param("emacs", {}, id="emacs (no resolve)")],
)
async def test_listing_offers_every_action_and_asks_no_model(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        recorder,
    ):
        commands = client.init_result.capabilities.execute_command_provider.commands
        expected = {*TASK_COMMANDS, "claude.review", "claude.cancel", "claude.newSession"}
        assert expected | {"claude.showDiff"} <= set(commands)
        uri = EditorBuffers(client, recorder, "utf-16").open(project / "calc.py", CALC)
        diagnostic = problem()
        selected = await code_actions(client, uri, span((1, 4), (1, 16)), [diagnostic])
        at_cursor = await code_actions(client, uri, span((1, 4), (1, 5)))  # Helix's cursor
        fixes = await code_actions(client, uri, span((1, 4), (1, 4)), [diagnostic], ["quickfix"])
        resolved = [await command_of(client, action) for action in selected]

    assert [a.title for a in selected] == TITLES
    assert [a.kind for a in selected] == [
        "quickfix",
        "claude.explain",
        "refactor.rewrite",
        "claude.writeTests",
        "refactor.rewrite",
        "claude.addToChat",
    ]
    assert list(selected[0].diagnostics or []) == [diagnostic]
    assert [a.title for a in at_cursor] == [
        "Claude: explain",
        "Claude: write tests",
        "Claude: document this",
    ]
    assert [a.title for a in fixes] == ["Claude: fix this"]
    lazy = editor != "emacs"  # every profile but Emacs resolves code actions
    assert all((a.command is None) is lazy and (a.data is not None) is lazy for a in selected)
    assert [c.command for c in resolved] == TASK_COMMANDS
    target = {"uri": uri, "range": range_of((1, 4), (1, 16))}
    assert list(resolved[1].arguments or []) == [target]
    fixed = argument(resolved[0])["diagnostic"]
    assert (fixed["message"], fixed["source"]) == ("add subtracts", "pyright")
    assert fake_api.requests == []  # neither listing nor resolving called the model


async def test_one_fix_per_diagnostic_and_nothing_beside_an_approval(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    approval = types.Diagnostic(
        range=span((1, 0), (2, 0)), message="Claude wants to edit calc.py", code="approval-pending"
    )
    async with start_editor(agent_env(fake_api, tmp_path), project, "neovim") as (client, rec):
        uri = EditorBuffers(client, rec, "utf-8").open(project / "calc.py", CALC)
        cursor = span((1, 0), (1, 0))
        actions = await code_actions(client, uri, cursor, [problem("first"), problem("second")])
        beside_approval = await code_actions(client, uri, cursor, [problem(), approval])

    fixes = [a.title for a in actions if a.kind == "quickfix"]
    assert fixes == ["Claude: fix this: first", "Claude: fix this: second"]
    assert beside_approval == []  # no approval is pending, so the queue offers nothing either


# -- fix this, ending in an applied edit --------------------------------------------------


@pytest.mark.parametrize(
    ("editor", "claude"),
    [
        pytest.param(
            "visual-studio-code",
            {"sessionUpdate": True, "requestPermission": True},
            id="vscode+claude",
        ),
        pytest.param("neovim", {}, id="neovim"),
        pytest.param("helix", {}, id="helix"),
    ],
)
async def test_fix_this_runs_a_session_and_edits_the_open_document(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    calc = project / "calc.py"
    fake_api.set_fallback(fix_calc(str(calc)))
    asked: list[types.ShowMessageRequestParams] = []
    preview: dict[str, Any] = {}
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        recorder,
    ):

        @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
        def on_question(params: types.ShowMessageRequestParams) -> types.MessageActionItem:
            asked.append(params)
            return types.MessageActionItem(title="Allow once")

        buffers = EditorBuffers(client, recorder, negotiated_encoding(client, editor))
        uri = buffers.open(calc, CALC)
        (fix, *_) = await code_actions(client, uri, span((1, 4), (1, 16)), [problem()])
        task = asyncio.ensure_future(execute(client, await command_of(client, fix)))
        if editor == "helix":  # the approval queue: look at the diff, then allow
            await wait_for(lambda: of(client, uri, "approval-pending"))
            (pending,) = of(client, uri, "approval-pending")
            offered = await code_actions(client, uri, pending.range, [pending])
            by_title = {a.title: a for a in offered}
            preview = await execute(client, await command_of(client, by_title["Claude: show diff"]))
            await execute(client, await command_of(client, by_title["Claude: allow"]))
        result = await task
        final = buffers.texts[uri]
        progress = list(client.progress_reports.values())

    assert result["stopReason"] == "end_turn"
    assert final == FIXED
    assert calc.read_text() == CALC  # the buffer changed, through the editor; not the disk
    assert "Fix the problem reported at calc.py:2." in first_prompt(fake_api)
    assert "add subtracts" in first_prompt(fake_api)
    assert any(
        isinstance(p[0], types.WorkDoneProgressBegin)
        and p[0].title == "Claude"
        and isinstance(p[-1], types.WorkDoneProgressEnd)
        for p in progress
    )
    if editor == "visual-studio-code":
        (question,) = recorder.permission_requests
        assert question["toolCall"]["content"] == [
            {"type": "diff", "path": str(calc), "oldText": CALC, "newText": FIXED}
        ]
    elif editor == "neovim":
        assert [q.message for q in asked] == ["Claude wants to edit calc.py"]
    else:
        expected = (
            "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n"
            "@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n"
        )
        assert preview["diff"] == expected
        assert preview["files"] == [{"path": "calc.py", "added": 1, "removed": 1}]
        assert (project / ".claude" / "preview.diff").read_text() == expected
        (patched,) = PatchSet(expected)
        assert (patched.added, patched.removed) == (1, 1)


# -- explain, add selection to chat, cancel, new session ---------------------------------


LONG = "## add\n\nIt subtracts `b` from `a`, despite its name.\n"


@pytest.mark.parametrize(
    ("editor", "claude", "answer"),
    [
        pytest.param("neovim", {}, "It adds two numbers, or means to.", id="short"),
        pytest.param("visual-studio-code", {"sessionUpdate": True}, LONG, id="vscode+claude"),
        pytest.param("helix", {}, LONG, id="helix"),
    ],
)
async def test_explain_answers_as_a_message_or_a_markdown_file(
    editor: str,
    claude: dict[str, Any],
    answer: str,
    fake_api: FakeAnthropic,
    project: Path,
    tmp_path: Path,
) -> None:
    fake_api.script(reply(text(answer)))
    explanation = project / ".claude" / "explanation.md"
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        recorder,
    ):
        buffers = EditorBuffers(client, recorder, negotiated_encoding(client, editor))
        uri = buffers.open(project / "calc.py", CALC)
        actions = await code_actions(client, uri, span((0, 0), (2, 0)))
        explain = next(a for a in actions if a.title == "Claude: explain")
        result = await execute(client, await command_of(client, explain))
        messages = [m.message for m in client.messages]
        shown = [d.uri for d in client.shown_documents]

    assert result["stopReason"] == "end_turn"
    request = fake_api.message_requests()[0].body
    assert not {"Edit", "Write"} & {tool["name"] for tool in request["tools"]}
    assert "Explain the selected code in calc.py (lines 1-2)." in first_prompt(fake_api)
    if answer != LONG:
        assert f"Claude: {answer}" in messages and not explanation.exists()
        return
    assert explanation.read_text() == f"# Claude explains calc.py, lines 1-2\n\n{answer}"
    if editor == "helix":  # no window/showDocument: the status line says where it is
        assert shown == []
        assert (
            "Claude: the explanation of calc.py, lines 1-2: open .claude/explanation.md to read it"
            in messages
        )
    else:
        assert shown == [explanation.as_uri()]
        assert recorder.text() == answer  # streamed as the session's own updates too


async def test_an_open_explanation_file_is_changed_in_the_editor(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(reply(text(LONG)))
    explanation = project / ".claude" / "explanation.md"
    explanation.parent.mkdir()
    explanation.write_text("# An earlier explanation\n")
    async with start_editor(agent_env(fake_api, tmp_path), project, "helix") as (client, rec):
        buffers = EditorBuffers(client, rec, "utf-8")
        uri = buffers.open(project / "calc.py", CALC)
        shown_uri = buffers.open(explanation, explanation.read_text())
        target = {"uri": uri, "range": range_of((1, 0), (1, 0))}
        await run(client, "claude.explain", target)

    assert buffers.texts[shown_uri] == f"# Claude explains calc.py, line 2\n\n{LONG}"
    assert explanation.read_text() == "# An earlier explanation\n"  # the editor saves it


async def test_add_selection_to_chat_quotes_it_in_the_chat_file(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    chat = project / ".claude" / "chat.md"
    async with start_editor(agent_env(fake_api, tmp_path), project, "neovim") as (client, rec):
        buffers = EditorBuffers(client, rec, "utf-8")
        uri = buffers.open(project / "calc.py", CALC)
        actions = await code_actions(client, uri, span((1, 4), (1, 16)))
        add = next(a for a in actions if a.title == "Claude: add selection to chat")
        result = await execute(client, await command_of(client, add))
        shown = [d.uri for d in client.shown_documents]

    assert result == {"uri": chat.as_uri()} and shown == [chat.as_uri()]
    assert chat.read_text().endswith(
        "## You\n\nFrom calc.py (line 2):\n\n```python\nreturn a - b\n```\n"
    )
    assert fake_api.requests == []


async def test_add_selection_to_chat_goes_with_the_sessions_next_prompt(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(reply(text("It subtracts.")))
    async with start_editor(
        agent_env(fake_api, tmp_path), project, "visual-studio-code", sessionUpdate=True
    ) as (client, recorder):
        uri = EditorBuffers(client, recorder, "utf-16").open(project / "calc.py", CALC)
        session_id = await new_session(client, project)
        await run(client, "claude.addToChat", {"uri": uri, "range": range_of((1, 4), (1, 16))})
        assert fake_api.requests == []  # attached, not sent
        shown = await recorder.next_of_kind("user_message_chunk")
        await prompt(client, session_id, "what does this do?")

    quote = "From calc.py (line 2):\n\n```python\nreturn a - b\n```\n"
    assert shown["content"]["text"] == quote
    blocks = fake_api.message_requests()[0].body["messages"][0]["content"]
    assert [b["text"] for b in blocks if b["type"] == "text"][-2:] == [quote, "what does this do?"]


async def test_claude_cancel_stops_a_running_task(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(hang())
    async with start_editor(agent_env(fake_api, tmp_path), project, "helix") as (client, rec):
        uri = EditorBuffers(client, rec, "utf-8").open(project / "calc.py", CALC)
        target = {"uri": uri, "range": range_of((1, 0), (1, 0))}
        task = asyncio.ensure_future(run(client, "claude.explain", target))
        await asyncio.to_thread(fake_api.wait_for_requests, 1)
        cancelled = await run(client, "claude.cancel")
        result = await task

    assert len(cancelled["cancelled"]) == 1
    assert result["stopReason"] == "cancelled"
    assert any(m.message == "Claude: explain stopped (cancelled)" for m in client.messages)


async def test_new_session_makes_the_chat_file_start_over(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    fake_api.script(reply(text("One.")), reply(text("Two.")))
    async with start_editor(agent_env(fake_api, tmp_path), project, "helix") as (client, _):
        await run(client, "claude.ask", "first")
        ended = await run(client, "claude.newSession")
        await run(client, "claude.ask", "second")

    assert ended["ended"] is not None
    second = fake_api.message_requests()[1].body["messages"]
    assert len(second) == 1 and second[0]["content"][-1]["text"] == "second"


# -- claude.review ------------------------------------------------------------------------


@pytest.mark.parametrize(("editor", "claude"), PROFILES)
async def test_review_of_a_file_publishes_findings_that_carry_fix_this(
    editor: str, claude: dict[str, Any], fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    (project / "other.py").write_text("x = 1\n")
    fake_api.script(
        reply(
            text(
                findings_answer(
                    {
                        "file": "calc.py",
                        "line": 2,
                        "severity": "error",
                        "message": "add subtracts",
                        "suggestion": "return a + b",
                    },
                    {"file": "other.py", "line": 1, "severity": "hint", "message": "not reviewed"},
                )
            )
        ),
        reply(text('Nothing else.\n```json\n{"findings": []}\n```')),
    )
    async with start_editor(agent_env(fake_api, tmp_path), project, editor, **claude) as (
        client,
        recorder,
    ):
        buffers = EditorBuffers(client, recorder, negotiated_encoding(client, editor))
        uri = buffers.open(project / "calc.py", CALC)
        result = await run(client, "claude.review", uri)
        await wait_for(lambda: of(client, uri, "review"))
        (finding,) = of(client, uri, "review")
        actions = await code_actions(client, uri, finding.range, [finding])
        fix = await command_of(client, actions[0])
        again = await run(client, "claude.review", uri)
        await wait_for(lambda: not of(client, uri, "review"))

    assert result["findings"] == 1 and result["dropped"] == 1 and result["files"] == [uri]
    assert finding.source == "claude"
    assert finding.severity == types.DiagnosticSeverity.Error
    assert finding.message == "add subtracts\n\nSuggestion: return a + b"
    assert finding.range == span((1, 0), (1, 16))
    assert actions[0].title == "Claude: fix this"
    assert fix.command == "claude.fixThis"
    assert argument(fix)["diagnostic"]["data"] == {"suggestion": "return a + b"}
    assert again["findings"] == 0
    request = fake_api.message_requests()[0].body
    assert "Review calc.py." in first_prompt(fake_api)
    assert "     2\t    return a - b" in first_prompt(fake_api)
    assert not {"Edit", "Write"} & {tool["name"] for tool in request["tools"]}


async def test_review_findings_clear_when_their_lines_change_and_move_with_edits_above(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    code = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a + b\n"
    (project / "calc.py").write_text(code)
    fake_api.script(
        reply(
            text(
                findings_answer(
                    {"file": "calc.py", "line": 2, "message": "add subtracts"},
                    {"file": "calc.py", "line": 6, "message": "sub adds"},
                )
            )
        )
    )
    async with start_editor(agent_env(fake_api, tmp_path), project, "neovim") as (client, rec):
        uri = EditorBuffers(client, rec, "utf-8").open(project / "calc.py", code)
        await run(client, "claude.review", uri)
        await wait_for(lambda: len(of(client, uri, "review")) == 2)
        client.text_document_did_change(  # fix line 2, and add a line after it
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=span((1, 13), (1, 14)), text="+\n    # fixed"
                    )
                ],
            )
        )
        await wait_for(lambda: len(of(client, uri, "review")) == 1)
        (left,) = of(client, uri, "review")

    assert left.message == "sub adds" and left.range.start.line == 6


async def test_review_of_the_uncommitted_diff(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    repo = pygit2.init_repository(str(project), initial_head="main")
    (project / "other.py").write_text("x = 1\n")
    repo.index.add_all()
    repo.index.write()
    who = pygit2.Signature("Dev", "dev@example.com")
    repo.create_commit("HEAD", who, who, "first", repo.index.write_tree(), [])
    (project / "calc.py").write_text(FIXED.replace("a + b", "a * b"))
    (project / "new.py").write_text("print('new')\n")
    fake_api.script(
        reply(
            text(
                findings_answer(
                    {"file": "calc.py", "line": 2, "severity": "error", "message": "multiplies"},
                    {"file": "new.py", "line": 1, "severity": "information", "message": "a print"},
                    {"file": "other.py", "line": 1, "message": "unchanged file"},
                )
            )
        )
    )
    async with start_editor(agent_env(fake_api, tmp_path), project, "helix") as (client, _):
        result = await run(client, "claude.review")
        calc_uri, new_uri = (project / "calc.py").as_uri(), (project / "new.py").as_uri()
        await wait_for(lambda: of(client, calc_uri, "review") and of(client, new_uri, "review"))
        messages = [m.message for m in client.messages]

    assert result["findings"] == 2 and result["dropped"] == 1
    assert result["files"] == sorted([calc_uri, new_uri])
    assert not client.diagnostics.get((project / "other.py").as_uri())
    asked = first_prompt(fake_api)
    assert "Review the uncommitted changes." in asked
    assert "-    return a - b\n+    return a * b" in asked
    assert "+++ b/new.py\n@@ -0,0 +1 @@\n+print('new')" in asked
    assert "Claude review: 2 findings in calc.py, new.py" in messages
