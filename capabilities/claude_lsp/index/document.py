"""An open document's parse, kept current edit by edit so typing re-parses incrementally.

Edits arrive in tree-sitter terms: (line, UTF-8 byte column) positions, which the LSP edge gets
from the client's positions with `positions.to_byte_column`. Each edit updates the text and
`Tree.edit`s the old tree at once; the re-parse (`parse(new_source, old_tree)`, which re-uses
every subtree the edits did not touch) waits until the tree is next needed, so the several
changes of one `didChange` cost one parse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from claude_lsp.index.extract import parse, symbols_of
from claude_lsp.index.model import FileSymbols, Span
from claude_lsp.index.positions import encode

if TYPE_CHECKING:
    from tree_sitter import Node, Tree

MAX_SYNTAX_PROBLEMS = 100
"""Past this many, a file is broken enough that more squiggles would not help."""


@dataclass(frozen=True)
class SyntaxProblem:
    """A place the parser could not make sense of: an ERROR node or a MISSING token."""

    span: Span
    message: str


class ParsedDocument:
    """The text, tree, symbols and syntax problems of one open document."""

    _source: bytes
    # Byte offset of each line's start, for turning (line, column) into offsets.
    _line_starts: list[int]
    # Derived from _source on demand, dropped on each change.
    _text: str | None
    _lines: list[str] | None
    _symbols: FileSymbols | None
    _problems: list[SyntaxProblem] | None

    def __init__(self, language: str, text: str) -> None:
        self.language = language
        self._tree: Tree | None = None
        self._stale = True
        self._set_text(text)

    @property
    def text(self) -> str:
        """The current text."""
        text = self._text
        if text is None:
            text = self._text = self._source.decode("utf-8", "surrogatepass")
        return text

    @property
    def source(self) -> bytes:
        """The current text as the UTF-8 bytes tree-sitter parses."""
        return self._source

    @property
    def lines(self) -> list[str]:
        """The lines split on "\\n", as tree-sitter counts rows (a "\\r" stays on its line)."""
        lines = self._lines
        if lines is None:
            lines = self._lines = self.text.split("\n")
        return lines

    @property
    def tree(self) -> Tree:
        """The parse of the current text, re-parsed incrementally after edits."""
        tree = self._tree
        if self._stale or tree is None:
            tree = self._tree = parse(self.language, self._source, tree)
            self._stale = False
        return tree

    def replace_all(self, text: str) -> None:
        """Take a whole new text (a full-document sync); the next parse starts afresh."""
        self._tree = None
        self._stale = True
        self._set_text(text)

    def apply_change(self, start: tuple[int, int], end: tuple[int, int], new_text: str) -> None:
        """Replace the text between two (line, UTF-8 byte column) positions.

        Positions past the end of a line or of the document are clamped to it, as LSP asks.
        """
        start_byte, start_point = self._offset(start)
        end_byte, end_point = self._offset(end)
        if end_byte < start_byte:
            start_byte, end_byte = end_byte, start_byte
            start_point, end_point = end_point, start_point
        inserted = encode(new_text)
        newlines = inserted.count(b"\n")
        if newlines:
            last_line = len(inserted) - inserted.rfind(b"\n") - 1
            new_end_point = (start_point[0] + newlines, last_line)
        else:
            new_end_point = (start_point[0], start_point[1] + len(inserted))
        source = self._source
        self._source = source[:start_byte] + inserted + source[end_byte:]
        self._text = None
        self._lines = None
        self._symbols = None
        self._problems = None
        self._line_starts = self._spliced_line_starts(
            start_byte, end_byte, start_point[0], end_point[0], inserted
        )
        if self._tree is not None:
            self._tree.edit(
                start_byte=start_byte,
                old_end_byte=end_byte,
                new_end_byte=start_byte + len(inserted),
                start_point=start_point,
                old_end_point=end_point,
                new_end_point=new_end_point,
            )
        self._stale = True

    def symbols(self) -> FileSymbols:
        """Definitions and references, computed once per version of the text."""
        symbols = self._symbols
        if symbols is None:
            symbols = self._symbols = symbols_of(self.language, self.tree)
        return symbols

    def syntax_errors(self) -> list[SyntaxProblem]:
        """One problem per ERROR node or MISSING token (not per node inside them), in order."""
        problems = self._problems
        if problems is None:
            problems = []
            root = self.tree.root_node
            if root.has_error:
                _collect_problems(root, problems)
            self._problems = problems
        return list(problems)

    def _set_text(self, text: str) -> None:
        self._text = text
        self._source = encode(text)
        self._lines = None
        self._symbols = None
        self._problems = None
        source = self._source
        starts = [0]
        index = source.find(b"\n")
        while index >= 0:
            starts.append(index + 1)
            index = source.find(b"\n", index + 1)
        self._line_starts = starts

    def _offset(self, position: tuple[int, int]) -> tuple[int, tuple[int, int]]:
        """The byte offset and clamped (line, column) point of a position."""
        line, column = position
        starts = self._line_starts
        if line < 0:
            return 0, (0, 0)
        if line >= len(starts):
            line = len(starts) - 1
            column = len(self._source) - starts[line]
        line_start = starts[line]
        line_end = starts[line + 1] - 1 if line + 1 < len(starts) else len(self._source)
        offset = line_start + max(0, min(column, line_end - line_start))
        return offset, (line, offset - line_start)

    def _spliced_line_starts(
        self, start_byte: int, end_byte: int, start_line: int, end_line: int, inserted: bytes
    ) -> list[int]:
        """Line start offsets after an edit: kept before it, new within it, shifted after it."""
        starts = self._line_starts
        delta = len(inserted) - (end_byte - start_byte)
        middle = []
        index = inserted.find(b"\n")
        while index >= 0:
            middle.append(start_byte + index + 1)
            index = inserted.find(b"\n", index + 1)
        return starts[: start_line + 1] + middle + [s + delta for s in starts[end_line + 1 :]]


def _collect_problems(root: Node, problems: list[SyntaxProblem]) -> None:
    """Walk only the subtrees that contain errors, stopping at each ERROR or MISSING node.

    Iterative, so that deeply nested code cannot exhaust Python's recursion limit.
    """
    pending = [root]
    while pending and len(problems) < MAX_SYNTAX_PROBLEMS:
        node = pending.pop()
        if node.is_error:
            problems.append(SyntaxProblem(_first_line(node), "Syntax error"))
        elif node.is_missing:
            kind = node.type if node.is_named else f'"{node.type}"'
            problems.append(SyntaxProblem(_span(node), f"Missing {kind}"))
        elif node.has_error:
            pending.extend(reversed(node.children))


def _span(node: Node) -> Span:
    start, end = node.start_point, node.end_point
    return Span(start[0], start[1], end[0], end[1])


def _first_line(node: Node) -> Span:
    """An ERROR node's span, cut at the end of its first line: when the parser gives up on a
    large region, underlining all of it would hide where the trouble starts."""
    start, end = node.start_point, node.end_point
    if start[0] == end[0]:
        return Span(start[0], start[1], end[0], end[1])
    text = node.text or b""
    newline = text.find(b"\n")
    return Span(start[0], start[1], start[0], start[1] + (newline if newline >= 0 else 0))
