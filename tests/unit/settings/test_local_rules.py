"""Saving "always allow" rules to `.claude/settings.local.json`."""

from __future__ import annotations

import json
from pathlib import Path

import pygit2
import pytest

from claude_lsp.settings.files import Scope
from claude_lsp.settings.load import load_settings
from claude_lsp.settings.local_rules import SettingsWriteError, add_permission_rule


def local_file(root: Path) -> Path:
    return root / ".claude" / "settings.local.json"


def test_a_first_rule_creates_the_folder_and_the_file(root: Path) -> None:
    assert add_permission_rule(root, "Bash(npm test)") is True
    assert local_file(root).read_text() == (
        '{\n  "permissions": {\n    "allow": [\n      "Bash(npm test)"\n    ]\n  }\n}\n'
    )


def test_other_content_and_key_order_survive(root: Path) -> None:
    existing = {
        "model": "opus",
        "permissions": {"deny": ["WebFetch"], "allow": ["Read"], "defaultMode": "plan"},
        "env": {"Z": "1", "A": "2"},
        "futureKey": {"nested": [1, 2, {"x": None}]},
    }
    local_file(root).parent.mkdir()
    local_file(root).write_text(json.dumps(existing, indent=4))
    assert add_permission_rule(root, "Bash(make:*)") is True
    assert add_permission_rule(root, "Bash(rm:*)", "ask") is True
    text = local_file(root).read_text()
    saved = json.loads(text)
    assert list(saved) == ["model", "permissions", "env", "futureKey"]
    assert list(saved["permissions"]) == ["deny", "allow", "defaultMode", "ask"]
    assert saved["permissions"]["allow"] == ["Read", "Bash(make:*)"]
    assert saved["permissions"]["ask"] == ["Bash(rm:*)"]
    assert saved["env"] == {"Z": "1", "A": "2"}
    assert saved["futureKey"] == existing["futureKey"]
    assert text.endswith("}\n") and '\n  "model"' in text


def test_a_rule_already_there_is_not_added_again(root: Path) -> None:
    assert add_permission_rule(root, "Bash(ls)") is True
    before = local_file(root).read_bytes()
    assert add_permission_rule(root, "Bash(ls)") is False
    assert local_file(root).read_bytes() == before


def test_a_saved_rule_is_loaded_back_from_the_local_scope(root: Path, managed_path: Path) -> None:
    add_permission_rule(root, "Bash(cargo build)", "deny")
    rules = load_settings(root, managed_path=managed_path).permission_rules
    assert [(rule.text, rule.behavior, rule.scope) for rule in rules] == [
        ("Bash(cargo build)", "deny", Scope.LOCAL)
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"permissions": {"allow": ["Read"],}}', "not valid JSON"),
        (b'["Read"]', "holds an array, not a JSON object"),
        (b'{"permissions": ["Read"]}', "`permissions` is an array, not an object"),
        (b'{"permissions": {"allow": "Read"}}', "`permissions.allow` is a string, not a list"),
    ],
)
def test_a_file_it_cannot_understand_is_refused_and_left_alone(
    root: Path, content: bytes, reason: str
) -> None:
    local_file(root).parent.mkdir()
    local_file(root).write_bytes(content)
    with pytest.raises(SettingsWriteError, match=reason) as raised:
        add_permission_rule(root, "Bash(ls)")
    assert str(raised.value).startswith(str(local_file(root)))
    assert local_file(root).read_bytes() == content
    assert [p.name for p in local_file(root).parent.iterdir()] == ["settings.local.json"]


@pytest.mark.parametrize(("rule", "behavior"), [("  ", "allow"), ("Read", "always")])
def test_a_bad_request_is_refused_before_touching_disk(
    root: Path, rule: str, behavior: str
) -> None:
    with pytest.raises(ValueError):
        add_permission_rule(root, rule, behavior)  # type: ignore[arg-type]
    assert not (root / ".claude").exists()


def test_a_new_file_in_a_git_repository_is_excluded_from_git(root: Path) -> None:
    pygit2.init_repository(str(root))
    exclude = root / ".git" / "info" / "exclude"
    exclude.write_text("# local ignores\n*.log")
    add_permission_rule(root, "Bash(ls)")
    add_permission_rule(root, "Bash(pwd)")
    assert exclude.read_text() == "# local ignores\n*.log\n/.claude/settings.local.json\n"
    assert pygit2.Repository(str(root)).path_is_ignored(".claude/settings.local.json")


def test_nothing_is_added_when_git_already_ignores_the_file(root: Path) -> None:
    pygit2.init_repository(str(root))
    (root / ".gitignore").write_text(".claude/\n")
    exclude = root / ".git" / "info" / "exclude"
    before = exclude.read_bytes() if exclude.exists() else None
    add_permission_rule(root, "Bash(ls)")
    assert (exclude.read_bytes() if exclude.exists() else None) == before


def test_outside_a_git_repository_no_git_files_appear(root: Path) -> None:
    add_permission_rule(root, "Bash(ls)")
    assert sorted(p.name for p in root.iterdir()) == [".claude"]
