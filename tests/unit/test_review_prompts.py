"""The one-shot tasks' prompts (review/prompts.py), unified diff previews
(review/unified.py) and /review's diff."""

from __future__ import annotations

from pathlib import Path

import pygit2
import pytest

from claude_lsp.agent.events import SessionEvent
from claude_lsp.agent.slash_commands import CommandPrompt, run_command
from claude_lsp.commands.builtin import SlashCall
from claude_lsp.git.diff import working_tree_diff
from claude_lsp.review.findings import FINDINGS_FORMAT
from claude_lsp.review.prompts import (
    CodeRegion,
    Problem,
    chat_context,
    diff_review_prompt,
    fenced,
    file_review_prompt,
    review_diff_section,
    task_prompt,
)
from claude_lsp.review.unified import describe, parse_preview, unified_diff
from tests.fakeapi import FakeAnthropic
from tests.unit.test_session import close_sessions, make_session

__all__ = ["close_sessions"]  # the fixture that closes the sessions these tests open

ROOT = Path("/work/project")
CODE = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n"
WHO = pygit2.Signature("Dev", "dev@example.com")


def region(start: tuple[int, int], end: tuple[int, int], text: str = CODE) -> CodeRegion:
    return CodeRegion(ROOT / "src" / "calc.py", text, *start, *end, language="python")


def test_the_region_reads_its_selection_in_code_points() -> None:
    text = "é = 'ünïcode'\nx = 1\n"
    assert region((0, 5), (0, 12), text).selected == "ünïcode"
    assert region((0, 4), (1, 1), text).selected == "'ünïcode'\nx"
    assert region((1, 0), (1, 0), text).selected == ""
    assert region((0, 0), (2, 0), text).last_line == 1  # ends where line 3 starts
    assert region((0, 0), (1, 2), text).last_line == 1


def test_explain_quotes_the_selection_with_numbered_context() -> None:
    prompt = task_prompt("explain", region((1, 4), (1, 16)), ROOT)
    lines = prompt.splitlines()

    assert lines[0] == "Explain the selected code in src/calc.py (line 2)."
    assert "```python\n     1\tdef add(a, b):\n     2\t    return a - b\n" in prompt
    assert "The selection exactly:\n```python\nreturn a - b\n```" in prompt
    assert "Do not change any files." in prompt


@pytest.mark.parametrize(
    ("kind", "first"),
    [
        ("refactor", "Refactor the code at line 5 of src/calc.py."),
        ("tests", "Write tests for the code at line 5 of src/calc.py."),
        ("document", "Document the code at line 5 of src/calc.py."),
    ],
)
def test_tasks_at_a_cursor_name_the_line(kind: str, first: str) -> None:
    prompt = task_prompt(kind, region((4, 2), (4, 2)), ROOT)  # type: ignore[arg-type]
    assert prompt.splitlines()[0] == first
    assert "The selection exactly" not in prompt
    assert "     5\tdef sub(a, b):" in prompt


def test_fix_names_the_problem_its_origin_and_the_suggestion() -> None:
    problem = Problem(
        message="add subtracts",
        start_line=1,
        end_line=1,
        severity="error",
        source="claude",
        code="review",
        suggestion="return a + b",
    )
    prompt = task_prompt("fix", region((1, 0), (1, 16)), ROOT, problem)

    assert prompt.splitlines()[0] == "Fix the problem reported at src/calc.py:2."
    assert "The problem (error claude review, line 2):\n```\nadd subtracts\n```" in prompt
    assert "The reviewer suggested:\n```\nreturn a + b\n```" in prompt
    assert "     6\t    return a - b" in prompt  # the context reaches the end of the file
    assert "smallest change" in prompt


def test_fences_outgrow_backticks_in_the_quoted_text() -> None:
    assert fenced("a ``` b", "md") == "````md\na ``` b\n````"
    assert fenced("plain\n") == "```\nplain\n```"


def test_file_review_quotes_the_current_text_or_asks_to_read_a_long_file() -> None:
    prompt = file_review_prompt(ROOT / "src/calc.py", CODE, ROOT, "python")
    long = file_review_prompt(ROOT / "big.py", "x = 1\n" * 30_000, ROOT)

    assert prompt.startswith("Review src/calc.py.\n\nIts current text:\n```python\n     1\tdef add")
    assert prompt.endswith(FINDINGS_FORMAT)
    assert "Do not change any files." in prompt
    assert "It has 30000 lines: read it with the Read tool, in parts." in long


def test_chat_context_says_where_the_quote_is_from() -> None:
    quote = chat_context(region((0, 0), (2, 0)), ROOT)
    assert quote == (
        "From src/calc.py (lines 1-2):\n\n```python\ndef add(a, b):\n    return a - b\n```\n"
    )


def test_unified_diff_is_gits_layout_and_parses_back() -> None:
    diff = unified_diff("a\nb\nc\n", "a\nB\nc", "pkg/x.py")

    assert diff == (
        "diff --git a/pkg/x.py b/pkg/x.py\n--- a/pkg/x.py\n+++ b/pkg/x.py\n"
        "@@ -1,3 +1,3 @@\n a\n-b\n-c\n+B\n+c\n\\ No newline at end of file\n"
    )
    (change,) = parse_preview(diff)
    assert (change.path, change.added, change.removed, change.hunks) == ("pkg/x.py", 2, 2, 1)
    assert describe([change]) == "pkg/x.py (+2 -2)"


def test_unified_diff_of_new_files_crlf_and_no_change() -> None:
    created = unified_diff("", "one\r\ntwo\r\n", "n.txt", new_file=True)
    empty = unified_diff("", "", "e.txt", new_file=True)

    assert created.splitlines(keepends=True)[1:] == [
        "new file mode 100644\n",
        "--- /dev/null\n",
        "+++ b/n.txt\n",
        "@@ -0,0 +1,2 @@\n",
        "+one\r\n",
        "+two\r\n",
    ]
    assert [c.added for c in parse_preview(created)] == [2]
    assert empty == "diff --git a/e.txt b/e.txt\nnew file mode 100644\n"
    assert unified_diff("same\n", "same\n", "s.py") == ""
    with pytest.raises(ValueError, match="not a valid unified diff"):
        parse_preview("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n")


def make_repo(root: Path) -> pygit2.Repository:
    repo = pygit2.init_repository(str(root), initial_head="main")
    (root / "calc.py").write_text(CODE)
    repo.index.add("calc.py")
    repo.index.write()
    repo.create_commit("HEAD", WHO, WHO, "first", repo.index.write_tree(), [])
    return repo


def test_diff_review_and_the_review_section(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_repo(root)
    clean = review_diff_section(root)
    (root / "calc.py").write_text(CODE.replace("a - b", "a + b", 1))
    changes = working_tree_diff(root)
    assert changes is not None
    prompt = diff_review_prompt(changes)
    section = review_diff_section(root)
    plain = tmp_path / "plain"
    plain.mkdir()

    assert clean.endswith("The working tree has no uncommitted changes: `git diff HEAD` is empty.")
    assert prompt.startswith("Review the uncommitted changes.\n")
    assert "```diff\ndiff --git a/calc.py b/calc.py\n" in prompt
    assert prompt.endswith(FINDINGS_FORMAT)
    assert "-    return a - b\n+    return a + b\n" in section
    assert review_diff_section(plain) == ""


async def test_slash_review_without_arguments_carries_the_diff(
    fake_api: FakeAnthropic, tmp_path: Path
) -> None:
    root = tmp_path / "repo"
    make_repo(root)
    (root / "calc.py").write_text(CODE.replace("a - b", "a * b", 1))
    events: list[SessionEvent] = []
    session = make_session(fake_api, root, events)

    bare = await run_command(session, SlashCall("review", ""))
    with_pr = await run_command(session, SlashCall("review", "123"))

    assert isinstance(bare, CommandPrompt) and isinstance(with_pr, CommandPrompt)
    assert "+    return a * b" in bare.content[1]["text"]
    assert with_pr.content[1]["text"].endswith("Arguments: 123")
    assert fake_api.requests == []
