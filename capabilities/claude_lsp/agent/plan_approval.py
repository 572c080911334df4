"""Leaving plan mode: the plan is put to the user, whose answer picks the next mode.

Claude Code offers the same three answers: start and accept edits without asking,
start and approve each edit, or keep planning.
"""

from __future__ import annotations

from pathlib import Path

from claude_lsp.policy.permissions import PermissionMode
from claude_lsp.policy.questions import PermissionAnswer, PermissionQuestion
from claude_lsp.sessions.transcripts import config_dir

PLAN_CHOICES: tuple[tuple[PermissionAnswer, str], ...] = (
    (PermissionAnswer.ALLOW_ALWAYS, "Yes, and auto-accept edits"),
    (PermissionAnswer.ALLOW_ONCE, "Yes, and approve each edit"),
    (PermissionAnswer.REJECT_ONCE, "No, keep planning"),
)

NOT_IN_PLAN_MODE = "Plan mode is not on, so there is no plan to approve: go ahead with the task."
KEEP_PLANNING = (
    "The user did not approve the plan, so plan mode stays on and nothing may be "
    "changed yet. Ask what they want different, or revise the plan and present it again."
)
NOBODY_TO_ASK = (
    "Nobody can approve a plan in this session, so plan mode stays on. Give the plan "
    "as your final answer instead; the user can run it in another permission mode."
)


def plan_file_of(session_id: str) -> Path:
    """Where a session's plan is written: Claude Code keeps plans under `<config>/plans`."""
    return (config_dir() / "plans").resolve() / f"{session_id}.md"


def plan_question(tool_call_id: str, plan: str) -> PermissionQuestion:
    return PermissionQuestion(
        tool_call_id=tool_call_id,
        tool_name="ExitPlanMode",
        title="Ready to code? Claude's plan",
        kind="switch_mode",
        tool_input={"plan": plan},
        choices=PLAN_CHOICES,
    )


def mode_after(answer: PermissionAnswer) -> PermissionMode | None:
    """The mode an answer switches to; None keeps plan mode."""
    if answer is PermissionAnswer.ALLOW_ALWAYS:
        return PermissionMode.ACCEPT_EDITS
    if answer is PermissionAnswer.ALLOW_ONCE:
        return PermissionMode.DEFAULT
    return None


def plan_mode_reminder(plan_file: Path) -> str:
    """What the model reads with each prompt while plan mode is on."""
    return (
        "<system-reminder>\nPlan mode is on: the user wants a plan before any change. "
        "Explore with read-only tools only; do not edit files, run commands that change "
        "anything, or commit. The one file you may write is the plan file, "
        f"{plan_file}. When the plan is ready, present it with the ExitPlanMode tool "
        "(in its `plan` input, or written to the plan file first) and wait for the "
        "user's approval. If the user only asked a question, just answer it.\n"
        "</system-reminder>"
    )
