"""Read deny rules hide paths from Grep, Glob and LS results, with a note saying so."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from tests.fakeapi import FakeAnthropic, reply, text, tool_use
from tests.unit.test_session import close_sessions, make_session, user

from claude_lsp.policy.permissions import PermissionPolicy, parse_rules
from claude_lsp.tools.base import Tool, ToolContext
from claude_lsp.tools.glob import GlobTool
from claude_lsp.tools.grep import GrepTool
from claude_lsp.tools.ls import LSTool

__all__ = ["close_sessions"]  # the fixture that closes the sessions these tests open

ONE_HIDDEN = "(1 result hidden by permission rules.)"


def write(root: Path, relative: str, text: str, mtime: float) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, (mtime, mtime))


@pytest.fixture
def project(ctx: ToolContext) -> Path:
    root = ctx.cwd
    write(root, "app.txt", "intro\npassword = os.environ\noutro\n", 1_000_000)
    write(root, "secrets/key.txt", "password = hunter2\n", 1_000_001)
    write(root, "notes:v1-draft.txt", "password reset\n", 1_000_002)
    write(root, "deploy/prod.pem", "password pem\n", 1_000_003)
    return root


def deny(ctx: ToolContext, *rules: str) -> PermissionPolicy:
    """A policy with these deny rules, wired into `ctx` as a session wires it."""
    warnings: list[str] = []
    policy = PermissionPolicy(
        deny=parse_rules(rules, behavior="deny", warnings=warnings), roots=[ctx.cwd], cwd=ctx.cwd
    )
    assert warnings == []
    ctx.hidden_paths = policy.hidden_paths
    return policy


async def run(tool: Tool, ctx: ToolContext, **tool_input: Any) -> str:
    assert tool.validate(tool_input) is None
    return (await tool.run(tool_input, ctx)).text()


def test_only_deny_rules_about_paths_make_a_filter(ctx: ToolContext) -> None:
    assert deny(ctx).hidden_paths("Grep") is None
    assert deny(ctx, "Bash(rm:*)", "Edit(./secrets/**)", "WebFetch").hidden_paths("Grep") is None
    policy = deny(ctx, "Read(./secrets/**)", "Grep(*.log)")
    grep_filter, glob_filter = policy.hidden_paths("Grep"), policy.hidden_paths("Glob")
    assert grep_filter is not None and glob_filter is not None
    assert grep_filter(ctx.cwd / "secrets" / "key.txt") and grep_filter(ctx.cwd / "a" / "x.log")
    assert glob_filter(ctx.cwd / "secrets" / "key.txt") and not glob_filter(ctx.cwd / "x.log")
    assert not grep_filter(ctx.cwd / "secrets.txt")


async def test_grep_files_mode_hides_denied_files(ctx: ToolContext, project: Path) -> None:
    deny(ctx, "Read(./secrets/**)")
    out = await run(GrepTool(), ctx, pattern="password")
    assert out.splitlines() == [
        "Found 3 files",
        "deploy/prod.pem",
        "notes:v1-draft.txt",
        "app.txt",
        ONE_HIDDEN,
    ]


async def test_grep_content_mode_keeps_rg_format_and_tidies_group_breaks(
    ctx: ToolContext, project: Path
) -> None:
    deny(ctx, "Read(./secrets/**)", "Read(**/*.pem)")
    out = await run(GrepTool(), ctx, pattern="password", output_mode="content", **{"-C": 1})
    body, _, note = out.rpartition("\n")
    assert note == "(2 results hidden by permission rules.)"
    # rg's file order varies; no group break may be left doubled or at an end
    assert sorted(body.split("\n--\n")) == [
        "app.txt-1-intro\napp.txt:2:password = os.environ\napp.txt-3-outro",
        "notes:v1-draft.txt:1:password reset",
    ]
    bare = await run(
        GrepTool(), ctx, pattern="reset|environ", output_mode="content", **{"-n": False}
    )
    assert sorted(bare.splitlines()) == [
        "app.txt:password = os.environ",
        "notes:v1-draft.txt:password reset",
    ]


async def test_grep_count_mode_hides_denied_files(ctx: ToolContext, project: Path) -> None:
    deny(ctx, "Read(./secrets/**)")
    out = await run(GrepTool(), ctx, pattern="password", output_mode="count")
    assert out.splitlines() == [
        "app.txt:1",
        "deploy/prod.pem:1",
        "notes:v1-draft.txt:1",
        "",
        "Found 3 matching lines in 3 files.",
        ONE_HIDDEN,
    ]


async def test_grep_where_everything_is_hidden(ctx: ToolContext, project: Path) -> None:
    deny(ctx, "Read(./secrets/**)")
    out = await run(GrepTool(), ctx, pattern="hunter2", output_mode="content")
    assert out.splitlines() == ["No matches found", ONE_HIDDEN]


async def test_grep_outside_cwd_and_rules_added_later(ctx: ToolContext, project: Path) -> None:
    policy = deny(ctx, "Read(./deploy/**)")
    ctx.cwd = project / "secrets"
    out = await run(GrepTool(), ctx, pattern="password", path="..")
    assert "prod.pem" not in out and str(project / "secrets" / "key.txt") in out
    policy.deny.extend(parse_rules(["Read(./secrets/)"], behavior="deny", warnings=[]))
    out = await run(GrepTool(), ctx, pattern="password", path="..")
    assert "key.txt" not in out and "(2 results hidden by permission rules.)" in out


async def test_glob_hides_denied_files(ctx: ToolContext, project: Path) -> None:
    deny(ctx, "Read(./secrets/**)")
    out = await run(GlobTool(), ctx, pattern="**/*.txt")
    newest_first = [str(project / "notes:v1-draft.txt"), str(project / "app.txt")]
    assert out.splitlines() == [*newest_first, ONE_HIDDEN]
    nothing = await run(GlobTool(), ctx, pattern="*.txt", path="secrets")
    assert nothing.splitlines() == ["No files found", ONE_HIDDEN]


async def test_ls_hides_denied_entries_and_does_not_enter_them(
    ctx: ToolContext, project: Path
) -> None:
    deny(ctx, "Read(./secrets/**)", "Read(**/*.pem)")
    out = await run(LSTool(), ctx, path=str(project))
    assert out.splitlines() == [
        f"- {project}/",
        "  - deploy/",
        "  - app.txt",
        "  - notes:v1-draft.txt",
        "(2 results hidden by permission rules.)",
    ]
    empty = await run(LSTool(), ctx, path=str(project / "deploy"))
    assert empty.splitlines() == [f"- {project / 'deploy'}/", ONE_HIDDEN]


async def test_nothing_is_hidden_without_deny_rules(ctx: ToolContext, project: Path) -> None:
    for policy_rules in [(), ("Bash(curl:*)",)]:
        deny(ctx, *policy_rules)
        files = await run(GrepTool(), ctx, pattern="password")
        content = await run(GrepTool(), ctx, pattern="hunter2", output_mode="content")
        globbed = await run(GlobTool(), ctx, pattern="**/*")
        listed = await run(LSTool(), ctx, path=str(project))
        assert "secrets/key.txt" in files and content == "secrets/key.txt:1:password = hunter2"
        assert str(project / "secrets" / "key.txt") in globbed and "key.txt" in listed
        assert "hidden by permission rules" not in files + content + globbed + listed


async def test_a_session_hides_what_its_settings_deny(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    write(project, "app.txt", "password = os.environ\n", 1_000_000)
    write(project, "secrets/key.txt", "password = hunter2\n", 1_000_001)
    settings = {"permissions": {"deny": ["Read(./secrets/**)"]}}
    write(project, ".claude/settings.json", json.dumps(settings), 1_000_002)
    fake_api.script(
        reply(tool_use("Grep", {"pattern": "password", "path": ".", "output_mode": "content"})),
        reply(text("done")),
    )
    await make_session(fake_api, project, []).prompt(user("find passwords"))

    (result,) = fake_api.message_requests()[1].body["messages"][-1]["content"]
    assert result["content"][0]["text"] == f"app.txt:1:password = os.environ\n{ONE_HIDDEN}"
