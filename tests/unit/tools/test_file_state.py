"""FileReadState and the shared text helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from claude_lsp.tools.base import ToolError
from claude_lsp.tools.edit import EditTool
from claude_lsp.tools.file_state import CHANGED_MESSAGE, NOT_READ_MESSAGE, FileReadState
from claude_lsp.tools.glob import GlobTool
from claude_lsp.tools.grep import GrepTool
from claude_lsp.tools.ls import LSTool
from claude_lsp.tools.read import ReadTool
from claude_lsp.tools.text_files import TextFile, detect_newline, split_lines
from claude_lsp.tools.write import WriteTool


def test_never_read_then_fresh_then_changed(tmp_path: Path) -> None:
    state = FileReadState()
    path = tmp_path / "f"
    with pytest.raises(ToolError) as info:
        state.check_fresh(path, "x")
    assert str(info.value) == NOT_READ_MESSAGE
    state.record(path, "x")
    state.check_fresh(path, "x")
    with pytest.raises(ToolError) as info:
        state.check_fresh(path, "y")
    assert str(info.value) == CHANGED_MESSAGE
    assert "Read it again" in CHANGED_MESSAGE


def test_paths_are_compared_resolved(tmp_path: Path) -> None:
    state = FileReadState()
    (tmp_path / "d").mkdir()
    state.record(tmp_path / "d" / ".." / "f", "x")
    state.check_fresh(tmp_path / "f", "x")
    assert state.has_seen(tmp_path / "f")
    state.forget(tmp_path / "f")
    assert not state.has_seen(tmp_path / "f")


def test_same_mtime_different_content_is_stale(tmp_path: Path) -> None:
    state = FileReadState()
    state.record(tmp_path / "f", "abc")
    with pytest.raises(ToolError):
        state.check_fresh(tmp_path / "f", "abd")


def test_text_file_line_endings_and_bom(tmp_path: Path) -> None:
    crlf = TextFile.from_raw(tmp_path / "a", "\ufeffone\r\ntwo\r\n")
    assert (crlf.text, crlf.newline, crlf.bom) == ("one\ntwo\n", "\r\n", True)
    assert crlf.to_file("x\ny\n") == "\ufeffx\r\ny\r\n"
    assert crlf.to_file("x\r\ny") == "\ufeffx\r\ny"
    lf = TextFile.from_raw(tmp_path / "b", "a\nb\n")
    assert lf.to_file("c\r\nd\n") == "c\nd\n"
    assert detect_newline("a\r\nb\r\nc\n") == "\r\n"
    assert detect_newline("a\nb\nc\r\n") == "\n"
    assert detect_newline("no newline") == "\n"


def test_split_lines() -> None:
    assert split_lines("") == []
    assert split_lines("\n") == [""]
    assert split_lines("a\nb") == ["a", "b"]
    assert split_lines("a\nb\n") == ["a", "b"]


@pytest.mark.parametrize(
    "tool", [ReadTool(), WriteTool(), EditTool(), GlobTool(), GrepTool(), LSTool()]
)
def test_schemas_are_strict_and_documented(tool: Any) -> None:
    schema = tool.input_schema
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) <= set(schema["properties"])
    for name, prop in schema["properties"].items():
        assert prop.get("description"), f"{tool.name}.{name} has no description"
    definition = tool.definition()
    assert definition["name"] == tool.name and definition["input_schema"] is schema
    assert tool.validate({"unexpected": 1, **{k: "x" for k in schema["required"]}})
