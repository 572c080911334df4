"""Loading and merging the five settings scopes."""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

import pytest

from claude_lsp.settings.files import Scope
from claude_lsp.settings.load import load_settings
from claude_lsp.settings.merge import HookGroup, LoadedSettings, PermissionRule
from tests.unit.settings.conftest import WriteScope

SCOPES = ["managed", "editor", "local", "project", "user"]


def load(root: Path, managed_path: Path, editor: dict[str, Any] | None = None) -> LoadedSettings:
    return load_settings(root, editor=editor, managed_path=managed_path)


def set_in(scopes: tuple[str, ...], data: Any, write_scope: WriteScope) -> dict[str, Any] | None:
    """Write `data` to each file scope; return it as the editor dict when that is chosen."""
    for scope in scopes:
        if scope != "editor":
            write_scope(scope, data(scope) if callable(data) else data)
    if "editor" not in scopes:
        return None
    editor: dict[str, Any] = data("editor") if callable(data) else data
    return editor


ALL_SUBSETS = [
    subset for size in range(1, len(SCOPES) + 1) for subset in itertools.combinations(SCOPES, size)
]


@pytest.mark.parametrize("scopes", ALL_SUBSETS, ids="+".join)
def test_the_highest_scope_that_sets_a_scalar_wins(
    scopes: tuple[str, ...], root: Path, managed_path: Path, write_scope: WriteScope
) -> None:
    editor = set_in(
        scopes,
        lambda scope: {"model": f"model-{scope}", "permissions": {"defaultMode": "plan"}},
        write_scope,
    )
    settings = load(root, managed_path, editor)
    assert settings.model == f"model-{scopes[0]}"
    assert settings.default_mode == "plan"
    assert [source.scope.value for source in settings.sources] == list(scopes)
    assert settings.problems == []


def test_nothing_anywhere_gives_an_empty_view(root: Path, managed_path: Path) -> None:
    settings = load(root, managed_path)
    assert settings.raw == {}
    assert settings.model is None
    assert settings.default_mode is None
    assert settings.env == {}
    assert settings.permission_rules == []
    assert settings.hooks == {}
    assert settings.files == []
    assert settings.problems == []
    assert settings.disable_bypass_mode is False
    assert settings.cleanup_period_days is None


def test_scalars_fall_through_key_by_key(
    root: Path, managed_path: Path, write_scope: WriteScope
) -> None:
    write_scope(
        "user", {"model": "user-model", "apiKeyHelper": "~/bin/key", "cleanupPeriodDays": 7}
    )
    write_scope("project", {"cleanupPeriodDays": 30, "permissions": {"defaultMode": "plan"}})
    write_scope("local", {"permissions": {"defaultMode": "acceptEdits"}})
    settings = load(root, managed_path)
    assert settings.model == "user-model"
    assert settings.api_key_helper == "~/bin/key"
    assert settings.cleanup_period_days == 30
    assert settings.default_mode == "acceptEdits"


def test_env_merges_variable_by_variable(
    root: Path, managed_path: Path, write_scope: WriteScope
) -> None:
    write_scope("user", {"env": {"A": "user", "B": "user", "C": "user"}})
    write_scope("project", {"env": {"B": "project", "D": "project"}})
    write_scope("managed", {"env": {"C": "managed"}})
    settings = load(root, managed_path, editor={"env": {"D": "editor"}})
    assert settings.env == {"A": "user", "B": "project", "C": "managed", "D": "editor"}


def test_rules_from_every_scope_are_kept_with_their_source(
    root: Path, managed_path: Path, write_scope: WriteScope, private_claude_config: Path
) -> None:
    write_scope(
        "user", {"permissions": {"allow": ["Read", "Edit(/notes/**)"], "deny": ["WebFetch"]}}
    )
    write_scope("project", {"permissions": {"allow": ["Read", "Bash(npm test)"]}})
    write_scope("local", {"permissions": {"allow": ["Bash(npm test)"], "ask": ["Bash(git push)"]}})
    write_scope("managed", {"permissions": {"deny": ["Bash(rm -rf /)"]}})
    settings = load(root, managed_path)
    managed_dir = managed_path.parent
    assert settings.permission_rules == [
        PermissionRule("Bash(rm -rf /)", "deny", Scope.MANAGED, managed_dir),
        PermissionRule("Bash(npm test)", "allow", Scope.LOCAL, root),
        PermissionRule("Bash(git push)", "ask", Scope.LOCAL, root),
        PermissionRule("Read", "allow", Scope.PROJECT, root),
        PermissionRule("Read", "allow", Scope.USER, private_claude_config),
        PermissionRule("Edit(/notes/**)", "allow", Scope.USER, private_claude_config),
        PermissionRule("WebFetch", "deny", Scope.USER, private_claude_config),
    ]
    assert [rule.text for rule in settings.rules("deny")] == ["Bash(rm -rf /)", "WebFetch"]
    assert settings.raw["permissions"]["allow"] == ["Bash(npm test)", "Read", "Edit(/notes/**)"]


def test_additional_directories_are_resolved_against_each_scope_base(
    root: Path, managed_path: Path, write_scope: WriteScope, private_claude_config: Path
) -> None:
    home = Path(os.path.expanduser("~"))
    write_scope("user", {"permissions": {"additionalDirectories": ["shared", "~/docs"]}})
    write_scope("project", {"permissions": {"additionalDirectories": ["../lib", "/opt/data"]}})
    write_scope("local", {"permissions": {"additionalDirectories": ["/opt/data"]}})
    settings = load(root, managed_path)
    assert settings.additional_directories == [
        Path("/opt/data"),
        root.parent / "lib",
        private_claude_config / "shared",
        home / "docs",
    ]


def test_hooks_from_every_scope_are_kept_per_event(
    root: Path, managed_path: Path, write_scope: WriteScope
) -> None:
    lint = {"type": "command", "command": "ruff check", "timeout": 30}
    audit = {"type": "command", "command": "audit-log"}
    write_scope("user", {"hooks": {"PostToolUse": [{"matcher": "Edit|Write", "hooks": [lint]}]}})
    write_scope(
        "managed",
        {"hooks": {"PreToolUse": [{"hooks": [audit]}], "PostToolUse": [{"hooks": [audit]}]}},
    )
    settings = load(root, managed_path)
    assert settings.hooks == {
        "PreToolUse": [HookGroup("PreToolUse", "", (audit,), Scope.MANAGED)],
        "PostToolUse": [
            HookGroup("PostToolUse", "", (audit,), Scope.MANAGED),
            HookGroup("PostToolUse", "Edit|Write", (lint,), Scope.USER),
        ],
    }
    assert settings.hooks_by_scope() == [
        (
            Scope.MANAGED,
            {
                "PreToolUse": [{"matcher": "", "hooks": [audit]}],
                "PostToolUse": [{"matcher": "", "hooks": [audit]}],
            },
        ),
        (Scope.USER, {"PostToolUse": [{"matcher": "Edit|Write", "hooks": [lint]}]}),
    ]


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("where", ["permissions", "top level"])
def test_bypass_mode_is_disabled_from_any_scope(
    scope: str, where: str, root: Path, managed_path: Path, write_scope: WriteScope
) -> None:
    setting = {"disableBypassPermissionsMode": "disable"}
    data = {"permissions": setting} if where == "permissions" else setting
    editor = set_in((scope,), data, write_scope)
    assert load(root, managed_path, editor).disable_bypass_mode is True


def test_unknown_keys_pass_through_merged(
    root: Path, managed_path: Path, write_scope: WriteScope
) -> None:
    write_scope("user", {"futureFeature": {"a": 1, "b": 2}, "statusLine": {"type": "command"}})
    write_scope("project", {"futureFeature": {"b": 3}, "includeCoAuthoredBy": False})
    raw = load(root, managed_path).raw
    assert raw["futureFeature"] == {"a": 1, "b": 3}
    assert raw["statusLine"] == {"type": "command"}
    assert raw["includeCoAuthoredBy"] is False


def test_a_broken_file_is_reported_and_the_others_still_load(
    root: Path, managed_path: Path, write_scope: WriteScope
) -> None:
    broken = write_scope("project", '{\n  "model": "x",\n  "env": {"A": "1",}\n}\n')
    write_scope("user", {"model": "user-model"})
    write_scope("local", ["not", "an", "object"])
    settings = load(root, managed_path)
    assert settings.model == "user-model"
    assert len(settings.problems) == 2
    assert settings.problems[0].startswith(f"{root / '.claude' / 'settings.local.json'}: ")
    assert "must be a JSON object, not an array" in settings.problems[0]
    assert settings.problems[1].startswith(f"{broken}: invalid JSON at line 3, column ")
    assert [source.scope for source in settings.sources] == [Scope.USER]


def test_a_wrong_typed_key_is_dropped_and_the_rest_of_the_file_kept(
    root: Path, managed_path: Path, write_scope: WriteScope
) -> None:
    write_scope("user", {"model": "user-model", "permissions": {"allow": ["Read"]}})
    path = write_scope(
        "project",
        {"model": 42, "cleanupPeriodDays": 5, "permissions": {"allow": "Bash", "deny": ["Write"]}},
    )
    settings = load(root, managed_path)
    assert settings.model == "user-model"
    assert settings.cleanup_period_days == 5
    assert [(rule.text, rule.behavior) for rule in settings.permission_rules] == [
        ("Write", "deny"),
        ("Read", "allow"),
    ]
    assert settings.problems == [
        f"{path}: `model` must be a string, not a number; ignored",
        f"{path}: `permissions.allow` must be a list of strings, not a string; ignored",
    ]


def test_a_folder_where_a_file_should_be_is_reported(
    root: Path, managed_path: Path, write_scope: WriteScope
) -> None:
    (root / ".claude" / "settings.json").mkdir(parents=True)
    write_scope("local", {"model": "local-model"})
    settings = load(root, managed_path)
    assert settings.model == "local-model"
    assert len(settings.problems) == 1
    assert settings.problems[0].startswith(f"{root / '.claude' / 'settings.json'}: cannot read")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_a_file_without_read_permission_is_reported(
    root: Path, managed_path: Path, write_scope: WriteScope
) -> None:
    path = write_scope("project", {"model": "secret"})
    path.chmod(0)
    try:
        settings = load(root, managed_path)
    finally:
        path.chmod(0o644)
    assert settings.model is None
    assert settings.problems == [f"{path}: cannot read settings: Permission denied"]


def test_claude_config_dir_locates_the_user_settings(
    root: Path, managed_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "settings.json").write_text('{"model": "from-elsewhere"}')
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(elsewhere))
    settings = load(root, managed_path)
    assert settings.model == "from-elsewhere"
    assert settings.files == [elsewhere / "settings.json"]


def test_managed_drop_ins_apply_over_the_managed_file_in_name_order(
    root: Path, managed_path: Path, write_scope: WriteScope
) -> None:
    write_scope("managed", {"model": "base", "env": {"A": "base", "B": "base"}})
    drop_ins = managed_path.parent / "managed-settings.d"
    drop_ins.mkdir()
    (drop_ins / "10-first.json").write_text('{"model": "first", "env": {"A": "first"}}')
    (drop_ins / "20-second.json").write_text('{"model": "second"}')
    (drop_ins / "notes.txt").write_text("not settings")
    write_scope("local", {"model": "local"})
    settings = load(root, managed_path)
    assert settings.model == "second"
    assert settings.env == {"A": "first", "B": "base"}
    assert settings.files[:3] == [
        drop_ins / "20-second.json",
        drop_ins / "10-first.json",
        managed_path,
    ]


def test_editor_settings_that_are_not_an_object_are_reported(
    root: Path, managed_path: Path
) -> None:
    settings = load_settings(root, editor=["model"], managed_path=managed_path)  # type: ignore[arg-type]
    assert settings.problems == ["editor settings: settings must be a JSON object, not an array"]


def test_a_project_at_the_config_folder_parent_reads_the_shared_file_once(
    tmp_path: Path, managed_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    (home / ".claude" / "settings.json").write_text('{"permissions": {"allow": ["Read"]}}')
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home / ".claude"))
    settings = load(home, managed_path)
    assert [source.scope for source in settings.sources] == [Scope.PROJECT]
    assert len(settings.permission_rules) == 1
