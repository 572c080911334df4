"""The symbol index over LSP: background indexing, document and workspace symbols,
definition, references, hover, unsaved edits, the warm cache and syntax diagnostics.

A small Python + TypeScript + Go workspace, driven as VS Code (UTF-16 positions),
Neovim and Helix (UTF-8) drive the server. No model is involved: no API key is set.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.conftest import agent_env
from tests.e2e.conftest import ENCODINGS, SERVER, make_client, negotiated_encoding, prompt, request
from tests.e2e.helix import helix_capabilities
from tests.fakeapi import FakeAnthropic, reply, text, tool_use

EDITORS = ["visual-studio-code", "neovim", "helix"]
TITLE = "Indexing symbols"
REFERENCES_TITLE = "Indexing references"

MODELS_PY = '''\
"""People who greet each other."""


class Greeter:
    """Greets people by name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def greet(self, other: str) -> str:
        return f"{self.name} greets {other}"


def make_greeter(name: str) -> Greeter:
    """A greeter called `name`."""
    return Greeter(name)
'''

# Another `greet`: the index knows two by that name, jedi knows which one is meant.
ROBOT_PY = """\
class Robot:
    def greet(self) -> str:
        return "beep"
"""

MAIN_PY = """\
from app.models import make_greeter

greeting = make_greeter("ada").greet("bob")
"""

SHAPES_TS = """\
export interface Shape {
  area(): number;
}

export class Circle implements Shape {
  constructor(private radius: number) {}

  area(): number {
    return Math.PI * this.radius ** 2;
  }
}

export function totalArea(shapes: Shape[]): number {
  return shapes.reduce((sum, s) => sum + s.area(), 0);
}
"""

# Non-ASCII text before the names on the same line: UTF-16 and UTF-8 columns differ.
MAIN_TS = """\
import { Circle, totalArea } from "./shapes";

const café = "😀"; const total = totalArea([new Circle(1)]);
"""

STATS_GO = """\
package stats

// Counter counts things.
type Counter struct {
\tTotal int
}

// Add adds n to the counter.
func (c *Counter) Add(n int) {
\tc.Total += n
}

func Sum(values []int) int {
\ttotal := 0
\tfor _, v := range values {
\t\ttotal += v
\t}
\treturn total
}
"""

USE_GO = """\
package stats

func Use() int {
\tc := &Counter{}
\tc.Add(1)
\treturn Sum([]int{c.Total})
}
"""

FILES = {
    "app/__init__.py": "",
    "app/models.py": MODELS_PY,
    "app/robot.py": ROBOT_PY,
    "app/main.py": MAIN_PY,
    "web/shapes.ts": SHAPES_TS,
    "web/main.ts": MAIN_TS,
    "server/stats.go": STATS_GO,
    "server/use.go": USE_GO,
}
LANGUAGE_IDS = {".py": "python", ".ts": "typescript", ".go": "go"}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    for name, content in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def jedi_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """jedi's and parso's caches, shared by the session's servers (a cold one costs
    seconds), apart from the user's."""
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture
def env(tmp_path: Path, jedi_cache: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return agent_env(
        None,
        home,
        XDG_CACHE_HOME=str(jedi_cache),
        CLAUDE_LSP_CACHE_DIR=str(tmp_path / "index-cache"),
    )


@dataclass
class Editor:
    """The test client and what the server asked it to register."""

    client: LanguageClient
    registrations: list[types.Registration] = field(default_factory=list)


@asynccontextmanager
async def editor(
    env: dict[str, str], root: Path, name: str = "visual-studio-code"
) -> AsyncIterator[LanguageClient]:
    """The server as `name` drives it; client/registerCapability is answered from the
    start (the server asks right after `initialized`)."""
    async with editor_with_registrations(env, root, name) as session:
        yield session.client


@asynccontextmanager
async def editor_with_registrations(
    env: dict[str, str], root: Path, name: str = "visual-studio-code"
) -> AsyncIterator[Editor]:
    config = ClientServerConfig(server_command=SERVER, server_env=env, client_factory=make_client)
    client = await config.start()
    assert isinstance(client, LanguageClient)
    session = Editor(client)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        session.registrations.extend(params.registrations)

    capabilities = helix_capabilities() if name == "helix" else client_capabilities(name)
    client.init_result = await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        )
    )
    try:
        yield session
    finally:
        await asyncio.wait_for(client.shutdown_session(), 15)


async def until(check: Callable[[], Any], timeout: float = 20, what: str = "") -> Any:
    """Poll `check` until it gives something truthy."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what or check}"
        await asyncio.sleep(0.02)
    return found


def indexing_reports(client: LanguageClient, title: str = TITLE) -> list[Any]:
    """The reports of the indexing progress (begin first), once it has begun."""
    for reports in client.progress_reports.values():
        if reports and getattr(reports[0], "title", None) == title:
            return reports
    return []


async def index_built(client: LanguageClient, title: str = TITLE) -> str:
    """Wait for the indexing progress (or another the index shows) to end; its end message."""
    reports = await until(
        lambda: (found := indexing_reports(client, title)) and found[-1].kind == "end" and found,
        what=f"the {title!r} progress to end",
    )
    return str(reports[-1].message)


def uri_of(root: Path, name: str) -> str:
    return (root / name).as_uri()


def open_file(client: LanguageClient, root: Path, name: str, text: str | None = None) -> str:
    path = root / name
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=path.as_uri(),
                language_id=LANGUAGE_IDS[path.suffix],
                version=1,
                text=path.read_text(encoding="utf-8") if text is None else text,
            )
        )
    )
    return path.as_uri()


def column(line: str, index: int, encoding: str) -> int:
    """The column of character `index` of `line` in the client's units."""
    prefix = line[:index]
    if encoding == "utf-8":
        return len(prefix.encode("utf-8"))
    if encoding == "utf-16":
        return len(prefix.encode("utf-16-le")) // 2
    return len(prefix)


def position_of(text: str, word: str, encoding: str, nth: int = 0) -> types.Position:
    """Where the `nth` whole-word occurrence of `word` in `text` starts, in client units."""
    at = [m.start() for m in re.finditer(rf"\b{re.escape(word)}\b", text)][nth]
    line = text.count("\n", 0, at)
    start_of_line = text.rfind("\n", 0, at) + 1
    row = text.split("\n")[line]
    return types.Position(line=line, character=column(row, at - start_of_line, encoding))


async def workspace_symbols(client: LanguageClient, query: str) -> list[Any]:
    result = await asyncio.wait_for(
        client.workspace_symbol_async(types.WorkspaceSymbolParams(query=query)), 10
    )
    return list(result or [])


async def document_symbols(client: LanguageClient, uri: str) -> list[Any]:
    result = await asyncio.wait_for(
        client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
        ),
        10,
    )
    return list(result or [])


def at(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def definition_at(client: LanguageClient, uri: str, position: types.Position) -> Any:
    return await asyncio.wait_for(
        client.text_document_definition_async(
            types.DefinitionParams(text_document=at(uri), position=position)
        ),
        20,
    )


async def references_at(
    client: LanguageClient, uri: str, position: types.Position, *, declaration: bool
) -> Any:
    context = types.ReferenceContext(include_declaration=declaration)
    return await asyncio.wait_for(
        client.text_document_references_async(
            types.ReferenceParams(text_document=at(uri), position=position, context=context)
        ),
        20,
    )


async def hover_at(client: LanguageClient, uri: str, position: types.Position) -> Any:
    return await asyncio.wait_for(
        client.text_document_hover_async(
            types.HoverParams(text_document=at(uri), position=position)
        ),
        20,
    )


def point(position: types.Position) -> tuple[int, int]:
    return position.line, position.character


def place(location: types.Location) -> tuple[str, int, int]:
    """Where a location starts, hashable."""
    return location.uri, *point(location.range.start)


def named(symbols: list[Any], name: str) -> Any:
    (found,) = [symbol for symbol in symbols if symbol.name == name]
    return found


# -- indexing ---------------------------------------------------------------------------


@pytest.mark.parametrize("editor_name", EDITORS)
async def test_the_index_builds_under_progress_and_answers_workspace_symbol(
    editor_name: str, env: dict[str, str], workspace: Path
) -> None:
    async with editor(env, workspace, editor_name) as client:
        capabilities = client.init_result.capabilities
        assert capabilities.document_symbol_provider
        assert capabilities.workspace_symbol_provider
        assert capabilities.definition_provider
        assert capabilities.references_provider
        assert capabilities.hover_provider
        assert "8 files" in await index_built(client)
        begin, *reports, end = indexing_reports(client)
        assert begin.kind == "begin" and end.kind == "end"
        assert all(report.kind == "report" for report in reports)
        # The build reads definitions; the references follow under their own progress.
        assert await index_built(client, REFERENCES_TITLE) == "8 files read"

        found = {
            (symbol.name, symbol.kind, Path(symbol.location.uri).name, symbol.container_name)
            for query in ("totalArea", "Counter", "greet")
            for symbol in await workspace_symbols(client, query)
        }
    assert ("totalArea", types.SymbolKind.Function, "shapes.ts", None) in found
    assert ("Counter", types.SymbolKind.Struct, "stats.go", None) in found
    assert ("greet", types.SymbolKind.Method, "models.py", "Greeter") in found


async def test_workspace_symbol_is_fuzzy_and_ranked(env: dict[str, str], workspace: Path) -> None:
    async with editor(env, workspace) as client:
        await index_built(client)
        initials = await workspace_symbols(client, "mkgr")
        exact = await workspace_symbols(client, "Sum")
    assert initials[0].name == "make_greeter"
    assert exact[0].name == "Sum" and exact[0].location.uri == uri_of(workspace, "server/stats.go")
    line = STATS_GO.splitlines().index("func Sum(values []int) int {")
    assert exact[0].location.range == types.Range(
        start=types.Position(line=line, character=5), end=types.Position(line=line, character=8)
    )


async def test_a_second_server_starts_from_the_cache(env: dict[str, str], workspace: Path) -> None:
    async with editor(env, workspace) as client:
        first = await index_built(client)
        read = await index_built(client, REFERENCES_TITLE)
    async with editor(env, workspace) as client:
        second = await index_built(client)
        found = await workspace_symbols(client, "totalArea")
        # The cache holds the references too: nothing left to read.
        assert indexing_reports(client, REFERENCES_TITLE) == []
    assert "(8 parsed, 0 from cache)" in first
    assert read == "8 files read"
    assert "(0 parsed, 8 from cache)" in second
    assert [symbol.name for symbol in found][:1] == ["totalArea"]


async def names_found(client: LanguageClient, query: str, *, present: bool) -> list[str]:
    """Poll workspace/symbol until `query` is (or is no longer) among the names found."""
    deadline = time.monotonic() + 20
    while (query in (names := [s.name for s in await workspace_symbols(client, query)])) != present:
        assert time.monotonic() < deadline, f"{query} still {'absent' if present else 'found'}"
        await asyncio.sleep(0.05)
    return names


def folders_changed(
    added: tuple[Path, ...] = (), removed: tuple[Path, ...] = ()
) -> types.DidChangeWorkspaceFoldersParams:
    def folders(paths: tuple[Path, ...]) -> list[types.WorkspaceFolder]:
        return [types.WorkspaceFolder(uri=path.as_uri(), name=path.name) for path in paths]

    return types.DidChangeWorkspaceFoldersParams(
        event=types.WorkspaceFoldersChangeEvent(added=folders(added), removed=folders(removed))
    )


async def test_added_and_removed_workspace_folders_follow_the_index(
    env: dict[str, str], workspace: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "tools.py").write_text("def sharpen_pencils():\n    pass\n")
    async with editor(env, workspace) as client:
        assert client.init_result.capabilities.workspace.workspace_folders.change_notifications
        await index_built(client)
        assert "sharpen_pencils" not in [s.name for s in await workspace_symbols(client, "sharpen")]

        client.workspace_did_change_workspace_folders(folders_changed(added=(other,)))
        await names_found(client, "sharpen_pencils", present=True)
        ends = await until(
            lambda: [
                reports[-1].message
                for reports in client.progress_reports.values()
                if reports[0].title == TITLE and reports[-1].kind == "end"
            ][1:],
            what="the added folder's indexing progress to end",
        )
        assert ends == ["1 files, 1 symbols (1 parsed, 0 from cache)"]

        client.workspace_did_change_workspace_folders(folders_changed(removed=(workspace,)))
        await names_found(client, "totalArea", present=False)
        assert "sharpen_pencils" in [s.name for s in await workspace_symbols(client, "sharpen")]

        # No folder left: nothing is indexed (the initial root does not come back).
        client.workspace_did_change_workspace_folders(folders_changed(removed=(other,)))
        await names_found(client, "sharpen_pencils", present=False)
        await asyncio.sleep(0.5)
        assert await workspace_symbols(client, "totalArea") == []


# -- documentSymbol ----------------------------------------------------------------------


@pytest.mark.parametrize("editor_name", ["visual-studio-code", "neovim"])
async def test_document_symbols_nest_methods_in_their_class(
    editor_name: str, env: dict[str, str], workspace: Path
) -> None:
    async with editor(env, workspace, editor_name) as client:
        uri = open_file(client, workspace, "app/models.py")
        outline = await document_symbols(client, uri)
    assert [(symbol.name, symbol.kind) for symbol in outline] == [
        ("Greeter", types.SymbolKind.Class),
        ("make_greeter", types.SymbolKind.Function),
    ]
    greeter = outline[0]
    assert [(child.name, child.kind) for child in greeter.children] == [
        ("__init__", types.SymbolKind.Constructor),
        ("greet", types.SymbolKind.Method),
    ]
    line = MODELS_PY.splitlines().index("class Greeter:")
    assert greeter.selection_range == types.Range(
        start=types.Position(line=line, character=6), end=types.Position(line=line, character=13)
    )
    assert greeter.range.start == types.Position(line=line, character=0)


async def test_document_symbols_are_flat_for_a_client_without_hierarchy(
    env: dict[str, str], workspace: Path
) -> None:
    async with editor(env, workspace, "helix") as client:
        outline = await document_symbols(client, uri_of(workspace, "server/stats.go"))
    assert {(s.name, s.kind, s.container_name) for s in outline} >= {
        ("Counter", types.SymbolKind.Struct, None),
        ("Add", types.SymbolKind.Method, "Counter"),
        ("Sum", types.SymbolKind.Function, None),
    }
    assert all(s.location.uri == uri_of(workspace, "server/stats.go") for s in outline)


@pytest.mark.parametrize("editor_name", EDITORS)
async def test_columns_are_in_the_negotiated_encoding(
    editor_name: str, env: dict[str, str], workspace: Path
) -> None:
    async with editor(env, workspace, editor_name) as client:
        encoding = negotiated_encoding(client, editor_name)
        text = "const naïve = '😀'; export function label(): string { return naïve; }\n"
        uri = open_file(client, workspace, "web/label.ts", text)
        outline = await document_symbols(client, uri)
        label = named(_flatten(outline), "label")
        if isinstance(label, types.DocumentSymbol):
            assert label.selection_range.start == position_of(text, "label", encoding)
            assert label.range.start == position_of(text, "function", encoding)
        else:  # a flat outline locates the whole definition
            assert label.location.range.start == position_of(text, "function", encoding)

        # A position sent in the same units finds the definition across files.
        usage = position_of(MAIN_TS, "totalArea", encoding, nth=1)
        open_file(client, workspace, "web/main.ts")
        await index_built(client)
        found = await definition_at(client, uri_of(workspace, "web/main.ts"), usage)
    assert ENCODINGS[editor_name] == encoding
    assert [location.uri for location in found] == [uri_of(workspace, "web/shapes.ts")]
    assert found[0].range.start == position_of(SHAPES_TS, "totalArea", encoding)


def _flatten(symbols: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for symbol in symbols:
        flat.append(symbol)
        flat.extend(_flatten(list(getattr(symbol, "children", None) or [])))
    return flat


# -- definition, references, hover --------------------------------------------------------


async def test_python_definition_and_references_come_from_jedi(
    env: dict[str, str], workspace: Path
) -> None:
    async with editor(env, workspace) as client:
        main = open_file(client, workspace, "app/main.py")
        await index_built(client)
        # `.greet(` is an attribute of an inferred type: only jedi knows where it goes.
        definition = await definition_at(client, main, position_of(MAIN_PY, "greet", "utf-16"))
        references = await references_at(
            client, main, position_of(MAIN_PY, "make_greeter", "utf-16", nth=1), declaration=True
        )
    models = uri_of(workspace, "app/models.py")
    assert [(loc.uri, loc.range.start) for loc in definition] == [
        (models, position_of(MODELS_PY, "greet", "utf-16", nth=1))  # nth 0: the docstring
    ]
    assert {place(loc) for loc in references} == {
        (models, *point(position_of(MODELS_PY, "make_greeter", "utf-16"))),
        (main, *point(position_of(MAIN_PY, "make_greeter", "utf-16"))),
        (main, *point(position_of(MAIN_PY, "make_greeter", "utf-16", nth=1))),
    }


async def test_python_hover_shows_the_signature_and_docstring(
    env: dict[str, str], workspace: Path
) -> None:
    async with editor(env, workspace) as client:
        main = open_file(client, workspace, "app/main.py")
        hover = await hover_at(client, main, position_of(MAIN_PY, "make_greeter", "utf-16", nth=1))
    assert hover is not None and hover.contents.kind == types.MarkupKind.Markdown
    assert hover.contents.value == (
        "```python\ndef make_greeter(name: str) -> Greeter\n```\n\nA greeter called `name`."
    )


@pytest.mark.parametrize("editor_name", ["visual-studio-code", "neovim"])
async def test_go_navigation_comes_from_the_index(
    editor_name: str, env: dict[str, str], workspace: Path
) -> None:
    async with editor(env, workspace, editor_name) as client:
        encoding = negotiated_encoding(client, editor_name)
        use = open_file(client, workspace, "server/use.go")
        await index_built(client)
        at_sum = position_of(USE_GO, "Sum", encoding)
        definition = await definition_at(client, use, at_sum)
        references = await references_at(client, use, at_sum, declaration=True)
        uses_only = await references_at(client, use, at_sum, declaration=False)
        hover = await hover_at(client, use, at_sum)
        nothing = await hover_at(client, use, types.Position(line=1, character=0))
    stats = uri_of(workspace, "server/stats.go")
    declared = position_of(STATS_GO, "Sum", encoding)
    assert [(d.uri, d.range.start) for d in definition] == [(stats, declared)]
    assert {place(r) for r in references} == {
        (stats, *point(declared)),
        (use, *point(at_sum)),
    }
    assert [(r.uri, r.range.start) for r in uses_only] == [(use, at_sum)]
    assert (
        hover.contents.value
        == "```go\nfunc Sum(values []int) int {\n```\n\nfunction · server/stats.go:13"
    )
    assert hover.range.start == at_sum
    assert nothing is None


async def test_hover_names_the_container_of_a_method(env: dict[str, str], workspace: Path) -> None:
    async with editor(env, workspace) as client:
        use = open_file(client, workspace, "server/use.go")
        await index_built(client)
        hover = await hover_at(client, use, position_of(USE_GO, "Add", "utf-16"))
    assert hover.contents.value.endswith("method in `Counter` · server/stats.go:9")
    assert hover.contents.value.startswith("```go\nfunc (c *Counter) Add(n int) {\n```")


# -- unsaved edits, saves, watched files ---------------------------------------------------


def change(
    client: LanguageClient,
    uri: str,
    version: int,
    start: tuple[int, int],
    end: tuple[int, int],
    text: str,
) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=start[0], character=start[1]),
                        end=types.Position(line=end[0], character=end[1]),
                    ),
                    text=text,
                )
            ],
        )
    )


@pytest.mark.parametrize("editor_name", ["visual-studio-code", "neovim"])
async def test_an_unsaved_function_is_found_until_the_buffer_is_closed(
    editor_name: str, env: dict[str, str], workspace: Path
) -> None:
    async with editor(env, workspace, editor_name) as client:
        encoding = negotiated_encoding(client, editor_name)
        await index_built(client)
        uri = open_file(client, workspace, "web/main.ts")
        # As on disk: the outline comes from the index; once typed in, from the buffer.
        before = [symbol.name for symbol in _flatten(await document_symbols(client, uri))]
        assert before and "perimeter" not in before
        # Typed in two steps at the end of a line with non-ASCII text, in client units.
        last = MAIN_TS.splitlines()[2]
        end = column(last, len(last), encoding)
        typed = " export function perimeter"
        change(client, uri, 2, (2, end), (2, end), typed)
        change(client, uri, 3, (2, end + len(typed)), (2, end + len(typed)), "(): number {}")
        found = await workspace_symbols(client, "perimeter")
        outline = [symbol.name for symbol in _flatten(await document_symbols(client, uri))]
        assert [(s.name, s.location.uri) for s in found] == [("perimeter", uri)]
        assert found[0].location.range.start == types.Position(
            line=2, character=end + len(" export function ")
        )
        assert "perimeter" in outline

        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert await eventually(lambda: workspace_symbols(client, "perimeter"), [])


async def test_a_saved_function_stays_after_close(env: dict[str, str], workspace: Path) -> None:
    async with editor(env, workspace) as client:
        await index_built(client)
        uri = open_file(client, workspace, "server/use.go")
        added = "\nfunc Twice(n int) int {\n\treturn 2 * n\n}\n"
        end_line = len(USE_GO.splitlines())
        change(client, uri, 2, (end_line, 0), (end_line, 0), added)
        (workspace / "server/use.go").write_text(USE_GO + added)
        client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        found = await eventually(lambda: workspace_symbols(client, "Twice"), None)
    assert [(s.name, s.location.uri) for s in found] == [("Twice", uri)]


async def test_watched_file_changes_reach_the_index(env: dict[str, str], workspace: Path) -> None:
    async with editor_with_registrations(env, workspace) as session:
        client = session.client
        await index_built(client)
        await until(lambda: session.registrations, what="the file watcher registration")
        created = workspace / "web" / "extra.ts"
        created.write_text("export const ANSWER = 42;\n")
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=created.as_uri(), type=types.FileChangeType.Created)]
            )
        )
        found = await eventually(lambda: workspace_symbols(client, "ANSWER"), None)
        created.unlink()
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(
                changes=[types.FileEvent(uri=created.as_uri(), type=types.FileChangeType.Deleted)]
            )
        )
        assert await eventually(lambda: workspace_symbols(client, "ANSWER"), [])
    (registration,) = session.registrations
    assert registration.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    patterns = [watcher["globPattern"] for watcher in registration.register_options["watchers"]]
    assert any(pattern.startswith("**/*.{") and ",ts," in pattern for pattern in patterns)
    assert [(s.name, s.kind) for s in found] == [("ANSWER", types.SymbolKind.Constant)]


async def eventually(ask: Callable[[], Any], wanted: Any, timeout: float = 10) -> Any:
    """Ask until the answer is `wanted` (None: anything non-empty); the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        answer = await ask()
        if (answer if wanted is None else answer == wanted) or time.monotonic() > deadline:
            return answer if wanted is None else answer == wanted
        await asyncio.sleep(0.05)


# -- syntax diagnostics --------------------------------------------------------------------


@pytest.mark.parametrize("editor_name", EDITORS)
async def test_syntax_errors_appear_while_typing_and_clear_when_fixed(
    editor_name: str, env: dict[str, str], workspace: Path
) -> None:
    async with editor(env, workspace, editor_name) as client:
        encoding = negotiated_encoding(client, editor_name)
        uri = open_file(client, workspace, "web/main.ts")
        last = MAIN_TS.splitlines()[2]
        broken_at = column(last, last.index("totalArea"), encoding)
        # `const total = (((` ... : an unclosed call after non-ASCII text.
        change(client, uri, 2, (2, broken_at), (2, broken_at), "(((")
        errors = await until(lambda: syntax_errors(client, uri), what="a syntax error")
        assert all(d.severity == types.DiagnosticSeverity.Error for d in errors)
        assert all(d.range.start.line == 2 for d in errors)
        change(client, uri, 3, (2, broken_at), (2, broken_at + 3), "")
        await until(
            lambda: uri in client.diagnostics and not syntax_errors(client, uri),
            what="the syntax errors to clear",
        )


def syntax_errors(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    return [d for d in client.diagnostics.get(uri, []) if d.source == "claude-lsp"]


async def test_a_valid_file_gets_no_diagnostics(env: dict[str, str], workspace: Path) -> None:
    async with editor(env, workspace) as client:
        uri = open_file(client, workspace, "app/models.py")
        await index_built(client)
        await asyncio.sleep(0.5)  # well past the debounce
        assert uri not in client.diagnostics


# -- the agent's Symbols tool ---------------------------------------------------------------


async def test_the_agents_symbols_tool_shares_the_editors_index(
    fake_api: FakeAnthropic, tmp_path: Path, jedi_cache: Path, workspace: Path
) -> None:
    home = tmp_path / "agent-home"
    home.mkdir()
    env = agent_env(
        fake_api,
        home,
        XDG_CACHE_HOME=str(jedi_cache),
        CLAUDE_LSP_CACHE_DIR=str(tmp_path / "index-cache"),
    )
    fake_api.script(
        reply(tool_use("Symbols", {"operation": "search", "query": "brand_new"})),
        reply(text("found it")),
    )
    async with editor(env, workspace) as client:
        await index_built(client)
        unsaved = MODELS_PY + "\n\ndef brand_new_helper() -> None:\n    pass\n"
        open_file(client, workspace, "app/models.py", unsaved)
        session = await request(client, "claude/session/new", {"cwd": str(workspace)})
        await prompt(client, session["sessionId"], "where is the new helper?")

    result = fake_api.message_requests()[-1].body["messages"][-1]["content"][0]
    line = unsaved.splitlines().index("def brand_new_helper() -> None:") + 1
    assert result["content"][0]["text"] == f"app/models.py:{line}:5  function brand_new_helper"
