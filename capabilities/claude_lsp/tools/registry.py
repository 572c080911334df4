"""The built-in tool set, in the order the model sees it."""

from __future__ import annotations

from claude_lsp.tools.base import Tool
from claude_lsp.tools.bash import BashOutputTool, BashTool, KillShellTool
from claude_lsp.tools.edit import EditTool
from claude_lsp.tools.exit_plan_mode import ExitPlanModeTool
from claude_lsp.tools.git import GitTool
from claude_lsp.tools.github import GitHubTool
from claude_lsp.tools.glob import GlobTool
from claude_lsp.tools.grep import GrepTool
from claude_lsp.tools.ls import LSTool
from claude_lsp.tools.notebook_edit import NotebookEditTool
from claude_lsp.tools.read import ReadTool
from claude_lsp.tools.symbols import SymbolsTool
from claude_lsp.tools.todo import TodoWriteTool
from claude_lsp.tools.web_fetch import WebFetchTool
from claude_lsp.tools.web_search import WebSearchTool
from claude_lsp.tools.write import WriteTool


def builtin_tools() -> list[Tool]:
    return [
        BashTool(),
        BashOutputTool(),
        KillShellTool(),
        GlobTool(),
        GrepTool(),
        LSTool(),
        SymbolsTool(),
        GitTool(),
        GitHubTool(),
        WebFetchTool(),
        WebSearchTool(),
        ReadTool(),
        EditTool(),
        WriteTool(),
        NotebookEditTool(),
        TodoWriteTool(),
        ExitPlanModeTool(),
    ]
