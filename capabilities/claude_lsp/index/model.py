"""What the symbol index knows about a file: definitions and references, in source terms.

Positions are tree-sitter's: 0-based lines and UTF-8 byte columns. They are converted
to the client's position encoding (UTF-16 for VS Code) only at the LSP edge, with
`claude_lsp.index.positions`, because only the edge knows the encoding and the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SymbolKindName = Literal[
    "module",
    "namespace",
    "class",
    "interface",
    "struct",
    "enum",
    "enum_member",
    "type",
    "function",
    "method",
    "constructor",
    "field",
    "property",
    "constant",
    "variable",
    "macro",
]
"""The kinds the index reports; the LSP edge maps them onto `SymbolKind`."""


@dataclass(frozen=True, order=True)
class Span:
    """A stretch of source: 0-based lines, UTF-8 byte columns, end exclusive."""

    start_line: int
    start_column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Definition:
    """One named definition: where it is (`range`) and where its name is (`selection`)."""

    name: str
    kind: SymbolKindName
    # The enclosing definitions' names, outermost first, joined with "." ("Greeter",
    # "Outer.Inner"); None at the top level.
    container: str | None
    range: Span
    selection: Span


@dataclass(frozen=True)
class Reference:
    """A use of a name the tags query recognises (a call, a type, ...)."""

    name: str
    span: Span


@dataclass(frozen=True)
class FileSymbols:
    """Everything the index keeps for one file."""

    language: str
    definitions: tuple[Definition, ...]
    references: tuple[Reference, ...]
