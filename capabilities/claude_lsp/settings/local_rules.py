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
    path = local_settings_path(project_root)
    created = not path.exists()
    data = _read_for_update(path)
    permissions = data.setdefault("permissions", {})
    if not isinstance(permissions, dict):
        raise SettingsWriteError(
            f"{path}: `permissions` is {json_type(permissions)}, not an object; not changed"
        )
    rules = permissions.setdefault(behavior, [])
    if not isinstance(rules, list):
        raise SettingsWriteError(
            f"{path}: `permissions.{behavior}` is {json_type(rules)}, not a list; not changed"
        )
    if rule_text in rules:
        return False
    rules.append(rule_text)
    try:
        write_atomically(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise SettingsWriteError(f"{path}: cannot save the rule: {exc}") from exc
    if created:
        _keep_out_of_git(project_root)
    return True


def _read_for_update(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsWriteError(f"{path}: cannot read it to add the rule: {exc}") from exc
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise SettingsWriteError(
            f"{path}: not valid JSON ({exc}); fix or remove it to save rules; not changed"
        ) from exc
    if not isinstance(data, dict):
        raise SettingsWriteError(
            f"{path}: holds {json_type(data)}, not a settings object; not changed"
        )
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
