"""The permission fallbacks without an editor: wording, the queue, timeouts, commands."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError, JsonRpcMethodNotFound
from pytest_lsp import client_capabilities

from claude_lsp.lsp.approvals import (
    APPROVAL_TIMEOUT_ENV,
    APPROVE_COMMAND,
    DENY_COMMAND,
    Approvals,
    _command_arguments,
    approval_timeout,
    client_reply,
)
from claude_lsp.lsp.attach import AttachedProtocol
from claude_lsp.lsp.code_actions import kind_wanted
from claude_lsp.lsp.diagnostic_sets import diagnostics_of, publish_diagnostics
from claude_lsp.lsp.host import ClientPermissionAsker, EditorFiles
from claude_lsp.lsp.questions import edit_line, prompt_line, summary, tool_call_content
from claude_lsp.lsp.server import create_server
from claude_lsp.policy.questions import PermissionAnswer, PermissionQuestion
from claude_lsp.tools.base import Diff

HELIX_LIKE = types.ClientCapabilities(
    text_document=types.TextDocumentClientCapabilities(
        publish_diagnostics=types.PublishDiagnosticsClientCapabilities(),
        code_action=types.CodeActionClientCapabilities(),
    ),
    window=types.WindowClientCapabilities(work_done_progress=True),
)


def question(tool: str = "Bash", kind: str = "execute", **tool_input: Any) -> PermissionQuestion:
    return PermissionQuestion(
        tool_call_id="toolu_1",
        tool_name=tool,
        title=f"{tool} title",
        kind=kind,
        tool_input=tool_input or {"command": "npm test"},
        always_rules=("Bash(npm test:*)",) if tool == "Bash" else (),
    )


class FakeServer:
    """What `Approvals` uses of a pygls server, recorded."""

    def __init__(
        self,
        capabilities: types.ClientCapabilities | None = HELIX_LIKE,
        *,
        documents: dict[str, Any] | None = None,
        root_path: str | None = None,
    ) -> None:
        self.client_capabilities = capabilities
        self.workspace = SimpleNamespace(text_documents=documents or {}, root_path=root_path)
        self.published: list[types.PublishDiagnosticsParams] = []
        self.messages: list[types.ShowMessageParams] = []
        self.asked: list[types.ShowMessageRequestParams] = []
        self.reply: Any = None  # a MessageActionItem, None, or an exception to raise

    def text_document_publish_diagnostics(self, params: types.PublishDiagnosticsParams) -> None:
        self.published.append(params)

    def window_show_message(self, params: types.ShowMessageParams) -> None:
        self.messages.append(params)

    async def window_show_message_request_async(
        self, params: types.ShowMessageRequestParams
    ) -> types.MessageActionItem | None:
        self.asked.append(params)
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply

    def shown(self, uri: str) -> list[types.Diagnostic]:
        """What the client shows on `uri` now (the last publish wins)."""
        for params in reversed(self.published):
            if params.uri == uri:
                return list(params.diagnostics)
        return []


def queue_of(server: FakeServer) -> Approvals:
    return Approvals(cast(Any, server))


async def until_pending(approvals: Approvals, count: int = 1) -> None:
    for _ in range(500):
        if len(approvals.pending) >= count:
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the question was not queued")


# -- how questions read ---------------------------------------------------------------


def test_questions_read_as_what_the_call_does(tmp_path: Path) -> None:
    cwd = tmp_path
    assert prompt_line(question(), cwd) == "Claude wants to run: Bash(npm test)"
    edit = question("Edit", "edit", file_path=str(cwd / "src" / "app.py"))
    assert prompt_line(edit, cwd) == "Claude wants to edit src/app.py"
    write = question("Write", "edit", file_path="notes.md", content="x")
    assert summary(write, cwd) == "write notes.md"
    outside = question("Read", "read", file_path="/etc/hosts")
    assert summary(outside, cwd) == "read /etc/hosts"
    assert summary(question("KillShell", "execute", shell_id="1"), cwd) == "use KillShell title"


def test_tool_call_content_has_the_command_or_a_whole_file_diff(tmp_path: Path) -> None:
    server: Any = FakeServer()
    source = tmp_path / "calc.py"
    source.write_text("a - b\nc - d\n")
    assert tool_call_content(server, question(), tmp_path) == [
        {"type": "content", "content": {"type": "text", "text": "npm test"}}
    ]
    edit = question("Edit", "edit", file_path=str(source), old_string="-", new_string="+")
    (diff,) = tool_call_content(server, edit, tmp_path)
    assert diff == {
        "type": "diff",
        "path": str(source),
        "oldText": "a - b\nc - d\n",
        "newText": "a + b\nc - d\n",
    }
    everywhere = question(
        "Edit", "edit", file_path=str(source), old_string="-", new_string="+", replace_all=True
    )
    assert tool_call_content(server, everywhere, tmp_path)[0]["newText"] == "a + b\nc + d\n"
    new_file = question("Write", "edit", file_path=str(tmp_path / "new.txt"), content="hi\n")
    assert tool_call_content(server, new_file, tmp_path)[0]["oldText"] is None
    missing = question("Edit", "edit", file_path="gone.py", old_string="x", new_string="y")
    assert tool_call_content(server, missing, tmp_path)[0]["oldText"] == "x"
    given = PermissionQuestion("t", "Edit", "Edit", "edit", {}, diff=Diff("/p", "o", "n"))
    assert tool_call_content(server, given, tmp_path) == [
        {"type": "diff", "path": "/p", "oldText": "o", "newText": "n"}
    ]


def test_edit_line_prefers_the_open_buffer(tmp_path: Path) -> None:
    source = tmp_path / "calc.py"
    source.write_text("x\nold\n")
    buffer = SimpleNamespace(source="x\ny\nz\nold\n")
    server: Any = FakeServer(documents={source.as_uri(): buffer})
    edit = question("Edit", "edit", file_path=str(source), old_string="old", new_string="new")
    assert edit_line(server, edit, tmp_path) == 3
    assert edit_line(server, question(), tmp_path) == 0


# -- settings and command arguments ----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"), [(None, 120.0), ("0.5", 0.5), ("0", None), ("soon", 120.0)]
)
def test_approval_timeout_from_the_environment(
    value: str | None, seconds: float | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if value is None:
        monkeypatch.delenv(APPROVAL_TIMEOUT_ENV, raising=False)
    else:
        monkeypatch.setenv(APPROVAL_TIMEOUT_ENV, value)
    assert approval_timeout() == seconds


@pytest.mark.parametrize(
    ("arguments", "parsed"),
    [
        ([], (None, False)),
        (["3"], ("3", False)),
        ([3, "always"], ("3", True)),
        (["always"], (None, True)),
        ([None], (None, False)),
        ([{"requestId": 4, "always": True}], ("4", True)),
    ],
)
def test_command_arguments(arguments: list[Any], parsed: tuple[str | None, bool]) -> None:
    assert _command_arguments(arguments) == parsed


def test_kind_wanted_follows_the_lsp_prefix_rule() -> None:
    quickfix = types.CodeActionKind.QuickFix
    assert kind_wanted(quickfix, None) and kind_wanted(quickfix, [""])
    assert kind_wanted(quickfix, ["quickfix"])
    assert not kind_wanted(quickfix, ["refactor", "source"])
    assert not kind_wanted(types.CodeActionKind.Source, ["source.organizeImports"])


# -- the queue ------------------------------------------------------------------------


async def test_queued_question_waits_on_the_touched_file_until_approved(tmp_path: Path) -> None:
    source = tmp_path / "calc.py"
    source.write_text("a\nb - c\n")
    server = FakeServer()
    approvals = queue_of(server)
    edit = question("Edit", "edit", file_path=str(source), old_string="-", new_string="+")
    asking = asyncio.ensure_future(approvals.ask(edit, session_id="s1", cwd=tmp_path))
    await until_pending(approvals)
    (diagnostic,) = server.shown(source.as_uri())
    assert diagnostic.code == "approval-pending" and diagnostic.source == "claude"
    assert diagnostic.severity == types.DiagnosticSeverity.Information
    assert diagnostic.range.start.line == 1
    assert "Claude wants to edit calc.py" in diagnostic.message
    assert "waiting for approval 1" in server.messages[-1].message
    assert server.asked == []  # no window.showMessage: straight to the queue
    approvals.answer(None, PermissionAnswer.ALLOW_ALWAYS)
    assert server.shown(source.as_uri()) == []  # cleared as soon as it is answered
    assert await asyncio.wait_for(asking, 1) is PermissionAnswer.ALLOW_ALWAYS


async def test_questions_without_a_file_go_to_an_open_document_or_a_placeholder(
    tmp_path: Path,
) -> None:
    server = FakeServer(root_path=str(tmp_path))
    approvals = queue_of(server)
    first = asyncio.ensure_future(approvals.ask(question(), session_id="s", cwd=tmp_path))
    await until_pending(approvals)
    placeholder = (tmp_path / ".claude" / "approvals").as_uri()
    assert approvals.pending[0].uri == placeholder
    server.workspace.text_documents["file:///open.py"] = SimpleNamespace(source="")
    second = asyncio.ensure_future(approvals.ask(question(), session_id="s", cwd=tmp_path))
    await until_pending(approvals, 2)
    assert approvals.pending[1].uri == "file:///open.py"
    approvals.answer(None, PermissionAnswer.REJECT_ONCE)
    approvals.answer(None, PermissionAnswer.ALLOW_ONCE)
    assert await first is PermissionAnswer.REJECT_ONCE
    assert await second is PermissionAnswer.ALLOW_ONCE


async def test_concurrent_questions_have_their_own_ids(tmp_path: Path) -> None:
    server = FakeServer(documents={"file:///a.py": SimpleNamespace(source="")})
    approvals = queue_of(server)
    asks = [
        asyncio.ensure_future(approvals.ask(question(), session_id=s, cwd=tmp_path))
        for s in ("s1", "s2", "s3")
    ]
    await until_pending(approvals, 3)
    ids = [p.request_id for p in approvals.pending]
    assert len(set(ids)) == 3 and len(server.shown("file:///a.py")) == 3
    approvals.answer(ids[1], PermissionAnswer.ALLOW_ONCE)
    assert [d.data["requestId"] for d in server.shown("file:///a.py")] == [ids[0], ids[2]]
    with pytest.raises(LookupError):
        approvals.answer(ids[1], PermissionAnswer.ALLOW_ONCE)  # already answered
    approvals.answer(ids[2], PermissionAnswer.REJECT_ONCE)
    approvals.answer(None, PermissionAnswer.ALLOW_ALWAYS)
    answers = await asyncio.gather(*asks)
    assert answers == [
        PermissionAnswer.ALLOW_ALWAYS,
        PermissionAnswer.ALLOW_ONCE,
        PermissionAnswer.REJECT_ONCE,
    ]
    with pytest.raises(LookupError):
        approvals.answer(None, PermissionAnswer.ALLOW_ONCE)  # nothing pending


async def test_an_unanswered_question_times_out_as_a_denial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(APPROVAL_TIMEOUT_ENV, "0.05")
    server = FakeServer()
    approvals = queue_of(server)
    answer = await approvals.ask(question(), session_id="s", cwd=tmp_path)
    assert answer is PermissionAnswer.TIMED_OUT
    assert approvals.pending == []
    assert server.published[-1].diagnostics == []
    assert "timed out" in server.messages[-1].message


async def test_a_cancelled_turn_takes_its_question_away(tmp_path: Path) -> None:
    server = FakeServer()
    approvals = queue_of(server)
    asking = asyncio.ensure_future(approvals.ask(question(), session_id="s", cwd=tmp_path))
    await until_pending(approvals)
    asking.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asking
    assert approvals.pending == [] and server.published[-1].diagnostics == []


async def test_code_actions_for_the_approval_under_the_cursor(tmp_path: Path) -> None:
    uri = "file:///a.py"
    server = FakeServer(documents={uri: SimpleNamespace(source="")})
    approvals = queue_of(server)
    asks = [
        asyncio.ensure_future(approvals.ask(question(), session_id="s", cwd=tmp_path))
        for _ in range(2)
    ]
    await until_pending(approvals, 2)
    first, second = approvals.pending

    def params(
        diagnostics: list[types.Diagnostic], line: int = 0, only: list[str] | None = None
    ) -> types.CodeActionParams:
        position = types.Position(line=line, character=0)
        return types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=position, end=position),
            context=types.CodeActionContext(diagnostics=diagnostics, only=only),
        )

    named = approvals.code_actions(params([second.diagnostic]))
    assert [a.title for a in named] == [
        "Claude: allow",
        "Claude: always allow Bash(npm test:*) in this project",
        "Claude: deny",
    ]
    assert [(a.command.command, a.command.arguments) for a in named if a.command] == [
        (APPROVE_COMMAND, [second.request_id]),
        (APPROVE_COMMAND, [second.request_id, "always"]),
        (DENY_COMMAND, [second.request_id]),
    ]
    assert all(a.diagnostics == [second.diagnostic] for a in named)
    on_the_line = approvals.code_actions(params([]))
    assert len(on_the_line) == 6 and "(approval 1: run: Bash(npm test))" in on_the_line[0].title
    assert approvals.code_actions(params([], line=5)) == []
    assert approvals.code_actions(params([first.diagnostic], only=["refactor"])) == []
    for pending in (first, second):
        approvals.answer(pending.request_id, PermissionAnswer.REJECT_ONCE)
    await asyncio.gather(*asks)


# -- window/showMessageRequest ---------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "answer"),
    [
        (types.MessageActionItem(title="Allow once"), PermissionAnswer.ALLOW_ONCE),
        (
            types.MessageActionItem(title="Always allow Bash(npm test:*) in this project"),
            PermissionAnswer.ALLOW_ALWAYS,
        ),
        (types.MessageActionItem(title="Deny"), PermissionAnswer.REJECT_ONCE),
        (types.MessageActionItem(title="Something else"), PermissionAnswer.REJECT_ONCE),
        (None, PermissionAnswer.REJECT_ONCE),
    ],
)
async def test_show_message_request_answers(
    reply: types.MessageActionItem | None, answer: PermissionAnswer, tmp_path: Path
) -> None:
    server = FakeServer(client_capabilities("neovim"))
    server.reply = reply
    approvals = queue_of(server)
    assert await approvals.ask(question(), session_id="s", cwd=tmp_path) is answer
    (asked,) = server.asked
    assert asked.type == types.MessageType.Warning
    assert asked.message == "Claude wants to run: Bash(npm test)"
    assert approvals.pending == [] and server.published == []


@pytest.mark.parametrize(
    ("error", "asked_twice"),
    [(JsonRpcMethodNotFound("window/showMessageRequest"), False), (JsonRpcInternalError(), True)],
)
async def test_show_message_request_errors_fall_through_to_the_queue(
    error: Exception, asked_twice: bool, tmp_path: Path
) -> None:
    server = FakeServer(client_capabilities("neovim"))
    server.reply = error
    approvals = queue_of(server)
    for _ in range(2):
        asking = asyncio.ensure_future(approvals.ask(question(), session_id="s", cwd=tmp_path))
        await until_pending(approvals)
        approvals.answer(None, PermissionAnswer.ALLOW_ONCE)
        assert await asking is PermissionAnswer.ALLOW_ONCE
    assert len(server.asked) == (2 if asked_twice else 1)


def test_can_ask_needs_some_way_to_reach_the_user() -> None:
    assert not queue_of(FakeServer(None)).can_ask()
    assert not queue_of(FakeServer(types.ClientCapabilities())).can_ask()
    assert queue_of(FakeServer(HELIX_LIKE)).can_ask()
    for editor in ("visual-studio-code", "neovim", "emacs"):
        assert queue_of(FakeServer(client_capabilities(editor))).can_ask()


async def test_a_cancelled_wait_leaves_the_clients_request_alone() -> None:
    loop = asyncio.get_running_loop()
    request: asyncio.Future[str] = loop.create_future()
    waiting = asyncio.ensure_future(client_reply(request))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert not request.cancelled()
    request.set_result("a late answer")  # what pygls does when the user answers later
    await asyncio.sleep(0)
    assert await client_reply(asyncio.sleep(0, "now")) == "now"


# -- wiring ---------------------------------------------------------------------------


def test_the_server_registers_the_commands_and_code_actions() -> None:
    server = create_server()
    features = server.protocol.fm
    assert {APPROVE_COMMAND, DENY_COMMAND} <= set(features.commands)
    options = features.feature_options[types.TEXT_DOCUMENT_CODE_ACTION]
    assert types.CodeActionKind.QuickFix in options.code_action_kinds


@pytest.mark.parametrize(
    ("capabilities", "asks"),
    [
        (types.ClientCapabilities(), False),  # print mode's client: the core explains the denial
        (types.ClientCapabilities(experimental={"claude": {"requestPermission": True}}), True),
        (HELIX_LIKE, True),
    ],
)
def test_sessions_get_an_asker_only_when_someone_can_answer(
    capabilities: types.ClientCapabilities, asks: bool, tmp_path: Path
) -> None:
    server = create_server()
    server.protocol.client_capabilities = capabilities
    files = EditorFiles(server)
    asker = ClientPermissionAsker.for_session(server, server.protocol, "s", tmp_path, files)
    assert (asker is not None) is asks


@pytest.mark.parametrize(
    ("capabilities", "asks"),
    [
        (types.ClientCapabilities(experimental={"claude": {"requestPermission": True}}), True),
        (HELIX_LIKE, False),
    ],
)
def test_an_attached_client_is_asked_only_itself(
    capabilities: types.ClientCapabilities, asks: bool, tmp_path: Path
) -> None:
    """A terminal client that cannot answer is never asked through the editor's dialogs."""
    server = create_server()
    server.protocol.client_capabilities = HELIX_LIKE  # the editor could answer
    attached = AttachedProtocol(server, "token")
    attached.client_capabilities = capabilities
    files = EditorFiles(server)
    asker = ClientPermissionAsker.for_session(server, attached, "s", tmp_path, files)
    assert (asker is not None) is asks


def test_diagnostic_sets_keep_each_features_diagnostics() -> None:
    server: Any = FakeServer()
    mine = types.Diagnostic(
        range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0)), message="mine"
    )
    theirs = types.Diagnostic(range=mine.range, message="theirs")
    publish_diagnostics(server, "approvals", "file:///a", [mine])
    publish_diagnostics(server, "review", "file:///a", [theirs])
    assert [d.message for d in server.shown("file:///a")] == ["mine", "theirs"]
    publish_diagnostics(server, "approvals", "file:///a", [])
    assert [d.message for d in server.shown("file:///a")] == ["theirs"]
    assert diagnostics_of(server, "review", "file:///a") == [theirs]
    assert diagnostics_of(server, "approvals", "file:///a") == []
