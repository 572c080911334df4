"""Navigation from the symbol index: document and workspace symbols, definition,
references and hover.

Python asks jedi first (imports, attributes and inference, on its own thread) and the
index when jedi finds nothing; other languages use the index: the identifier under the
cursor is looked up by name. Positions go out in the negotiated encoding: the index
counts UTF-8 bytes, VS Code wants UTF-16.
"""

from __future__ import annotations

import asyncio
import logging
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from claude_lsp.index.positions import PositionEncoding
from claude_lsp.lsp.document_sync import OpenDocuments, byte_position, lsp_range
from claude_lsp.lsp.notifications import add_notification_listener

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from pygls.lsp.server import LanguageServer

    from claude_lsp.index.document import ParsedDocument
    from claude_lsp.index.model import Definition, Span
    from claude_lsp.index.python_jedi import PythonLocation, PythonNavigator
    from claude_lsp.lsp.indexing import WorkspaceIndexes

    # A jedi question: (path, text, line, byte column) -> where.
    _JediQuery = Callable[[Path, str, int, int], Awaitable[list[PythonLocation]]]

log = logging.getLogger(__name__)

WORKSPACE_SYMBOL_LIMIT = 100
LOCATION_LIMIT = 500
"""A common name (`get`, `run`) is defined hundreds of times in a big tree: enough."""
HEADER_LINES = 6
"""Hover shows a definition's first line, or its signature up to this many lines."""
JEDI_WARM_UP_DELAY_SECONDS = 1.0

SYMBOL_KINDS: dict[str, types.SymbolKind] = {
    "module": types.SymbolKind.Module,
    "namespace": types.SymbolKind.Namespace,
    "class": types.SymbolKind.Class,
    "interface": types.SymbolKind.Interface,
    "struct": types.SymbolKind.Struct,
    "enum": types.SymbolKind.Enum,
    "enum_member": types.SymbolKind.EnumMember,
    "type": types.SymbolKind.TypeParameter,
    "function": types.SymbolKind.Function,
    "method": types.SymbolKind.Method,
    "constructor": types.SymbolKind.Constructor,
    "field": types.SymbolKind.Field,
    "property": types.SymbolKind.Property,
    "constant": types.SymbolKind.Constant,
    "variable": types.SymbolKind.Variable,
    "macro": types.SymbolKind.Function,
}
# Languages whose files see each other's names; any other language only its own.
FAMILIES = {"typescript": "js", "tsx": "js", "javascript": "js", "c": "c", "cpp": "c"}
# Leaf node types that name something, beyond the grammars' `*identifier` types.
NAME_NODES = frozenset({"constant", "variable_name", "word"})


@dataclass(frozen=True)
class Target:
    """What a position request points at: the file as the editor shows it and the
    identifier under the cursor (if any)."""

    path: Path
    language: str
    text: str
    lines: Sequence[str]
    line: int
    column: int  # UTF-8 bytes
    name: str | None
    name_span: Span | None


class SymbolFeatures:
    """The navigation requests, answered from open buffers, the index and jedi."""

    def __init__(
        self, server: LanguageServer, documents: OpenDocuments, indexes: WorkspaceIndexes
    ) -> None:
        self._server = server
        self._documents = documents
        self._indexes = indexes
        self._navigator: PythonNavigator | None = None
        self._warming: asyncio.TimerHandle | None = None

    def register(self) -> None:
        server = self._server
        self._documents.subscribe(self._document_event)
        add_notification_listener(server, types.EXIT, lambda params: self._close())

        @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
        def document_symbol(
            params: types.DocumentSymbolParams,
        ) -> list[types.DocumentSymbol] | list[types.SymbolInformation] | None:
            return self.document_symbols(params.text_document.uri)

        @server.feature(types.WORKSPACE_SYMBOL)
        def workspace_symbol(params: types.WorkspaceSymbolParams) -> list[types.SymbolInformation]:
            return self.workspace_symbols(params.query)

        @server.feature(types.TEXT_DOCUMENT_DEFINITION)
        async def definition(params: types.DefinitionParams) -> list[types.Location] | None:
            return await self.definitions(params.text_document.uri, params.position)

        @server.feature(types.TEXT_DOCUMENT_REFERENCES)
        async def references(params: types.ReferenceParams) -> list[types.Location] | None:
            return await self.references(
                params.text_document.uri, params.position, params.context.include_declaration
            )

        @server.feature(types.TEXT_DOCUMENT_HOVER)
        async def hover(params: types.HoverParams) -> types.Hover | None:
            return await self.hover(params.text_document.uri, params.position)

    # -- documentSymbol and workspace/symbol --------------------------------------------

    def document_symbols(
        self, uri: str
    ) -> list[types.DocumentSymbol] | list[types.SymbolInformation] | None:
        """The file's outline: nested for clients that take it, flat otherwise."""
        document = self._documents.parse(uri)
        if document is None:
            return None
        definitions = self._documents.definitions(uri, document)
        lines = document.lines
        encoding = self._documents.encoding()
        if self._hierarchical():
            return outline(definitions, lines, encoding)
        return [
            types.SymbolInformation(
                name=definition.name,
                kind=SYMBOL_KINDS[definition.kind],
                location=types.Location(uri, lsp_range(lines, definition.range, encoding)),
                container_name=definition.container,
            )
            for definition in definitions
        ]

    def workspace_symbols(self, query: str) -> list[types.SymbolInformation]:
        """The best matches over every workspace's index, unsaved buffers included; while
        an index is still building, what it has so far."""
        self._documents.flush()
        hits = [
            hit
            for index in self._indexes.all()
            for hit in index.search(query, WORKSPACE_SYMBOL_LIMIT)
        ]
        symbols: list[types.SymbolInformation] = []
        for hit in hits[:WORKSPACE_SYMBOL_LIMIT]:
            location = self._location(hit.path, hit.definition.selection)
            if location is not None:
                symbols.append(
                    types.SymbolInformation(
                        name=hit.definition.name,
                        kind=SYMBOL_KINDS[hit.definition.kind],
                        location=location,
                        container_name=hit.definition.container,
                    )
                )
        return symbols

    def _hierarchical(self) -> bool:
        text_document = self._server.client_capabilities.text_document
        symbol = text_document.document_symbol if text_document else None
        return bool(symbol and symbol.hierarchical_document_symbol_support)

    # -- definition, references, hover --------------------------------------------------

    async def definitions(self, uri: str, position: types.Position) -> list[types.Location] | None:
        """jedi's answer for Python, else the index's definitions of the name there."""
        target = self._target(uri, position)
        if target is None:
            return None
        if target.language == "python":
            found = await self._ask_jedi(self._python().definitions, target)
            if found:
                return found
        if target.name is None:
            return None
        return _some(
            self._location(path, definition.selection)
            for path, definition in self._definitions_named(target.name, target)
        )

    async def references(
        self, uri: str, position: types.Position, include_declaration: bool
    ) -> list[types.Location] | None:
        """jedi's answer for Python, else the index's uses (and definitions) of the name."""
        target = self._target(uri, position)
        if target is None:
            return None
        if target.language == "python":
            ask = partial(self._python().references, include_declaration=include_declaration)
            found = await self._ask_jedi(ask, target)
            if found:
                return found
        name = target.name
        if name is None:
            return None
        spans: set[tuple[Path, Span]] = set()
        if include_declaration:
            spans.update(
                (path, definition.selection)
                for path, definition in self._definitions_named(name, target)
            )
        for index in self._indexes.all():
            spans.update(
                (path, reference.span)
                for path, reference in await index.references_named(name)
                if same_family(path, target.language)
            )
        ordered = sorted(spans, key=lambda place: (place[0] != target.path, place))
        return _some(self._location(path, span) for path, span in ordered[:LOCATION_LIMIT])

    async def hover(self, uri: str, position: types.Position) -> types.Hover | None:
        """jedi's help for Python; elsewhere (or when jedi knows nothing) the index's
        definition: its kind, container and first line(s)."""
        target = self._target(uri, position)
        if target is None:
            return None
        value: str | None = None
        if target.language == "python":
            try:
                value = await self._python().hover(
                    target.path, target.text, target.line, target.column
                )
            except Exception:  # jedi has its bugs; the index still answers
                log.exception("jedi hover failed at %s:%d", target.path, target.line + 1)
        if value is None and target.name is not None:
            found = self._definitions_named(target.name, target)
            if found:
                value = self._describe(*found[0], target)
        if value is None:
            return None
        encoding = self._documents.encoding()
        span = target.name_span
        return types.Hover(
            contents=self._markup(value),
            range=None if span is None else lsp_range(target.lines, span, encoding),
        )

    def _describe(self, path: Path, definition: Definition, target: Target) -> str:
        kind = definition.kind.replace("_", " ")
        where = f"{kind} in `{definition.container}`" if definition.container else kind
        place = f"{_display_path(path, self._indexes.roots)}:{definition.selection.start_line + 1}"
        header = _header(self._documents.lines(path) or (), definition.range)
        if not header:
            return f"{where} · {place}"
        return f"```{target.language}\n{header}\n```\n\n{where} · {place}"

    def _markup(self, markdown: str) -> types.MarkupContent:
        text_document = self._server.client_capabilities.text_document
        hover = text_document.hover if text_document else None
        formats = hover.content_format if hover else None
        kind = types.MarkupKind.Markdown
        if formats and types.MarkupKind.Markdown not in formats:
            kind = types.MarkupKind.PlainText
        return types.MarkupContent(kind=kind, value=markdown)

    # -- helpers ------------------------------------------------------------------------

    def _target(self, uri: str, position: types.Position) -> Target | None:
        fs_path = to_fs_path(uri)
        document = self._documents.parse(uri)
        if fs_path is None or document is None:
            return None
        lines = document.lines
        _, column = byte_position(lines, position, self._documents.encoding())
        found = identifier_at(document, position.line, column)
        name, span = found if found is not None else (None, None)
        return Target(
            Path(fs_path),
            document.language,
            document.text,
            lines,
            position.line,
            column,
            name,
            span,
        )

    def _definitions_named(self, name: str, target: Target) -> list[tuple[Path, Definition]]:
        """Definitions called `name` in the target's language family: the target's own
        file first. Before the index has the file, its own parse still answers."""
        self._documents.flush()
        found = [
            (hit.path, hit.definition)
            for index in self._indexes.all()
            for hit in index.definitions_named(name)
            if same_family(hit.path, target.language)
        ]
        if not any(path == target.path for path, _ in found):
            uri = from_fs_path(str(target.path))
            document = None if uri is None else self._documents.parse(uri)
            if document is not None:
                found += [
                    (target.path, definition)
                    for definition in document.symbols().definitions
                    if definition.name == name
                ]
        found.sort(key=lambda item: (item[0] != target.path, str(item[0])))
        return found[:LOCATION_LIMIT]

    async def _ask_jedi(self, ask: _JediQuery, target: Target) -> list[types.Location]:
        try:
            found = await ask(target.path, target.text, target.line, target.column)
        except Exception:  # jedi has its bugs; the index still answers
            log.exception("jedi failed at %s:%d", target.path, target.line + 1)
            return []
        return _some(self._location(found_at.path, found_at.span) for found_at in found)

    def _location(self, path: Path, span: Span) -> types.Location | None:
        uri = from_fs_path(str(path))
        where = None if uri is None else self._documents.client_range(path, span)
        return None if uri is None or where is None else types.Location(uri=uri, range=where)

    def _python(self) -> PythonNavigator:
        if self._navigator is None:
            from claude_lsp.index.python_jedi import PythonNavigator

            self._navigator = PythonNavigator(lambda: self._indexes.roots)
        return self._navigator

    def _document_event(self, uri: str, document: ParsedDocument | None) -> None:
        """The first Python buffer warms jedi up, so the first hover does not wait ~1 s.

        A moment later, though: the warm-up holds the GIL for most of a second, and the
        outline of the file just opened is asked for at once.
        """
        if self._warming is None and document is not None and document.language == "python":
            self._warming = asyncio.get_running_loop().call_later(
                JEDI_WARM_UP_DELAY_SECONDS, self._warm_up
            )

    def _warm_up(self) -> None:
        asyncio.ensure_future(self._python().warm_up()).add_done_callback(_log_failure)

    def _close(self) -> None:
        if self._navigator is not None:
            self._navigator.close()


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("jedi warm-up failed", exc_info=task.exception())


@dataclass
class _Node:
    definition: Definition
    children: list[_Node] = field(default_factory=list)


def outline(
    definitions: Sequence[Definition], lines: Sequence[str], encoding: PositionEncoding
) -> list[types.DocumentSymbol]:
    """Definitions nested under the enclosing definition their container names.

    A definition whose container is not around it (a Go method next to its struct) stays
    at the top, with the container as its detail.
    """
    roots: list[_Node] = []
    # Enclosing definitions of the current one: (dotted name, range, node).
    enclosing: list[tuple[str, Span, _Node]] = []
    ordered = sorted(
        definitions,
        key=lambda d: (
            d.range.start_line,
            d.range.start_column,
            -d.range.end_line,
            -d.range.end_column,
        ),
    )
    for definition in ordered:
        node = _Node(definition)
        while enclosing and not _within(definition.range, enclosing[-1][1]):
            enclosing.pop()
        parent = next(
            (entry[2] for entry in reversed(enclosing) if entry[0] == definition.container),
            None,
        )
        (roots if parent is None else parent.children).append(node)
        dotted = (
            f"{definition.container}.{definition.name}" if definition.container else definition.name
        )
        enclosing.append((dotted, definition.range, node))
    return [_document_symbol(node, lines, encoding, nested=False) for node in roots]


def _document_symbol(
    node: _Node, lines: Sequence[str], encoding: PositionEncoding, *, nested: bool
) -> types.DocumentSymbol:
    definition = node.definition
    full = definition.range
    # Clients reject a selection outside the range (VS Code drops the whole outline).
    selection = definition.selection if _within(definition.selection, full) else full
    return types.DocumentSymbol(
        name=definition.name,
        kind=SYMBOL_KINDS[definition.kind],
        range=lsp_range(lines, full, encoding),
        selection_range=lsp_range(lines, selection, encoding),
        detail=None if nested else definition.container,
        children=[_document_symbol(child, lines, encoding, nested=True) for child in node.children]
        or None,
    )


def identifier_at(document: ParsedDocument, line: int, column: int) -> tuple[str, Span] | None:
    """The identifier at (line, byte column), or just before it (a cursor after a name)."""
    from claude_lsp.index.model import Span

    root = document.tree.root_node
    for at in (column, column - 1):
        if at < 0:
            continue
        node = root.named_descendant_for_point_range((line, at), (line, at))
        if node is None or node.child_count or not _names_something(node.type):
            continue
        text = node.text.decode("utf-8", errors="replace") if node.text else ""
        if text and (text[0].isalpha() or text[0] in "_$@"):
            start, end = node.start_point, node.end_point
            return text, Span(start.row, start.column, end.row, end.column)
    return None


def _names_something(node_type: str) -> bool:
    return node_type.endswith("identifier") or node_type in NAME_NODES


def same_family(path: Path, language: str) -> bool:
    """Whether a definition in `path` can be what a name in `language` refers to."""
    from claude_lsp.index.languages import language_for

    other = language_for(path)
    return other is not None and FAMILIES.get(other, other) == FAMILIES.get(language, language)


def _some(locations: Iterable[types.Location | None]) -> list[types.Location]:
    """The locations found, each once, in order."""
    unique: dict[tuple[str, int, int, int, int], types.Location] = {}
    for location in locations:
        if location is not None:
            start, end = location.range.start, location.range.end
            key = (location.uri, start.line, start.character, end.line, end.character)
            unique.setdefault(key, location)
    return list(unique.values())


def _within(inner: Span, outer: Span) -> bool:
    return (outer.start_line, outer.start_column) <= (inner.start_line, inner.start_column) and (
        inner.end_line,
        inner.end_column,
    ) <= (outer.end_line, outer.end_column)


def _header(lines: Sequence[str], span: Span) -> str:
    """A definition's first line, continued while its brackets are open (a signature
    over several lines), at most HEADER_LINES."""
    taken: list[str] = []
    depth = 0
    for number in range(span.start_line, min(span.end_line + 1, span.start_line + HEADER_LINES)):
        if number >= len(lines):
            break
        text = lines[number]
        taken.append(text.rstrip())
        depth += sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")
        if depth <= 0 or text.rstrip().endswith("{"):
            break
    return textwrap.dedent("\n".join(taken)).strip()


def _display_path(path: Path, roots: Sequence[Path]) -> str:
    for root in roots:
        if path.is_relative_to(root):
            return path.relative_to(root).as_posix()
    return str(path)
