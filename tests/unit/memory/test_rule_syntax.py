"""Rule frontmatter (`paths:` in its three spellings) and the glob dialect."""

from __future__ import annotations

import pytest

from claude_lsp.globs import compile_glob
from claude_lsp.memory.discovery import rule_glob, split_rule


def test_flow_list() -> None:
    text = "---\npaths: [\"src/**/*.ts\", 'lib/*.py', docs/*.{md,rst}]\n---\n# Rule\n"
    assert split_rule(text) == (["src/**/*.ts", "lib/*.py", "docs/*.{md,rst}"], "# Rule\n")


def test_block_list_with_other_keys_and_comments() -> None:
    text = (
        "---\n"
        "description: for the API\n"
        "paths:\n"
        '  - "src/api/**"\n'
        "  # a comment\n"
        "  - tests/*.py\n"
        "owner: team\n"
        "---\n"
        "Body\n"
    )
    assert split_rule(text) == (["src/api/**", "tests/*.py"], "Body\n")


def test_single_pattern_keeps_brace_commas() -> None:
    assert split_rule("---\npaths: src/**/*.{ts,tsx}\n---\nx") == (["src/**/*.{ts,tsx}"], "x")


def test_no_paths_means_unconditional_and_frontmatter_is_stripped() -> None:
    assert split_rule("---\ntitle: x\n---\nBody") == ([], "Body")
    assert split_rule("---\npaths: []\n---\nBody") == ([], "Body")
    assert split_rule("Plain text\n---\n") == ([], "Plain text\n---\n")
    assert split_rule("---\nnever closed\n") == ([], "---\nnever closed\n")


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("src/**/*.ts", "src/a.ts", True),
        ("src/**/*.ts", "src/x/y/a.ts", True),
        ("src/**/*.ts", "lib/src/a.ts", False),
        ("lib/*.py", "lib/a.py", True),
        ("lib/*.py", "lib/x/a.py", False),
        ("*.md", "README.md", True),
        ("*.md", "docs/README.md", False),
        ("**/*.md", "docs/README.md", True),
        ("**/*.md", "README.md", True),
        ("docs/**", "docs/a/b.txt", True),
        ("docs/", "docs/a.txt", True),
        ("./src/*.ts", "src/a.ts", True),
        ("src/*.{ts,tsx}", "src/a.tsx", True),
        ("src/*.{ts,tsx}", "src/a.js", False),
        ("file?.py", "file1.py", True),
        ("file?.py", "file/.py", False),
        ("[!a]*.py", "b.py", True),
        ("[!a]*.py", "a.py", False),
        ("a{b.py", "a{b.py", True),
        ("a+b(c).py", "a+b(c).py", True),
        ("SRC/*.ts", "src/a.ts", False),
    ],
)
def test_glob_dialect(pattern: str, path: str, matches: bool) -> None:
    assert (compile_glob(rule_glob(pattern)).fullmatch(path) is not None) is matches
