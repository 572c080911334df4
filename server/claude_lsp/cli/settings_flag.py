"""`--settings FILE_OR_JSON`: settings for one print-mode run.

Print mode hands the object to its server as `initializationOptions.claude`, the editor
scope: above the local, project and user files and below managed settings, the rank
Claude Code gives `--settings`. Read before anything starts, so a typo costs no request.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class SettingsFlagError(ValueError):
    """The value names no readable file, or does not hold a JSON object."""


def read_settings_flag(value: str) -> dict[str, Any]:
    """The settings `value` stands for: inline JSON if it starts with `{`, else a file path."""
    text = value.strip()
    source = "the inline JSON"
    if not text.startswith("{"):
        path = Path(value).expanduser()
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SettingsFlagError(f"cannot read {path}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise SettingsFlagError(f"{path} is not UTF-8 text") from exc
    try:
        settings = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingsFlagError(
            f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    if not isinstance(settings, dict):
        raise SettingsFlagError(f"{source} must hold a JSON object (the settings' keys)")
    return settings
