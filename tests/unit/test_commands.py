"""Slash command parsing, custom command files and the frontmatter they start with."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_lsp.commands import custom
from claude_lsp.commands.builtin import SlashCall, parse_slash_call
from claude_lsp.frontmatter import as_list, split_frontmatter


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
