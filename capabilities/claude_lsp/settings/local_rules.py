"""Saving an "always allow" answer as a rule in the project's local settings file.

The file is the user's: every other key and the order of keys survive, and a file this
code cannot understand is refused rather than overwritten. When the file is first
created in a git repository, it is listed in `.git/info/exclude` (local to the clone,
never committed) unless git already ignores it, so a personal rule is not committed.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from claude_lsp.host import write_atomically
from claude_lsp.settings.files import json_type, local_settings_path
from claude_lsp.settings.validate import BEHAVIORS, Behavior

log = logging.getLogger(__name__)

EXCLUDE_PATTERN = "/.claude/settings.local.json"


class SettingsWriteError(Exception):
    """The rule was not saved; the message says why, and the file is as it was."""


def add_permission_rule(project_root: Path, rule_text: str, behavior: Behavior = "allow") -> bool:
    """Add `rule_text` to `permissions.<behavior>`; False when it is already there."""
    if behavior not in BEHAVIORS:
        raise ValueError(f"unknown permission behavior {behavior!r}")
    if not rule_text.strip():
        raise ValueError("a permission rule cannot be empty")
    return add_local_setting_item(project_root, ("permissions", behavior), rule_text)


def add_local_setting_item(project_root: Path, keys: tuple[str, ...], item: str) -> bool:
    """Add `item` to the list at `keys` (objects made on the way); False when present."""
    path = local_settings_path(project_root)
    created = not path.exists()
    data = read_json_for_update(path)
    parent = data
    for depth, key in enumerate(keys[:-1]):
        parent = parent.setdefault(key, {})
        if not isinstance(parent, dict):
            raise _wrong_type(path, keys[: depth + 1], parent, "an object")
    items = parent.setdefault(keys[-1], [])
    if not isinstance(items, list):
        raise _wrong_type(path, keys, items, "a list")
    if item in items:
        return False
    items.append(item)
    write_json(path, data)
    if created:
        _keep_out_of_git(project_root)
    return True


def _wrong_type(
    path: Path, keys: tuple[str, ...], value: object, wanted: str
) -> SettingsWriteError:
    return SettingsWriteError(
        f"{path}: `{'.'.join(keys)}` is {json_type(value)}, not {wanted}; not changed"
    )


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write a JSON object file the way the user would format it, atomically."""
    try:
        write_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise SettingsWriteError(f"{path}: cannot save it: {exc}") from exc


def read_json_for_update(path: Path) -> dict[str, Any]:
    """A JSON object file's data to change and write back ({} when it is missing)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsWriteError(f"{path}: cannot read it to change it: {exc}") from exc
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise SettingsWriteError(
            f"{path}: not valid JSON ({exc}); fix or remove it first; not changed"
        ) from exc
    if not isinstance(data, dict):
        raise SettingsWriteError(f"{path}: holds {json_type(data)}, not a JSON object; not changed")
    return data


def _keep_out_of_git(project_root: Path) -> None:
    """List the new file in `.git/info/exclude` unless git already ignores it.

    Only a plain `.git` folder at the project root is handled (not worktrees or
    submodules, whose `.git` is a file). Failing here never undoes the saved rule.
    """
    git_dir = project_root / ".git"
    if not git_dir.is_dir():
        return
    import pygit2  # costs ~90 ms: loaded only when a new local settings file appears

    try:
        repo = pygit2.Repository(str(project_root))
        if repo.path_is_ignored(EXCLUDE_PATTERN.lstrip("/")):
            return
        exclude = git_dir / "info" / "exclude"
        text = exclude.read_text(encoding="utf-8") if exclude.exists() else ""
        if text and not text.endswith("\n"):
            text += "\n"
        write_atomically(exclude, f"{text}{EXCLUDE_PATTERN}\n")
    except (pygit2.GitError, OSError, UnicodeDecodeError) as exc:
        log.warning("could not add %s to %s/info/exclude: %s", EXCLUDE_PATTERN, git_dir, exc)
