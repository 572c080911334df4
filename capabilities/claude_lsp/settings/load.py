"""Loading every settings source for a project into one merged view.

Loading never raises: a source that cannot be used, or a key that is malformed, becomes
a problem string for the user and the rest still applies.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from claude_lsp.settings.files import (
    default_managed_path,
    editor_source,
    json_type,
    managed_sources,
    project_sources,
    read_settings_file,
    user_source,
)
from claude_lsp.settings.merge import Layer, LoadedSettings, merge_layers
from claude_lsp.settings.validate import validate_settings


def load_settings(
    project_root: Path,
    *,
    editor: Mapping[str, Any] | None = None,
    managed_path: Path | None = None,
) -> LoadedSettings:
    """Managed, editor, local, project and user settings, merged in that precedence.

    `editor` is what `--settings` or the editor's configuration supplied; `managed_path`
    replaces the operating system's managed settings file (tests, unusual installs).
    """
    problems: list[str] = []
    layers: list[Layer] = []
    read: set[str] = set()
    sources = [
        *managed_sources(managed_path or default_managed_path(), problems),
        editor_source(project_root),
        *project_sources(project_root),
        user_source(),
    ]
    for source in sources:
        if source.path is None:
            data: Mapping[str, Any] | None = _editor_data(editor, source.label, problems)
        else:
            # With the project at $HOME, the project file is the user file: read it once.
            key = os.path.normcase(os.path.abspath(source.path))
            if key in read:
                continue
            read.add(key)
            data, found = read_settings_file(source.path)
            problems.extend(found)
        if data is None:
            continue
        checked, found = validate_settings(data, source.label)
        problems.extend(found)
        layers.append(Layer(source, checked))
    return merge_layers(layers, problems)


def _editor_data(
    editor: Mapping[str, Any] | None, label: str, problems: list[str]
) -> Mapping[str, Any] | None:
    """The editor's settings when there are any (it may send anything, so check)."""
    if not editor:
        return None
    if not isinstance(editor, Mapping):
        problems.append(f"{label}: settings must be a JSON object, not {json_type(editor)}")
        return None
    return editor
