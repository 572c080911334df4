"""Pure pieces of the core: prices, rules, event shapes, prompt content."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_lsp.agent.events import (
    AgentText,
    ApiRetrying,
    ModeChanged,
    ToolCallStarted,
    ToolCallUpdated,
    to_session_update,
)
from claude_lsp.agent.prompt_content import to_api_content
from claude_lsp.agent.session import resolve_model
from claude_lsp.models.client import RetryPolicy
from claude_lsp.models.credentials import Credentials
from claude_lsp.models.usage import Usage, cost_usd, price_per_mtok
from claude_lsp.policy.permissions import PermissionMode, PermissionPolicy, parse_rules
from claude_lsp.tools.base import Diff
from claude_lsp.tools.bash import BashTool
from claude_lsp.tools.edit import EditTool
from claude_lsp.tools.read import ReadTool


def test_prices_match_the_longest_prefix() -> None:
    assert price_per_mtok("claude-opus-4-8") == (5.0, 25.0)
    assert price_per_mtok("claude-opus-4-1-20250805") == (15.0, 75.0)
    assert price_per_mtok("claude-haiku-4-5-20251001") == (1.0, 5.0)
    assert price_per_mtok("some-future-model") == (3.0, 15.0)


def test_cost_counts_cache_writes_and_reads() -> None:
    usage = Usage(
        input_tokens=1_000_000,
        output_tokens=1_000_000,
        cache_creation_input_tokens=1_000_000,
        cache_read_input_tokens=1_000_000,
    )
    assert cost_usd("claude-sonnet-4-6", usage) == pytest.approx(3 + 15 + 3.75 + 0.3)
    assert (Usage(1, 2) + Usage(3, 4)).as_dict()["output_tokens"] == 6


def test_model_aliases() -> None:
    assert resolve_model("sonnet") == "claude-sonnet-4-6"
    assert resolve_model("claude-3-5-haiku-latest") == "claude-3-5-haiku-latest"


def test_credentials_never_show_the_key() -> None:
    credentials = Credentials(api_key="sk-secret-value", base_url=None)
    assert "sk-secret" not in repr(credentials) and credentials.usable
    assert not Credentials().usable
    assert Credentials(base_url="http://127.0.0.1:1").usable


def test_backoff_grows_and_retry_after_wins() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0)
    assert 0.75 <= policy.delay(1, None) <= 1.0
    assert 3.0 <= policy.delay(3, None) <= 4.0
    assert policy.delay(10, None) <= 5.0
    assert policy.delay(1, 2.5) == 2.5
    assert policy.delay(1, 3600) == 60.0


@pytest.mark.parametrize(
    ("mode", "tool", "expected"),
    [
        (PermissionMode.DEFAULT, ReadTool(), "allow"),
        (PermissionMode.DEFAULT, EditTool(), "ask"),
        (PermissionMode.DEFAULT, BashTool(), "ask"),
        (PermissionMode.ACCEPT_EDITS, EditTool(), "allow"),
        (PermissionMode.ACCEPT_EDITS, BashTool(), "ask"),
        (PermissionMode.PLAN, EditTool(), "deny"),
        (PermissionMode.PLAN, ReadTool(), "allow"),
        (PermissionMode.BYPASS, BashTool(), "allow"),
    ],
)
def test_modes(mode: PermissionMode, tool: object, expected: str) -> None:
    policy = PermissionPolicy(mode=mode, roots=[Path("/work")])
    assert policy.decide(tool, {}, [Path("/work/a.py")]).behavior == expected  # type: ignore[arg-type]


def test_deny_rules_win_over_allow_and_bypass() -> None:
    warnings: list[str] = []
    policy = PermissionPolicy(
        mode=PermissionMode.BYPASS,
        allow=parse_rules(["Bash"], behavior="allow", warnings=warnings),
        deny=parse_rules(["Bash"], behavior="deny", warnings=warnings),
    )
    assert policy.decide(BashTool(), {"command": "ls"}, []).behavior == "deny"
    assert warnings == []


def test_paths_outside_the_roots_are_never_allowed_by_the_mode_alone() -> None:
    policy = PermissionPolicy(mode=PermissionMode.ACCEPT_EDITS, roots=[Path("/work")])
    outside = policy.decide(EditTool(), {}, [Path("/etc/passwd")])
    assert outside.behavior == "ask" and "/etc/passwd" in outside.reason
    assert policy.decide(ReadTool(), {}, [Path("/workshop/x")]).behavior == "ask"
    assert policy.decide(ReadTool(), {}, [Path("/work")]).behavior == "allow"
    assert policy.decide(EditTool(), {}, [Path("/work/sub/a.py")]).behavior == "allow"


def test_rule_lists_split_on_commas_and_spaces_but_not_inside_specifiers() -> None:
    warnings: list[str] = []
    rules = parse_rules(
        ["Read,Edit", "Bash(git status:*) LS", "broken("], behavior="allow", warnings=warnings
    )
    assert [(r.tool, r.specifier) for r in rules] == [
        ("Read", None),
        ("Edit", None),
        ("Bash", "git status:*"),
        ("LS", None),
    ]
    assert len(warnings) == 1 and "broken(" in warnings[0]


def test_deny_rules_with_specifiers_deny_only_what_they_name() -> None:
    warnings: list[str] = []
    deny = parse_rules(["Bash(rm:*)"], behavior="deny", warnings=warnings)
    policy = PermissionPolicy(mode=PermissionMode.BYPASS, deny=deny)
    assert policy.decide(BashTool(), {"command": "rm -rf x"}, []).behavior == "deny"
    assert policy.decide(BashTool(), {"command": "ls"}, []).behavior == "allow"
    assert warnings == []


def test_session_update_shapes() -> None:
    assert to_session_update(AgentText("hi")) == {
        "sessionUpdate": "agent_message_chunk",
        "content": {"type": "text", "text": "hi"},
    }
    started = to_session_update(
        ToolCallStarted("t1", "Edit", "Edit a.py", "edit", {"file_path": "/a.py"}, ("/a.py",))
    )
    assert started["status"] == "pending" and started["locations"] == [{"path": "/a.py"}]
    assert started["_meta"]["claude"]["toolName"] == "Edit"
    done = to_session_update(
        ToolCallUpdated("t1", "completed", output="ok", diff=Diff("/a.py", "x", "y"))
    )
    assert done["content"] == [
        {"type": "diff", "path": "/a.py", "oldText": "x", "newText": "y"},
        {"type": "content", "content": {"type": "text", "text": "ok"}},
    ]
    assert to_session_update(ModeChanged("plan"))["currentModeId"] == "plan"
    assert to_session_update(ApiRetrying(1, 8, 0.5, "overloaded"))["delayMs"] == 500


def test_prompt_content_conversion() -> None:
    content = to_api_content(
        [
            {"type": "text", "text": "look at"},
            {"type": "resource", "resource": {"uri": "file:///a.py", "text": "x = 1"}},
            {"type": "resource_link", "uri": "file:///b.py", "name": "b.py"},
            {"type": "image", "mimeType": "image/png", "data": "AAAA"},
            {"type": "text", "text": ""},
        ]
    )
    assert content[0] == {"type": "text", "text": "look at"}
    assert content[1]["text"] == '<file uri="file:///a.py">\nx = 1\n</file>'
    assert content[2]["text"] == "@file:///b.py"
    assert content[3]["source"] == {"type": "base64", "media_type": "image/png", "data": "AAAA"}
    assert len(content) == 4
