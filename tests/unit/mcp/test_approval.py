"""Which project servers may run, and how an answer is kept."""

from __future__ import annotations

import json
from pathlib import Path

from claude_lsp.mcp.approval import Approval, approval_of, approval_question, record_answer
from claude_lsp.mcp.config import McpScope, parse_server
from claude_lsp.policy.questions import PermissionAnswer


def test_settings_decide_with_a_refusal_winning() -> None:
    assert approval_of("a", {}) is Approval.UNASKED
    assert approval_of("a", {"enabledMcpjsonServers": ["a"]}) is Approval.APPROVED
    assert approval_of("a", {"enableAllProjectMcpServers": True}) is Approval.APPROVED
    both = {"enableAllProjectMcpServers": True, "disabledMcpjsonServers": ["a"]}
    assert approval_of("a", both) is Approval.DECLINED


def test_lasting_answers_are_saved_in_local_settings(tmp_path: Path) -> None:
    assert record_answer(tmp_path, "a", PermissionAnswer.ALLOW_ALWAYS) is True
    assert record_answer(tmp_path, "b", PermissionAnswer.REJECT_ALWAYS) is False
    assert record_answer(tmp_path, "c", PermissionAnswer.ALLOW_ONCE) is True
    assert record_answer(tmp_path, "d", PermissionAnswer.REJECT_ONCE) is False

    saved = json.loads((tmp_path / ".claude" / "settings.local.json").read_text())
    assert saved == {"enabledMcpjsonServers": ["a"], "disabledMcpjsonServers": ["b"]}


def test_the_question_names_the_command_as_written() -> None:
    config, _ = parse_server(
        "db", {"command": "db-mcp", "args": ["${DSN}"]}, McpScope.PROJECT, "/p/.mcp.json"
    )
    assert config is not None
    question = approval_question(config)
    assert question.title == "the MCP server 'db' from /p/.mcp.json, which runs db-mcp ${DSN}"
    assert [answer for answer, _ in question.choices] == [
        PermissionAnswer.ALLOW_ALWAYS,
        PermissionAnswer.ALLOW_ONCE,
        PermissionAnswer.REJECT_ALWAYS,
    ]
