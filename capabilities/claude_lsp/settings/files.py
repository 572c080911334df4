"""Where Claude Code's settings come from, and reading one settings file.

Five scopes, highest precedence first: managed (an administrator's file plus its
`managed-settings.d/` drop-ins), editor (`--settings`, or the editor's own configuration),
local (`<project>/.claude/settings.local.json`, personal and kept out of git), project
(`<project>/.claude/settings.json`, shared through the repository) and user
(`settings.json` in the configuration folder). A missing file is normal and says nothing;
a file that exists but cannot be used becomes a problem string, never an exception.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from claude_lsp.sessions.transcripts import config_dir

MANAGED_FILE = "managed-settings.json"
MANAGED_DROP_INS = "managed-settings.d"
EDITOR_LABEL = "editor settings"


class Scope(StrEnum):
    """Where a setting came from; the members are listed highest precedence first."""

    MANAGED = "managed"
    EDITOR = "editor"
    LOCAL = "local"
    PROJECT = "project"
    USER = "user"


@dataclass(frozen=True)
class SettingsSource:
    """One place settings are read from (`path` None: the editor's dict).

    `base_dir` anchors what the source says relative to itself: `/path` permission rules
    and relative `additionalDirectories`. The project-level scopes (editor, local, project)
    use the project root, so a rule means the same whichever of them holds it; user and
    managed settings use the folder that holds their file.
    """

    scope: Scope
    label: str
    path: Path | None
    base_dir: Path


def default_managed_path(platform: str = sys.platform) -> Path:
    """The administrator's settings file on this operating system."""
    if platform == "darwin":
        return Path("/Library/Application Support/ClaudeCode") / MANAGED_FILE
    if platform == "win32":
        return Path(r"C:\Program Files\ClaudeCode") / MANAGED_FILE
    return Path("/etc/claude-code") / MANAGED_FILE


def managed_sources(managed_path: Path, problems: list[str]) -> list[SettingsSource]:
    """The managed file and its drop-ins, highest precedence first.

    Drop-ins (`managed-settings.d/*.json` beside the file) apply on top of the file in
    name order, so the last name wins; all of them share the file's folder as base.
    """
    base = managed_path.parent
    drop_in_dir = base / MANAGED_DROP_INS
    drop_ins: list[Path] = []
    try:
        drop_ins = sorted(
            entry
            for entry in drop_in_dir.iterdir()
            if entry.suffix == ".json" and not entry.name.startswith(".")
        )
    except FileNotFoundError:
        pass
    except OSError as exc:
        problems.append(f"{drop_in_dir}: cannot list managed settings: {_reason(exc)}")
    paths = [*reversed(drop_ins), managed_path]
    return [SettingsSource(Scope.MANAGED, str(path), path, base) for path in paths]


def editor_source(project_root: Path) -> SettingsSource:
    return SettingsSource(Scope.EDITOR, EDITOR_LABEL, None, project_root)


def local_settings_path(project_root: Path) -> Path:
    """The personal per-project file, where "always allow" answers are saved."""
    return project_root / ".claude" / "settings.local.json"


def project_sources(project_root: Path) -> list[SettingsSource]:
    """The local then the shared file of `project_root`."""
    local = local_settings_path(project_root)
    shared = project_root / ".claude" / "settings.json"
    return [
        SettingsSource(Scope.LOCAL, str(local), local, project_root),
        SettingsSource(Scope.PROJECT, str(shared), shared, project_root),
    ]


def user_source() -> SettingsSource:
    folder = config_dir()
    path = folder / "settings.json"
    return SettingsSource(Scope.USER, str(path), path, folder)


def read_settings_file(path: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """The file's top-level object, or None with the reason (none when it is missing).

    An empty file counts as `{}`: editors create one before anything is typed into it.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None, []
    except OSError as exc:
        return None, [f"{path}: cannot read settings: {_reason(exc)}"]
    except UnicodeDecodeError as exc:
        return None, [f"{path}: settings are not UTF-8 text ({exc.reason} at byte {exc.start})"]
    if not text.strip():
        return {}, []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]
    except RecursionError:
        return None, [f"{path}: invalid JSON: nested too deeply"]
    if not isinstance(data, dict):
        return None, [f"{path}: settings must be a JSON object, not {json_type(data)}"]
    return data, []


def json_type(value: object) -> str:
    """How a JSON reader would name `value`'s type, for problem messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
