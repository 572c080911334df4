"""The language registry: file names to languages, grammars and compiled tags queries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from claude_lsp.index.languages import (
    LANGUAGES,
    QUERIES,
    grammar,
    language_for,
    tags_query,
    tags_query_source,
)
from claude_lsp.index.model import SymbolKindName

PACKAGE = Path(__file__).resolve().parents[3] / "capabilities" / "claude_lsp" / "index"


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("app.py", "python"),
        ("stubs.pyi", "python"),
        ("index.js", "javascript"),
        ("module.mjs", "javascript"),
        ("config.cjs", "javascript"),
        ("View.jsx", "javascript"),
        ("main.ts", "typescript"),
        ("esm.mts", "typescript"),
        ("cjs.cts", "typescript"),
        ("App.tsx", "tsx"),
        ("server.go", "go"),
        ("lib.rs", "rust"),
        ("Main.java", "java"),
        ("buffer.c", "c"),
        ("buffer.h", "c"),
        ("matrix.cc", "cpp"),
        ("matrix.cpp", "cpp"),
        ("matrix.cxx", "cpp"),
        ("matrix.c++", "cpp"),
        ("matrix.hpp", "cpp"),
        ("matrix.hh", "cpp"),
        ("matrix.hxx", "cpp"),
        ("matrix.h++", "cpp"),
        ("matrix.ipp", "cpp"),
        ("account.rb", "ruby"),
        ("tasks.rake", "ruby"),
        ("Rakefile", "ruby"),
        ("Gemfile", "ruby"),
        ("deploy.sh", "bash"),
        ("profile.bash", "bash"),
        ("SHOUT.PY", "python"),
    ],
)
def test_language_for_known_names(name: str, language: str) -> None:
    assert language_for(Path("some/dir") / name) == language


@pytest.mark.parametrize(
    "name", ["README.md", "Makefile", "notes", ".py", "archive.tar.gz", "script.sh.bak"]
)
def test_language_for_other_files_is_none(name: str) -> None:
    assert language_for(Path(name)) is None


def test_grammars_and_queries_are_built_once() -> None:
    assert grammar("python") is grammar("python")
    assert tags_query("rust") is tags_query("rust")
    with pytest.raises(KeyError):
        grammar("cobol")
    with pytest.raises(KeyError):
        tags_query("cobol")


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_query_compiles_and_uses_only_known_captures(language: str) -> None:
    query = tags_query(language)
    kinds = set(get_args(SymbolKindName))
    captures = {query.capture_name(index) for index in range(query.capture_count)}
    assert "name" in captures
    for capture in captures:
        role, _, kind = capture.partition(".")
        assert (
            capture in ("name", "container")
            or capture.startswith("_")
            or (role == "definition" and kind in kinds)
            or (role == "reference" and kind)
        ), capture
    for index in range(query.pattern_count):
        pattern = tags_query_source(language)[
            query.start_byte_for_pattern(index) : query.end_byte_for_pattern(index)
        ]
        assert "@name" in pattern, pattern


def test_tsx_shares_the_typescript_query_file() -> None:
    assert tags_query_source("tsx") == tags_query_source("typescript")
    assert tags_query("tsx") is not tags_query("typescript")  # compiled for its own grammar


def test_queries_ship_inside_the_package() -> None:
    """Hatch packs `capabilities/claude_lsp` whole, so the .scm files must live under it."""
    assert QUERIES.resolve().parent == PACKAGE
    shipped = {path.stem for path in QUERIES.glob("*.scm")}
    assert shipped == {spec.query or spec.name for spec in LANGUAGES.values()}


def test_importing_the_registry_loads_no_grammar() -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from claude_lsp.index.languages import language_for\n"
        "language_for(Path('x.py'))\n"
        "print(sorted(m for m in sys.modules if m.startswith('tree_sitter')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
