"""Reading review findings out of a model's answer (review/findings.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_lsp.review.findings import FINDINGS_FORMAT, Finding, read_findings


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    for name in ("src/app.py", "src/util.py", "other.py"):
        (tmp_path / name).write_text("x = 1\n")
    return tmp_path


def reviewed(root: Path) -> list[Path]:
    return [root / "src/app.py", root / "src/util.py"]


def test_the_block_the_prompt_asks_for(root: Path) -> None:
    answer = (
        "Two problems.\n\n```json\n"
        '{"findings": [{"file": "src/app.py", "line": 12, "endLine": 14, "severity": "error", '
        '"message": "Divides by zero.", "suggestion": "Check n first."}, '
        '{"file": "src/util.py", "line": 3, "severity": "hint", "message": "Unused import."}]}\n'
        "```\n"
    )
    read = read_findings(answer, root, reviewed(root))

    assert read.found_block and read.dropped == 0
    assert read.findings == (
        Finding(root / "src/app.py", 12, 14, "error", "Divides by zero.", "Check n first."),
        Finding(root / "src/util.py", 3, 3, "hint", "Unused import."),
    )


def test_the_example_in_the_prompt_is_itself_readable(root: Path) -> None:
    read = read_findings(FINDINGS_FORMAT, root, reviewed(root))
    assert read.found_block
    assert [(f.path, f.line, f.end_line, f.severity) for f in read.findings] == [
        (root / "src/app.py", 12, 14, "warning")
    ]


def test_the_last_block_with_findings_wins_and_other_json_is_ignored(root: Path) -> None:
    answer = (
        "Draft:\n```json\n"
        '{"findings": [{"file": "src/app.py", "line": 1, "message": "old"}]}\n```\n'
        'Config seen:\n```json\n{"debug": true}\n```\n'
        'Final:\n```\n{"findings": [{"file": "src/app.py", "line": 2, "message": "new"}]}\n```\n'
        "```python\nprint('not json')\n```\n"
    )
    (finding,) = read_findings(answer, root, reviewed(root)).findings
    assert finding.message == "new"


@pytest.mark.parametrize(
    "answer",
    [
        # a bare list in a fence, trailing commas
        '```json\n[{"file": "src/app.py", "line": 5, "message": "m",},]\n```',
        # no fence at all
        'Findings: {"findings": [{"file": "src/app.py", "line": 5, "message": "m"}]} done.',
        # synonyms: path, start_line as a string, description, level
        '```json\n{"findings": [{"path": "src/app.py", "start_line": "5", '
        '"description": "m", "level": "warning"}]}\n```',
        # the line in the path, a longer fence
        '````json\n{"findings": [{"file": "src/app.py:5", "message": "m"}]}\n````',
    ],
)
def test_forgiving_where_it_is_safe(answer: str, root: Path) -> None:
    (finding,) = read_findings(answer, root, reviewed(root)).findings
    assert (finding.path, finding.line, finding.message) == (root / "src/app.py", 5, "m")


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ("critical", "error"),
        ("HIGH", "error"),
        ("Medium", "warning"),
        ("info", "information"),
        ("minor", "information"),
        ("nit", "hint"),
        ("whatever", "warning"),
        (None, "warning"),
    ],
)
def test_severities(severity: str | None, expected: str, root: Path) -> None:
    item = '{"file": "src/app.py", "line": 1, "message": "m"'
    item += f', "severity": "{severity}"' + "}" if severity else "}"
    (finding,) = read_findings(f'{{"findings": [{item}]}}', root, reviewed(root)).findings
    assert finding.severity == expected


def test_findings_outside_the_review_or_malformed_are_dropped(root: Path) -> None:
    answer = (
        "```json\n"
        '{"findings": ['
        '{"file": "other.py", "line": 1, "message": "not under review"},'
        f'{{"file": "{root / "src/util.py"}", "line": 2, "message": "absolute path, kept"}},'
        '{"file": "src/../src/app.py", "line": 3, "message": "normalised, kept"},'
        '{"file": "src/app.py", "line": 0, "message": "no such line"},'
        '{"file": "src/app.py", "line": 4},'
        '{"line": 4, "message": "no file"},'
        '{"file": "src/app.py", "line": true, "message": "a bool is no line"},'
        '{"file": "src/app.py", "line": 9, "endLine": 2, "message": "end before start"}'
        "]}\n```"
    )
    read = read_findings(answer, root, reviewed(root))

    assert [(f.line, f.end_line, f.message) for f in read.findings] == [
        (2, 2, "absolute path, kept"),
        (3, 3, "normalised, kept"),
        (9, 9, "end before start"),
    ]
    assert read.dropped == 5


def test_no_block_is_told_apart_from_no_findings(root: Path) -> None:
    none = read_findings("Looks good to me.", root, reviewed(root))
    empty = read_findings('All fine.\n```json\n{"findings": []}\n```', root, reviewed(root))

    assert not none.found_block and none.findings == ()
    assert empty.found_block and empty.findings == () and empty.dropped == 0
