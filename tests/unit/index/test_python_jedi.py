"""jedi navigation on real files: positions in UTF-8 bytes, the editor's text wins."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from claude_lsp.index.model import Span
from claude_lsp.index.python_jedi import PythonLocation, PythonNavigator

MODELS = '''\
class User:
    """Someone who logs in."""

    def __init__(self, name: str) -> None:
        self.name = name

    def greet(self, other: str) -> str:
        """Say hello to `other`."""
        return f"{self.name} greets {other}"
'''

MAIN = """\
from pkg.models import User

café = "☕"; user = User(café)
user.greet("x")
count = 3
print(count)
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "models.py").write_text(MODELS)
    (root / "main.py").write_text(MAIN)
    return root


@pytest.fixture
async def navigator(workspace: Path) -> AsyncIterator[PythonNavigator]:
    navigator = PythonNavigator(lambda: [workspace])
    yield navigator
    navigator.close()


def byte_column(text: str, line: int, word: str) -> int:
    """The UTF-8 byte column of `word` on `line` of `text`."""
    row = text.splitlines()[line]
    return len(row[: row.index(word)].encode("utf-8"))


async def test_definition_follows_the_import_into_another_file(
    navigator: PythonNavigator, workspace: Path
) -> None:
    main = workspace / "main.py"
    # `User(` sits after non-ASCII text: the column is in UTF-8 bytes, not characters.
    column = byte_column(MAIN, 2, "User(")
    assert column != MAIN.splitlines()[2].index("User(")
    found = await navigator.definitions(main, MAIN, 2, column + 1)
    assert found == [PythonLocation(workspace / "pkg" / "models.py", Span(0, 6, 0, 10))]


async def test_definition_of_a_method_through_inference(
    navigator: PythonNavigator, workspace: Path
) -> None:
    found = await navigator.definitions(workspace / "main.py", MAIN, 3, 6)
    assert found == [PythonLocation(workspace / "pkg" / "models.py", Span(6, 8, 6, 13))]


async def test_definition_span_is_in_bytes_after_non_ascii_text(
    navigator: PythonNavigator, workspace: Path
) -> None:
    main = workspace / "main.py"
    found = await navigator.definitions(main, MAIN, 3, 1)  # `user` on line 3
    start = byte_column(MAIN, 2, "user")
    assert found == [PythonLocation(main, Span(2, start, 2, start + 4))]


async def test_the_editors_unsaved_text_is_what_jedi_reads(
    navigator: PythonNavigator, workspace: Path
) -> None:
    main = workspace / "main.py"
    unsaved = MAIN + "\ndef fresh():\n    return 1\n\nfresh()\n"
    last = len(unsaved.splitlines()) - 1
    assert await navigator.definitions(main, unsaved, last, 1) == [
        PythonLocation(main, Span(7, 4, 7, 9))
    ]
    # The next request on the same path with other text gets a fresh parse, not the
    # cached tree of the previous one.
    assert await navigator.definitions(main, MAIN, 5, 7) == [PythonLocation(main, Span(4, 0, 4, 5))]


async def test_nothing_to_find_gives_an_empty_list(
    navigator: PythonNavigator, workspace: Path
) -> None:
    assert await navigator.definitions(workspace / "main.py", MAIN, 1, 0) == []
    assert await navigator.definitions(workspace / "main.py", MAIN, 99, 0) == []


async def test_references_across_the_project(navigator: PythonNavigator, workspace: Path) -> None:
    models = workspace / "pkg" / "models.py"
    main = workspace / "main.py"
    text = models.read_text()
    everywhere = await navigator.references(models, text, 6, 9, include_declaration=True)
    assert set(everywhere) == {
        PythonLocation(models, Span(6, 8, 6, 13)),
        PythonLocation(main, Span(3, 5, 3, 10)),
    }
    uses = await navigator.references(models, text, 6, 9, include_declaration=False)
    assert uses == [PythonLocation(main, Span(3, 5, 3, 10))]


async def test_hover_shows_signature_and_docstring(
    navigator: PythonNavigator, workspace: Path
) -> None:
    main = workspace / "main.py"
    method = await navigator.hover(main, MAIN, 3, 6)
    assert method == "```python\ndef greet(other: str) -> str\n```\n\nSay hello to `other`."
    cls = await navigator.hover(main, MAIN, 0, byte_column(MAIN, 0, "User") + 1)
    assert cls == "```python\nclass User(name: str)\n```\n\nSomeone who logs in."


async def test_hover_on_a_variable_shows_its_type(
    navigator: PythonNavigator, workspace: Path
) -> None:
    hover = await navigator.hover(workspace / "main.py", MAIN, 5, 7)
    assert hover is not None and hover.startswith("```python\ncount: int\n```")
    assert await navigator.hover(workspace / "main.py", MAIN, 1, 0) is None


async def test_calls_at_once_are_served_one_after_another(
    navigator: PythonNavigator, workspace: Path
) -> None:
    main = workspace / "main.py"
    texts = [MAIN + f"\nname_{i} = {i}\nname_{i}\n" for i in range(6)]
    last = len(texts[0].splitlines()) - 1
    found = await asyncio.gather(*(navigator.definitions(main, t, last, 1) for t in texts))
    assert [hits[0].span.start_line for hits in found] == [last - 1] * 6
    assert all(hits == [PythonLocation(main, Span(last - 1, 0, last - 1, 6))] for hits in found)


async def test_a_file_outside_the_workspaces_still_works(tmp_path: Path) -> None:
    navigator = PythonNavigator()
    try:
        loose = tmp_path / "loose.py"
        text = "def helper():\n    pass\n\nhelper()\n"
        loose.write_text(text)
        await navigator.warm_up()
        assert await navigator.definitions(loose, text, 3, 1) == [
            PythonLocation(loose, Span(0, 4, 0, 10))
        ]
    finally:
        navigator.close()


def make_venv(root: Path) -> Path:
    """A real virtual environment in `root/.venv` with one package only it has."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    (site,) = (root / ".venv").glob("lib/python3*/site-packages")
    (site / "venv_only").mkdir()
    (site / "venv_only" / "__init__.py").write_text("def installed_here():\n    pass\n")
    return site / "venv_only" / "__init__.py"


async def test_a_projects_own_virtual_environment_resolves_its_imports(tmp_path: Path) -> None:
    root = (tmp_path / "project").resolve()
    root.mkdir()
    package = make_venv(root)
    text = "from venv_only import installed_here\n\ninstalled_here()\n"
    navigator = PythonNavigator(lambda: [root])
    try:
        found = await navigator.definitions(root / "main.py", text, 2, 1)
        assert found == [PythonLocation(package, Span(0, 4, 0, 18))]
    finally:
        navigator.close()


async def test_a_broken_virtual_environment_falls_back_to_the_default(tmp_path: Path) -> None:
    root = (tmp_path / "project").resolve()
    (root / ".venv").mkdir(parents=True)
    (root / ".venv" / "pyvenv.cfg").write_text("home = /nowhere\n")  # no interpreter in it
    text = "def helper():\n    pass\n\nhelper()\n"
    navigator = PythonNavigator(lambda: [root])
    try:
        found = await navigator.definitions(root / "main.py", text, 3, 1)
        assert found == [PythonLocation(root / "main.py", Span(0, 4, 0, 10))]
    finally:
        navigator.close()
