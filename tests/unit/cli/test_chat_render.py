"""What the terminal chat prints for the session's updates, plain and rendered."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from claude_lsp.cli.chat.render import ChatState, SessionView, folded, settled_end


def view(plain: bool, width: int = 80) -> tuple[SessionView, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, force_terminal=not plain, no_color=plain, width=width)
    return SessionView(console, ChatState(), plain=plain, cwd=Path("/work")), out


def chunk(text: str) -> dict[str, object]:
    return {"sessionUpdate": "agent_message_chunk", "content": {"type": "text", "text": text}}


def test_settled_blocks_end_at_blank_lines_outside_code_fences() -> None:
    text = "para one\n\n```\ncode\n\nmore code\n```\n\ntail being writ"
    assert settled_end(text, 0) == text.index("```\n\n") + 5
    assert settled_end("no blank line yet\n", 0) == 0
    assert settled_end("a\n\nb\n\n", 3) == len("a\n\nb\n\n")


def test_long_output_is_folded() -> None:
    assert folded("a\nb\n") == ["a", "b"]
    lines = folded("\n".join(str(n) for n in range(20)), limit=3)
    assert lines == ["0", "1", "2", "… +17 lines"]


def test_plain_output_is_the_streamed_text_and_the_same_lines_without_escapes() -> None:
    chat, out = view(plain=True)
    for piece in ("# Title\n\nSome ", "**bold** text.\n"):
        chat.show(chunk(piece))
    chat.show(
        {
            "sessionUpdate": "tool_call",
            "toolCallId": "1",
            "title": "Bash(ls)",
            "kind": "execute",
            "status": "pending",
        }
    )
    chat.show(
        {
            "sessionUpdate": "tool_call_update",
            "toolCallId": "1",
            "status": "completed",
            "content": [
                {"type": "content", "content": {"type": "text", "text": "\n".join("abcdefghij")}}
            ],
        }
    )
    chat.show(
        {
            "sessionUpdate": "plan",
            "entries": [
                {"content": "read", "status": "completed"},
                {"content": "fix", "status": "in_progress"},
                {"content": "test", "status": "pending"},
            ],
        }
    )
    printed = out.getvalue()

    assert "\x1b" not in printed
    assert printed.startswith("# Title\n\nSome **bold** text.\n\n● Bash(ls)\n  ⎿ a\n")
    assert "    f\n    … +4 lines\n" in printed
    assert "Plan:\n  ☒ read\n  ◐ fix\n  ☐ test\n" in printed


def test_a_terminal_gets_rendered_markdown_and_a_coloured_diff() -> None:
    chat, out = view(plain=False)
    chat.show(chunk("# Title\n\nUse `add`:\n\n```python\nprint(add(1, 2))\n```\n"))
    chat.end_text()
    chat.show(
        {
            "sessionUpdate": "tool_call_update",
            "toolCallId": "2",
            "status": "completed",
            "content": [
                {
                    "type": "diff",
                    "path": "/work/calc.py",
                    "oldText": "return a - b\n",
                    "newText": "return a + b\n",
                }
            ],
        }
    )
    printed = out.getvalue()

    assert "# Title" not in printed and "```" not in printed and "Title" in printed
    assert "print" in printed and "\x1b[" in printed
    assert "\x1b[31m" in printed and "-return a - b" in printed  # red removal
    assert "\x1b[32m" in printed and "+return a + b" in printed  # green addition


def test_usage_and_mode_updates_feed_the_status_line() -> None:
    chat, _ = view(plain=True)
    chat.show(
        {"sessionUpdate": "usage_update", "model": "m1", "contextTokens": 12345, "costUsd": 0.5}
    )
    chat.show({"sessionUpdate": "current_mode_update", "currentModeId": "plan"})
    assert chat.state.status_line() == "m1 · plan · context 12.3k tokens · $0.5000"


def test_control_characters_never_reach_the_terminal() -> None:
    """An escape sequence in a command could redraw the question to show another one."""
    for plain in (True, False):
        chat, out = view(plain=plain)
        chat.question(
            {
                "title": "Bash(rm -rf ~/proj #\x1b[2K\x1b[1Gnpm test)",
                "content": [{"type": "content", "content": {"type": "text", "text": "a\rb\x07"}}],
            },
            [("y", "Allow")],
        )
        chat.show(chunk("text \x1b]52;c;aGk=\x07 more\n"))
        chat.end_text()
        printed = out.getvalue()
        shown = printed if plain else printed.replace("\x1b[", "")  # rich's own styling
        assert "\x1b]" not in printed and "\x07" not in printed
        assert "b\ufffd" in printed  # the bell, shown rather than rung
        assert "rm -rf ~/proj #\ufffd[2K\ufffd[1Gnpm test" in shown
