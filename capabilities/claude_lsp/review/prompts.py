"""The prompts of Claude's one-shot editor tasks: fix, explain, refactor, test, document,
review a file or the uncommitted diff.

Each prompt is self-contained: it names the file (relative to the working directory),
quotes the code with line numbers as the Read tool shows them, and says what to do and
what to leave alone, so one model turn in a fresh session can carry it out. The first
line is a short title: the editor shows it as the progress message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from claude_lsp.git.diff import WorkingTreeDiff, working_tree_diff
from claude_lsp.review.findings import FINDINGS_FORMAT
from claude_lsp.review.unified import diff_lines
from claude_lsp.tools.base import display_path
from claude_lsp.tools.text_files import number_lines

TaskKind = Literal["fix", "explain", "refactor", "tests", "document"]

CONTEXT_LINES = 12
MAX_EXCERPT_LINES = 400
MAX_SELECTION_CHARS = 20_000
MAX_REVIEWED_CHARS = 100_000
_BACKTICKS = re.compile(r"`{3,}")


@dataclass(frozen=True)
class CodeRegion:
    """Where in a document a task applies: 0-based lines, columns in code points."""

    path: Path
    text: str  # the whole document, as the editor has it
    start_line: int
    start_column: int
    end_line: int
    end_column: int
    language: str = ""  # the editor's language id ("python", "typescriptreact")

    @property
    def selected(self) -> str:
        """The selected text; "" for a cursor."""
        lines = diff_lines(self.text)
        if self.start_line >= len(lines):
            return ""
        if self.start_line == self.end_line:
            return lines[self.start_line][self.start_column : self.end_column]
        parts = [lines[self.start_line][self.start_column :]]
        parts += lines[self.start_line + 1 : self.end_line]
        if self.end_line < len(lines):
            parts.append(lines[self.end_line][: self.end_column])
        return "".join(parts)

    @property
    def last_line(self) -> int:
        """The last line the region really covers (a selection ending at column 0 of a
        line does not reach into it)."""
        if self.end_column == 0 and self.end_line > self.start_line:
            return self.end_line - 1
        return self.end_line


@dataclass(frozen=True)
class Problem:
    """A diagnostic to fix: 0-based lines, as the editor reported it."""

    message: str
    start_line: int
    end_line: int
    severity: str = ""
    source: str = ""
    code: str = ""
    suggestion: str = ""  # a reviewer's advice on the fix


def fenced(text: str, info: str = "") -> str:
    """`text` in a Markdown fence longer than any backtick run inside it."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=2)
    fence = "`" * max(3, longest + 1)
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"{fence}{info}\n{body}{fence}"


def lines_label(first: int, last: int) -> str:
    """`line 3` or `lines 3-7`, from 0-based lines."""
    return f"line {first + 1}" if first == last else f"lines {first + 1}-{last + 1}"


def excerpt(region: CodeRegion, first: int, last: int) -> str:
    """Lines `first`..`last` (0-based) with CONTEXT_LINES around, numbered as Read does."""
    lines = [line.rstrip("\r\n") for line in diff_lines(region.text)]
    start = max(0, first - CONTEXT_LINES)
    end = min(len(lines), last + 1 + CONTEXT_LINES, start + MAX_EXCERPT_LINES)
    return fenced(number_lines(lines[start:end], start + 1), region.language)


def task_prompt(
    kind: TaskKind, region: CodeRegion, root: Path, problem: Problem | None = None
) -> str:
    """The prompt for a code action's task on `region` (a `problem` for *fix this*)."""
    name = display_path(region.path, root)
    selected = region.selected
    span = lines_label(region.start_line, region.last_line)
    if selected.strip():
        where = f"the selected code in {name} ({span})"
    else:
        where = f"the code at line {region.start_line + 1} of {name}"
    if kind == "fix":
        assert problem is not None, "fix needs the problem"
        return _fix_prompt(region, name, problem)
    title, instructions = _TASKS[kind]
    parts = [f"{title} {where}.", "", excerpt(region, region.start_line, region.last_line)]
    if selected.strip():
        shown = selected[:MAX_SELECTION_CHARS]
        parts += ["", "The selection exactly:", fenced(shown, region.language)]
    parts += ["", instructions]
    return "\n".join(parts)


_TASKS: dict[TaskKind, tuple[str, str]] = {
    "explain": (
        "Explain",
        "Say what it does, how, and why it is written this way, including anything "
        "surprising: side effects, edge cases, assumptions about its callers. Read more "
        "of the code base where that helps you explain it. Do not change any files. "
        "Answer in Markdown: a summary of two or three sentences first, then details "
        "only where they help.",
    ),
    "refactor": (
        "Refactor",
        "Make it clearer and simpler without changing what it does: better names, less "
        "nesting, no duplication, smaller functions where that helps. Keep the change "
        "within the selection unless callers must change with it, and follow the "
        "style of the surrounding code. Read the file first, then make the change with "
        "the Edit tool. End by saying in one or two sentences what you changed.",
    ),
    "tests": (
        "Write tests for",
        "First find out how this project tests: look at its existing tests for the "
        "framework, layout and naming, and follow them. Cover the normal cases, the "
        "edge cases and the errors. Put the tests where the project keeps tests for "
        "this file, creating that file if there is none. Run them if you can; when one "
        "fails because the code is wrong, keep the test and say so rather than "
        "changing the code. End by saying in one or two sentences what you added.",
    ),
    "document": (
        "Document",
        "Add or improve its documentation (docstrings or doc comments in the usual "
        "style of the language and of this file): what it is for, why, and its "
        "parameters, return value and errors where that helps a reader. Do not change "
        "the code itself. Read the file first, then edit it with the Edit tool. End by "
        "saying in one sentence what you documented.",
    ),
}


def _fix_prompt(region: CodeRegion, name: str, problem: Problem) -> str:
    origin = " ".join(part for part in (problem.severity, problem.source, problem.code) if part)
    span = lines_label(problem.start_line, problem.end_line)
    parts = [
        f"Fix the problem reported at {name}:{problem.start_line + 1}.",
        "",
        f"The problem ({origin}, {span}):" if origin else f"The problem ({span}):",
        fenced(problem.message),
    ]
    if problem.suggestion:
        parts += ["The reviewer suggested:", fenced(problem.suggestion)]
    parts += [
        "",
        "The code around it:",
        excerpt(region, problem.start_line, problem.end_line),
        "",
        "Read the file, then fix the cause of the problem with the smallest change that "
        "does it, using the Edit tool. Do not change unrelated code. Change other files "
        "only if the fix needs it. End by saying in one sentence what you changed.",
    ]
    return "\n".join(parts)


def file_review_prompt(path: Path, text: str, root: Path, language: str = "") -> str:
    """The prompt reviewing one file, whose current text (`text`) it quotes."""
    name = display_path(path, root)
    lines = [line.rstrip("\r\n") for line in diff_lines(text)]
    if len(text) <= MAX_REVIEWED_CHARS:
        quoted = f"Its current text:\n{fenced(number_lines(lines, 1), language)}"
    else:
        quoted = f"It has {len(lines)} lines: read it with the Read tool, in parts."
    return "\n".join(
        [
            f"Review {name}.",
            "",
            quoted,
            "",
            "Review it as a careful senior engineer would. Look for bugs, unhandled "
            "errors and edge cases, security problems, race conditions, misleading names "
            "or comments, and code that is more complicated than it needs to be. Read "
            "other files (callers, definitions, tests) where you need them to judge, but "
            "report only findings in this file. Skip style nits a formatter would catch. "
            "Do not change any files.",
            "",
            FINDINGS_FORMAT,
        ]
    )


def diff_review_prompt(changes: WorkingTreeDiff) -> str:
    """The prompt reviewing the uncommitted changes `changes` holds."""
    return "\n".join(
        [
            "Review the uncommitted changes.",
            "",
            f"The working tree against HEAD (staged or not, new files included; paths "
            f"relative to {changes.root}):",
            fenced(changes.text(), "diff"),
            "",
            "Review them as a careful senior engineer would. Read enough of the "
            "surrounding code to judge each change. Look for bugs and regressions, "
            "unhandled errors and edge cases, security problems, missing tests for "
            "changed behaviour, and code that is unclear or more complicated than it "
            "needs to be. Skip style nits a formatter would catch. Report findings only in "
            "the changed files, at their lines in the files as they are now. Do not "
            "change any files.",
            "",
            FINDINGS_FORMAT,
        ]
    )


def review_diff_section(cwd: Path) -> str:
    """The uncommitted diff as an addition to /review's prompt ("" outside a repository).

    Blocking (it reads the work tree): call it from a worker thread.
    """
    changes = working_tree_diff(cwd)
    if changes is None:
        return ""
    if changes.empty:
        return "\n\nThe working tree has no uncommitted changes: `git diff HEAD` is empty."
    return (
        "\n\nThe uncommitted changes (the working tree against HEAD, staged or not, new "
        f"files included; paths relative to {changes.root}):\n\n" + fenced(changes.text(), "diff")
    )


def chat_context(region: CodeRegion, root: Path) -> str:
    """A selection as a quote for a chat: where it is from, then the code."""
    name = display_path(region.path, root)
    span = lines_label(region.start_line, region.last_line)
    quote = fenced(region.selected[:MAX_SELECTION_CHARS], region.language)
    return f"From {name} ({span}):\n\n{quote}\n"
