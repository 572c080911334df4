"""Slash command parsing, custom command files and the frontmatter they start with."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from claude_lsp.agent.events import SessionEvent, ToolCallUpdated, UserText
from claude_lsp.agent.session import Session, SessionOptions
from claude_lsp.commands import custom, resume
from claude_lsp.commands.builtin import SlashCall, parse_slash_call
from claude_lsp.commands.expansion import CommandEnv, CommandRefused, expand_text
from claude_lsp.frontmatter import as_list, split_frontmatter
from claude_lsp.host import DiskFiles
from claude_lsp.models.client import ModelClient
from claude_lsp.models.credentials import Credentials
from claude_lsp.policy.permissions import PermissionPolicy, parse_rules
from claude_lsp.policy.questions import PermissionAnswer, PermissionQuestion
from claude_lsp.sessions.transcripts import SessionInfo, messages_of, read_entries
from claude_lsp.tools.base import ToolContext
from claude_lsp.tools.file_state import FileReadState
from claude_lsp.tools.registry import builtin_tools
from claude_lsp.tools.shells import BackgroundShells
from tests.fakeapi import FakeAnthropic, hang, reply, text, tool_use


@pytest.mark.parametrize(
    ("typed", "call"),
    [
        ("/help", SlashCall("help", "")),
        ("  /model   opus \n", SlashCall("model", "opus")),
        (
            "/compact keep the API notes\nand the plan",
            SlashCall("compact", "keep the API notes\nand the plan"),
        ),
        ("/frontend:component Button", SlashCall("frontend:component", "Button")),
        ("/usr/bin/env is missing", None),
        ("what does /help do?", None),
        ("/", None),
    ],
)
def test_parse_slash_call(typed: str, call: SlashCall | None) -> None:
    assert parse_slash_call(typed) == call


def test_frontmatter_fields_and_body() -> None:
    fields, body = split_frontmatter(
        "---\n"
        "description: 'Review: the diff'\n"
        "allowed-tools: Bash(git diff:*), Bash(git status:*), Read\n"
        'paths: ["src/**/*.ts", "lib/*.py"]\n'
        'tags:\n  - one\n  - "two"\n'
        "# a comment\n"
        "---\n"
        "Body $ARGUMENTS\n"
    )
    assert fields == {
        "description": "Review: the diff",
        "allowed-tools": "Bash(git diff:*), Bash(git status:*), Read",
        "paths": '["src/**/*.ts", "lib/*.py"]',
        "tags": ["one", "two"],
    }
    assert body == "Body $ARGUMENTS\n"
    assert as_list(fields["allowed-tools"]) == ["Bash(git diff:*)", "Bash(git status:*)", "Read"]
    assert as_list(fields["paths"]) == ["src/**/*.ts", "lib/*.py"]
    assert as_list("src/{a,b}/*.py, docs/**") == ["src/{a,b}/*.py", "docs/**"]


@pytest.mark.parametrize("text", ["no frontmatter\n", "---\nnever: closed\n", ""])
def test_text_without_a_closed_block_is_all_body(text: str) -> None:
    assert split_frontmatter(text) == ({}, text)


def make(body: str) -> custom.CustomCommand:
    return custom.CustomCommand(
        name="c",
        path=Path("c.md"),
        scope="project",
        namespace="",
        description="",
        argument_hint=None,
        allowed_tools=(),
        model=None,
        body=body,
    )


@pytest.mark.parametrize(
    ("body", "arguments", "expanded"),
    [
        ("Fix #$1 ($2): $ARGUMENTS", "12 high", "Fix #12 (high): 12 high"),
        ("Greet $1 and $3", '"Ada Lovelace" x', "Greet Ada Lovelace and "),
        ("Quote $1", "it's", "Quote it's"),
        ("No placeholder", "extra words", "No placeholder\n\nARGUMENTS: extra words"),
        ("No placeholder", "", "No placeholder"),
    ],
)
def test_expand(body: str, arguments: str, expanded: str) -> None:
    assert make(body).expand(arguments) == expanded


def test_project_commands_shadow_user_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_dir = tmp_path / "config"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(user_dir))
    (user_dir / "commands").mkdir(parents=True)
    (user_dir / "commands" / "deploy.md").write_text("user deploy")
    (user_dir / "commands" / "standup.md").write_text("# Daily standup\n\nSummarise.")
    project = tmp_path / "project"
    nested = project / ".claude" / "commands" / "ops" / "eu"
    nested.mkdir(parents=True)
    (nested / "deploy.md").write_text("---\nargument-hint: [env]\n---\nproject deploy $1")
    (nested / "broken.md").write_bytes(b"\xff\xfe not utf-8")

    found = custom.discover(project)

    assert set(found) == {"deploy", "standup"}
    assert found["deploy"].scope == "project" and found["deploy"].label == "(project:ops:eu)"
    assert found["deploy"].argument_hint == "[env]"
    assert found["deploy"].expand("prod") == "project deploy prod"
    assert found["standup"].description == "Daily standup"
    assert found["standup"].label == "(user)"


def command_env(
    root: Path, *, allow: tuple[str, ...] = (), deny: tuple[str, ...] = ()
) -> CommandEnv:
    warnings: list[str] = []
    policy = PermissionPolicy(
        allow=parse_rules(allow, behavior="allow", warnings=warnings),
        deny=parse_rules(deny, behavior="deny", warnings=warnings),
        roots=[root],
        cwd=root,
    )
    ctx = ToolContext(
        cwd=root,
        files=DiskFiles(),
        read_state=FileReadState(),
        shells=BackgroundShells(),
        roots=[root],
        scratch_dir=root / ".scratch",
    )
    return CommandEnv({tool.name: tool for tool in builtin_tools()}, policy, ctx, root)


def rules(*texts: str) -> list[Any]:
    return parse_rules(texts, behavior="allow", warnings=[])


async def test_shell_spans_run_and_their_output_replaces_them(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    env = command_env(tmp_path)
    body = (
        "Status: !`echo hi; echo there >&2`\n"
        "Fails: !`sh -c 'echo oops; exit 3'`\n"
        "Moved: !`cd sub && pwd`\n"
        "Not a span: wow!`echo no` and `!`echo quoted`"
    )

    (block,) = await expand_text(
        body, env, rules("Bash(echo:*)", "Bash(sh:*)", "Bash(cd:*)", "Bash(pwd)")
    )

    assert block["text"].splitlines() == [
        "Status: hi",
        "there",
        "Fails: oops",
        "Exit code 3",
        f"Moved: {tmp_path / 'sub'}",
        "Not a span: wow!`echo no` and `!`echo quoted`",
    ]
    assert env.ctx.cwd == tmp_path  # a `cd` in a span does not move the session


async def test_a_shell_span_the_policy_does_not_allow_stops_every_span(tmp_path: Path) -> None:
    env = command_env(tmp_path, deny=("Bash(rm:*)",))
    (tmp_path / "keep.txt").write_text("x")
    body = "!`touch first` then !`git status --short` then !`rm keep.txt`"

    with pytest.raises(CommandRefused) as refused:
        await expand_text(body, env, rules("Bash(touch first)", "Bash(rm:*)"))

    assert refused.value.problems == [
        "!`git status --short` needs allowed-tools: Bash(git status:*)",
        "!`rm keep.txt` is not allowed: denied by rule Bash(rm:*) from the command line",
    ]
    assert not (tmp_path / "first").exists() and (tmp_path / "keep.txt").exists()


async def test_shell_spans_are_refused_when_bash_is_disabled(tmp_path: Path) -> None:
    env = command_env(tmp_path)
    without_bash = CommandEnv(
        {name: tool for name, tool in env.tools.items() if name != "Bash"},
        env.policy,
        env.ctx,
        env.cwd,
    )
    with pytest.raises(CommandRefused, match="Bash tool is disabled"):
        await expand_text("!`echo hi`", without_bash, rules("Bash"))


async def test_files_named_with_at_are_included_after_the_prompt(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("first line\nsecond line\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "guide.md").write_text("# Guide\n")
    env = command_env(tmp_path)
    body = (
        "Compare @notes.txt with @docs/guide.md and @notes.txt again; @missing.md and "
        "`@docs/guide.md` stay text.\n\n```\n@notes.txt in a block\n```\nAlso @docs. "
        f"@{'x' * 300} is too long to be a name."
    )

    blocks = await expand_text(body, env)

    assert blocks[0] == {"type": "text", "text": body}
    texts = [block["text"] for block in blocks[1:]]
    assert texts[0] == f"Contents of {tmp_path / 'notes.txt'} (from @notes.txt):"
    assert texts[1].splitlines()[:2] == ["     1\tfirst line", "     2\tsecond line"]
    assert texts[2] == f"Contents of {tmp_path / 'docs' / 'guide.md'} (from @docs/guide.md):"
    assert "# Guide" in texts[3]
    assert texts[4] == f"Listing of the folder {tmp_path / 'docs'} (from @docs):"
    assert "guide.md" in texts[5]
    assert len(texts) == 6
    assert env.ctx.read_state.has_seen(tmp_path / "notes.txt")  # it may be edited next


async def test_files_the_policy_keeps_out_are_not_included(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "secret.env").write_text("TOKEN=abc\n")
    (project / "blob.bin").write_bytes(b"\x00\x01binary")
    (project / "huge.txt").write_text("x" * (300 * 1024))
    (tmp_path / "outside.txt").write_text("elsewhere\n")
    env = command_env(project, deny=("Read(./secret.env)",))
    body = "Read @secret.env, @../outside.txt, @blob.bin and @huge.txt"

    blocks = await expand_text(body, env)

    notes = [block["text"] for block in blocks[1:]]
    assert len(notes) == 4 and not any("TOKEN" in note or "elsewhere" in note for note in notes)
    assert notes[0].startswith("@secret.env was not included: denied by rule Read(./secret.env)")
    assert notes[1] == (
        f"@../outside.txt was not included: {tmp_path / 'outside.txt'} is outside the "
        "session's folders"
    )
    assert notes[2].startswith("@blob.bin was not included:") and "binary" in notes[2]
    assert notes[3].startswith("@huge.txt was not included:") and "256 KiB" in notes[3]


async def test_allowed_tools_let_a_file_outside_the_folders_in(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "shared.md").write_text("shared\n")
    blocks = await expand_text(
        f"See @{tmp_path / 'shared.md'}", command_env(project), rules(f"Read(/{tmp_path}/**)")
    )
    assert "shared" in blocks[2]["text"]


def info(session_id: str, title: str = "t") -> SessionInfo:
    return SessionInfo(session_id, title, "/p", "2026-03-01T10:00:00Z")


def test_resume_picks_a_session_by_id_or_unique_prefix() -> None:
    sessions = [info("aaaa1111-x"), info("aaaa2222-y"), info("bbbb3333-z")]

    assert resume.pick("bbbb3333-z", sessions, "cccc4444-now") == sessions[2]
    assert resume.pick("aaaa2222", sessions, "cccc4444-now") == sessions[1]
    assert resume.pick("dddd5555", sessions, "cccc4444-now") is None
    for query, problem in [
        ("cccc4444-now", "That is this session"),
        ("cccc4444", "That is this session"),
        ("aaaa", "at least its first 8 characters"),
        ("aaaa1111-", None),
    ]:
        if problem is None:
            assert resume.pick(query, sessions, "cccc4444-now") == sessions[0]
            continue
        with pytest.raises(resume.ResumeError, match=problem):
            resume.pick(query, sessions, "cccc4444-now")
    with pytest.raises(resume.ResumeError, match="matches aaaa1111-x, aaaa1111-y"):
        resume.pick("aaaa1111", [info("aaaa1111-x"), info("aaaa1111-y")], "c")


def test_resume_listing_leaves_out_the_current_session() -> None:
    sessions = [info(f"id-{n:02}", f"task {n}") for n in range(25)]
    lines = resume.listing(sessions, "id-00").splitlines()

    assert lines[0] == "Earlier sessions of this project, newest first:"
    assert lines[1].startswith("  id-01  ") and lines[1].endswith("  task 1")
    assert len(lines) == 1 + resume.LISTED + 2 and lines[-2] == "  … and 4 older"
    assert lines[-1].startswith("Type /resume <session id>")
    assert resume.listing([info("only")], "only") == (
        "No earlier sessions of this project to resume."
    )


class AllowAll:
    def __init__(self) -> None:
        self.questions: list[PermissionQuestion] = []

    async def ask(self, question: PermissionQuestion) -> PermissionAnswer:
        self.questions.append(question)
        return PermissionAnswer("allow_once")


@pytest.fixture
async def sessions(fake_api: FakeAnthropic) -> AsyncIterator[list[Session]]:
    made: list[Session] = []
    yield made
    for session in made:
        await session.close()


def open_session(
    made: list[Session], fake: FakeAnthropic, cwd: Path, events: list[SessionEvent], **kw: Any
) -> Session:
    session = Session(
        SessionOptions(cwd=cwd),
        model_client=ModelClient(Credentials(api_key="test", base_url=fake.base_url)),
        files=DiskFiles(),
        emit=events.append,
        **kw,
    )
    made.append(session)
    return session


async def test_allowed_tools_last_until_the_command_turn_is_cancelled(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    commands = tmp_path / ".claude" / "commands"
    commands.mkdir(parents=True)
    (commands / "wait.md").write_text("---\nallowed-tools: Bash(sleep:*)\n---\nWait.\n")
    fake_api.script(reply(tool_use("Bash", {"command": "sleep 30"})), hang())
    events: list[SessionEvent] = []
    asker = AllowAll()
    session = open_session(sessions, fake_api, tmp_path, events, asker=asker)
    before = list(session.policy.allow)

    turn = asyncio.create_task(session.prompt([{"type": "text", "text": "/wait"}]))
    async with asyncio.timeout(10):
        while not any(isinstance(e, ToolCallUpdated) and e.status == "in_progress" for e in events):
            await asyncio.sleep(0.01)
    assert any(rule.text == "Bash(sleep:*)" for rule in session.policy.allow)
    session.cancel()
    result = await turn

    assert result.stop_reason == "cancelled" and asker.questions == []
    assert session.policy.allow == before


async def test_a_plain_prompt_includes_the_files_it_mentions(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    (tmp_path / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    (tmp_path / "secret.env").write_text("TOKEN=hidden\n")
    (tmp_path / ".claude").mkdir()
    (tmp_path / ".claude" / "settings.json").write_text(
        '{"permissions": {"deny": ["Read(./secret.env)"]}}'
    )
    fake_api.script(reply(text("seen")))
    events: list[SessionEvent] = []
    session = open_session(sessions, fake_api, tmp_path, events, asker=None)

    await session.prompt([{"type": "text", "text": "fix @calc.py, not @secret.env or @nope.py"}])

    sent = fake_api.message_requests()[0].body["messages"][0]["content"]
    texts = [block["text"] for block in sent if block.get("type") == "text"]
    assert texts[0] == "fix @calc.py, not @secret.env or @nope.py"
    assert any("return a - b" in text for text in texts[1:])
    assert not any("TOKEN=hidden" in text for text in texts)
    assert any(text.startswith("@secret.env was not included:") for text in texts)


async def test_resume_takes_over_another_sessions_history(
    fake_api: FakeAnthropic, tmp_path: Path, sessions: list[Session]
) -> None:
    fake_api.script(reply(text("Noted: apple.")))
    old = open_session(sessions, fake_api, tmp_path, [], asker=None)
    await old.prompt([{"type": "text", "text": "remember the word apple"}])
    events: list[SessionEvent] = []
    new = open_session(sessions, fake_api, tmp_path, events, asker=None)

    listed = await new.prompt([{"type": "text", "text": "/resume"}])
    resumed = await new.prompt([{"type": "text", "text": f"/resume {old.id[:8]}"}])
    itself = await new.prompt([{"type": "text", "text": f"/resume {new.id}"}])

    assert old.id in listed.result_text and "remember the word apple" in listed.result_text
    assert resumed.result_text.startswith(f"Resumed session {old.id} (remember the word apple)")
    assert new.messages == old.messages
    assert UserText("remember the word apple") in events  # shown to the user again
    assert itself.result_text.startswith("That is this session")
    assert new.transcript is not None and old.transcript is not None
    assert messages_of(read_entries(new.transcript.path)) == old.messages
    assert len(read_entries(old.transcript.path)) == 2  # the old transcript is untouched
