"""How the permission policy treats the web tools: WebFetch asks per host and "always
allow" remembers `WebFetch(domain:host)`; WebSearch asks like other outside tools."""

from __future__ import annotations

import pytest

from claude_lsp.policy.permissions import (
    PermissionMode,
    PermissionPolicy,
    RuleBehavior,
    parse_rules,
)
from claude_lsp.policy.rules import Rule
from claude_lsp.tools.web_fetch import WebFetchTool
from claude_lsp.tools.web_search import WebSearchTool

FETCH = WebFetchTool()


def rules(behavior: RuleBehavior, *texts: str) -> list[Rule]:
    warnings: list[str] = []
    parsed = parse_rules(texts, behavior=behavior, warnings=warnings)
    assert warnings == []
    return parsed


def fetch(policy: PermissionPolicy, url: str) -> str:
    return policy.decide(FETCH, {"url": url, "prompt": "?"}, []).behavior


@pytest.mark.parametrize("mode", [PermissionMode.DEFAULT, PermissionMode.ACCEPT_EDITS])
def test_web_tools_ask_outside_bypass_mode(mode: PermissionMode) -> None:
    policy = PermissionPolicy(mode=mode)
    assert fetch(policy, "https://example.com/") == "ask"
    assert policy.decide(WebSearchTool(), {"query": "pygls"}, []).behavior == "ask"
    policy.mode = PermissionMode.BYPASS
    assert fetch(policy, "https://example.com/") == "allow"


def test_plan_mode_asks_for_the_web_tools_as_they_change_nothing() -> None:
    policy = PermissionPolicy(mode=PermissionMode.PLAN)
    assert fetch(policy, "https://example.com/") == "ask"
    assert policy.decide(WebSearchTool(), {"query": "pygls"}, []).behavior == "ask"
    policy.deny = rules("deny", "WebFetch(domain:example.com)")
    assert fetch(policy, "https://example.com/") == "deny"


def test_always_allow_remembers_the_host_only() -> None:
    policy = PermissionPolicy()
    url = "https://Docs.Python.org/3/library/"
    assert policy.suggest_rules(FETCH, {"url": url}, []) == ["WebFetch(domain:docs.python.org)"]
    assert policy.allow_always(FETCH, {"url": url}, []) == ["WebFetch(domain:docs.python.org)"]
    assert fetch(policy, "https://docs.python.org/3/tutorial/") == "allow"
    assert fetch(policy, "http://docs.python.org/") == "allow"
    assert fetch(policy, "https://python.org/") == "ask"
    assert fetch(policy, "https://evil.docs.python.org/") == "ask"


@pytest.mark.parametrize("url", ["not a url", "ftp://example.com/", "https://[::1]:8000/"])
def test_no_rule_is_offered_for_a_host_no_rule_can_name(url: str) -> None:
    assert PermissionPolicy().suggest_rules(FETCH, {"url": url}, []) == []


def test_domain_rules_decide_web_fetch() -> None:
    policy = PermissionPolicy(
        allow=rules("allow", "WebFetch(domain:*.example.com)", "WebFetch(domain:example.com)"),
        ask=rules("ask", "WebFetch(domain:secret.example.com)"),
        deny=rules("deny", "WebFetch(domain:bad.example.com)"),
    )
    assert fetch(policy, "https://example.com/") == "allow"
    assert fetch(policy, "https://api.example.com/v1") == "allow"
    assert fetch(policy, "https://secret.example.com/") == "ask"
    assert fetch(policy, "https://bad.example.com/") == "deny"
    assert fetch(policy, "https://example.org/") == "ask"
    # a URL whose host is unclear matches a deny rule and no allow rule
    assert fetch(policy, "https://bad.example.com\\@example.com/") == "deny"


def test_rules_judge_the_host_the_client_resolves() -> None:
    policy = PermissionPolicy(
        allow=rules("allow", "WebFetch(domain:xn--mnchen-3ya.de)"),
        deny=rules("deny", "WebFetch(domain:*.evil.com)", "WebFetch(domain:evil.com)"),
    )
    assert fetch(policy, "https://b.com\u3002evil.com/") == "deny"  # an ideographic full stop
    assert fetch(policy, "https://\uff45vil.com/") == "deny"  # a full-width letter
    assert fetch(policy, "https://münchen.de/") == "allow"
    assert policy.suggest_rules(FETCH, {"url": "https://münchen.de/"}, []) == [
        "WebFetch(domain:xn--mnchen-3ya.de)"
    ]
