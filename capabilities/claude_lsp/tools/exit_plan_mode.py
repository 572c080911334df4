"""ExitPlanMode: the model hands its plan to the user and asks to start on it.

The tool itself only reports the outcome: the tool runner puts the plan to the user as
a permission question and switches the permission mode when they approve it (see
`agent/plan_approval.py`). The plan comes in the call, or from the session's plan file,
the one file plan mode lets the model write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from claude_lsp.tools.base import Tool, ToolContext, ToolError, ToolKind, ToolResult

DESCRIPTION = """\
Call this in plan mode when your plan for the task is complete and you are ready to \
start changing things. The user sees the plan and either approves it (plan mode ends \
and you carry it out) or asks you to keep planning.

Give the plan in `plan` (Markdown, concise: the steps, the files involved, how you \
will check the result), or write it to the plan file named in the plan-mode reminder \
first and call this without `plan`.

Only use it for tasks that need code changes. When the user only asked you to \
research, explain or answer a question, just answer; do not call this.\
"""

MAX_PLAN_CHARS = 40_000


class ExitPlanModeTool(Tool):
    name = "ExitPlanMode"
    description = DESCRIPTION
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "plan": {
                "type": "string",
                "description": "The plan, in Markdown (optional when it is in the plan file)",
            }
        },
    }
    # It changes nothing itself, but it ends plan mode: never run without the user.
    read_only = False
    kind: ClassVar[ToolKind] = "switch_mode"

    def title(self, tool_input: dict[str, Any]) -> str:
        return "Ready to code?"

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        """Runs once the user approved: the runner has already left plan mode."""
        return ToolResult(
            "The user approved your plan and plan mode is off. Carry out the plan now, "
            "keeping your todo list current as you go."
        )


def plan_text(tool_input: dict[str, Any], plan_file: Path | None) -> str:
    """The plan to show: the call's `plan`, else the plan file's content."""
    plan = tool_input.get("plan")
    if isinstance(plan, str) and plan.strip():
        return plan.strip()[:MAX_PLAN_CHARS]
    if plan_file is not None:
        try:
            written = plan_file.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            written = ""
        if written:
            return written[:MAX_PLAN_CHARS]
    where = f" or write it to {plan_file}" if plan_file is not None else ""
    raise ToolError(f"There is no plan to present: pass it in `plan`{where}, then call again.")
