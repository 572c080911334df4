"""Checking known keys: a malformed key is dropped and named, everything else kept."""

from __future__ import annotations

from typing import Any

import pytest

from claude_lsp.policy.permissions import PermissionMode
from claude_lsp.settings.validate import PERMISSION_MODES, validate_settings


def test_the_mode_names_match_the_policy() -> None:
    assert set(PERMISSION_MODES) == {mode.value for mode in PermissionMode}


def test_well_formed_settings_are_kept_whole() -> None:
    data = {
        "$schema": "https://json.schemastore.org/claude-code-settings.json",
        "model": "opus",
        "apiKeyHelper": "/bin/key",
        "cleanupPeriodDays": 0,
        "includeCoAuthoredBy": True,
        "env": {"A": "1"},
        "permissions": {
            "allow": ["Read"],
            "ask": [],
            "deny": ["Bash(curl:*)"],
            "additionalDirectories": ["../docs"],
            "defaultMode": "acceptEdits",
            "disableBypassPermissionsMode": "disable",
            "somethingNew": 1,
        },
        "hooks": {
            "Stop": [{"hooks": [{"type": "prompt", "prompt": "Done?"}]}],
            "PreToolUse": [
                {"matcher": "Bash", "hooks": [{"type": "command", "command": "x", "timeout": 1.5}]}
            ],
            "SomeFutureEvent": [],
        },
        "someFutureKey": [1, 2],
    }
    assert validate_settings(data, "f.json") == (data, [])


@pytest.mark.parametrize(
    ("data", "kept", "problem"),
    [
        ({"model": ["opus"]}, {}, "`model` must be a string, not an array"),
        ({"cleanupPeriodDays": -1}, {}, "`cleanupPeriodDays` must be a whole number of days"),
        ({"cleanupPeriodDays": 1.5}, {}, "`cleanupPeriodDays` must be a whole number of days"),
        ({"cleanupPeriodDays": True}, {}, "`cleanupPeriodDays` must be a whole number of days"),
        ({"includeCoAuthoredBy": "yes"}, {}, "`includeCoAuthoredBy` must be true or false"),
        ({"statusLine": "ccline"}, {}, "`statusLine` must be an object, not a string"),
        ({"env": ["A=1"]}, {}, "`env` must be an object, not an array"),
        ({"env": {"A": "1", "B": 2}}, {"env": {"A": "1"}}, "`env.B` must be a string"),
        ({"permissions": ["Read"]}, {}, "`permissions` must be an object"),
        (
            {"permissions": {"allow": ["Read", 3], "deny": ["Bash"]}},
            {"permissions": {"deny": ["Bash"]}},
            "`permissions.allow` must be a list of strings",
        ),
        (
            {"permissions": {"defaultMode": "yolo"}},
            {"permissions": {}},
            '`permissions.defaultMode` must be "default" or "acceptEdits" or "plan" or',
        ),
        (
            {"permissions": {"disableBypassPermissionsMode": True}},
            {"permissions": {}},
            '`permissions.disableBypassPermissionsMode` must be "disable", not a boolean',
        ),
        (
            {"permissions": {"additionalDirectories": "../lib"}},
            {"permissions": {}},
            "`permissions.additionalDirectories` must be a list of strings",
        ),
        ({"hooks": []}, {}, "`hooks` must be an object, not an array"),
        (
            {"hooks": {"Stop": {"hooks": []}}},
            {"hooks": {}},
            "`hooks.Stop` must be a list of matcher groups, not an object",
        ),
    ],
)
def test_a_malformed_key_is_dropped_and_named(
    data: dict[str, Any], kept: dict[str, Any], problem: str
) -> None:
    clean, problems = validate_settings({**data, "other": "kept"}, "/p/settings.json")
    assert clean == {**kept, "other": "kept"}
    assert len(problems) == 1
    assert problems[0].startswith(f"/p/settings.json: {problem}")
    assert problems[0].endswith("; ignored")


@pytest.mark.parametrize(
    ("group", "problem"),
    [
        ("echo hi", "must be an object with `matcher` and `hooks`, not a string"),
        ({"matcher": 1, "hooks": []}, "has a `matcher` that is not a string"),
        ({"matcher": "Bash"}, "needs `hooks`, a list of hook objects"),
        ({"hooks": ["echo"]}, "has a bad hook 0: it is a string, not an object"),
        ({"hooks": [{"command": "x"}]}, "has a bad hook 0: `type` must be a string"),
        ({"hooks": [{"type": "command"}]}, "a command hook needs a `command` string"),
        ({"hooks": [{"type": "prompt", "prompt": ""}]}, "a prompt hook needs a `prompt` string"),
        (
            {"hooks": [{"type": "command", "command": "x", "timeout": 0}]},
            "`timeout` must be a positive number of seconds",
        ),
        (
            {"hooks": [{"type": "command", "command": "x", "timeout": "60"}]},
            "`timeout` must be a positive number of seconds",
        ),
    ],
)
def test_a_malformed_hook_group_is_dropped_and_its_siblings_kept(group: Any, problem: str) -> None:
    good = {"matcher": "Edit", "hooks": [{"type": "command", "command": "fmt"}]}
    clean, problems = validate_settings({"hooks": {"PostToolUse": [good, group]}}, "s.json")
    assert clean == {"hooks": {"PostToolUse": [good]}}
    assert len(problems) == 1
    assert problems[0].startswith("s.json: `hooks.PostToolUse[1]` ")
    assert problem in problems[0]


def test_every_malformed_key_is_reported() -> None:
    _, problems = validate_settings({"model": 1, "env": {"A": 1, "B": 2}}, "s.json")
    assert [problem.split("`")[1] for problem in problems] == ["model", "env.A", "env.B"]
