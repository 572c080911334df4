"""Parsing the `hooks` settings from several scopes, and matching events to commands."""

from __future__ import annotations

from typing import Any

import pytest

from claude_lsp.hooks import DEFAULT_TIMEOUT_S, HookConfig, HookEvent


def group(matcher: str | None, *commands: str, timeout: Any = None) -> dict[str, Any]:
    hooks: list[dict[str, Any]] = []
    for text in commands:
        hook: dict[str, Any] = {"type": "command", "command": text}
        if timeout is not None:
            hook["timeout"] = timeout
        hooks.append(hook)
    entry: dict[str, Any] = {"hooks": hooks}
    if matcher is not None:
        entry["matcher"] = matcher
    return entry


def config_for(event: str, matcher: str | None) -> HookConfig:
    config, warnings = HookConfig.from_scopes([("user", {event: [group(matcher, "run-it")]})])
    assert warnings == []
    return config


def test_a_valid_config_keeps_every_command_with_its_scope_and_timeout() -> None:
    config, warnings = HookConfig.from_scopes(
        [
            ("user", {"PreToolUse": [group("Bash", "check-bash", timeout=5)]}),
            ("project", {"Stop": [group(None, "notify-done")]}),
        ]
    )
    assert warnings == []
    [bash] = config.matching(HookEvent.PRE_TOOL_USE, "Bash")
    assert (bash.command, bash.timeout_s, bash.scope, bash.matcher) == (
        "check-bash",
        5.0,
        "user",
        "Bash",
    )
    [stop] = config.matching(HookEvent.STOP)
    assert (stop.command, stop.timeout_s, stop.scope) == (
        "notify-done",
        DEFAULT_TIMEOUT_S,
        "project",
    )


@pytest.mark.parametrize(
    ("matcher", "value", "expected"),
    [
        (None, "Bash", True),
        ("", "Bash", True),
        ("*", "mcp__memory__create", True),
        ("Edit", "Edit", True),
        ("Edit", "NotebookEdit", False),
        ("Edit", "Editor", False),
        ("Edit|Write", "Edit", True),
        ("Edit|Write", "Write", True),
        ("Edit|Write", "MultiEdit", False),
        ("Notebook.*", "NotebookEdit", True),
        ("Notebook.*", "Bash", False),
        ("mcp__memory__.*", "mcp__memory__create_entities", True),
        ("mcp__memory__.*", "mcp__github__search", False),
        ("mcp__.*__write.*", "mcp__fs__write_file", True),
        ("Bash", None, False),
        ("*", None, True),
    ],
)
def test_matcher_table(matcher: str | None, value: str | None, expected: bool) -> None:
    config = config_for("PreToolUse", matcher)
    assert bool(config.matching(HookEvent.PRE_TOOL_USE, value)) is expected


@pytest.mark.parametrize(
    ("event", "matcher", "value", "expected"),
    [
        (HookEvent.PRE_COMPACT, "manual", "manual", True),
        (HookEvent.PRE_COMPACT, "manual", "auto", False),
        (HookEvent.SESSION_START, "startup|resume", "resume", True),
        (HookEvent.SESSION_START, "startup|resume", "compact", False),
        (HookEvent.NOTIFICATION, "idle_prompt", "permission_prompt", False),
    ],
)
def test_matchers_of_other_events(
    event: HookEvent, matcher: str, value: str, expected: bool
) -> None:
    assert bool(config_for(event.value, matcher).matching(event, value)) is expected


@pytest.mark.parametrize(
    "event", [HookEvent.USER_PROMPT_SUBMIT, HookEvent.STOP, HookEvent.SUBAGENT_STOP]
)
def test_events_without_matchers_ignore_them(event: HookEvent) -> None:
    config = config_for(event.value, "SomethingElse")
    assert [c.command for c in config.matching(event)] == ["run-it"]
    assert [c.command for c in config.matching(event, "whatever")] == ["run-it"]


def test_an_event_only_gets_its_own_hooks() -> None:
    config = config_for("PostToolUse", "*")
    assert config.matching(HookEvent.PRE_TOOL_USE, "Bash") == []
    assert len(config.matching(HookEvent.POST_TOOL_USE, "Bash")) == 1


def test_an_invalid_regex_is_compared_literally_and_reported_once() -> None:
    config, warnings = HookConfig.from_scopes([("user", {"PreToolUse": [group("Bash(", "x")]})])
    assert len(warnings) == 1
    assert "user" in warnings[0] and "hooks.PreToolUse[0].matcher" in warnings[0]
    assert "literally" in warnings[0]
    assert config.matching(HookEvent.PRE_TOOL_USE, "Bash") == []
    assert len(config.matching(HookEvent.PRE_TOOL_USE, "Bash(")) == 1


def test_identical_commands_run_once_across_scopes_and_groups() -> None:
    config, _ = HookConfig.from_scopes(
        [
            ("user", {"PreToolUse": [group("Edit", "fmt", timeout=7), group("*", "lint")]}),
            ("project", {"PreToolUse": [group("Edit|Write", "fmt", "lint", "extra")]}),
            ("local", {"PreToolUse": [group("Edit", "fmt")]}),
        ]
    )
    matched = config.matching(HookEvent.PRE_TOOL_USE, "Edit")
    assert [(c.command, c.scope) for c in matched] == [
        ("fmt", "user"),
        ("lint", "user"),
        ("extra", "project"),
    ]
    assert matched[0].timeout_s == 7.0
    assert [c.command for c in config.matching(HookEvent.PRE_TOOL_USE, "Read")] == ["lint"]


@pytest.mark.parametrize(
    ("hooks", "expected_fragment"),
    [
        ([], "`hooks` must be an object"),
        ({"PreTool": [group(None, "x")]}, "hooks.PreTool: unknown hook event"),
        ({"Stop": {"hooks": []}}, "hooks.Stop must be a list"),
        ({"Stop": ["text"]}, "hooks.Stop[0] must be an object"),
        ({"Stop": [{"matcher": 3, "hooks": []}]}, "hooks.Stop[0].matcher must be a string"),
        ({"Stop": [{"matcher": "*"}]}, "hooks.Stop[0].hooks must be a list"),
        ({"Stop": [{"hooks": [5]}]}, "hooks.Stop[0].hooks[0] must be an object"),
        (
            {"Stop": [{"hooks": [{"command": "x"}]}]},
            "hooks.Stop[0].hooks[0]: unsupported hook type",
        ),
        (
            {"Stop": [{"hooks": [{"type": "agent", "command": "x"}]}]},
            "unsupported hook type 'agent'",
        ),
        (
            {"SessionStart": [{"hooks": [{"type": "prompt", "prompt": "ok?"}]}]},
            "hooks.SessionStart[0].hooks[0]: prompt hooks only work for PreToolUse, Stop,",
        ),
        ({"Stop": [{"hooks": [{"type": "prompt"}]}]}, "hooks.Stop[0].hooks[0].prompt must be"),
        (
            {"Stop": [{"hooks": [{"type": "prompt", "prompt": "ok?", "model": 3}]}]},
            ".model must be a model name",
        ),
        ({"Stop": [{"hooks": [{"type": "command"}]}]}, "hooks.Stop[0].hooks[0].command"),
        ({"Stop": [{"hooks": [{"type": "command", "command": "  "}]}]}, ".command must be"),
        ({"Stop": [group(None, "x", timeout=0)]}, "hooks.Stop[0].hooks[0].timeout"),
        ({"Stop": [group(None, "x", timeout=-1)]}, ".timeout must be a positive number"),
        ({"Stop": [group(None, "x", timeout="10")]}, ".timeout must be a positive number"),
        ({"Stop": [group(None, "x", timeout=True)]}, ".timeout must be a positive number"),
        ({"Stop": [group(None, "x", timeout=float("inf"))]}, ".timeout must be a positive"),
    ],
)
def test_malformed_entries_are_skipped_with_a_warning_naming_scope_and_path(
    hooks: object, expected_fragment: str
) -> None:
    config, warnings = HookConfig.from_scopes([("project (.claude/settings.json)", hooks)])
    assert len(warnings) == 1
    assert warnings[0].startswith("project (.claude/settings.json): ")
    assert expected_fragment in warnings[0]
    assert config.matching(HookEvent.STOP) == []


def test_a_bad_entry_does_not_take_its_neighbours_down() -> None:
    config, warnings = HookConfig.from_scopes(
        [
            ("user", "not an object"),
            (
                "project",
                {
                    "Unknown": [],
                    "Stop": [
                        {
                            "hooks": [
                                {"type": "prompt"},
                                {"type": "command", "command": "a"},
                            ]
                        },
                        "junk",
                        group(None, "b"),
                    ],
                },
            ),
        ]
    )
    assert len(warnings) == 4
    assert [c.command for c in config.matching(HookEvent.STOP)] == ["a", "b"]


def test_prompt_hooks_parse_with_their_own_default_timeout() -> None:
    config, warnings = HookConfig.from_scopes(
        [
            (
                "user",
                {
                    "Stop": [
                        {"hooks": [{"type": "prompt", "prompt": "Done? $ARGUMENTS"}]},
                        {"hooks": [{"type": "prompt", "prompt": "Tests?", "model": "haiku"}]},
                    ]
                },
            )
        ]
    )
    assert warnings == []
    first, second = config.matching(HookEvent.STOP)
    assert (first.kind, first.command, first.timeout_s, first.model) == (
        "prompt",
        "Done? $ARGUMENTS",
        30.0,
        None,
    )
    assert second.model == "haiku"
