"""Reading one settings file and locating the managed one."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_lsp.settings.files import default_managed_path, read_settings_file


def test_a_missing_file_is_not_a_problem(tmp_path: Path) -> None:
    assert read_settings_file(tmp_path / "settings.json") == (None, [])


@pytest.mark.parametrize("text", ["", "  \n"])
def test_an_empty_file_is_an_empty_object(tmp_path: Path, text: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(text)
    assert read_settings_file(path) == ({}, [])


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(b'\xef\xbb\xbf{"model": "opus"}')
    assert read_settings_file(path) == ({"model": "opus"}, [])


def test_invalid_json_names_the_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{\n  "model": "opus"\n  "env": {}\n}\n')
    assert read_settings_file(path) == (
        None,
        [f"{path}: invalid JSON at line 3, column 3: Expecting ',' delimiter"],
    )


@pytest.mark.parametrize(
    ("text", "kind"), [("[]", "an array"), ('"x"', "a string"), ("null", "null"), ("3", "a number")]
)
def test_a_top_level_that_is_not_an_object_is_refused(tmp_path: Path, text: str, kind: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(text)
    assert read_settings_file(path) == (
        None,
        [f"{path}: settings must be a JSON object, not {kind}"],
    )


def test_text_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(b'{"model": "\xff"}')
    data, problems = read_settings_file(path)
    assert data is None
    assert problems[0].startswith(f"{path}: settings are not UTF-8 text")


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("linux", "/etc/claude-code/managed-settings.json"),
        ("darwin", "/Library/Application Support/ClaudeCode/managed-settings.json"),
    ],
)
def test_the_managed_file_depends_on_the_platform(platform: str, expected: str) -> None:
    assert default_managed_path(platform) == Path(expected)
