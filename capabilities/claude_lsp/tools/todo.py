"""TodoWrite: the model's task list for the current piece of work.

Each call replaces the whole list, as in Claude Code. Editors show it as the session's
plan (an ACP `plan` update), so the result carries the list as well as a short reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from claude_lsp.tools.base import Tool, ToolContext, ToolKind, ToolResult

TodoStatus = Literal["pending", "in_progress", "completed"]

DESCRIPTION = """\
Keep a structured task list for the current work, so you and the user can track \
progress. Each call replaces the whole list.

Use it for work with three or more distinct steps, when the user gives several tasks \
at once, or asks for a task list. Skip it for a single small or purely conversational \
request.

Each item has `content` (imperative: "Run the tests"), `activeForm` (what is shown \
while it runs: "Running the tests") and `status`: pending, in_progress or completed. \
Keep exactly one item in_progress while you work; mark an item completed as soon as it \
is fully done (not while tests fail or work is partial), and add new items as you \
discover them. Remove items that no longer apply.\
"""


@dataclass(frozen=True)
class Todo:
    content: str
    status: TodoStatus
    active_form: str

    def as_json(self) -> dict[str, str]:
        return {"content": self.content, "status": self.status, "activeForm": self.active_form}


class TodoWriteTool(Tool):
    name = "TodoWrite"
    description = DESCRIPTION
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["todos"],
        "properties": {
            "todos": {
                "type": "array",
                "description": "The complete, updated task list",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["content", "status", "activeForm"],
                    "properties": {
                        "content": {"type": "string", "minLength": 1},
                        "status": {"enum": ["pending", "in_progress", "completed"]},
                        "activeForm": {"type": "string", "minLength": 1},
                    },
                },
            }
        },
    }
    # It changes no file and runs nothing, so it needs no permission, even in plan mode.
    read_only = True
    kind: ClassVar[ToolKind] = "think"

    def title(self, tool_input: dict[str, Any]) -> str:
        return "Update todos"

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        todos = [
            Todo(item["content"], item["status"], item["activeForm"])
            for item in tool_input["todos"]
        ]
        reply = (
            "The todo list is updated. Keep working through it and keep it current: "
            "mark items completed as soon as they are done."
        )
        return ToolResult(reply, todos=[todo.as_json() for todo in todos])
