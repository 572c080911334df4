"""The languages the index understands: file names to language names, grammars and tags queries.

Grammars come from the per-language wheels installed with the package (never downloaded).
They and `tree_sitter` are imported on first use only, so importing this module stays cheap
for the server's start-up path. The tags queries are ours, in `queries/<language>.scm`: the
wheels' own `tags.scm` (where they ship one) miss kinds universal-ctags reports (fields,
variables, enum members, constants, ...), so ours start from them and go further.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tree_sitter import Language, Query

QUERIES = Path(__file__).with_name("queries")


@dataclass(frozen=True)
class LanguageSpec:
    """How to recognise one language's files and where its grammar lives."""

    name: str
    module: str
    # The grammar module's function that returns the language capsule.
    factory: str
    suffixes: tuple[str, ...]
    filenames: tuple[str, ...] = ()
    # The stem of the tags query in `queries/`; empty means the language's own name.
    query: str = ""


LANGUAGES: dict[str, LanguageSpec] = {
    spec.name: spec
    for spec in (
        LanguageSpec("python", "tree_sitter_python", "language", (".py", ".pyi")),
        LanguageSpec(
            "javascript", "tree_sitter_javascript", "language", (".js", ".mjs", ".cjs", ".jsx")
        ),
        LanguageSpec(
            "typescript", "tree_sitter_typescript", "language_typescript", (".ts", ".mts", ".cts")
        ),
        # TSX is TypeScript plus JSX expressions: the same definitions, the same query.
        LanguageSpec(
            "tsx", "tree_sitter_typescript", "language_tsx", (".tsx",), query="typescript"
        ),
        LanguageSpec("go", "tree_sitter_go", "language", (".go",)),
        LanguageSpec("rust", "tree_sitter_rust", "language", (".rs",)),
        LanguageSpec("java", "tree_sitter_java", "language", (".java",)),
        LanguageSpec("c", "tree_sitter_c", "language", (".c", ".h")),
        LanguageSpec(
            "cpp",
            "tree_sitter_cpp",
            "language",
            (".cc", ".cpp", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++", ".ipp"),
        ),
        LanguageSpec(
            "ruby", "tree_sitter_ruby", "language", (".rb", ".rake"), ("Rakefile", "Gemfile")
        ),
        LanguageSpec("bash", "tree_sitter_bash", "language", (".sh", ".bash")),
    )
}

_BY_SUFFIX = {suffix: spec.name for spec in LANGUAGES.values() for suffix in spec.suffixes}
_BY_FILENAME = {name: spec.name for spec in LANGUAGES.values() for name in spec.filenames}


def language_for(path: Path) -> str | None:
    """The language of a file, from its name alone; None for files the index skips."""
    name = path.name
    by_name = _BY_FILENAME.get(name)
    if by_name is not None:
        return by_name
    dot = name.rfind(".")
    if dot <= 0:
        return None
    suffix = name[dot:]
    return _BY_SUFFIX.get(suffix) or _BY_SUFFIX.get(suffix.lower())


@functools.cache
def grammar(language: str) -> Language:
    """The tree-sitter grammar for a language name (KeyError for unknown names)."""
    from tree_sitter import Language

    spec = LANGUAGES[language]
    module = importlib.import_module(spec.module)
    return Language(getattr(module, spec.factory)())


@functools.cache
def tags_query_source(language: str) -> str:
    """The text of a language's tags query (KeyError for unknown names)."""
    spec = LANGUAGES[language]
    return (QUERIES / f"{spec.query or spec.name}.scm").read_text(encoding="utf-8")


@functools.cache
def tags_query(language: str) -> Query:
    """The compiled tags query: `@definition.<kind>` / `@reference.<kind>` with `@name`."""
    from tree_sitter import Query

    return Query(grammar(language), tags_query_source(language))
