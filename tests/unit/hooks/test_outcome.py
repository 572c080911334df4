"""What hooks' exit codes and answers mean, per event, and how several hooks combine.

Every hook here is a real `/bin/sh` process; JSON answers are printed from files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from claude_lsp.hooks import EventOutcome, HookEvent
from tests.unit.hooks.helpers import emits, run

TOOL: dict[str, Any] = {
    "tool_name": "Bash",
    "tool_input": {"command": "ls"},
    "tool_use_id": "toolu_1",
}


def fields_for(event: HookEvent) -> dict[str, Any]:
    if event in (HookEvent.PRE_TOOL_USE, HookEvent.POST_TOOL_USE):
        return TOOL
    return {}


async def answer(
    project: Path, event: HookEvent, reply: dict[str, Any], *, exit_code: int = 0
) -> EventOutcome:
    return await run(
        project, event, emits(project.parent, reply, exit_code=exit_code), **fields_for(event)
    )


# -- exit codes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "blocked", "to_model", "to_user", "permission"),
    [
        (HookEvent.PRE_TOOL_USE, True, "no rm", None, "deny"),
        (HookEvent.POST_TOOL_USE, True, "no rm", None, None),
        (HookEvent.USER_PROMPT_SUBMIT, True, None, "no rm", None),
        (HookEvent.STOP, True, "no rm", None, None),
        (HookEvent.SUBAGENT_STOP, True, "no rm", None, None),
        (HookEvent.NOTIFICATION, False, None, "no rm", None),
        (HookEvent.PRE_COMPACT, False, None, "no rm", None),
        (HookEvent.SESSION_START, False, None, "no rm", None),
        (HookEvent.SESSION_END, False, None, "no rm", None),
    ],
)
async def test_exit_2_blocks_with_stderr_per_event(
    project: Path,
    event: HookEvent,
    blocked: bool,
    to_model: str | None,
    to_user: str | None,
    permission: str | None,
) -> None:
    outcome = await run(
        project,
        event,
        'echo \'{"continue": false}\'; echo "no rm" >&2; exit 2',
        **fields_for(event),
    )
    assert outcome.blocked is blocked
    assert outcome.reason_for_model == to_model
    assert outcome.message_for_user == to_user
    assert outcome.permission_decision == permission
    assert not outcome.stop  # stdout is not read on exit 2
    assert outcome.warnings == []


async def test_exit_2_without_stderr_still_gives_a_reason(project: Path) -> None:
    outcome = await run(project, HookEvent.PRE_TOOL_USE, "exit 2", **TOOL)
    assert outcome.blocked and outcome.reason_for_model == "Blocked by hook `exit 2`"


@pytest.mark.parametrize("code", [1, 3, 127])
async def test_other_exit_codes_are_warnings_only(project: Path, code: int) -> None:
    outcome = await run(project, HookEvent.PRE_TOOL_USE, f"echo oops >&2; exit {code}", **TOOL)
    assert not outcome.blocked and outcome.permission_decision is None
    assert outcome.reason_for_model is None and outcome.message_for_user is None
    assert outcome.warnings == [
        f"Hook `echo oops >&2; exit {code}` failed with exit code {code}: oops"
    ]
    assert outcome.outputs[0].exit_code == code


# -- plain stdout --------------------------------------------------------------------------


@pytest.mark.parametrize("event", [HookEvent.USER_PROMPT_SUBMIT, HookEvent.SESSION_START])
async def test_plain_stdout_is_context_for_prompts_and_session_start(
    project: Path, event: HookEvent
) -> None:
    outcome = await run(project, event, "echo 'branch: main'", "echo", "echo 'todo: tests'")
    assert outcome.additional_context == ["branch: main", "todo: tests"]
    assert [r.output for r in outcome.outputs] == ["branch: main\n", "\n", "todo: tests\n"]


async def test_plain_stdout_of_other_events_is_only_output(project: Path) -> None:
    outcome = await run(project, HookEvent.POST_TOOL_USE, "echo formatted 3 files", **TOOL)
    assert outcome.additional_context == []
    assert outcome.outputs[0].output == "formatted 3 files\n"
    assert not outcome.blocked and outcome.warnings == []


@pytest.mark.parametrize(
    "garbage",
    [
        "printf '{not json'",
        "printf '[1, 2]'",
        "printf '\"text\"'",
        "printf '\\377\\376 binary'",
        'printf \'{"decision": "block"} trailing\'',
    ],
)
async def test_garbage_stdout_is_plain_text(project: Path, garbage: str) -> None:
    outcome = await run(project, HookEvent.PRE_TOOL_USE, garbage, **TOOL)
    assert not outcome.blocked and outcome.permission_decision is None
    assert outcome.warnings == [] and outcome.outputs[0].exit_code == 0
    prompt = await run(project, HookEvent.USER_PROMPT_SUBMIT, garbage, prompt="hi")
    assert not prompt.blocked and len(prompt.additional_context) == 1


# -- JSON answers --------------------------------------------------------------------------


async def test_continue_false_stops_the_loop_with_a_reason(project: Path) -> None:
    outcome = await answer(
        project,
        HookEvent.STOP,
        {"continue": False, "stopReason": "build broken", "decision": "block", "reason": "fix"},
    )
    assert outcome.stop and outcome.stop_reason == "build broken"
    assert outcome.blocked and outcome.reason_for_model == "fix"  # `stop` takes precedence


async def test_continue_false_without_a_reason(project: Path) -> None:
    outcome = await answer(project, HookEvent.POST_TOOL_USE, {"continue": False})
    assert (
        outcome.stop
        and outcome.stop_reason is not None
        and "Stopped by hook" in outcome.stop_reason
    )


async def test_continue_true_changes_nothing(project: Path) -> None:
    outcome = await answer(project, HookEvent.POST_TOOL_USE, {"continue": True})
    assert not outcome.stop and not outcome.blocked and outcome.warnings == []


async def test_suppress_output_hides_stdout_from_the_transcript(project: Path) -> None:
    outcome = await answer(
        project, HookEvent.POST_TOOL_USE, {"suppressOutput": True, "systemMessage": "linted"}
    )
    assert outcome.outputs[0].output == ""
    assert outcome.system_messages == ["linted"]
    shown = await answer(project, HookEvent.POST_TOOL_USE, {"systemMessage": "linted"})
    assert '"systemMessage"' in shown.outputs[0].output


@pytest.mark.parametrize(
    ("event", "to_model", "to_user"),
    [
        (HookEvent.POST_TOOL_USE, "lint failed", None),
        (HookEvent.STOP, "lint failed", None),
        (HookEvent.SUBAGENT_STOP, "lint failed", None),
        (HookEvent.USER_PROMPT_SUBMIT, None, "lint failed"),
    ],
)
async def test_decision_block_with_reason(
    project: Path, event: HookEvent, to_model: str | None, to_user: str | None
) -> None:
    outcome = await answer(project, event, {"decision": "block", "reason": "lint failed"})
    assert outcome.blocked
    assert (outcome.reason_for_model, outcome.message_for_user) == (to_model, to_user)
    assert outcome.permission_decision is None


@pytest.mark.parametrize("event", [HookEvent.NOTIFICATION, HookEvent.SESSION_END])
async def test_decision_block_is_ignored_where_nothing_can_be_blocked(
    project: Path, event: HookEvent
) -> None:
    outcome = await answer(project, event, {"decision": "block", "reason": "no"})
    assert not outcome.blocked and outcome.message_for_user is None


async def test_an_unknown_decision_is_a_warning(project: Path) -> None:
    outcome = await answer(project, HookEvent.STOP, {"decision": "maybe"})
    assert not outcome.blocked
    assert len(outcome.warnings) == 1
    assert outcome.warnings[0].endswith(": unknown decision 'maybe'; ignored")


def pre_tool(**specific: Any) -> dict[str, Any]:
    return {"hookSpecificOutput": {"hookEventName": "PreToolUse", **specific}}


async def test_pre_tool_use_allow_with_updated_input(project: Path) -> None:
    outcome = await answer(
        project,
        HookEvent.PRE_TOOL_USE,
        pre_tool(
            permissionDecision="allow",
            permissionDecisionReason="safe listing",
            updatedInput={"command": "ls -la"},
        ),
    )
    assert outcome.permission_decision == "allow" and not outcome.blocked
    assert outcome.permission_reason == "safe listing"
    assert outcome.updated_input == {"command": "ls -la"}
    assert outcome.reason_for_model is None


async def test_pre_tool_use_deny_blocks_with_the_reason_for_the_model(project: Path) -> None:
    outcome = await answer(
        project,
        HookEvent.PRE_TOOL_USE,
        pre_tool(
            permissionDecision="deny",
            permissionDecisionReason="no network",
            updatedInput={"command": "x"},
        ),
    )
    assert outcome.blocked and outcome.permission_decision == "deny"
    assert outcome.reason_for_model == "no network" and outcome.permission_reason == "no network"
    assert outcome.updated_input is None


async def test_pre_tool_use_ask(project: Path) -> None:
    outcome = await answer(
        project,
        HookEvent.PRE_TOOL_USE,
        pre_tool(permissionDecision="ask", permissionDecisionReason="touches prod"),
    )
    assert outcome.permission_decision == "ask" and not outcome.blocked
    assert outcome.permission_reason == "touches prod"


@pytest.mark.parametrize(
    ("legacy", "decision", "blocked"), [("approve", "allow", False), ("block", "deny", True)]
)
async def test_pre_tool_use_legacy_decision(
    project: Path, legacy: str, decision: str, blocked: bool
) -> None:
    outcome = await answer(
        project, HookEvent.PRE_TOOL_USE, {"decision": legacy, "reason": "legacy says so"}
    )
    assert outcome.permission_decision == decision and outcome.blocked is blocked
    assert outcome.permission_reason == "legacy says so"


async def test_hook_specific_output_wins_over_the_legacy_decision(project: Path) -> None:
    outcome = await answer(
        project,
        HookEvent.PRE_TOOL_USE,
        {"decision": "approve", **pre_tool(permissionDecision="deny")},
    )
    assert outcome.permission_decision == "deny" and outcome.blocked


async def test_updated_input_without_a_decision_is_ignored(project: Path) -> None:
    outcome = await answer(project, HookEvent.PRE_TOOL_USE, pre_tool(updatedInput={"a": 1}))
    assert outcome.updated_input is None and outcome.permission_decision is None
    assert len(outcome.warnings) == 1 and "without a permissionDecision" in outcome.warnings[0]


@pytest.mark.parametrize(
    "event", [HookEvent.USER_PROMPT_SUBMIT, HookEvent.SESSION_START, HookEvent.POST_TOOL_USE]
)
async def test_additional_context(project: Path, event: HookEvent) -> None:
    outcome = await answer(
        project,
        event,
        {"hookSpecificOutput": {"hookEventName": event.value, "additionalContext": "note"}},
    )
    assert outcome.additional_context == ["note"] and outcome.warnings == []


async def test_hook_specific_output_for_another_event_is_ignored(project: Path) -> None:
    outcome = await answer(
        project,
        HookEvent.PRE_TOOL_USE,
        {"hookSpecificOutput": {"hookEventName": "PostToolUse", "permissionDecision": "deny"}},
    )
    assert outcome.permission_decision is None and not outcome.blocked
    assert len(outcome.warnings) == 1 and "hookEventName is 'PostToolUse'" in outcome.warnings[0]


@pytest.mark.parametrize(
    ("reply", "field"),
    [
        ({"continue": "no"}, "'continue' must be true or false"),
        ({"systemMessage": 5}, "'systemMessage' must be a string"),
        ({"hookSpecificOutput": "deny"}, "'hookSpecificOutput' must be an object"),
        (
            pre_tool(permissionDecision="allow", updatedInput=[1]),
            "'updatedInput' must be an object",
        ),
        (pre_tool(permissionDecision="sure"), "unknown permission decision 'sure'"),
    ],
)
async def test_wrongly_typed_fields_are_warnings(
    project: Path, reply: dict[str, Any], field: str
) -> None:
    outcome = await answer(project, HookEvent.PRE_TOOL_USE, reply)
    assert len(outcome.warnings) == 1 and field in outcome.warnings[0]
    assert not outcome.stop and not outcome.blocked and outcome.updated_input is None


# -- several hooks -------------------------------------------------------------------------


async def decide(project: Path, *replies: dict[str, Any]) -> EventOutcome:
    commands = [emits(project.parent, reply) for reply in replies]
    return await run(project, HookEvent.PRE_TOOL_USE, *commands, **TOOL)


async def test_deny_beats_ask_beats_allow(project: Path) -> None:
    allow = pre_tool(permissionDecision="allow", updatedInput={"command": "ls -a"})
    ask = pre_tool(permissionDecision="ask", permissionDecisionReason="check")
    deny = pre_tool(permissionDecision="deny", permissionDecisionReason="never")
    denied = await decide(project, allow, ask, deny)
    assert denied.permission_decision == "deny" and denied.blocked
    assert denied.reason_for_model == "never" and denied.updated_input is None
    asked = await decide(project, allow, ask)
    assert asked.permission_decision == "ask" and asked.permission_reason == "check"
    assert asked.updated_input == {"command": "ls -a"}
    assert (await decide(project, allow, {})).permission_decision == "allow"


async def test_an_exit_2_block_beats_an_allow(project: Path) -> None:
    allow = emits(project.parent, pre_tool(permissionDecision="allow"))
    outcome = await run(project, HookEvent.PRE_TOOL_USE, allow, "echo no >&2; exit 2", **TOOL)
    assert outcome.blocked and outcome.permission_decision == "deny"
    assert outcome.reason_for_model == "no"


async def test_the_first_configured_rewrite_wins(project: Path) -> None:
    first = pre_tool(permissionDecision="allow", updatedInput={"command": "ls 1"})
    second = pre_tool(permissionDecision="allow", updatedInput={"command": "ls 2"})
    outcome = await decide(project, first, second)
    assert outcome.updated_input == {"command": "ls 1"}
    assert len(outcome.warnings) == 1 and "rewrote the tool input" in outcome.warnings[0]
    agreeing = await decide(project, first, first)
    assert agreeing.updated_input == {"command": "ls 1"} and agreeing.warnings == []


async def test_contexts_and_messages_accumulate_in_configuration_order(project: Path) -> None:
    replies = [
        {
            "systemMessage": f"m{n}",
            "hookSpecificOutput": {
                "hookEventName": "UserPromptSubmit",
                "additionalContext": f"c{n}",
            },
        }
        for n in (1, 2)
    ]
    commands = [emits(project.parent, reply) for reply in replies]
    # The first hook answers last: order still follows the configuration.
    commands[0] = f"sleep 0.3; {commands[0]}"
    outcome = await run(project, HookEvent.USER_PROMPT_SUBMIT, *commands, "echo plain", prompt="hi")
    assert outcome.additional_context == ["c1", "c2", "plain"]
    assert outcome.system_messages == ["m1", "m2"]
    assert [r.command for r in outcome.outputs] == [*commands, "echo plain"]


async def test_several_blocking_reasons_are_joined(project: Path) -> None:
    outcome = await run(
        project,
        HookEvent.STOP,
        "echo tests fail >&2; exit 2",
        emits(project.parent, {"decision": "block", "reason": "docs missing"}),
    )
    assert outcome.blocked and outcome.reason_for_model == "tests fail\ndocs missing"
