"""Python navigation with jedi: definition, references and hover on the editor's text.

jedi understands imports, attributes and inference, which the tags-based index cannot,
so Python asks jedi first and the index only when jedi finds nothing. Three jedi facts
shape this module:

- importing jedi and its first inference are slow (tens of ms, then ~1 s), so it is
  imported on first use and `warm_up` lets a host pay the first call in the background;
- jedi is not thread-safe and keeps module-level parso caches: every call runs on one
  worker thread, one at a time, so the host's event loop never waits on it;
- a `Script` must not outlive its request: a second `Script` for the same path with
  other text rewrites the cached parse tree under the first one. Each call builds a
  fresh `Script` from the text it is given.

A root with its own virtual environment (`.venv` or `venv`, as uv, poetry and
`python -m venv` make them) is read with that interpreter's packages, so imports of
what the project installed resolve; other roots use jedi's default environment.

Positions in and out follow `claude_lsp.index.model`: 0-based lines, UTF-8 byte
columns. jedi counts lines from 1 and columns in code points; the conversion is here.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from claude_lsp.index.model import Span

log = logging.getLogger(__name__)

T = TypeVar("T")
LINE_BREAK = re.compile(r"\r\n|\r|\n")
"""Line ends as LSP and parso count them (not `str.splitlines`'s wider set)."""
HOVER_DOC_CHARS = 4000
"""A hover shows the start of a long docstring; the rest is one definition away."""
VENV_NAMES = (".venv", "venv")
"""The folders of a root that hold its own virtual environment, by convention."""


@dataclass(frozen=True)
class PythonLocation:
    """Where a name jedi found is: its file and the span of the name itself."""

    path: Path
    span: Span


class PythonNavigator:
    """jedi for the workspace roots: one `jedi.Project` per root, one worker thread.

    `roots()` gives the resolved roots as they are now (folders come and go).
    """

    def __init__(self, roots: Callable[[], Iterable[Path]] = tuple) -> None:
        self._roots = roots
        self._projects: dict[Path, Any] = {}  # touched on the jedi thread only
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jedi")

    async def definitions(
        self, path: Path, text: str, line: int, column: int
    ) -> list[PythonLocation]:
        """Where the name at (`line`, byte `column`) of `text` is defined, imports followed."""
        return await self._run(self._definitions, path, text, line, column)

    async def references(
        self, path: Path, text: str, line: int, column: int, *, include_declaration: bool
    ) -> list[PythonLocation]:
        """Every use of the name at the position in the project (and its definitions)."""
        return await self._run(
            lambda: self._references(
                path, text, line, column, include_declaration=include_declaration
            )
        )

    async def hover(self, path: Path, text: str, line: int, column: int) -> str | None:
        """Markdown for the name at the position: its signature or type, then its docs."""
        return await self._run(self._hover, path, text, line, column)

    async def warm_up(self) -> None:
        """Pay jedi's import and first inference (about a second) before a user waits."""
        await self._run(self._warm_up)

    def close(self) -> None:
        """Stop the worker thread; a call in progress finishes, queued ones are dropped."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    # -- the rest runs on the jedi thread ---------------------------------------------------

    def _definitions(self, path: Path, text: str, line: int, column: int) -> list[PythonLocation]:
        position = _jedi_position(text, line, column)
        if position is None:
            return []
        names = self._script(path, text).goto(*position, follow_imports=True)
        return _locations(names)

    def _references(
        self, path: Path, text: str, line: int, column: int, *, include_declaration: bool
    ) -> list[PythonLocation]:
        position = _jedi_position(text, line, column)
        if position is None:
            return []
        names = self._script(path, text).get_references(*position, include_builtins=False)
        return _locations(n for n in names if include_declaration or not n.is_definition())

    def _hover(self, path: Path, text: str, line: int, column: int) -> str | None:
        position = _jedi_position(text, line, column)
        if position is None:
            return None
        script = self._script(path, text)
        names = script.help(*position)
        if not names:
            return None
        name = names[0]
        types = [] if name.type in ("function", "class", "module") else script.infer(*position)
        return _hover_markdown(name, types)

    def _warm_up(self) -> None:
        import jedi  # type: ignore[import-untyped]

        jedi.Script("import os\nos.path.join").infer(2, 10)

    def _script(self, path: Path, text: str) -> Any:
        import jedi

        return jedi.Script(text, path=path, project=self._project(path))

    def _project(self, path: Path) -> Any:
        import jedi

        resolved = path.resolve()
        holding = [root for root in self._roots() if resolved.is_relative_to(root)]
        if not holding:  # a file outside every workspace: jedi guesses its project
            return jedi.get_default_project(resolved.parent)
        root = max(holding, key=lambda root: len(root.parts))
        project = self._projects.get(root)
        if project is None:
            project = self._projects[root] = _project_of(root)
        return project


def _project_of(root: Path) -> Any:
    """jedi's project for `root`, with the root's own virtual environment if it works."""
    import jedi

    venv = _project_environment(root)
    if venv is not None:
        project = jedi.Project(root, environment_path=venv)
        try:
            project.get_environment()  # starts its interpreter once, to see that it runs
            return project
        except jedi.InvalidPythonEnvironment as exc:
            log.warning("not using the virtual environment %s: %s", venv, exc)
    return jedi.Project(root)


def _project_environment(root: Path) -> Path | None:
    """The virtual environment a project keeps in its root, if any."""
    for name in VENV_NAMES:
        if (root / name / "pyvenv.cfg").is_file():
            return root / name
    return None


def _jedi_position(text: str, line: int, byte_column: int) -> tuple[int, int] | None:
    """jedi's (1-based line, code-point column) for a position; None past the text.

    An editor's request can race its own edits by a line; that finds nothing, quietly.
    """
    lines = LINE_BREAK.split(text)
    if not 0 <= line < len(lines):
        return None
    row = lines[line].encode("utf-8")[:byte_column]
    return line + 1, len(row.decode("utf-8", errors="ignore"))


def _locations(names: Iterable[Any]) -> list[PythonLocation]:
    """The names that live in a file, as locations of the name itself."""
    found: list[PythonLocation] = []
    for name in names:
        if name.module_path is None or name.line is None or name.column is None:
            continue  # built into the interpreter: nowhere to go
        found.append(PythonLocation(Path(name.module_path), _name_span(name)))
    return list(dict.fromkeys(found))


def _name_span(name: Any) -> Span:
    if name.type == "module":  # the module itself: its start, not a word in its text
        return Span(0, 0, 0, 0)
    line = name.line - 1
    prefix = name.get_line_code()[: name.column]
    start = len(prefix.encode("utf-8"))
    return Span(line, start, line, start + len(name.name.encode("utf-8")))


def _hover_markdown(name: Any, types: Sequence[Any]) -> str:
    """A fenced Python header (signature, class, type) and the docstring under it."""
    signatures = [signature.to_string() for signature in name.get_signatures()]
    if name.type == "function" and signatures:
        header = "\n".join(f"def {signature}" for signature in signatures)
    elif name.type == "class":
        header = f"class {signatures[0]}" if signatures else f"class {name.name}"
    elif name.type == "module":
        header = f"module {name.full_name or name.name}"
    elif types:
        header = f"{name.name}: {' | '.join(dict.fromkeys(_type_name(t) for t in types))}"
    else:
        header = name.description
    parts = [f"```python\n{header}\n```"]
    doc = name.docstring(raw=True).strip()
    if doc:
        parts.append(doc if len(doc) <= HOVER_DOC_CHARS else doc[:HOVER_DOC_CHARS] + "\n\n...")
    return "\n\n".join(parts)


def _type_name(inferred: Any) -> str:
    if inferred.type == "instance":
        return str(inferred.name)
    return f"type[{inferred.name}]" if inferred.type == "class" else str(inferred.description)
