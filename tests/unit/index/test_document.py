"""Open documents: incremental edits give what a fresh parse gives; syntax errors come and go."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from claude_lsp.index.document import MAX_SYNTAX_PROBLEMS, ParsedDocument, SyntaxProblem
from claude_lsp.index.extract import extract
from claude_lsp.index.model import Span
from claude_lsp.index.positions import encode

FIXTURES = Path(__file__).parent / "fixtures"
PYTHON = (FIXTURES / "python" / "inventory.py").read_text(encoding="utf-8")


def byte_position(text: str, offset: int) -> tuple[int, int]:
    """The (line, UTF-8 byte column) of a character offset in `text`."""
    before = text[:offset]
    line = before.count("\n")
    return line, len(encode(before[before.rfind("\n") + 1 :]))


def edited(document: ParsedDocument, start: int, end: int, new_text: str) -> str:
    """Apply one edit given as character offsets; return what the text should now be."""
    expected = document.text[:start] + new_text + document.text[end:]
    text = document.text
    document.apply_change(byte_position(text, start), byte_position(text, end), new_text)
    return expected


def assert_same_as_fresh(document: ParsedDocument) -> None:
    fresh = ParsedDocument(document.language, document.text)
    assert document.symbols() == fresh.symbols()
    assert str(document.tree.root_node) == str(fresh.tree.root_node)
    assert document.syntax_errors() == fresh.syntax_errors()


def test_a_new_document_has_the_symbols_extract_finds() -> None:
    document = ParsedDocument("python", PYTHON)
    assert document.symbols() == extract("python", encode(PYTHON))[1]
    assert document.text == PYTHON
    assert document.source == encode(PYTHON)
    assert document.lines == PYTHON.split("\n")
    assert document.syntax_errors() == []


def test_edits_after_non_ascii_text_update_symbols_incrementally() -> None:
    document = ParsedDocument("python", PYTHON)
    document.symbols()
    offset = PYTHON.index("é_count")
    expected = edited(document, offset, offset + len("é_count"), "ü_total")
    assert document.text == expected
    assert "ü_total" in {d.name for d in document.symbols().definitions}
    offset = document.text.index("    async def sync")
    edited(document, offset, offset, "    def résumé(self) -> str:\n        return '😀'\n\n")
    method = next(d for d in document.symbols().definitions if d.name == "résumé")
    assert method.kind == "method" and method.container == "Inventory"
    assert_same_as_fresh(document)


def test_deleting_and_replacing_across_lines() -> None:
    document = ParsedDocument("python", PYTHON)
    document.symbols()
    start = document.text.index("class Inventory")
    end = document.text.index("def restock")
    edited(document, start, end, "")
    names = {d.name for d in document.symbols().definitions}
    assert "Inventory" not in names and "restock" in names
    start = document.text.index("    def __init__")
    end = document.text.index("    @property")
    edited(document, start, end, "    def __init__(self):\n        pass\n\n    X = 1\n")
    assert_same_as_fresh(document)


def test_several_changes_then_one_parse() -> None:
    document = ParsedDocument("javascript", "function a() {}\n")
    document.tree  # noqa: B018 - parse before the edits
    document.apply_change((0, 9), (0, 10), "alpha")
    document.apply_change((1, 0), (1, 0), "class B { m() {} }\n")
    assert document.text == "function alpha() {}\nclass B { m() {} }\n"
    names = [(d.name, d.kind, d.container) for d in document.symbols().definitions]
    assert names == [("alpha", "function", None), ("B", "class", None), ("m", "method", "B")]
    assert_same_as_fresh(document)


def test_positions_past_the_end_are_clamped() -> None:
    document = ParsedDocument("python", "x = 1\ny = 2\n")
    document.apply_change((0, 99), (0, 99), "  # é")
    assert document.text == "x = 1  # é\ny = 2\n"
    document.apply_change((9, 0), (12, 3), "z = 3\n")
    assert document.text == "x = 1  # é\ny = 2\nz = 3\n"
    document.apply_change((1, 0), (0, 0), "")  # reversed: the same as (0, 0)-(1, 0)
    assert document.text == "y = 2\nz = 3\n"
    assert_same_as_fresh(document)


def test_replace_all_starts_afresh_and_symbols_are_cached_per_version() -> None:
    document = ParsedDocument("go", "package a\n\nfunc One() {}\n")
    first = document.symbols()
    assert document.symbols() is first
    document.replace_all("package a\n\nfunc Two() {}\n")
    second = document.symbols()
    assert [d.name for d in second.definitions] == ["a", "Two"]
    document.apply_change((2, 5), (2, 8), "Three")
    assert document.symbols() is not second
    assert [d.name for d in document.symbols().definitions] == ["a", "Three"]


def test_crlf_lines_keep_their_carriage_return() -> None:
    document = ParsedDocument("python", "a = 1\r\nb = 2\r\n")
    assert document.lines == ["a = 1\r", "b = 2\r", ""]
    document.apply_change((1, 0), (1, 1), "c")
    assert document.text == "a = 1\r\nc = 2\r\n"
    assert [d.name for d in document.symbols().definitions] == ["a", "c"]


def test_syntax_errors_appear_and_clear() -> None:
    document = ParsedDocument("python", "def ok():\n    return 1\n")
    assert document.syntax_errors() == []
    document.apply_change((0, 7), (0, 7), ":")  # def ok(:):
    problems = document.syntax_errors()
    assert problems == [SyntaxProblem(Span(0, 7, 0, 8), "Syntax error")]
    document.apply_change((0, 7), (0, 8), "")
    assert document.syntax_errors() == []


def test_missing_tokens_are_named() -> None:
    document = ParsedDocument("javascript", "function f() {\n  call(1, 2;\n}\n")
    problems = document.syntax_errors()
    assert [p.message for p in problems] == ['Missing ")"']
    assert problems[0].span.start_line == 1
    document = ParsedDocument("go", "package a\n\nfunc f() {\n\tx := []int{1, 2\n}\n")
    assert any(p.message.startswith("Missing") for p in document.syntax_errors())


def test_one_problem_per_error_node_capped() -> None:
    broken = "".join(f"def f{index}(:\n    pass\n" for index in range(3))
    document = ParsedDocument("python", broken)
    problems = document.syntax_errors()
    assert 1 <= len(problems) <= 3
    spans = [p.span for p in problems]
    assert spans == sorted(spans)
    for first, second in pairwise(spans):
        assert (first.end_line, first.end_column) <= (second.start_line, second.start_column)
    many = ParsedDocument("c", "int f() { return ) ; }\n" * (MAX_SYNTAX_PROBLEMS * 2))
    assert len(many.syntax_errors()) == MAX_SYNTAX_PROBLEMS


def test_an_error_deep_inside_nested_code_is_found() -> None:
    depth = 3000  # deeper than Python's recursion limit
    document = ParsedDocument("javascript", "x = " + "[" * depth + "1,,;" + "]" * depth + ";\n")
    problems = document.syntax_errors()
    assert [p.message for p in problems] == ["Syntax error"]
    assert problems[0].span.start_column == 4 + depth + 3


def test_a_large_error_region_is_marked_on_its_first_line() -> None:
    document = ParsedDocument("python", "x = (\n  1,\n  2,\n\nclass A:\n    pass\n")
    problems = document.syntax_errors()
    assert problems
    assert all(p.span.start_line == p.span.end_line for p in problems)


SNIPPETS = st.sampled_from(
    [
        "",
        "\n",
        "x",
        "é",
        "😀",
        "    ",
        "def g():\n    pass\n",
        "class Z:\n    y = 1\n",
        "(",
        ")",
        ":",
        "'",
        "\n\n",
        "return 2\n",
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 400), SNIPPETS), min_size=1, max_size=6
    )
)
def test_random_edits_match_a_fresh_parse(edits: list[tuple[int, int, str]]) -> None:
    document = ParsedDocument("python", PYTHON)
    document.symbols()
    for at, length, new_text in edits:
        text = document.text
        start = at % (len(text) + 1)
        end = min(len(text), start + length)
        expected = edited(document, start, end, new_text)
        assert document.text == expected
        if at % 2:  # sometimes look between edits, sometimes let them pile up
            document.symbols()
    assert_same_as_fresh(document)
