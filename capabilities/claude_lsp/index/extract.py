"""Definitions and references of one file, from a tree-sitter parse and the language's tags query.

This is the index's inner loop (the whole CPython stdlib goes through it on a cold start), so
it runs one `QueryCursor.matches()` per file and as little Python per match as it can: what
each query pattern captures is worked out once per language, each node attribute a match
needs is read once (reading one costs more than the rest of the work on it), no dataclass is
built per capture, and the few rules the grammar cannot express (a function in a class is a
method, a Python assignment inside a function is a local) are decided from a stack of
enclosing definitions while walking them in source order.

A bulk build reads definitions only (`rows_of(..., references=False)`, the same query with
its reference patterns disabled): references are most of the matches, and reading them
only for the files a reference lookup needs makes a cold build a fifth faster.

The rules have one implementation and two output shapes. `rows_of` gives plain tuples, the
shape the cache stores, which the index's workers encode without building a dataclass per
capture; `symbols_of` (the editor's path) turns the same rows into the model's `FileSymbols`.

Query conventions (see `queries/*.scm`): `@definition.<kind>` marks a definition node, where
`<kind>` is one of the model's `SymbolKindName`s; `@reference.<anything>` marks a use; `@name`
is the name node of either; an optional `@container` names an enclosing type the tree does
not nest the definition in (a Go method's receiver, C++'s `Foo::bar`). When two patterns
define the same name, the one written later in the query file wins, so specific patterns
follow general ones.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast, get_args

from claude_lsp.index.languages import grammar, tags_query, tags_query_source
from claude_lsp.index.model import Definition, FileSymbols, Reference, Span, SymbolKindName

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Query, QueryCursor, Tree

DefinitionRow = tuple[str, SymbolKindName, str | None, int, int, int, int, int, int, int, int]
"""A definition as plain values: name, kind, container, then its range and its selection
(start line, start column, end line, end column each)."""

UsedNames = dict[str, list[int]]
"""A file's references by name: each name's spans, flattened (start line, start column, end
line, end column, start line, ...), in the order the query found them."""

_KINDS: frozenset[str] = frozenset(get_args(SymbolKindName))
# Definitions whose direct function children are methods.
_CLASS_LIKE = frozenset({"class", "struct", "interface", "enum"})
# Definitions whose direct variable children are locals, which the index leaves out
# (as ctags does by default).
_FUNCTION_LIKE = frozenset({"function", "method", "constructor"})
_VARIABLE_LIKE = frozenset({"variable", "constant"})
_DATA_LIKE = frozenset({"variable", "constant", "field"})
_CAPTURE = re.compile(rb"@(definition|reference)\.([A-Za-z_.]+)")
_COMMENT = re.compile(rb"(?m)^\s*;.*$")
# A reference pattern's entry in `_Roles.captures`: the name is all a reference keeps.
_USE = ""


@dataclass(frozen=True)
class _Rules:
    """What a language's grammar leaves for us to decide."""

    # Method names that construct an instance (`__init__`, `constructor`, `initialize`).
    constructor_names: frozenset[str] = frozenset()
    # A method named like its class is a constructor (C++).
    constructor_is_class_name: bool = False
    # An ALL_CAPS variable is a constant (Python's convention, which the grammar cannot see).
    upper_case_constants: bool = False
    # Turns a name node's text into the name where the node carries more (Ruby's `:sym`,
    # Bash's `name=value` in `alias name=value`).
    clean: Callable[[str], str] | None = None


_RULES: dict[str, _Rules] = {
    "python": _Rules(frozenset({"__init__"}), upper_case_constants=True),
    "javascript": _Rules(frozenset({"constructor"})),
    "typescript": _Rules(frozenset({"constructor"})),
    "tsx": _Rules(frozenset({"constructor"})),
    "ruby": _Rules(frozenset({"initialize"}), clean=lambda name: name.lstrip(":")),
    "bash": _Rules(clean=lambda name: name.partition("=")[0]),
    "cpp": _Rules(constructor_is_class_name=True),
}
_NO_RULES = _Rules()


@dataclass(frozen=True)
class _Roles:
    """What the patterns of a language's query capture: by pattern index, the capture that
    holds a definition's node (`_USE` for a reference, None for a pattern that captures
    neither), and the kind each definition pattern defines."""

    captures: tuple[str | None, ...]
    kinds: dict[int, SymbolKindName]


# A match that defines a name, in the order `_nest` wants them sorted: (definition start byte,
# minus its end byte, name start point (line, byte column), pattern index, definition node,
# name node, kind, container node)
_Found = tuple[int, int, tuple[int, int], int, "Node", "Node", SymbolKindName, "Node | None"]


class _Tools(threading.local):
    """One parser and query cursor per language and thread: `Parser` is not thread-safe."""

    def __init__(self) -> None:
        self.parsers: dict[str, Parser] = {}
        # by (language, whether the cursor's query reads references too)
        self.cursors: dict[tuple[str, bool], QueryCursor] = {}


_tools = _Tools()
_roles: dict[str, _Roles] = {}


def prepare(language: str, references: bool = True) -> None:
    """Load the grammar and compile the query of `language` for this thread now, rather than
    on its first file (a C++ query takes a third of a second to compile)."""
    _parser(language)
    _cursor(language, references)


def extract(language: str, source: bytes, old_tree: Tree | None = None) -> tuple[Tree, FileSymbols]:
    """Parse `source` (re-using `old_tree` once it has been `edit`ed) and read its symbols."""
    tree = parse(language, source, old_tree)
    return tree, symbols_of(language, tree)


def parse(language: str, source: bytes, old_tree: Tree | None = None) -> Tree:
    """Parse with this thread's cached parser; pass an edited `old_tree` to re-parse."""
    parser = _tools.parsers.get(language) or _parser(language)
    if old_tree is None:
        return parser.parse(source)
    return parser.parse(source, old_tree)


def symbols_of(language: str, tree: Tree) -> FileSymbols:
    """Definitions (in source order, with kinds and containers) and references of a tree."""
    rows, used = rows_of(language, tree)
    return FileSymbols(language, tuple(map(as_definition, rows)), as_references(used or {}))


def rows_of(
    language: str, tree: Tree, references: bool = True
) -> tuple[list[DefinitionRow], UsedNames | None]:
    """What `symbols_of` finds, as plain values: the definitions in source order, and the
    references by name (None when `references` is off). A definition's name is never also a
    use of it (several queries mark every type name)."""
    cursor = _tools.cursors.get((language, references)) or _cursor(language, references)
    roles = _roles[language]
    captures, kinds = roles.captures, roles.kinds
    found: dict[tuple[int, int], _Found] = {}  # keyed by the name's start
    uses: list[Node] = []
    use = uses.append
    for pattern, match in cursor.matches(tree.root_node):
        capture = captures[pattern]
        if not capture:
            if capture is not None:
                use(match["name"][0])
            continue
        name = match["name"][0]
        key = name.start_point
        previous = found.get(key)
        if previous is not None and previous[3] >= pattern:
            continue
        nodes = match.get(capture)
        if nodes:
            node = nodes[0]
            containers = match.get("container")
            found[key] = (
                node.start_byte,
                -node.end_byte,
                key,
                pattern,
                node,
                name,
                kinds[pattern],
                containers[0] if containers else None,
            )
    rows = _nest(sorted(found.values()), _RULES.get(language, _NO_RULES))
    return rows, _used(uses, found) if references else None


def as_definition(row: DefinitionRow) -> Definition:
    """A `DefinitionRow` as the model's `Definition`."""
    name, kind, container, a, b, c, d, e, f, g, h = row
    return Definition(name, kind, container, Span(a, b, c, d), Span(e, f, g, h))


def as_references(used: UsedNames) -> tuple[Reference, ...]:
    """`UsedNames` as the model's references, in source order."""
    located = sorted(
        (spans[at], spans[at + 1], spans[at + 2], spans[at + 3], name)
        for name, spans in used.items()
        for at in range(0, len(spans), 4)
    )
    return tuple(Reference(name, Span(a, b, c, d)) for a, b, c, d, name in located)


def _used(uses: list[Node], found: dict[tuple[int, int], _Found]) -> UsedNames:
    """The references among the name nodes `uses`, grouped by name."""
    by_text: dict[bytes, list[int]] = {}
    # Names that span lines (a C++ template's can), kept apart to keep the loop short.
    wrapped: dict[bytes, list[int]] = {}
    get = by_text.get
    for node in uses:
        point = node.start_point
        if point in found:
            continue
        text = node.text or b""
        spans = get(text)
        line, column = point
        if spans is not None:
            spans += (line, column, line, column + len(text))
        elif b"\n" in text:
            wrapped.setdefault(text, []).extend((line, column, *_wrapped_end(line, text)))
        else:
            by_text[text] = [line, column, line, column + len(text)]
    used: UsedNames = {}
    for text, spans in (*by_text.items(), *wrapped.items()):
        name = text.decode("utf-8", "replace")
        # Two byte strings that are not UTF-8 can decode to one name.
        used[name] = used[name] + spans if name in used else spans
    return used


def _nest(found: list[_Found], rules: _Rules) -> list[DefinitionRow]:
    """Give each definition its container and final kind, walking them in source order."""
    rows: list[DefinitionRow] = []
    add = rows.append
    # (start byte, end byte, kind, dotted path, name) of the enclosing definitions
    stack: list[tuple[int, int, SymbolKindName, str, str]] = []
    clean, upper_case_constants = rules.clean, rules.upper_case_constants
    constructor_names, constructor_is_class_name = (
        rules.constructor_names,
        rules.constructor_is_class_name,
    )
    for start, negative_end, name_start, _, node, name_node, kind, container_node in found:
        end = -negative_end
        while stack and stack[-1][1] <= start:
            stack.pop()
        # Several names defined by one node (`a, b = 1, 2`) are siblings, not nested.
        sibling = bool(stack) and stack[-1][0] == start and stack[-1][1] == end
        depth = len(stack) - 1 if sibling else len(stack)
        if kind in _VARIABLE_LIKE:
            # `a = b = 1`: b is a sibling of a, not a member of it.
            while depth and stack[depth - 1][2] in _DATA_LIKE:
                depth -= 1
            if depth and stack[depth - 1][2] in _FUNCTION_LIKE:
                continue
        parent_kind: str | None = None
        container: str | None = None
        parent_name: str | None = None
        if depth:
            _, _, parent_kind, container, parent_name = stack[depth - 1]
        if container_node is not None:
            extra = _text(container_node).replace("::", ".")
            container = f"{container}.{extra}" if container else extra
            parent_name = extra.rsplit(".", 1)[-1]
            parent_kind = "class"
        raw = name_node.text or b""
        name = raw.decode("utf-8", "replace")
        line, column = name_start
        if b"\n" in raw:
            end_line, end_column = _wrapped_end(line, raw)
        else:
            end_line, end_column = line, column + len(raw)
        if clean is not None and line == end_line:
            name, column, end_column = _cleaned(name, column, end_column, clean)
        elif clean is not None:
            name = clean(name)
        if kind in _VARIABLE_LIKE:
            if upper_case_constants and name.isupper():
                kind = "constant"
            elif kind == "variable" and parent_kind in _CLASS_LIKE:
                kind = "field"
        elif kind == "function" and parent_kind in _CLASS_LIKE:
            kind = "method"
        if kind == "method" and (
            name in constructor_names or (constructor_is_class_name and name == parent_name)
        ):
            kind = "constructor"
        if not sibling:
            stack.append((start, end, kind, f"{container}.{name}" if container else name, name))
        (start_line, start_column), (last_line, last_column) = node.start_point, node.end_point
        add(
            (
                name,
                kind,
                container,
                start_line,
                start_column,
                last_line,
                last_column,
                line,
                column,
                end_line,
                end_column,
            )
        )
    return rows


def _wrapped_end(line: int, text: bytes) -> tuple[int, int]:
    """Where a name that spans lines and starts on `line` ends (the end of a one-line name
    is its start plus its length in bytes: reading a node's end point costs more)."""
    return line + text.count(b"\n"), len(text) - text.rindex(b"\n") - 1


def _parser(language: str) -> Parser:
    from tree_sitter import Parser

    parser = _tools.parsers[language] = Parser(grammar(language))
    return parser


def _cursor(language: str, references: bool) -> QueryCursor:
    from tree_sitter import QueryCursor

    if references:
        query = tags_query(language)
        _roles_of(language, query)
    else:
        query = _definitions_query(language)
    cursor = _tools.cursors[language, references] = QueryCursor(query)
    return cursor


@functools.cache
def _definitions_query(language: str) -> Query:
    """The tags query with its reference patterns disabled (pattern indexes stay the same).
    Compiling is the costly part (a third of a second for C++), so this compiles the source
    itself rather than the shared full query too: a worker reading definitions only
    compiles one query."""
    from tree_sitter import Query

    query = Query(grammar(language), tags_query_source(language))
    for index, capture in enumerate(_roles_of(language, query).captures):
        if capture == _USE:
            query.disable_pattern(index)
    return query


def _roles_of(language: str, query: Query) -> _Roles:
    """The language's `_Roles`, read from `query` (any compilation of its tags query) the
    first time."""
    roles = _roles.get(language)
    if roles is None:
        roles = _roles[language] = _pattern_roles(language, query)
    return roles


def _pattern_roles(language: str, query: Query) -> _Roles:
    """What each pattern of the tags query captures, read once from the query's own text;
    `query` is any compilation of it (they all number the patterns alike)."""
    source = tags_query_source(language).encode("utf-8")
    captures: list[str | None] = []
    kinds: dict[int, SymbolKindName] = {}
    for index in range(query.pattern_count):
        text = source[query.start_byte_for_pattern(index) : query.end_byte_for_pattern(index)]
        text = _COMMENT.sub(b"", text)
        found = {(what.decode(), kind.decode()) for what, kind in _CAPTURE.findall(text)}
        if len(found) > 1:
            raise ValueError(f"{language} tags query: one pattern captures {sorted(found)}")
        capture: str | None = None
        if found:
            what, name = found.pop()
            if what == "reference":
                capture = _USE
            elif name in _KINDS:
                capture, kinds[index] = f"definition.{name}", cast(SymbolKindName, name)
            else:
                raise ValueError(f"{language} tags query: unknown kind @definition.{name}")
        captures.append(capture)
    return _Roles(tuple(captures), kinds)


def _cleaned(
    text: str, column: int, end_column: int, clean: Callable[[str], str]
) -> tuple[str, int, int]:
    """The cleaned name of a one-line name node, and the columns of the cleaned part."""
    name = clean(text)
    offset = text.find(name)
    if name == text or offset < 0:
        return name, column, end_column
    start = column + len(text[:offset].encode("utf-8"))
    return name, start, start + len(name.encode("utf-8"))


def _text(node: Node) -> str:
    text = node.text
    return text.decode("utf-8", "replace") if text is not None else ""
