"""The small YAML subset Claude Code's Markdown files use as frontmatter.

Slash commands, rules, agents and skills start with a `---` block of `key: value`
lines. A value is a string (quotes removed) or, written as `- item` lines, a list.
A flow list such as `["a", "b"]` stays a string until `as_list` reads it, because the
same brackets mean plain text elsewhere (`argument-hint: [pr-number] [priority]`).
There is no YAML dependency and no surprising typing.
"""

from __future__ import annotations

import re

FrontmatterValue = str | list[str]

_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$")
_ITEM = re.compile(r"^\s+-\s*(.*)$|^-\s+(.*)$")


def split_frontmatter(text: str) -> tuple[dict[str, FrontmatterValue], str]:
    """The frontmatter fields and the body after it; no block: `({}, text)`."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            return _fields(lines[1:end]), "".join(lines[end + 1 :])
    return {}, text  # never closed: it is not frontmatter


def _fields(lines: list[str]) -> dict[str, FrontmatterValue]:
    fields: dict[str, FrontmatterValue] = {}
    current: str | None = None
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = _ITEM.match(line.rstrip("\n"))
        if item is not None and current is not None:
            value = fields.get(current)
            items = value if isinstance(value, list) else []
            fields[current] = [*items, _unquote(item.group(1) or item.group(2) or "")]
            continue
        match = _KEY.match(line.strip())
        if match is None:
            current = None
            continue
        current, raw = match.group(1), match.group(2).strip()
        fields[current] = _unquote(raw)
    return fields


def _unquote(raw: str) -> str:
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def as_list(value: FrontmatterValue | None) -> list[str]:
    """A list field, written as `- item` lines, `[a, "b"]` or `a, b`.

    Commas inside parentheses or braces stay in their item (`Bash(git add:*)`,
    `src/{a,b}/*.ts`).
    """
    if value is None:
        return []
    if isinstance(value, list):
        return [item for item in value if item]
    text = value.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    parts = re.split(r",(?![^()]*\))(?![^{}]*\})", text)
    return [_unquote(part) for part in parts if part.strip()]
