"""Merging checked settings sources into one view, the way Claude Code does.

The raw view merges objects key by key and lets the highest-precedence source win each
scalar (so `env` merges variable by variable); arrays are concatenated across sources,
highest precedence first, without repeats. Permission rules, extra directories and hooks
are also kept as typed lists that remember which scope each entry came from and the
folder its relative paths mean, because `Edit(/src/**)` means something else in the
user's settings than in a project's.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claude_lsp.settings.files import Scope, SettingsSource
from claude_lsp.settings.validate import BEHAVIORS, Behavior


@dataclass(frozen=True)
class Layer:
    """One source's settings, already checked."""

    source: SettingsSource
    data: Mapping[str, Any]


@dataclass(frozen=True)
class PermissionRule:
    """A rule as written, where it came from, and the folder `/path` rules start at."""

    text: str
    behavior: Behavior
    scope: Scope
    base_dir: Path


@dataclass(frozen=True)
class HookGroup:
    """One matcher group of one hook event (`matcher` "" matches everything)."""

    event: str
    matcher: str
    hooks: tuple[dict[str, Any], ...]
    scope: Scope


@dataclass(frozen=True)
class LoadedSettings:
    """Every source merged; `problems` are for the user, `sources` for a status line."""

    raw: dict[str, Any]
    permission_rules: list[PermissionRule]
    additional_directories: list[Path]
    hooks: dict[str, list[HookGroup]]
    sources: list[SettingsSource]
    problems: list[str]
    # `raw` without the project's shared `.claude/settings.json`: for what a cloned
    # repository must not decide for the user (approving its own MCP servers).
    personal: dict[str, Any] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return dict(self.raw.get("env", {}))

    @property
    def model(self) -> str | None:
        return self._scalar("model")

    @property
    def api_key_helper(self) -> str | None:
        return self._scalar("apiKeyHelper")

    @property
    def cleanup_period_days(self) -> int | None:
        days = self.raw.get("cleanupPeriodDays")
        return days if isinstance(days, int) else None

    @property
    def default_mode(self) -> str | None:
        """One of validate.PERMISSION_MODES, or None when no source sets it."""
        mode = self.raw.get("permissions", {}).get("defaultMode")
        return mode if isinstance(mode, str) else None

    @property
    def disable_bypass_mode(self) -> bool:
        """True when any scope disables bypass mode: a restriction is honoured from anyone."""
        in_permissions = self.raw.get("permissions", {}).get("disableBypassPermissionsMode")
        return "disable" in (in_permissions, self.raw.get("disableBypassPermissionsMode"))

    @property
    def files(self) -> list[Path]:
        """The settings files that were read and used."""
        return [source.path for source in self.sources if source.path is not None]

    def hooks_by_scope(self) -> list[tuple[Scope, dict[str, list[dict[str, Any]]]]]:
        """Each scope's hooks in the settings file shape, highest precedence first."""
        by_scope: dict[Scope, dict[str, list[dict[str, Any]]]] = {}
        for groups in self.hooks.values():
            for group in groups:
                entry = {"matcher": group.matcher, "hooks": list(group.hooks)}
                by_scope.setdefault(group.scope, {}).setdefault(group.event, []).append(entry)
        return [(scope, by_scope[scope]) for scope in Scope if scope in by_scope]

    def rules(self, behavior: Behavior) -> list[PermissionRule]:
        return [rule for rule in self.permission_rules if rule.behavior == behavior]

    def _scalar(self, key: str) -> str | None:
        value = self.raw.get(key)
        return value if isinstance(value, str) else None


def merge_layers(layers: Sequence[Layer], problems: list[str]) -> LoadedSettings:
    """Merge `layers`, given highest precedence first."""
    raw: dict[str, Any] = {}
    personal: dict[str, Any] = {}
    for layer in layers:
        _merge_under(raw, layer.data)
        if layer.source.scope is not Scope.PROJECT:
            _merge_under(personal, layer.data)
    return LoadedSettings(
        raw=raw,
        personal=personal,
        permission_rules=_permission_rules(layers),
        additional_directories=_additional_directories(layers),
        hooks=_hook_groups(layers),
        sources=[layer.source for layer in layers],
        problems=problems,
    )


def _merge_under(merged: dict[str, Any], lower: Mapping[str, Any]) -> None:
    """Fill `merged` from a lower-precedence source: it only adds, never replaces."""
    for key, value in lower.items():
        if key not in merged:
            merged[key] = copy.deepcopy(value)
        elif isinstance(merged[key], dict) and isinstance(value, dict):
            _merge_under(merged[key], value)
        elif isinstance(merged[key], list) and isinstance(value, list):
            seen = {_identity(item) for item in merged[key]}
            for item in value:
                if _identity(item) not in seen:
                    seen.add(_identity(item))
                    merged[key].append(copy.deepcopy(item))


def _identity(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _permissions(layer: Layer) -> Mapping[str, Any]:
    permissions: Mapping[str, Any] = layer.data.get("permissions", {})
    return permissions


def _permission_rules(layers: Sequence[Layer]) -> list[PermissionRule]:
    """Rules from every scope; a rule repeated with the same meaning is kept once."""
    rules: list[PermissionRule] = []
    seen: set[tuple[str, str, Path]] = set()
    for layer in layers:
        permissions = _permissions(layer)
        base = layer.source.base_dir
        for behavior in BEHAVIORS:
            for text in permissions.get(behavior, []):
                if (text, behavior, base) not in seen:
                    seen.add((text, behavior, base))
                    rules.append(PermissionRule(text, behavior, layer.source.scope, base))
    return rules


def _additional_directories(layers: Sequence[Layer]) -> list[Path]:
    """Absolute, normalised paths; `~` expanded, relative ones taken from the source's base.

    Symlinks are not resolved here (no I/O): the caller compares like with like.
    """
    directories: list[Path] = []
    for layer in layers:
        for text in _permissions(layer).get("additionalDirectories", []):
            joined = os.path.join(layer.source.base_dir, os.path.expanduser(text))
            directory = Path(os.path.normpath(joined))
            if directory not in directories:
                directories.append(directory)
    return directories


def _hook_groups(layers: Sequence[Layer]) -> dict[str, list[HookGroup]]:
    groups: dict[str, list[HookGroup]] = {}
    for layer in layers:
        for event, event_groups in layer.data.get("hooks", {}).items():
            for group in event_groups:
                hooks = tuple(copy.deepcopy(entry) for entry in group["hooks"])
                found = HookGroup(event, group.get("matcher", ""), hooks, layer.source.scope)
                groups.setdefault(event, []).append(found)
    return groups
