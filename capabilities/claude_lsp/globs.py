"""Shell-style globs as regular expressions over `/`-separated paths.

One dialect for every place that matches paths: the Glob and LS tools, conditional
memory rules and permission path rules.
"""

from __future__ import annotations

import re
import sys


def glob_to_regex(pattern: str) -> str:
    """Translate a glob to a regular expression matched against a whole `/` path.

    `*` and `?` stay within one path segment, `**/` spans zero or more directories, a
    trailing `**` matches everything below, `[...]` is a class (`!` or `^` negates) and
    `{a,b}` are alternatives (nestable). A backslash quotes the next character.
    """
    out: list[str] = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            at_start = i == 0 or pattern[i - 1] == "/"
            if j - i >= 2 and at_start and j == n:
                out.append(".*")
            elif j - i >= 2 and at_start and pattern[j] == "/":
                out.append("(?:.*/)?")
                j += 1
            else:
                out.append("[^/]*")
            i = j
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            translated, i = _translate_class(pattern, i)
            out.append(translated)
        elif c == "{":
            close = _matching_brace(pattern, i)
            alternatives = _split_alternatives(pattern[i + 1 : close]) if close > 0 else []
            if len(alternatives) < 2:
                out.append(re.escape(c))
                i += 1
            else:
                out.append("(?:" + "|".join(glob_to_regex(a) for a in alternatives) + ")")
                i = close + 1
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def _translate_class(pattern: str, start: int) -> tuple[str, int]:
    i = start + 1
    negate = i < len(pattern) and pattern[i] in "!^"
    if negate:
        i += 1
    body_start = i
    if i < len(pattern) and pattern[i] == "]":
        i += 1
    while i < len(pattern) and pattern[i] != "]":
        i += 1
    if i >= len(pattern):
        return re.escape("["), start + 1
    body = pattern[body_start:i].replace("\\", "\\\\").replace("^", "\\^")
    body = body.replace("[", "\\[").replace("]", "\\]")
    if negate:
        return f"[^/{body}]", i + 1
    return f"[{body}]", i + 1


def _matching_brace(pattern: str, start: int) -> int:
    depth = 0
    i = start
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _split_alternatives(body: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            current.append(body[i : i + 2])
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append("".join(current))
            current = []
            i += 1
            continue
        current.append(c)
        i += 1
    parts.append("".join(current))
    return parts


def compile_glob(pattern: str) -> re.Pattern[str]:
    """A compiled full-path matcher; case-insensitive where file systems usually are."""
    flags = re.IGNORECASE if sys.platform in ("darwin", "win32") else 0
    return re.compile(glob_to_regex(pattern), flags | re.DOTALL)
