"""Minimal edits in the negotiated encoding, the WorkspaceEdit shapes, and EditorFiles.

EditorFiles is driven here through a stand-in server whose "editor" applies edits with
pygls' own document code, so the positions we send are checked against a decoder we did
not write.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from lsprotocol import types
from pygls.uris import to_fs_path
from pygls.workspace import PositionCodec, TextDocument, Workspace
from pytest_lsp import client_capabilities

from claude_lsp.lsp.editor_edits import (
    EditSupport,
    Hunk,
    PositionMap,
    apply_hunks,
    code_units,
    diff_hunks,
    document_edit,
    new_file_edit,
    same_text,
    split_lines,
    text_edits,
)
from claude_lsp.lsp.host import STALE, UNCONFIRMED, EditorFiles

ENCODINGS = ["utf-8", "utf-16", "utf-32"]


def pos(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


def edit(start: tuple[int, int], end: tuple[int, int], new_text: str) -> types.TextEdit:
    return types.TextEdit(range=types.Range(start=pos(*start), end=pos(*end)), new_text=new_text)


# --- pure parts --------------------------------------------------------------------


def test_lines_end_as_lsp_says() -> None:
    assert split_lines("") == []
    assert split_lines("a\nb") == ["a\n", "b"]
    assert split_lines("a\r\nb\rc\n") == ["a\r\n", "b\r", "c\n"]
    # form feed and U+2028 are not line breaks in LSP (str.splitlines says they are)
    assert split_lines("a\x0cb\u2028c") == ["a\x0cb\u2028c"]


@pytest.mark.parametrize(
    ("encoding", "units"), [("utf-8", 1 + 2 + 3 + 4), ("utf-16", 1 + 1 + 1 + 2), ("utf-32", 4)]
)
def test_code_units_per_encoding(encoding: str, units: int) -> None:
    assert code_units("aé€😀", encoding) == units


def test_unknown_encoding_counts_as_utf16() -> None:
    assert code_units("😀", None) == 2 and code_units("😀", "latin-1") == 2


@pytest.mark.parametrize(("encoding", "column"), [("utf-8", 18), ("utf-16", 15), ("utf-32", 14)])
def test_columns_after_non_ascii_text(encoding: str, column: int) -> None:
    old = 'import os\ns = "é😀"; x = 1\n'
    new = 'import os\ns = "é😀"; x = 2\n'
    assert text_edits(old, new, encoding) == [edit((1, column), (1, column + 1), "2")]


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_replacing_non_ascii_text_spans_its_code_units(encoding: str) -> None:
    (change,) = text_edits("a😀b\n", "a-b\n", encoding)
    assert change.range.start == pos(0, 1)
    assert change.range.end == pos(0, 1 + code_units("😀", encoding))
    assert change.new_text == "-"


def test_a_one_line_change_in_a_long_file_is_one_small_edit() -> None:
    old = "".join(f"line {n}\n" for n in range(500))
    new = old.replace("line 250\n", "line two-fifty\n")
    assert text_edits(old, new, "utf-16") == [edit((250, 5), (250, 8), "two-fifty")]


def test_separate_changes_become_separate_edits_in_document_order() -> None:
    old = "a\nb\nc\nd\ne\n"
    new = "A\nb\nc\nd\nE\nf\n"
    assert text_edits(old, new, "utf-16") == [
        edit((0, 0), (0, 1), "A"),
        edit((4, 0), (4, 1), "E\nf"),
    ]


def test_insertion_at_the_end_of_a_file_with_a_final_newline() -> None:
    assert text_edits("a\n", "a\nb\n", "utf-16") == [edit((1, 0), (1, 0), "b\n")]


def test_insertion_at_the_end_of_a_file_without_a_final_newline() -> None:
    assert text_edits("a\nb", "a\nb\nc", "utf-16") == [edit((1, 1), (1, 1), "\nc")]
    assert text_edits("a", "a\n", "utf-16") == [edit((0, 1), (0, 1), "\n")]


def test_removing_the_final_newline() -> None:
    assert text_edits("a\nb\n", "a\nb", "utf-16") == [edit((1, 1), (2, 0), "")]


def test_deleting_everything_and_filling_an_empty_document() -> None:
    assert text_edits("a\nbé\n", "", "utf-8") == [edit((0, 0), (2, 0), "")]
    assert text_edits("a\nb", "", "utf-16") == [edit((0, 0), (1, 1), "")]
    assert text_edits("", "x\n", "utf-16") == [edit((0, 0), (0, 0), "x\n")]


def test_no_change_is_no_edit() -> None:
    assert text_edits("same\r\n", "same\r\n", "utf-16") == []
    assert diff_hunks("", "") == []


def test_crlf_edits_stay_crlf_and_never_split_a_line_break() -> None:
    old = "one\r\ntwo\r\nthree\r\n"
    assert text_edits(old, "one\r\n2\r\nthree\r\n", "utf-16") == [edit((1, 0), (1, 3), "2")]
    assert text_edits(old, "one\r\ntwo\r\nthree\r\nfour\r\n", "utf-16") == [
        edit((3, 0), (3, 0), "four\r\n")
    ]
    # CRLF -> LF on one line: the edit covers the whole "\r\n", not a position inside it
    assert text_edits(old, "one\ntwo\r\nthree\r\n", "utf-16") == [edit((0, 3), (1, 0), "\n")]
    # LF -> CRLF: insert "\r" before "\n" (a valid position at the end of line 0)
    assert text_edits("a\nb\n", "a\r\nb\n", "utf-16") == [edit((0, 1), (0, 1), "\r")]


def test_lone_cr_line_endings_count_as_lines() -> None:
    assert text_edits("a\rb\r", "a\rB\r", "utf-16") == [edit((1, 0), (1, 1), "B")]


def test_position_map_at_the_ends() -> None:
    positions = PositionMap("é\n😀", "utf-16")
    assert positions.position(0) == pos(0, 0)
    assert positions.position(2) == pos(1, 0)
    assert positions.position(3) == pos(1, 2)
    assert PositionMap("a\n", "utf-8").position(2) == pos(1, 0)
    assert PositionMap("", "utf-8").position(0) == pos(0, 0)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("", "x"),
        ("x", ""),
        ("a\nb\nc\n", "a\nc\n"),
        ("a\r\nb\r\n", "a\nb\n"),
        ("a\nb\n", "a\r\nb\r\n"),
        ("é😀\n\n\nz", "\n😀é\n\nz\n"),
        ("def f():\n    return 1\n", "def f():\n    '''Doc.'''\n    return 2\n"),
        ("x\r", "x\r\n"),
        ("x\r\n", "x\r"),
    ],
)
def test_hunks_rebuild_the_new_text(old: str, new: str) -> None:
    hunks = diff_hunks(old, new)
    assert apply_hunks(old, hunks) == new
    ends = [0, *(offset for h in hunks for offset in (h.start, h.end))]
    assert ends == sorted(ends)  # in order, not overlapping


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_random_edits_round_trip_through_pygls(encoding: str) -> None:
    """pygls' own incremental-change code turns our edits into exactly the new text."""
    rng = random.Random(f"edits-{encoding}")
    pieces = ["a", "b", "é", "😀", " ", "\n", "\r\n", "\r"]
    for _ in range(300):
        old = "".join(rng.choices(pieces, k=rng.randint(0, 12)))
        new = list(old)
        for _ in range(rng.randint(1, 3)):
            at = rng.randint(0, len(new))
            new[at : at + rng.randint(0, 3)] = rng.choices(pieces, k=rng.randint(0, 3))
        target = "".join(new)
        document = TextDocument(
            "file:///r.txt", old, version=1, position_codec=PositionCodec(encoding)
        )
        for change in reversed(text_edits(old, target, encoding)):
            document.apply_change(
                types.TextDocumentContentChangePartial(range=change.range, text=change.new_text)
            )
        assert document.source == target, (old, target)


def test_apply_hunks() -> None:
    assert apply_hunks("abcdef", [Hunk(1, 2, "B"), Hunk(4, 4, "-")]) == "aBcd-ef"


def test_same_text_ignores_only_line_endings() -> None:
    assert same_text("a\r\nb", "a\nb") and same_text("a\rb", "a\nb")
    assert not same_text("a\nb", "a\nc")


def test_edit_support_of_the_editor_presets() -> None:
    assert EditSupport.of(client_capabilities("visual-studio-code")) == EditSupport(
        apply_edit=True, document_changes=True, create_files=True, change_annotations=True
    )
    assert EditSupport.of(client_capabilities("neovim")) == EditSupport(
        apply_edit=True, document_changes=False, create_files=True, change_annotations=False
    )
    assert EditSupport.of(client_capabilities("emacs")) == EditSupport(
        apply_edit=True, document_changes=True, create_files=False, change_annotations=False
    )
    assert EditSupport.of(types.ClientCapabilities()) == EditSupport()


FULL = EditSupport(
    apply_edit=True, document_changes=True, create_files=True, change_annotations=True
)
EDITS = [edit((0, 0), (0, 1), "A"), edit((3, 0), (4, 0), "")]


def test_document_edit_is_versioned_where_supported() -> None:
    workspace_edit = document_edit("file:///x", 4, EDITS, FULL, label="Claude: Edit x")
    (change,) = workspace_edit.document_changes or []
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.version == 4 and list(change.edits) == EDITS
    assert workspace_edit.changes is None and workspace_edit.change_annotations is None


def test_document_edit_falls_back_to_changes() -> None:
    support = EditSupport(apply_edit=True, create_files=True)
    workspace_edit = document_edit("file:///x", 4, EDITS, support, label="L", review=True)
    assert workspace_edit.document_changes is None
    assert workspace_edit.changes == {"file:///x": EDITS}


def test_review_annotates_each_hunk_for_confirmation() -> None:
    workspace_edit = document_edit("file:///x", 4, EDITS, FULL, label="Claude: Edit x", review=True)
    (change,) = workspace_edit.document_changes or []
    assert isinstance(change, types.TextDocumentEdit)
    annotations = workspace_edit.change_annotations or {}
    assert len(change.edits) == 2 and len(annotations) == 2
    for hunk, original in zip(change.edits, EDITS, strict=True):
        assert isinstance(hunk, types.AnnotatedTextEdit)
        assert (hunk.range, hunk.new_text) == (original.range, original.new_text)
        note = annotations[hunk.annotation_id]
        assert note.label == "Claude: Edit x" and note.needs_confirmation is True
    last = change.edits[1]
    assert isinstance(last, types.AnnotatedTextEdit)
    assert annotations[last.annotation_id].description == "Change 2 of 2 (lines 4-5)"


def test_review_without_annotation_support_sends_plain_edits() -> None:
    support = EditSupport(apply_edit=True, document_changes=True)
    workspace_edit = document_edit("file:///x", 1, EDITS, support, label="L", review=True)
    assert workspace_edit.change_annotations is None
    (change,) = workspace_edit.document_changes or []
    assert isinstance(change, types.TextDocumentEdit) and list(change.edits) == EDITS


def test_new_file_edit_creates_then_fills() -> None:
    workspace_edit = new_file_edit("file:///n.py", "x = 1\n", FULL, label="L")
    assert workspace_edit is not None
    create, fill = workspace_edit.document_changes or []
    assert isinstance(create, types.CreateFile) and create.uri == "file:///n.py"
    assert create.options == types.CreateFileOptions(overwrite=False, ignore_if_exists=False)
    assert isinstance(fill, types.TextDocumentEdit) and fill.text_document.version is None
    assert list(fill.edits) == [edit((0, 0), (0, 0), "x = 1\n")]
    # an empty new file is just the creation
    empty = new_file_edit("file:///n.py", "", FULL, label="L")
    assert empty is not None and len(empty.document_changes or []) == 1


def test_new_file_edit_under_review_is_annotated() -> None:
    workspace_edit = new_file_edit("file:///n.py", "x\n", FULL, label="L", review=True)
    assert workspace_edit is not None
    create, fill = workspace_edit.document_changes or []
    assert isinstance(create, types.CreateFile) and isinstance(fill, types.TextDocumentEdit)
    (content,) = fill.edits
    assert isinstance(content, types.AnnotatedTextEdit)
    assert create.annotation_id == content.annotation_id
    note = (workspace_edit.change_annotations or {})[content.annotation_id]
    assert note.needs_confirmation is True and note.label == "L"


@pytest.mark.parametrize("editor", ["neovim", "emacs"])
def test_no_new_file_edit_without_create_and_document_changes(editor: str) -> None:
    support = EditSupport.of(client_capabilities(editor))
    assert new_file_edit("file:///n.py", "x", support, label="L") is None


# --- EditorFiles over a stand-in server ---------------------------------------------


class StandInServer:
    """What EditorFiles uses of a LanguageServer; its editor applies edits via pygls."""

    def __init__(self, editor: str, encoding: str = "utf-16") -> None:
        self.client_capabilities = client_capabilities(editor)
        self.workspace = Workspace(None, position_encoding=encoding)
        self.sent: list[types.ApplyWorkspaceEditParams] = []
        self.answer: Callable[[types.ApplyWorkspaceEditParams], bool] = self.apply

    async def workspace_apply_edit_async(
        self, params: types.ApplyWorkspaceEditParams
    ) -> types.ApplyWorkspaceEditResult:
        self.sent.append(params)
        return types.ApplyWorkspaceEditResult(applied=self.answer(params))

    def open(self, path: Path, text: str, version: int = 1) -> str:
        uri = path.as_uri()
        self.workspace.put_text_document(
            types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        )
        return uri

    def text(self, uri: str) -> str:
        return str(self.workspace.text_documents[uri].source)

    def apply(self, params: types.ApplyWorkspaceEditParams) -> bool:
        """Apply as an editor would and report each document with one didChange."""
        edit = params.edit
        per_document: list[tuple[str, list[Any]]] = [
            (uri, list(edits)) for uri, edits in (edit.changes or {}).items()
        ]
        for change in edit.document_changes or []:
            if isinstance(change, types.CreateFile):
                self.open(Path(to_fs_path(change.uri) or ""), "", version=0)
            elif isinstance(change, types.TextDocumentEdit):
                per_document.append((change.text_document.uri, list(change.edits)))
        for uri, edits in per_document:
            version = (self.workspace.text_documents[uri].version or 0) + 1
            ordered = sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character))
            for text_edit in reversed(ordered):  # later first: earlier ranges stay valid
                self.workspace.update_text_document(
                    types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    types.TextDocumentContentChangePartial(
                        range=text_edit.range, text=text_edit.new_text
                    ),
                )
        return True


def editor_files(server: StandInServer, **options: Any) -> EditorFiles:
    return EditorFiles(cast(Any, server), confirm_seconds=0.2, **options)


@pytest.mark.parametrize(
    ("editor", "encoding"),
    [("visual-studio-code", "utf-16"), ("neovim", "utf-8"), ("emacs", "utf-32")],
)
@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('s = "é😀"; x = 1\ny = 2\n', 's = "é😀"; x = 10\ny = 2\n# 😀 end\n'),
        ("a\r\nb\r\nc", "a\r\nB\r\nc\r\nd"),
        ("keep\nall of\nthis\n", ""),
        ("😀😀\n", "😀é😀\n"),
    ],
)
async def test_open_document_edits_round_trip_through_pygls(
    editor: str, encoding: str, old: str, new: str, tmp_path: Path
) -> None:
    server = StandInServer(editor, encoding)
    path = tmp_path / "m.py"
    path.write_text("on disk\n")
    uri = server.open(path, old, version=3)
    outcome = await editor_files(server).write_text(path, new, old_text=old, title="Edit m.py")
    assert outcome.applied, outcome.reason
    assert server.text(uri) == new
    assert path.read_text() == "on disk\n"  # the buffer changed, the disk did not
    (params,) = server.sent
    assert params.label == "Claude: Edit m.py"
    if editor == "neovim":
        assert params.edit.document_changes is None and uri in (params.edit.changes or {})
    else:
        (change,) = params.edit.document_changes or []
        assert isinstance(change, types.TextDocumentEdit) and change.text_document.version == 3


async def test_no_change_sends_nothing(tmp_path: Path) -> None:
    server = StandInServer("visual-studio-code")
    path = tmp_path / "m.py"
    server.open(path, "x\n")
    outcome = await editor_files(server).write_text(path, "x\n", old_text="x\n", title="t")
    assert outcome.applied and server.sent == []


async def test_rejected_edit_is_not_applied(tmp_path: Path) -> None:
    server = StandInServer("visual-studio-code")
    server.answer = lambda params: False
    path = tmp_path / "m.py"
    uri = server.open(path, "x\n")
    outcome = await editor_files(server).write_text(path, "y\n", old_text="x\n", title="t")
    assert not outcome.applied and outcome.reason == "the editor rejected the edit"
    assert server.text(uri) == "x\n" and not path.exists()


async def test_an_edit_the_editor_never_shows_is_not_applied(tmp_path: Path) -> None:
    server = StandInServer("visual-studio-code")
    server.answer = lambda params: True  # says yes, changes nothing
    path = tmp_path / "m.py"
    server.open(path, "x\n")
    started = asyncio.get_running_loop().time()
    outcome = await editor_files(server).write_text(path, "y\n", old_text="x\n", title="t")
    assert not outcome.applied and outcome.reason == UNCONFIRMED
    assert asyncio.get_running_loop().time() - started < 2
    assert not path.exists()


async def test_a_different_result_is_not_confirmed(tmp_path: Path) -> None:
    server = StandInServer("visual-studio-code")
    path = tmp_path / "m.py"
    uri = server.open(path, "x\n")

    def wrong(params: types.ApplyWorkspaceEditParams) -> bool:
        server.open(path, "something else\n", version=9)
        return True

    server.answer = wrong
    outcome = await editor_files(server).write_text(path, "y\n", old_text="x\n", title="t")
    assert not outcome.applied and outcome.reason == UNCONFIRMED
    assert server.text(uri) == "something else\n"


async def test_a_late_did_change_is_waited_for(tmp_path: Path) -> None:
    server = StandInServer("emacs", "utf-32")
    path = tmp_path / "m.py"
    uri = server.open(path, "x\n", version=1)

    def later(params: types.ApplyWorkspaceEditParams) -> bool:
        asyncio.get_running_loop().call_later(0.05, server.apply, params)
        return True

    server.answer = later
    outcome = await editor_files(server).write_text(path, "y\n", old_text="x\n", title="t")
    assert outcome.applied and server.text(uri) == "y\n"


async def test_a_buffer_that_changed_since_it_was_read_is_stale(tmp_path: Path) -> None:
    server = StandInServer("visual-studio-code")
    path = tmp_path / "m.py"
    uri = server.open(path, "typed by the user\n", version=5)
    outcome = await editor_files(server).write_text(path, "y\n", old_text="x\n", title="t")
    assert not outcome.applied and outcome.reason == STALE
    assert server.sent == [] and server.text(uri) == "typed by the user\n"


async def test_a_version_that_moves_before_sending_is_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = StandInServer("visual-studio-code")
    path = tmp_path / "m.py"
    server.open(path, "x\n", version=5)

    def typing_meanwhile(*args: Any, **kwargs: Any) -> types.WorkspaceEdit:
        server.open(path, "x\n", version=6)  # the user typed and undid it
        return document_edit(*args, **kwargs)

    monkeypatch.setattr("claude_lsp.lsp.host.document_edit", typing_meanwhile)
    outcome = await editor_files(server).write_text(path, "y\n", old_text="x\n", title="t")
    assert not outcome.applied and outcome.reason == STALE and server.sent == []


async def test_a_client_error_is_not_applied(tmp_path: Path) -> None:
    server = StandInServer("visual-studio-code")

    def broken(params: types.ApplyWorkspaceEditParams) -> bool:
        raise RuntimeError("boom")

    server.answer = broken
    path = tmp_path / "m.py"
    server.open(path, "x\n")
    outcome = await editor_files(server).write_text(path, "y\n", old_text="x\n", title="t")
    assert not outcome.applied and "boom" in outcome.reason


@pytest.mark.parametrize("review", [False, True])
async def test_an_edit_sent_for_review_asks_to_confirm_each_hunk(
    review: bool, tmp_path: Path
) -> None:
    server = StandInServer("visual-studio-code")
    path = tmp_path / "m.py"
    server.open(path, "a\nb\nc\n")
    files = editor_files(server)
    if review:
        files.review_next(path)
    outcome = await files.write_text(path, "A\nb\nC\n", old_text="a\nb\nc\n", title="t")
    assert outcome.applied
    (params,) = server.sent
    (change,) = params.edit.document_changes or []
    assert isinstance(change, types.TextDocumentEdit) and len(change.edits) == 2
    annotations = params.edit.change_annotations or {}
    if review:
        assert all(isinstance(e, types.AnnotatedTextEdit) for e in change.edits)
        assert all(a.needs_confirmation for a in annotations.values()) and len(annotations) == 2
    else:
        assert not any(isinstance(e, types.AnnotatedTextEdit) for e in change.edits)
        assert params.edit.change_annotations is None
    # a review applies to one edit only
    await files.write_text(path, "A\nB\nC\n", old_text="A\nb\nC\n", title="t")
    assert server.sent[-1].edit.change_annotations is None


def with_diff_review(server: StandInServer) -> StandInServer:
    server.client_capabilities.experimental = {"claude": {"protocolVersion": 1, "diffReview": True}}
    return server


def test_review_is_offered_only_where_the_editor_can_show_it(tmp_path: Path) -> None:
    opened, absent, on_disk = tmp_path / "open.py", tmp_path / "new.py", tmp_path / "disk.py"
    on_disk.write_text("x\n")
    vscode = with_diff_review(StandInServer("visual-studio-code"))
    vscode.open(opened, "x\n")
    files = editor_files(vscode)
    assert files.offers_review(opened) and files.offers_review(absent)
    assert not files.offers_review(on_disk)  # written on disk: no editor preview to review in
    plain = StandInServer("visual-studio-code")
    plain.open(opened, "x\n")
    assert not editor_files(plain).offers_review(opened)  # the client did not ask for it
    neovim = with_diff_review(StandInServer("neovim"))
    neovim.open(opened, "x\n")
    assert not editor_files(neovim).offers_review(opened)  # no change annotations


async def test_a_review_accepting_some_hunks_is_reported_as_partial(tmp_path: Path) -> None:
    server = StandInServer("visual-studio-code")
    path = tmp_path / "m.py"
    server.open(path, "a\nb\nc\n")

    def accept_first_hunk(params: types.ApplyWorkspaceEditParams) -> bool:
        (change,) = params.edit.document_changes or []
        assert isinstance(change, types.TextDocumentEdit)
        change.edits = change.edits[:1]
        return server.apply(params)

    server.answer = accept_first_hunk
    files = editor_files(server)
    files.review_next(path)
    outcome = await files.write_text(path, "A\nb\nC\n", old_text="a\nb\nc\n", title="t")
    assert not outcome.applied and "accepted only part" in outcome.reason
    assert server.text(path.as_uri()) == "A\nb\nc\n"


async def test_new_file_is_created_through_the_editor(tmp_path: Path) -> None:
    server = StandInServer("visual-studio-code")
    path = tmp_path / "new.py"
    outcome = await editor_files(server).write_text(path, "n = 1\n", old_text=None, title="t")
    assert outcome.applied
    assert server.text(path.as_uri()) == "n = 1\n" and not path.exists()
    create, _ = server.sent[0].edit.document_changes or []
    assert isinstance(create, types.CreateFile)


async def test_new_file_a_client_only_saved_counts_as_created(tmp_path: Path) -> None:
    server = StandInServer("visual-studio-code")
    path = tmp_path / "new.py"

    def save(params: types.ApplyWorkspaceEditParams) -> bool:
        path.write_bytes(b"n = 1\n")
        return True

    server.answer = save
    outcome = await editor_files(server).write_text(path, "n = 1\n", old_text=None, title="t")
    assert outcome.applied


@pytest.mark.parametrize("editor", ["neovim", "emacs"])
async def test_new_file_without_create_support_is_written_to_disk(
    editor: str, tmp_path: Path
) -> None:
    server = StandInServer(editor)
    path = tmp_path / "sub" / "new.py"
    outcome = await editor_files(server).write_text(path, "n = 1\n", old_text=None, title="t")
    assert outcome.applied and path.read_text() == "n = 1\n" and server.sent == []


async def test_existing_file_not_open_is_written_to_disk(tmp_path: Path) -> None:
    server = StandInServer("visual-studio-code")
    path = tmp_path / "m.py"
    path.write_text("x\n")
    outcome = await editor_files(server).write_text(path, "y\n", old_text="x\n", title="t")
    assert outcome.applied and path.read_text() == "y\n" and server.sent == []


async def test_open_document_of_a_new_file_with_content_is_stale(tmp_path: Path) -> None:
    server = StandInServer("visual-studio-code")
    path = tmp_path / "new.py"
    server.open(path, "already typed\n")
    outcome = await editor_files(server).write_text(path, "n = 1\n", old_text=None, title="t")
    assert not outcome.applied and outcome.reason == STALE and not path.exists()


async def test_client_without_apply_edit_is_never_written_behind(tmp_path: Path) -> None:
    server = StandInServer("visual-studio-code")
    server.client_capabilities = types.ClientCapabilities()
    path = tmp_path / "m.py"
    server.open(path, "x\n")
    outcome = await editor_files(server).write_text(path, "y\n", old_text="x\n", title="t")
    assert not outcome.applied and server.sent == [] and not path.exists()
