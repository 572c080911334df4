"""Agent edits as the smallest `WorkspaceEdit` the client can take.

Pure functions, no server: `EditorFiles` feeds them the buffer and the client's
capabilities. Small edits keep the user's cursor, folds and marks where they were and
make the undo step readable; whole-document replacements lose all of that.

Positions are counted in the negotiated position encoding (utf-16 for VS Code, utf-8
for Neovim 0.11, utf-32 for Emacs), and lines end at `\\n`, `\\r\\n` or `\\r` as LSP says.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from collections.abc import Sequence

UTF8 = "utf-8"
UTF16 = "utf-16"
UTF32 = "utf-32"
ANNOTATION_PREFIX = "claude-hunk-"

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> list[str]:
    """LSP lines with their terminators; a final terminator does not start a line."""
    return _LINE.findall(text)


def code_units(text: str, encoding: str | None) -> int:
    """Length of `text` in `encoding`'s code units (unknown encodings count as utf-16).

    utf-16 is LSP's default, so it is also what a client that negotiated nothing means.
    """
    if encoding == UTF32:
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass(frozen=True)
class Hunk:
    """Replace `text[start:end]` (code point offsets into the old text) with `new_text`."""

    start: int
    end: int
    new_text: str


def diff_hunks(old: str, new: str) -> list[Hunk]:
    """The changed spans turning `old` into `new`, in document order, not overlapping.

    Lines are matched with difflib; each changed block is then trimmed to the characters
    that differ, never splitting a `\\r\\n` (a position between the two is not valid).
    """
    if old == new:
        return []
    old_lines, new_lines = split_lines(old), split_lines(new)
    old_starts, new_starts = _offsets(old_lines), _offsets(new_lines)
    # Cheap common head and tail first: difflib is quadratic, most edits are small.
    head = 0
    limit = min(len(old_lines), len(new_lines))
    while head < limit and old_lines[head] == new_lines[head]:
        head += 1
    tail = 0
    while (
        tail < limit - head
        and old_lines[len(old_lines) - 1 - tail] == new_lines[len(new_lines) - 1 - tail]
    ):
        tail += 1
    matcher = SequenceMatcher(
        None,
        old_lines[head : len(old_lines) - tail],
        new_lines[head : len(new_lines) - tail],
        autojunk=False,
    )
    hunks = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        a_start, a_end = old_starts[head + i1], old_starts[head + i2]
        b_start, b_end = new_starts[head + j1], new_starts[head + j2]
        hunks.append(_trimmed(old, a_start, a_end, new[b_start:b_end]))
    return hunks


def _offsets(lines: Sequence[str]) -> list[int]:
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    return offsets


def _trimmed(old: str, start: int, end: int, replacement: str) -> Hunk:
    """The hunk `old[start:end] -> replacement` without its unchanged ends."""
    original = old[start:end]
    shortest = min(len(original), len(replacement))
    prefix = 0
    while prefix < shortest and original[prefix] == replacement[prefix]:
        prefix += 1
    if _inside_crlf(old, start + prefix):
        prefix -= 1
    suffix = 0
    while (
        suffix < shortest - prefix
        and original[len(original) - 1 - suffix] == replacement[len(replacement) - 1 - suffix]
    ):
        suffix += 1
    if _inside_crlf(old, end - suffix):
        suffix -= 1
    return Hunk(start + prefix, end - suffix, replacement[prefix : len(replacement) - suffix])


def _inside_crlf(text: str, offset: int) -> bool:
    return 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n"


def apply_hunks(old: str, hunks: Sequence[Hunk]) -> str:
    """`old` with `hunks` applied (what the client should end up with)."""
    parts = []
    position = 0
    for hunk in hunks:
        parts.append(old[position : hunk.start])
        parts.append(hunk.new_text)
        position = hunk.end
    parts.append(old[position:])
    return "".join(parts)


def same_text(seen: str, intended: str) -> bool:
    """Equal up to line endings, which clients may normalise (`normalizesLineEndings`)."""
    return seen == intended or _lf(seen) == _lf(intended)


def _lf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


class PositionMap:
    """Code point offsets into one text, as LSP positions in one encoding."""

    def __init__(self, text: str, encoding: str | None) -> None:
        self._text = text
        self._encoding = encoding
        self._line_starts = [0]
        for line in split_lines(text):
            if line.endswith(("\n", "\r")):
                self._line_starts.append(self._line_starts[-1] + len(line))
            # an unterminated last line starts no further line

    def position(self, offset: int) -> types.Position:
        line = bisect.bisect_right(self._line_starts, offset) - 1
        start = self._line_starts[line]
        return types.Position(
            line=line, character=code_units(self._text[start:offset], self._encoding)
        )


def text_edits(old: str, new: str, encoding: str | None) -> list[types.TextEdit]:
    """Minimal `TextEdit`s turning `old` into `new`, ranges in `encoding` units."""
    positions = PositionMap(old, encoding)
    return [
        types.TextEdit(
            range=types.Range(start=positions.position(h.start), end=positions.position(h.end)),
            new_text=h.new_text,
        )
        for h in diff_hunks(old, new)
    ]


@dataclass(frozen=True)
class EditSupport:
    """What the client said a `WorkspaceEdit` sent to it may contain."""

    apply_edit: bool = False
    document_changes: bool = False
    create_files: bool = False
    change_annotations: bool = False

    @classmethod
    def of(cls, capabilities: types.ClientCapabilities | None) -> EditSupport:
        workspace = capabilities.workspace if capabilities else None
        if workspace is None:
            return cls()
        edit = workspace.workspace_edit
        if edit is None:
            return cls(apply_edit=bool(workspace.apply_edit))
        return cls(
            apply_edit=bool(workspace.apply_edit),
            document_changes=bool(edit.document_changes),
            create_files=types.ResourceOperationKind.Create in (edit.resource_operations or ()),
            change_annotations=edit.change_annotation_support is not None,
        )


def document_edit(
    uri: str,
    version: int | None,
    edits: Sequence[types.TextEdit],
    support: EditSupport,
    *,
    label: str,
    review: bool = False,
) -> types.WorkspaceEdit:
    """The edit of one open document: versioned where possible, else plain `changes`.

    Neovim advertises no `documentChanges`, so it gets `changes` (no version check on
    its side; ours still happens). Hunks are annotated for review only where the client
    supports annotations, which also needs `documentChanges`.
    """
    if not support.document_changes:
        return types.WorkspaceEdit(changes={uri: list(edits)})
    annotations: dict[str, types.ChangeAnnotation] | None = None
    body: list[types.TextEdit | types.AnnotatedTextEdit | types.SnippetTextEdit] = list(edits)
    if review and support.change_annotations:
        annotations = {}
        body = []
        for number, edit in enumerate(edits, 1):
            key = f"{ANNOTATION_PREFIX}{number}"
            annotations[key] = _annotation(label, edit, number, len(edits))
            body.append(
                types.AnnotatedTextEdit(annotation_id=key, range=edit.range, new_text=edit.new_text)
            )
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=version
                ),
                edits=body,
            )
        ],
        change_annotations=annotations,
    )


def _annotation(
    label: str, edit: types.TextEdit, number: int, count: int
) -> types.ChangeAnnotation:
    first, last = edit.range.start.line + 1, edit.range.end.line + 1
    lines = f"line {first}" if first == last else f"lines {first}-{last}"
    return types.ChangeAnnotation(
        label=label, needs_confirmation=True, description=f"Change {number} of {count} ({lines})"
    )


def new_file_edit(
    uri: str, text: str, support: EditSupport, *, label: str, review: bool = False
) -> types.WorkspaceEdit | None:
    """`CreateFile` plus the content, or None where the client cannot create files.

    The creation fails if the file appeared meanwhile (no overwrite), so nothing the
    model never saw is clobbered.
    """
    if not (support.apply_edit and support.document_changes and support.create_files):
        return None
    annotated = review and support.change_annotations
    key = f"{ANNOTATION_PREFIX}1" if annotated else None
    changes: list[types.TextDocumentEdit | types.CreateFile | types.RenameFile | types.DeleteFile]
    changes = [
        types.CreateFile(
            uri=uri,
            options=types.CreateFileOptions(overwrite=False, ignore_if_exists=False),
            annotation_id=key,
        )
    ]
    if text:
        start = types.Position(line=0, character=0)
        insert = types.Range(start=start, end=start)
        content: types.TextEdit | types.AnnotatedTextEdit = (
            types.AnnotatedTextEdit(annotation_id=key, range=insert, new_text=text)
            if key
            else types.TextEdit(range=insert, new_text=text)
        )
        changes.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                edits=[content],
            )
        )
    annotations = (
        {key: types.ChangeAnnotation(label=label, needs_confirmation=True, description="New file")}
        if key
        else None
    )
    return types.WorkspaceEdit(document_changes=changes, change_annotations=annotations)
