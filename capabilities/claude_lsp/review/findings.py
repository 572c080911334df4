"""Review findings read out of the model's answer.

The review prompt asks for one fenced JSON block (`FINDINGS_FORMAT`). Models do not
always comply to the letter, so the reading is forgiving where that is safe: the last
block that parses wins, a bare `{"findings": ...}` object or list is accepted, trailing
commas are tolerated, and common synonyms of keys and severities are understood. What
is not safe is dropped: findings without a file, line or message, and findings about
files that were not under review.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Severity = Literal["error", "warning", "information", "hint"]

FINDINGS_FORMAT = """\
End your answer with your findings as one fenced JSON block, exactly this shape:

```json
{"findings": [{"file": "src/app.py", "line": 12, "endLine": 14, "severity": "warning", \
"message": "What is wrong and why it matters.", "suggestion": "How to fix it."}]}
```

`file` is relative to the working directory; `line` and `endLine` are 1-based line \
numbers in the file as it is now (`endLine` may be left out for one line); \
`severity` is one of "error" (a bug or security problem), "warning" (likely a \
problem), "information" (worth knowing) or "hint" (a small improvement). Report only \
findings in the files under review. Write `{"findings": []}` when there is nothing \
worth reporting.\
"""

_SEVERITIES: dict[str, Severity] = {
    "error": "error",
    "critical": "error",
    "blocker": "error",
    "high": "error",
    "bug": "error",
    "security": "error",
    "warning": "warning",
    "warn": "warning",
    "medium": "warning",
    "major": "warning",
    "information": "information",
    "info": "information",
    "low": "information",
    "minor": "information",
    "note": "information",
    "hint": "hint",
    "nit": "hint",
    "style": "hint",
    "suggestion": "hint",
}
_FENCE = re.compile(r"^(`{3,}|~{3,})[ \t]*([\w+-]*)[^\n]*\n(.*?)^\1[ \t]*$", re.M | re.S)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_JSON_START = re.compile(r"[{\[]")
_PATH_AND_LINE = re.compile(r"^(.+?):(\d+)(?:[-:]\d+)?$")
MAX_FINDINGS = 200


@dataclass(frozen=True)
class Finding:
    """One problem the reviewer reported: lines are 1-based and inclusive."""

    path: Path  # absolute
    line: int
    end_line: int
    severity: Severity
    message: str
    suggestion: str = ""


@dataclass(frozen=True)
class ReadFindings:
    """The findings kept, how many were dropped, and whether any block was found."""

    findings: tuple[Finding, ...]
    dropped: int
    found_block: bool


def read_findings(text: str, root: Path, reviewed: Iterable[Path]) -> ReadFindings:
    """The findings of the last valid findings block in `text`.

    Relative paths are taken from `root`; findings on files not in `reviewed` are
    dropped, as are malformed entries.
    """
    allowed = {_normal(path) for path in reviewed}
    items = _last_findings_list(text)
    if items is None:
        return ReadFindings((), 0, found_block=False)
    kept: list[Finding] = []
    dropped = 0
    for item in items:
        finding = _finding(item, root)
        if finding is None or _normal(finding.path) not in allowed or len(kept) >= MAX_FINDINGS:
            dropped += 1
            continue
        kept.append(finding)
    return ReadFindings(tuple(kept), dropped, found_block=True)


def _normal(path: Path) -> Path:
    return path.resolve()


def _last_findings_list(text: str) -> list[Any] | None:
    """The findings list of the last block that has one: fenced first, else bare JSON."""
    fenced = [match.group(3) for match in _FENCE.finditer(text)]
    for body in reversed(fenced):
        items = _findings_list(_loads(body))
        if items is not None:
            return items
    for value in reversed(list(_bare_json(text))):
        items = _findings_list(value)
        if items is not None:
            return items
    return None


def _loads(body: str) -> Any:
    for candidate in (body, _TRAILING_COMMA.sub(r"\1", body)):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def _bare_json(text: str) -> Iterator[Any]:
    """Every JSON object or list in `text` that is not inside another, left to right."""
    decoder = json.JSONDecoder()
    position = 0
    while (match := _JSON_START.search(text, position)) is not None:
        try:
            value, end = decoder.raw_decode(text, match.start())
        except ValueError:
            position = match.start() + 1
            continue
        yield value
        position = end


def _findings_list(value: Any) -> list[Any] | None:
    if isinstance(value, dict):
        value = value.get("findings")
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return value
    return None


def _finding(item: dict[str, Any], root: Path) -> Finding | None:
    file = _first(item, "file", "path", "filename", "file_path")
    line = _line(_first(item, "line", "startLine", "start_line", "lineNumber", "line_number"))
    message = _first(item, "message", "description", "title", "issue")
    if isinstance(file, str) and line is None and (split := _PATH_AND_LINE.match(file)):
        file, line = split.group(1), int(split.group(2)) or None  # "src/app.py:12"
    if not isinstance(file, str) or not file.strip() or line is None:
        return None
    if not isinstance(message, str) or not message.strip():
        return None
    end_line = _line(_first(item, "endLine", "end_line")) or line
    severity = _first(item, "severity", "level", "priority")
    suggestion = _first(item, "suggestion", "fix", "recommendation")
    path = Path(file.strip())
    return Finding(
        path=path if path.is_absolute() else root / path,
        line=line,
        end_line=max(line, end_line),
        severity=_SEVERITIES.get(str(severity).strip().lower(), "warning"),
        message=message.strip(),
        suggestion=suggestion.strip() if isinstance(suggestion, str) else "",
    )


def _first(item: dict[str, Any], *keys: str) -> Any:
    return next((item[key] for key in keys if item.get(key) is not None), None)


def _line(value: Any) -> int | None:
    """A 1-based line number from an int or a digit string ("12", "L12")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 1 else None
    if isinstance(value, str) and (digits := value.strip().lstrip("Ll")).isdigit():
        return int(digits) or None
    return None
