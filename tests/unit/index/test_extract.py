"""Definitions and references per language, on real-looking fixtures.

Each fixture's outline is pinned in full: (1-based line of the name, kind, dotted container
path + name). The lists hold at least what universal-ctags reports for the same files with its
default kinds (checked when they were written), minus imports, plus what ctags misses.
"""

from __future__ import annotations

import sysconfig
import threading
from pathlib import Path

import pytest

from claude_lsp.index.extract import _used, extract, parse, prepare, rows_of, symbols_of
from claude_lsp.index.languages import LANGUAGES
from claude_lsp.index.model import Definition, FileSymbols, Reference, Span
from claude_lsp.index.store import (
    defined_names,
    definition_rows,
    encode_rows,
    to_definition,
    to_references,
)

FIXTURES = Path(__file__).parent / "fixtures"
STDLIB = Path(sysconfig.get_paths()["stdlib"])

OUTLINES: dict[str, list[tuple[int, str, str]]] = {
    "bash/deploy.sh": [
        (5, "constant", "APP_NAME"),
        (6, "variable", "DEPLOY_ENV"),
        (7, "variable", "RETRIES"),
        (8, "variable", "HOSTS"),
        (10, "function", "ll"),
        (12, "function", "log"),
        (18, "function", "deploy_host"),
        (24, "function", "retry"),
        (32, "function", "main"),
    ],
    "c/buffer.c": [
        (5, "macro", "BUFFER_MIN"),
        (6, "macro", "MAX"),
        (8, "type", "byte"),
        (10, "struct", "buffer"),
        (11, "field", "buffer.data"),
        (12, "field", "buffer.length"),
        (12, "field", "buffer.capacity"),
        (17, "type", "point_t"),
        (16, "field", "point_t.x"),
        (16, "field", "point_t.y"),
        (19, "type", "node_t"),
        (21, "struct", "value"),
        (22, "field", "value.integer"),
        (23, "field", "value.real"),
        (26, "enum", "color"),
        (26, "enum_member", "color.RED"),
        (26, "enum_member", "color.GREEN"),
        (26, "enum_member", "color.BLUE"),
        (28, "type", "level_t"),
        (28, "enum_member", "level_t.LOW"),
        (28, "enum_member", "level_t.HIGH"),
        (30, "variable", "instances"),
        (31, "variable", "buffer_version"),
        (32, "variable", "counters"),
        (32, "variable", "total"),
        (37, "function", "grow"),
        (42, "function", "buffer_append"),
        (55, "function", "buffer_string"),
        (63, "variable", "on_free"),
    ],
    "cpp/matrix.hpp": [
        (6, "macro", "MATRIX_VERSION"),
        (8, "namespace", "linalg"),
        (10, "variable", "linalg.kMaxRank"),
        (12, "enum", "linalg.Layout"),
        (12, "enum_member", "linalg.Layout.RowMajor"),
        (12, "enum_member", "linalg.Layout.ColumnMajor"),
        (14, "struct", "linalg.Shape"),
        (15, "field", "linalg.Shape.rows"),
        (16, "field", "linalg.Shape.cols"),
        (19, "type", "linalg.Index"),
        (20, "type", "linalg.scalar"),
        (23, "class", "linalg.Matrix"),
        (25, "constructor", "linalg.Matrix.Matrix"),
        (26, "method", "linalg.Matrix.~Matrix"),
        (28, "method", "linalg.Matrix.at"),
        (29, "method", "linalg.Matrix.rows"),
        (30, "method", "linalg.Matrix.operator*"),
        (32, "method", "linalg.Matrix.identity"),
        (35, "field", "linalg.Matrix.shape_"),
        (36, "field", "linalg.Matrix.data_"),
        (40, "constructor", "linalg.Matrix.Matrix"),
        (43, "method", "linalg.Matrix.~Matrix"),
        (46, "method", "linalg.Matrix.at"),
        (50, "namespace", "linalg.detail"),
        (51, "function", "linalg.detail.clamp"),
        (58, "class", "Printer"),
        (60, "constructor", "Printer.Printer"),
        (61, "method", "Printer.print"),
        (64, "field", "Printer.prefix_"),
        (67, "method", "Printer.print"),
        (71, "function", "linalg_main"),
    ],
    "go/server.go": [
        (2, "module", "server"),
        (9, "constant", "DefaultPort"),
        (12, "constant", "ModeDev"),
        (13, "constant", "ModeProd"),
        (17, "variable", "greeting"),
        (18, "variable", "requests"),
        (21, "variable", "logger"),
        (24, "type", "Mode"),
        (26, "type", "Handler"),
        (29, "interface", "Greeter"),
        (30, "method", "Greeter.Greet"),
        (35, "struct", "Server"),
        (36, "field", "Server.Addr"),
        (37, "field", "Server.handler"),
        (38, "field", "Server.Server"),
        (39, "field", "Server.stats"),
        (40, "field", "Server.stats.hits"),
        (45, "type", "ID"),
        (46, "type", "Names"),
        (50, "function", "NewServer"),
        (55, "method", "Server.Greet"),
        (60, "method", "Server.String"),
        (64, "method", "Names.Len"),
        (66, "function", "Map"),
    ],
    "java/Library.java": [
        (2, "module", "org.example.library"),
        (8, "interface", "Audited"),
        (9, "method", "Audited.by"),
        (12, "class", "Library"),
        (13, "constant", "Library.MAX_BOOKS"),
        (14, "field", "Library.books"),
        (15, "field", "Library.name"),
        (15, "field", "Library.city"),
        (17, "constructor", "Library.Library"),
        (21, "method", "Library.add"),
        (26, "method", "Library.iterator"),
        (30, "class", "Library.Shelf"),
        (31, "field", "Library.Shelf.capacity"),
        (33, "constructor", "Library.Shelf.Shelf"),
        (38, "class", "Library.Cursor"),
        (39, "field", "Library.Cursor.position"),
        (43, "interface", "Lendable"),
        (44, "constant", "Lendable.LOAN_DAYS"),
        (46, "method", "Lendable.lend"),
        (48, "method", "Lendable.renew"),
        (53, "enum", "Genre"),
        (54, "enum_member", "Genre.FICTION"),
        (55, "enum_member", "Genre.SCIENCE"),
        (57, "field", "Genre.label"),
        (59, "constructor", "Genre.Genre"),
        (63, "method", "Genre.label"),
        (68, "class", "Book"),
        (69, "method", "Book.lend"),
    ],
    "javascript/shapes.js": [
        (3, "constant", "fs"),
        (5, "constant", "DEFAULT_COLOR"),
        (6, "variable", "counter"),
        (7, "variable", "legacy"),
        (10, "class", "Shape"),
        (11, "field", "Shape.count"),
        (12, "field", "Shape.#secret"),
        (13, "field", "Shape.label"),
        (15, "constructor", "Shape.constructor"),
        (20, "property", "Shape.size"),
        (24, "property", "Shape.size"),
        (28, "method", "Shape.area"),
        (32, "method", "Shape.create"),
        (36, "method", "Shape.points"),
        (40, "method", "Shape.load"),
        (45, "class", "Circle"),
        (46, "method", "Circle.area"),
        (51, "function", "makeRegistry"),
        (53, "function", "makeRegistry.register"),
        (59, "function", "ids"),
        (63, "function", "square"),
        (64, "constant", "helpers"),
        (65, "method", "helpers.double"),
        (68, "method", "helpers.triple"),
        (71, "method", "helpers.half"),
        (74, "function", "cube"),
        (78, "class", "Anonymous"),
        (79, "method", "Anonymous.run"),
    ],
    "python/inventory.py": [
        (8, "variable", "log"),
        (9, "constant", "MAX_ITEMS"),
        (10, "variable", "first"),
        (10, "variable", "second"),
        (11, "variable", "ratio"),
        (16, "variable", "json"),
        (20, "class", "Item"),
        (23, "field", "Item.name"),
        (24, "field", "Item.quantity"),
        (25, "field", "Item.tags"),
        (26, "constant", "Item.DEFAULT_TAG"),
        (28, "constructor", "Item.__init__"),
        (33, "method", "Item.empty"),
        (36, "class", "Item.Meta"),
        (37, "field", "Item.Meta.ordering"),
        (40, "class", "Inventory"),
        (41, "method", "Inventory.add"),
        (44, "function", "Inventory.add.describe"),
        (48, "class", "Inventory.add.Snapshot"),
        (49, "field", "Inventory.add.Snapshot.size"),
        (54, "method", "Inventory.sync"),
        (58, "function", "restock"),
        (64, "function", "normalize"),
        (65, "variable", "café"),
        (65, "variable", "é_count"),
        (66, "variable", "smile"),
        (66, "variable", "after_smile"),
    ],
    "ruby/account.rb": [
        (4, "constant", "MAX_BALANCE"),
        (6, "module", "Banking"),
        (7, "constant", "Banking.VERSION"),
        (9, "class", "Banking.Error"),
        (11, "class", "Banking.Account"),
        (13, "property", "Banking.Account.owner"),
        (13, "property", "Banking.Account.balance"),
        (14, "property", "Banking.Account.nickname"),
        (15, "constant", "Banking.Account.RATE"),
        (17, "constructor", "Banking.Account.initialize"),
        (22, "method", "Banking.Account.deposit"),
        (28, "method", "Banking.Account.<=>"),
        (32, "method", "Banking.Account.open"),
        (37, "method", "Banking.Account.bank_name"),
        (42, "method", "Banking.Account.add"),
        (43, "method", "Banking.Account.credit"),
        (47, "method", "Banking.Account.audit!"),
        (52, "module", "Banking.Helpers"),
        (53, "method", "Banking.Helpers.format"),
        (59, "class", "Banking.Savings"),
        (60, "method", "Banking.Savings.interest"),
        (65, "method", "top_level_helper"),
    ],
    "rust/shapes.rs": [
        (4, "constant", "MAX_SIDES"),
        (5, "variable", "COUNTER"),
        (7, "type", "Coord"),
        (11, "struct", "Point"),
        (12, "field", "Point.x"),
        (13, "field", "Point.y"),
        (16, "struct", "Meters"),
        (18, "enum", "Shape"),
        (19, "enum_member", "Shape.Circle"),
        (19, "field", "Shape.Circle.center"),
        (19, "field", "Shape.Circle.radius"),
        (20, "enum_member", "Shape.Polygon"),
        (21, "enum_member", "Shape.Empty"),
        (24, "struct", "Bits"),
        (25, "field", "Bits.int"),
        (26, "field", "Bits.float"),
        (29, "interface", "Area"),
        (30, "constant", "Area.UNIT"),
        (31, "type", "Area.Output"),
        (32, "method", "Area.area"),
        (33, "method", "Area.describe"),
        (38, "namespace", "Point"),
        (39, "method", "Point.new"),
        (43, "method", "Point.distance"),
        (48, "namespace", "Shape"),
        (49, "constant", "Shape.UNIT"),
        (50, "type", "Shape.Output"),
        (52, "method", "Shape.area"),
        (61, "namespace", "Point"),
        (62, "method", "Point.fmt"),
        (67, "function", "shoelace"),
        (68, "function", "shoelace.cross"),
        (75, "macro", "square"),
        (81, "module", "units"),
        (82, "constant", "units.METER"),
        (84, "function", "units.to_feet"),
    ],
    "tsx/Counter.tsx": [
        (4, "interface", "CounterProps"),
        (5, "property", "CounterProps.start"),
        (6, "property", "CounterProps.label"),
        (9, "constant", "STEP"),
        (11, "function", "Counter"),
        (13, "function", "Counter.increment"),
        (21, "class", "Panel"),
        (22, "field", "Panel.state"),
        (24, "field", "Panel.toggle"),
        (28, "method", "Panel.render"),
        (33, "function", "Badge"),
    ],
    "typescript/inventory.ts": [
        (4, "constant", "MAX_ITEMS"),
        (5, "variable", "lastId"),
        (7, "interface", "Item"),
        (8, "property", "Item.id"),
        (9, "property", "Item.name"),
        (10, "method", "Item.describe"),
        (13, "type", "ItemId"),
        (15, "enum", "Status"),
        (16, "enum_member", "Status.Active"),
        (17, "enum_member", "Status.Archived"),
        (20, "enum", "Flags"),
        (21, "enum_member", "Flags.None"),
        (22, "enum_member", "Flags.Dirty"),
        (25, "class", "Repository"),
        (26, "field", "Repository.items"),
        (27, "method", "Repository.find"),
        (30, "class", "Inventory"),
        (31, "field", "Inventory.instances"),
        (32, "field", "Inventory.owner"),
        (34, "constructor", "Inventory.constructor"),
        (40, "method", "Inventory.find"),
        (44, "property", "Inventory.size"),
        (52, "method", "Inventory.load"),
        (58, "namespace", "Reports"),
        (59, "function", "Reports.summary"),
        (62, "namespace", "Reports.Nested"),
        (63, "constant", "Reports.Nested.VERSION"),
        (67, "module", "legacy-store"),
        (68, "function", "legacy-store.open"),
        (71, "function", "nextId"),
        (75, "function", "parse"),
        (76, "function", "parse"),
        (77, "function", "parse"),
        (81, "function", "toLabel"),
        (82, "constant", "FACE"),
        (82, "constant", "AFTER_FACE"),
    ],
}


def symbols(path: str) -> FileSymbols:
    """The symbols of a fixture, whose folder names its language."""
    _, found = extract(path.split("/")[0], (FIXTURES / path).read_bytes())
    return found


def qualified(definition: Definition) -> str:
    container = definition.container
    return f"{container}.{definition.name}" if container else definition.name


def find(found: FileSymbols, name: str, kind: str | None = None) -> Definition:
    matches = [d for d in found.definitions if qualified(d) == name and kind in (None, d.kind)]
    assert len(matches) == 1, matches
    return matches[0]


def test_every_language_has_a_fixture() -> None:
    assert {path.split("/")[0] for path in OUTLINES} == set(LANGUAGES)


@pytest.mark.parametrize("path", sorted(OUTLINES))
def test_outline_of_each_fixture(path: str) -> None:
    found = symbols(path)
    outline = [(d.selection.start_line + 1, d.kind, qualified(d)) for d in found.definitions]
    assert outline == OUTLINES[path]
    assert found.language == path.split("/")[0]


@pytest.mark.parametrize("path", sorted(OUTLINES))
def test_selection_is_the_name_inside_the_range(path: str) -> None:
    lines = (FIXTURES / path).read_bytes().split(b"\n")
    found = symbols(path)
    starts = [(d.range.start_line, d.range.start_column) for d in found.definitions]
    assert starts == sorted(starts), "definitions come in source order"
    for definition in found.definitions:
        selection, whole = definition.selection, definition.range
        assert selection.start_line == selection.end_line
        text = lines[selection.start_line][selection.start_column : selection.end_column]
        assert text.decode() == definition.name
        assert (whole.start_line, whole.start_column) <= (
            selection.start_line,
            selection.start_column,
        )
        assert (selection.end_line, selection.end_column) <= (whole.end_line, whole.end_column)


def test_python_ranges_cover_the_whole_definition_and_its_decorators() -> None:
    found = symbols("python/inventory.py")
    item = find(found, "Item")
    assert item.range == Span(18, 0, 36, 28)  # from `@dataclass` to the end of class Meta
    assert item.selection == Span(19, 6, 19, 10)
    empty = find(found, "Item.empty")
    assert empty.range.start_line == 31  # `@property`
    assert empty.selection == Span(32, 8, 32, 13)
    assert find(found, "Inventory.add").range == Span(40, 4, 51, 30)


def test_python_leaves_out_imports_and_locals() -> None:
    found = symbols("python/inventory.py")
    names = {d.name for d in found.definitions}
    assert not names & {"annotations", "logging", "dataclass", "field"}
    assert not names & {"total", "label", "item", "entry", "self"}
    # json is bound by an import and by the fallback assignment: only the assignment counts
    assert find(found, "json").selection.start_line == 15


def test_python_lambdas_bound_by_name_or_by_tuple_are_functions_even_in_methods() -> None:
    source = b"""\
class Checks:
    def run(self):
        total = 0
        first, second = lambda: 1, lambda: 2
        plain, third = 0, lambda: 3
        square = lambda x: x * x
pair, other = lambda: 0, 1
"""
    _, found = extract("python", source)
    kinds = {(d.name, d.kind, d.container) for d in found.definitions}
    assert kinds == {
        ("Checks", "class", None),
        ("run", "method", "Checks"),
        ("first", "function", "Checks.run"),
        ("second", "function", "Checks.run"),
        ("third", "function", "Checks.run"),
        ("square", "function", "Checks.run"),
        ("pair", "function", None),
        ("other", "variable", None),
    }


def test_python_class_headers_left_in_an_error_are_still_classes() -> None:
    # tree-sitter-python gives up on what follows a dedent inside brackets, which is
    # valid Python; the class headers after it end up in an ERROR node.
    source = b"""\
def f():
    (bar.
baz)
    return 1

class Later(Base):
    def method(self):
        pass

class Plain:
    pass
"""
    _, found = extract("python", source)
    classes = {(d.name, d.selection.start_line) for d in found.definitions if d.kind == "class"}
    assert classes == {("Later", 5), ("Plain", 9)}


def test_byte_columns_after_non_ascii_text() -> None:
    found = symbols("python/inventory.py")
    line = (FIXTURES / "python/inventory.py").read_text(encoding="utf-8").split("\n")[64]
    assert line.startswith("café")
    after = find(found, "é_count")
    prefix = line[: line.index("é_count")]
    assert after.selection.start_column == len(prefix.encode("utf-8"))
    assert after.selection.end_column == after.selection.start_column + len("é_count".encode())
    smile = find(found, "after_smile")
    assert smile.selection.start_column == len('smile = "😀"; '.encode())


def test_references_are_uses_in_source_order_and_never_the_definitions() -> None:
    python = symbols("python/inventory.py")
    calls = {(r.name, r.span.start_line + 1) for r in python.references}
    assert {("getLogger", 8), ("describe", 51), ("Item", 59), ("strip", 64)} <= calls
    go = [(r.name, r.span.start_line + 1) for r in symbols("go/server.go").references]
    assert ("Sprintf", 57) in go
    assert ("Server", 50) in go  # the result type of NewServer
    assert ("Server", 35) not in go  # `type Server struct` defines it
    for path in OUTLINES:
        found = symbols(path)
        defined = {d.selection for d in found.definitions}
        assert not [r for r in found.references if r.span in defined], path
        spans = [r.span for r in found.references]
        assert spans == sorted(spans), path


def test_javascript_references_skip_require_and_count_new_and_extends() -> None:
    names = {r.name for r in symbols("javascript/shapes.js").references}
    assert "require" not in names
    assert {"EventEmitter", "Shape", "Map", "readFile", "set"} <= names


def test_go_methods_belong_to_their_receiver_type() -> None:
    found = symbols("go/server.go")
    greet = find(found, "Server.Greet")
    assert greet.kind == "method"
    assert greet.range.start_line == 54
    assert find(found, "Names.Len").container == "Names"


def test_cpp_methods_defined_outside_the_class_get_it_as_container() -> None:
    found = symbols("cpp/matrix.hpp")
    outside = [d for d in found.definitions if d.range.start_line == 45]
    assert [(d.name, d.kind, d.container) for d in outside] == [("at", "method", "linalg.Matrix")]
    assert [d.range.start_line for d in found.definitions if d.name == "print"] == [60, 66]


def test_ruby_symbol_names_lose_their_colon_and_keep_a_precise_selection() -> None:
    found = symbols("ruby/account.rb")
    assert find(found, "Banking.Account.owner").selection == Span(12, 17, 12, 22)
    assert find(found, "Banking.Account.add").selection == Span(41, 18, 41, 21)


def test_bash_alias_name_stops_at_the_equals_sign() -> None:
    assert find(symbols("bash/deploy.sh"), "ll").selection == Span(9, 6, 9, 8)


def test_typescript_and_tsx_share_the_query_but_parse_with_their_own_grammar() -> None:
    source = (
        b'const view = <Panel title="x" />;\nexport function shown(): boolean { return true; }\n'
    )
    tree, found = extract("tsx", source)
    assert not tree.root_node.has_error
    assert [(d.name, d.kind) for d in found.definitions] == [
        ("view", "constant"),
        ("shown", "function"),
    ]
    tree, _ = extract("typescript", source)
    assert tree.root_node.has_error  # JSX is not TypeScript


def test_extract_reuses_an_edited_old_tree() -> None:
    before = b"def first():\n    pass\n"
    tree, _ = extract("python", before)
    after = before + b"\ndef second():\n    pass\n"
    tree.edit(
        start_byte=len(before),
        old_end_byte=len(before),
        new_end_byte=len(after),
        start_point=(2, 0),
        old_end_point=(2, 0),
        new_end_point=(5, 0),
    )
    new_tree, found = extract("python", after, tree)
    assert [d.name for d in found.definitions] == ["first", "second"]
    assert str(new_tree.root_node) == str(parse("python", after).root_node)
    assert symbols_of("python", new_tree) == found


def test_broken_code_still_yields_the_definitions_around_the_error() -> None:
    source = (
        b"class Good:\n    def ok(self):\n        return 1\n\ndef broken(:\n    pass\n\nAFTER = 2\n"
    )
    tree, found = extract("python", source)
    assert tree.root_node.has_error
    assert {"Good", "Good.ok", "AFTER"} <= {qualified(d) for d in found.definitions}


def test_empty_and_non_ascii_sources() -> None:
    for language in LANGUAGES:
        _, found = extract(language, b"")
        assert found == FileSymbols(language, (), ())
    _, found = extract("python", "π = 3.14159\n".encode())
    assert [(d.name, d.kind, d.selection) for d in found.definitions] == [
        ("π", "variable", Span(0, 0, 0, 2))
    ]


def stored_symbols(language: str, source: bytes) -> FileSymbols:
    """The symbols the index's workers store for `source` (`rows_of`, encoded), decoded the
    way the index decodes them. A bulk build's definitions-only rows must be the same
    definitions."""
    tree = parse(language, source)
    encoded = encode_rows(*rows_of(language, tree))
    definitions_only = encode_rows(*rows_of(language, tree, references=False))
    assert definitions_only.definitions == encoded.definitions
    assert definitions_only.names == encoded.names
    assert definitions_only.references is None and encoded.references is not None
    definitions = tuple(map(to_definition, definition_rows(encoded.definitions)))
    assert defined_names(encoded.names)[0] == tuple(d.name for d in definitions)
    references: list[Reference] = []
    for name, spans in encoded.references:
        references.extend(to_references(name, spans))
    references.sort(key=lambda reference: (reference.span, reference.name))
    return FileSymbols(language, definitions, tuple(references))


@pytest.mark.parametrize("path", sorted(OUTLINES))
def test_stored_rows_decode_to_the_editors_symbols(path: str) -> None:
    language = path.split("/")[0]
    source = (FIXTURES / path).read_bytes()
    assert stored_symbols(language, source) == symbols(path)


def test_stored_rows_decode_to_the_editors_symbols_across_the_stdlib() -> None:
    files = sorted(path for path in STDLIB.rglob("*.py") if "site-packages" not in path.parts)
    # Every 40th module, and the largest, which has the most of everything.
    sample = {*files[::40], max(files, key=lambda path: path.stat().st_size)}
    assert len(sample) > 40
    for path in sorted(sample):
        source = path.read_bytes()
        _, expected = extract("python", source)
        assert stored_symbols("python", source) == expected, path


TEMPLATE = b"template <>\nclass Probe<int,\n    char> {\n  int size;\n};\n"


def test_a_name_that_spans_lines_ends_where_its_node_ends() -> None:
    _, found = extract("cpp", TEMPLATE)
    probe, size = found.definitions
    assert (probe.name, probe.kind) == ("Probe<int,\n    char>", "class")
    assert probe.selection == Span(1, 6, 2, 9)
    assert (size.container, size.selection) == ("Probe<int,\n    char>", Span(3, 6, 3, 10))


def test_a_used_name_that_spans_lines_ends_where_its_node_ends() -> None:
    # No query marks a use whose name spans lines yet; the template's name node is one.
    node = parse("cpp", TEMPLATE).root_node.named_descendant_for_point_range((1, 6), (2, 9))
    assert node is not None and node.type == "template_type"
    assert _used([node, node], {}) == {"Probe<int,\n    char>": [1, 6, 2, 9, 1, 6, 2, 9]}


def test_used_names_that_are_not_utf8_and_decode_alike_are_one_name() -> None:
    root = parse("bash", b"run\xff one\nrun\xfe two\n").root_node
    words = [root.named_descendant_for_point_range((line, 3), (line, 4)) for line in (0, 1)]
    assert [word.text for word in words if word is not None] == [b"\xff", b"\xfe"]
    assert _used([word for word in words if word is not None], {}) == {
        "\ufffd": [0, 3, 0, 4, 1, 3, 1, 4]
    }


def test_prepare_readies_every_language_in_any_thread() -> None:
    failures: list[BaseException] = []

    def prepare_all() -> None:
        try:
            for language in LANGUAGES:
                prepare(language)
            found = symbols_of("python", parse("python", b"def ready():\n    pass\n"))
            assert [d.name for d in found.definitions] == ["ready"]
            with pytest.raises(KeyError):
                prepare("cobol")
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=prepare_all)
    thread.start()
    thread.join()
    assert failures == []
