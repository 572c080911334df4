"""`claude-lsp --chat` as a person uses it: in a terminal (tmux), keys in, the screen read
back, against the fake Messages API; and piped, where the output is plain text."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import agent_env
from tests.e2e.conftest import start_editor
from tests.e2e.editor_buffers import EditorBuffers
from tests.e2e.terminal import Tmux
from tests.fakeapi import FakeAnthropic, reply, text, timed_text, tool_use

CHAT = [sys.executable, "-m", "claude_lsp", "--chat"]
MARKDOWN = (
    "# Results\n\nThe **sum** is ready:\n\n```python\nprint(add(1, 2))\n```\n\n"
    "- first point\n- second point\n"
)


@pytest.fixture
def chat_env(fake_api: FakeAnthropic, tmp_path: Path) -> dict[str, str]:
    return agent_env(fake_api, tmp_path, TERM="xterm-256color")


@pytest.fixture
def terminals(tmp_path: Path) -> Iterator[list[Tmux]]:
    opened: list[Tmux] = []
    yield opened
    for terminal in opened:
        terminal.close()


def open_chat(
    terminals: list[Tmux], cwd: Path, env: dict[str, str], *args: str, name: str = "chat"
) -> Tmux:
    script = cwd.parent / f"{name}-{len(terminals)}.sh"
    terminal = Tmux([*CHAT, *args], cwd, env, script)
    terminals.append(terminal)
    terminal.wait_for("shift+tab: mode")  # the prompt and its status line are up
    return terminal


def tool_results(fake: FakeAnthropic) -> list[dict[str, Any]]:
    """Every tool_result the model was sent, in order."""
    found: list[dict[str, Any]] = []
    for request in fake.message_requests():
        last = request.body["messages"][-1]
        if last["role"] == "user" and isinstance(last["content"], list):
            found += [block for block in last["content"] if block.get("type") == "tool_result"]
    return found


def result_text(block: dict[str, Any]) -> str:
    content = block["content"]
    return content if isinstance(content, str) else "".join(part["text"] for part in content)


def test_a_streamed_answer_is_rendered_as_markdown(
    fake_api: FakeAnthropic, project: Path, chat_env: dict[str, str], terminals: list[Tmux]
) -> None:
    fake_api.script(reply(text(MARKDOWN), chunk_delay=0.01))
    chat = open_chat(terminals, project, chat_env)

    chat.type("show me the sum")
    chat.send("Enter")
    chat.wait_for("second point")
    screen = chat.wait_for("$0.0")  # the status line gets the turn's figures at its end

    assert "print(add(1, 2))" in screen
    assert "Results" in screen and "# Results" not in screen  # a heading, not its markup
    assert "**sum**" not in screen and "```" not in screen
    assert "• first point" in screen
    assert "context " in screen


def test_permission_questions_are_answered_with_single_keys(
    fake_api: FakeAnthropic, project: Path, chat_env: dict[str, str], terminals: list[Tmux]
) -> None:
    fake_api.script(
        reply(tool_use("Bash", {"command": "echo allowed-once"})),
        reply(text("first done")),
        reply(tool_use("Bash", {"command": "echo never-run"})),
        reply(text("second done")),
        reply(tool_use("Bash", {"command": "echo always-ok"})),
        reply(text("third done")),
        reply(tool_use("Bash", {"command": "echo always-ok"})),
        reply(text("fourth done")),
    )
    chat = open_chat(terminals, project, chat_env)

    for prompt, key, done, asked in (
        ("one", "y", "first done", 1),
        ("two", "n", "second done", 2),
        ("three", "a", "third done", 3),
        ("four", None, "fourth done", 3),  # allowed always: not asked again
    ):
        chat.type(prompt)
        chat.send("Enter")
        if key is not None:
            screen = chat.wait_for("(esc: deny)", count=asked)
            assert "[y] Allow" in screen and "[n] Deny" in screen
            chat.send(key)
        screen = chat.wait_for(done)

    assert screen.count("(esc: deny)") == 3
    assert "echo never-run" in screen  # the question showed the command
    results = tool_results(fake_api)
    assert result_text(results[0]).strip() == "allowed-once"
    assert results[1].get("is_error") and "never-run" not in result_text(results[1]).split("\n")[0]
    assert [result_text(r).strip() for r in results[2:]] == ["always-ok", "always-ok"]


def test_esc_stops_a_streaming_turn_and_the_next_prompt_is_answered(
    fake_api: FakeAnthropic, project: Path, chat_env: dict[str, str], terminals: list[Tmux]
) -> None:
    fake_api.script(
        reply(timed_text(400, filler=" words"), chunk_delay=0.03),
        reply(text("second answer")),
    )
    chat = open_chat(terminals, project, chat_env)
    chat.type("talk for a long time")
    chat.send("Enter")
    chat.wait_for(" words")

    chat.send("Escape")
    screen = chat.wait_for("Interrupted.", timeout=10)
    assert "[399@" not in screen  # stopped before the end of the stream

    chat.type("and now?")
    chat.send("Enter")
    chat.wait_for("second answer")
    assert len(fake_api.message_requests()) == 2


def test_ctrl_c_stops_a_turn_and_twice_at_an_empty_prompt_exits(
    fake_api: FakeAnthropic, project: Path, chat_env: dict[str, str], terminals: list[Tmux]
) -> None:
    fake_api.script(reply(timed_text(400, filler=" words"), chunk_delay=0.03))
    chat = open_chat(terminals, project, chat_env)
    chat.type("talk")
    chat.send("Enter")
    chat.wait_for(" words")

    chat.send("C-c")
    chat.wait_for("Interrupted.", timeout=10)
    chat.send("C-c")
    chat.wait_for("Press Ctrl-C again to exit.")
    chat.send("C-c")
    chat.wait_for("[exited 0]")


def test_slash_commands_and_file_mentions_complete(
    fake_api: FakeAnthropic, project: Path, chat_env: dict[str, str], terminals: list[Tmux]
) -> None:
    commands = project / ".claude" / "commands"
    commands.mkdir(parents=True)
    (commands / "greet-team.md").write_text("---\ndescription: Say hello to the team\n---\nHi\n")
    chat = open_chat(terminals, project, chat_env)

    chat.type("/gr")
    screen = chat.wait_for("Say hello to the team")
    assert "/greet-team" in screen
    chat.send("Tab")
    chat.wait_for("> /greet-team")
    chat.send("C-u")
    chat.type("/co")
    screen = chat.wait_for("/compact")
    assert "/context" in screen and "/cost" in screen
    assert "/greet-team" not in screen.split("> /co")[-1]

    chat.send("C-u")
    chat.type("look at @cal")
    chat.wait_for(" @calc.py")  # in the menu, gitignore-aware (ripgrep's list)
    chat.send("Tab")
    chat.wait_for("> look at @calc.py")


def test_bang_runs_a_command_the_model_sees_next_turn(
    fake_api: FakeAnthropic, project: Path, chat_env: dict[str, str], terminals: list[Tmux]
) -> None:
    fake_api.script(reply(text("I see the marker.")))
    chat = open_chat(terminals, project, chat_env, "--permission-mode", "bypassPermissions")

    chat.type("!echo marker-from-the-shell")
    chat.send("Enter")
    chat.wait_for("  ⎿ marker-from-the-shell")
    chat.type("what did the command print?")
    chat.send("Enter")
    chat.wait_for("I see the marker.")

    sent = str(fake_api.message_requests()[-1].body["messages"])
    assert "marker-from-the-shell" in sent


def test_a_trailing_backslash_continues_the_message_on_a_new_line(
    fake_api: FakeAnthropic, project: Path, chat_env: dict[str, str], terminals: list[Tmux]
) -> None:
    fake_api.script(reply(text("two lines received")))
    chat = open_chat(terminals, project, chat_env)

    chat.type("first line\\")
    chat.send("Enter")
    chat.type("second line")
    chat.send("Enter")
    chat.wait_for("two lines received")

    sent = fake_api.message_requests()[0].body["messages"][0]["content"]
    assert any(block.get("text") == "first line\nsecond line" for block in sent)


def test_shift_tab_cycles_the_permission_mode(
    fake_api: FakeAnthropic, project: Path, chat_env: dict[str, str], terminals: list[Tmux]
) -> None:
    chat = open_chat(terminals, project, chat_env)
    for mode in ("acceptEdits", "plan", "default"):
        chat.send("BTab")
        chat.wait_for(f" · {mode} · context")


def test_continue_replays_the_earlier_conversation_and_carries_on(
    fake_api: FakeAnthropic, project: Path, chat_env: dict[str, str], terminals: list[Tmux]
) -> None:
    fake_api.script(reply(text("The capital is Paris.")), reply(text("About 2 million.")))
    first = open_chat(terminals, project, chat_env, name="first")
    first.type("capital of France?")
    first.send("Enter")
    first.wait_for("The capital is Paris.")
    first.send("C-d")
    first.wait_for("[exited 0]")

    again = open_chat(terminals, project, chat_env, "--continue", name="again")
    screen = again.wait_for("The capital is Paris.")
    assert "> capital of France?" in screen
    again.type("and its population?")
    again.send("Enter")
    again.wait_for("About 2 million.")

    history = fake_api.message_requests()[-1].body["messages"]
    assert [message["role"] for message in history] == ["user", "assistant", "user"]
    assert "capital of France?" in str(history[0])


async def test_the_chat_attaches_to_the_editors_server_and_sees_its_buffer(
    fake_api: FakeAnthropic,
    project: Path,
    chat_env: dict[str, str],
    terminals: list[Tmux],
    tmp_path: Path,
) -> None:
    calc = project / "calc.py"
    fake_api.script(reply(tool_use("Read", {"file_path": str(calc)})), reply(text("Read it.")))
    async with start_editor(agent_env(fake_api, tmp_path), project, "neovim") as (client, rec):
        EditorBuffers(client, rec, "utf-8").open(calc, "def add(a, b):  # unsaved edit\n")
        # The editor's client must keep answering the server meanwhile: wait off its loop.
        chat = await asyncio.to_thread(open_chat, terminals, project, chat_env)
        screen = chat.screen()
        chat.type("read calc.py")
        chat.send("Enter")
        await asyncio.to_thread(chat.wait_for, "Read it.")

    # The banner wraps wherever the temporary path's length puts it: compare words.
    assert "attached to the server of" in " ".join(screen.split())
    assert "unsaved edit" in result_text(tool_results(fake_api)[0])


def test_piped_output_is_plain_text(
    fake_api: FakeAnthropic, project: Path, chat_env: dict[str, str]
) -> None:
    fake_api.script(reply(text(MARKDOWN)), reply(tool_use("Bash", {"command": "echo hi"})))
    fake_api.set_fallback(lambda body: reply(text("done")))
    done = subprocess.run(
        CHAT,
        cwd=project,
        env=chat_env,
        input="show me the sum\nrun it\nn\n",
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout
    assert MARKDOWN.strip() in done.stdout  # the text exactly as the model wrote it
    assert "? Allow" in done.stdout and "→ Deny" in done.stdout
    assert "● " in done.stdout
