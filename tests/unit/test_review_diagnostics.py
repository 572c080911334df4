"""Review findings under the user's edits (lsp/review.py's `after_edit`)."""

from __future__ import annotations

import pytest
from lsprotocol import types

from claude_lsp.lsp.review import after_edit


def lines(first: int, last: int, end_character: int = 10) -> types.Range:
    return types.Range(
        start=types.Position(line=first, character=0),
        end=types.Position(line=last, character=end_character),
    )


def finding(first: int, last: int) -> types.Diagnostic:
    return types.Diagnostic(range=lines(first, last), message=f"{first}-{last}", source="claude")


FINDINGS = [finding(2, 2), finding(5, 7), finding(10, 10)]


@pytest.mark.parametrize(
    ("edited", "text", "left"),
    [
        (lines(0, 0, 3), "abc", [(2, 2), (5, 7), (10, 10)]),  # above, no new line
        (lines(0, 0, 0), "# new\n# lines\n", [(4, 4), (7, 9), (12, 12)]),  # two lines above
        (lines(3, 4, 0), "", [(2, 2), (4, 6), (9, 9)]),  # one line removed between
        (lines(6, 6, 2), "x", [(2, 2), (10, 10)]),  # inside the second finding
        (lines(7, 8, 0), "", [(2, 2), (9, 9)]),  # touches its last line
        (lines(11, 11, 0), "\n\n", [(2, 2), (5, 7), (10, 10)]),  # below everything
        (lines(1, 12, 0), "all new", []),
    ],
)
def test_findings_on_edited_lines_go_and_those_below_move(
    edited: types.Range, text: str, left: list[tuple[int, int]]
) -> None:
    after = after_edit(FINDINGS, edited, text)
    assert [(d.range.start.line, d.range.end.line) for d in after] == left
    # what is kept keeps its message and columns
    for diagnostic in after:
        assert diagnostic.range.end.character == 10 and diagnostic.source == "claude"
