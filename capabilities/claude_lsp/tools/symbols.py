"""Symbols: the workspace symbol index, for the model to navigate by name, not by grep.

The same tree-sitter index the editor's workspace/symbol uses answers: where a name is
defined, where it is used, what a file defines, and a fuzzy search. Read deny rules
apply to it as to Grep, both to the file asked about and to every result.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from claude_lsp.tools.base import (
    SearchTool,
    ToolContext,
    ToolError,
    ToolKind,
    ToolResult,
    display_path,
    hidden_note,
)

if TYPE_CHECKING:
    from claude_lsp.index.build import SymbolIndex
    from claude_lsp.index.model import Definition, Span

MAX_RESULTS = 200

DESCRIPTION = """\
Look up code by name in the workspace's symbol index (classes, functions, methods, \
fields, constants, types, ... in Python, JavaScript, TypeScript, Go, Rust, Java, C, \
C++, Ruby and shell). Prefer it to Grep when you look for a definition or its uses.

- operation "definitions": where `name` is defined. A dotted name ("Parser.parse") \
also matches the enclosing class or module.
- operation "references": where `name` is used (calls, type uses) and defined.
- operation "outline": every definition in `file_path`, nested.
- operation "search": definitions whose names fuzzily match `query` ("getUsr" finds \
get_user and getUser), best first.

Lines and columns in the answer are 1-based. The index follows unsaved editor changes; \
names it cannot see (built-ins, installed packages) are not in it.\
"""

Operation = Literal["definitions", "references", "outline", "search"]


class SymbolsTool(SearchTool):
    name = "Symbols"
    description = DESCRIPTION
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["operation"],
        "properties": {
            "operation": {"enum": ["definitions", "references", "outline", "search"]},
            "name": {"type": "string", "minLength": 1, "description": "definitions, references"},
            "file_path": {"type": "string", "minLength": 1, "description": "outline"},
            "query": {"type": "string", "minLength": 1, "description": "search"},
        },
    }
    read_only = True
    kind: ClassVar[ToolKind] = "search"
    target_field = "file_path"

    def title(self, tool_input: dict[str, Any]) -> str:
        subject = tool_input.get("name") or tool_input.get("query") or tool_input.get("file_path")
        return f"Symbols {tool_input.get('operation', '')} {subject or ''}".rstrip()

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        operation: Operation = tool_input["operation"]
        needed = {"definitions": "name", "references": "name", "outline": "file_path"}
        field = needed.get(operation, "query")
        if not isinstance(tool_input.get(field), str):
            raise ToolError(f'operation "{operation}" needs `{field}`')
        index = await ctx.symbol_index()
        if index is None:
            raise ToolError("There is no symbol index for this workspace; use Grep instead.")
        hidden = ctx.hidden_paths(self.name)
        if operation == "outline":
            return _outline(index, ctx.resolve(tool_input["file_path"]), ctx, hidden)
        if operation == "references":
            name = tool_input["name"]
            named = await index.references_named(_last(name))
            uses = [(path, ref.span, "use") for path, ref in named]
            found = [*_definition_rows(index, name), *uses]
        elif operation == "definitions":
            found = _definition_rows(index, tool_input["name"])
        else:
            found = [
                (hit.path, hit.definition.selection, _describe(hit.definition))
                for hit in index.search(tool_input["query"], MAX_RESULTS)
            ]
        return _listing(found, ctx, hidden, subject=tool_input.get("name") or tool_input["query"])


def _last(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _definition_rows(index: SymbolIndex, name: str) -> list[tuple[Path, Span, str]]:
    """Definitions of `name`; "A.b" keeps those of b whose container ends with A."""
    container, _, short = name.rpartition(".")
    return [
        (hit.path, hit.definition.selection, _describe(hit.definition))
        for hit in index.definitions_named(short)
        if not container
        or (hit.definition.container or "") == container
        or (hit.definition.container or "").endswith(f".{container}")
    ]


def _describe(definition: Definition) -> str:
    qualified = f"{definition.container}.{definition.name}" if definition.container else None
    return f"{definition.kind} {qualified or definition.name}"


def _listing(
    found: Iterable[tuple[Path, Span, str]],
    ctx: ToolContext,
    hidden: Any,
    *,
    subject: str,
) -> ToolResult:
    lines, withheld = [], 0
    for path, span, what in found:
        if hidden is not None and hidden(path):
            withheld += 1
            continue
        place = f"{display_path(path, ctx.cwd)}:{span.start_line + 1}:{span.start_column + 1}"
        lines.append(f"{place}  {what}")
    total = len(lines)
    if not lines:
        lines = [f"No symbols found for {subject!r}."]
    elif total > MAX_RESULTS:
        lines = [*lines[:MAX_RESULTS], f"... and {total - MAX_RESULTS} more"]
    if withheld:
        lines.append(hidden_note(withheld))
    return ToolResult("\n".join(lines))


def _outline(index: SymbolIndex, path: Path, ctx: ToolContext, hidden: Any) -> ToolResult:
    if hidden is not None and hidden(path):
        raise ToolError(f"{display_path(path, ctx.cwd)} is hidden by permission rules.")
    definitions = index.file_definitions(path)
    if definitions is None:
        raise ToolError(
            f"{display_path(path, ctx.cwd)} is not in the symbol index (not a source file of a "
            "known language, ignored, too big, or missing)."
        )
    if not definitions:
        return ToolResult(f"{display_path(path, ctx.cwd)} defines no symbols.")
    lines = []
    for definition in definitions:
        depth = definition.container.count(".") + 1 if definition.container else 0
        line = definition.selection.start_line + 1
        lines.append(f"{'  ' * depth}{definition.kind} {definition.name}  (line {line})")
    return ToolResult("\n".join(lines))
