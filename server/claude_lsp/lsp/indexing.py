"""The symbol index of each workspace root, built in the background after `initialized`.

`initialize` must stay fast, so nothing here imports tree-sitter before `initialized`;
the index modules are then imported on a worker thread and each root's index is built
(from its SQLite cache when it has one) under a work-done progress, while every request
is served: queries answer from whatever is loaded so far. Files changed outside the
editor reach the index through `workspace/didChangeWatchedFiles`; the watcher is
registered dynamically when the client allows it. Folders added to the workspace later
(`workspace/didChangeWorkspaceFolders`) are indexed the same way; removed ones drop out
of every answer at once, and their index is closed once no build is using it. A build
reads definitions; the references follow in the background, under a progress of their
own (lookups meanwhile read the files they need).
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import to_fs_path

from claude_lsp.lsp.notifications import add_notification_listener

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from claude_lsp.index.build import IndexStats, SymbolIndex

log = logging.getLogger(__name__)

PROGRESS_TITLE = "Indexing symbols"
REFERENCES_TITLE = "Indexing references"
# Starting the references pass's worker costs a burst of CPU at normal priority (it is
# niced only once it runs): not while the editor asks for the outlines of open files.
REFERENCES_DELAY_SECONDS = 2.0
REPORT_SECONDS = 0.2
"""At most this often a progress report: a client redraws its status line for each."""
WATCHER_ID = "claude-lsp-symbol-index"
CREATE_SECONDS = 5.0
MAIN_LANGUAGES = 3
MAIN_LANGUAGE_SHARE = 0.1


class WorkspaceIndexes:
    """One `SymbolIndex` per workspace root; roots inside another root share its index."""

    def __init__(self, server: LanguageServer) -> None:
        self._server = server
        self._indexes: dict[Path, SymbolIndex] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        # One change of folders at a time: a build, then the next change.
        self._folders_lock = asyncio.Lock()
        self._following_folders = False
        # Once folders have changed, none left means nothing to index, not the root.
        self._folders_ever_changed = False
        # Indexes of removed folders, closed once no build uses them.
        self._retiring: list[SymbolIndex] = []
        self._closed = False
        self._skip_watched: Callable[[Path], bool] = lambda path: False
        self.roots: list[Path] = []

    def register(self, *, skip_watched: Callable[[Path], bool]) -> None:
        """Listen for `initialized` and watched files; `skip_watched(path)` says which
        changed files the editor's buffer speaks for (open ones)."""
        self._skip_watched = skip_watched
        server = self._server
        add_notification_listener(server, types.INITIALIZED, self._initialized)
        add_notification_listener(
            server, types.WORKSPACE_DID_CHANGE_WATCHED_FILES, self._watched_files_changed
        )
        add_notification_listener(
            server, types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS, self._folders_changed
        )
        add_notification_listener(server, types.EXIT, lambda params: self.close())

    def index_for(self, path: Path) -> SymbolIndex | None:
        """The index whose root holds `path`; None outside every workspace (or before
        `initialized`)."""
        resolved = path.resolve()
        for root, index in self._indexes.items():
            if resolved.is_relative_to(root):
                return index
        return None

    def all(self) -> list[SymbolIndex]:
        return list(self._indexes.values())

    def reindex(self, path: Path) -> None:
        """Read `path` from disk into its index, in the background."""
        index = self.index_for(path)
        if index is not None:
            self._spawn(index.reindex_file(path))

    def close(self) -> None:
        """Stop the builds and let the indexes go (their caches stay on disk)."""
        self._closed = True
        for task in self._tasks:
            task.cancel()
        for index in (*self._indexes.values(), *self._retiring):
            index.close()
        self._indexes.clear()
        self._retiring.clear()

    def _initialized(self, params: types.InitializedParams) -> None:
        self.roots = self._current_roots()  # for jedi and paths shown, before any index
        self._spawn(self._start())

    async def _start(self) -> None:
        # tree-sitter and the grammars load off the event loop.
        await asyncio.to_thread(_import_index)
        self._spawn(self._watch())
        self._following_folders = True  # changes from now on are followed one by one
        await self._follow_folders()

    def _folders_changed(self, params: types.DidChangeWorkspaceFoldersParams) -> None:
        # Before `_start` follows them, it sees the folders as they are by then.
        self._folders_ever_changed = True
        if self._following_folders:
            self._spawn(self._follow_folders())

    async def _follow_folders(self) -> None:
        """Index the workspace folders as they are now: removed ones leave every answer
        at once, added ones are built under a progress of their own."""
        from claude_lsp.index.build import SymbolIndex

        if self._closed:
            return
        self.roots = self._current_roots()
        gone = [root for root in self._indexes if root not in self.roots]
        self._retiring += [self._indexes.pop(root) for root in gone]
        async with self._folders_lock:  # a build still using a retired index ends first
            # On the event loop, so no re-index of the file can slip in after `close`.
            while self._retiring:
                self._retiring.pop().close()
            added = [root for root in self.roots if root not in self._indexes]
            for root in added:
                self._indexes[root] = SymbolIndex(root)
            if added:
                await self._build(added)

    async def _build(self, roots: list[Path]) -> None:
        progress = await _IndexProgress.start(self._server, PROGRESS_TITLE)
        try:
            for root in roots:
                index = self._indexes.get(root)
                if index is None:  # removed from the workspace meanwhile
                    continue
                stats = await index.build(progress.report if progress else None)
                summary = f"Symbol index of {root}: {describe(stats)} in {stats.seconds:.2f} s"
                self._server.window_log_message(
                    types.LogMessageParams(type=types.MessageType.Log, message=summary)
                )
                if progress is not None:
                    progress.finished(describe(stats))
                # The index is a large heap that lives as long as the server: keep the
                # garbage collector's full passes from walking it (they took ~50 ms).
                gc.freeze()
        finally:
            if progress is not None and not self._closed:  # after `exit` nobody listens
                progress.end()
        self._spawn(self._read_references(roots))
        for root in roots:
            await _load_main_languages(root)

    async def _read_references(self, roots: list[Path]) -> None:
        """Read the references the builds of `roots` left unread (see `SymbolIndex`), once
        the editor's first requests after the build have had a moment to themselves."""
        await asyncio.sleep(REFERENCES_DELAY_SECONDS)
        progress: _IndexProgress | None = None
        try:
            for root in roots:
                index = self._indexes.get(root)
                if index is None or self._closed or not index.references_unread:
                    continue
                if progress is None:
                    progress = await _IndexProgress.start(self._server, REFERENCES_TITLE)
                read = await index.read_references(progress.report if progress else None)
                if progress is not None:
                    progress.finished(f"{read} files read")
        finally:
            if progress is not None and not self._closed:
                progress.end()

    async def _watch(self) -> None:
        """Ask the client to report changes to source files, where it can."""
        capabilities = self._server.client_capabilities.workspace
        watched = capabilities.did_change_watched_files if capabilities else None
        if not (watched and watched.dynamic_registration):
            return
        from claude_lsp.index.languages import LANGUAGES

        suffixes = sorted({s[1:] for spec in LANGUAGES.values() for s in spec.suffixes})
        names = sorted({n for spec in LANGUAGES.values() for n in spec.filenames})
        watchers = [types.FileSystemWatcher(glob_pattern=f"**/*.{{{','.join(suffixes)}}}")]
        watchers += [types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in names]
        registration = types.Registration(
            id=WATCHER_ID,
            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
        )
        try:
            await self._server.client_register_capability_async(
                types.RegistrationParams(registrations=[registration])
            )
        except Exception as exc:  # the index still follows the editor's own buffers
            log.info("no file watcher: %s", exc)

    def _watched_files_changed(self, params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            fs_path = to_fs_path(change.uri)
            if fs_path is None:
                continue
            path = Path(fs_path)
            if change.type == types.FileChangeType.Deleted or not self._skip_watched(path):
                self.reindex(path)  # a deleted file drops out

    def _current_roots(self) -> list[Path]:
        return workspace_roots(self._server, fall_back_to_root=not self._folders_ever_changed)

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("symbol indexing failed", exc_info=task.exception())


def workspace_roots(server: LanguageServer, *, fall_back_to_root: bool) -> list[Path]:
    """The folders to index: the workspace folders, else (for a client that names none)
    the root; nested ones dropped."""
    workspace = server.workspace
    uris = [folder.uri for folder in workspace.folders.values()]
    if not uris and fall_back_to_root:
        uris = [workspace.root_uri]
    paths = sorted({Path(p).resolve() for uri in uris if uri and (p := to_fs_path(uri))})
    roots: list[Path] = []
    for path in paths:  # sorted: a parent comes before what it holds
        if path.is_dir() and not any(path.is_relative_to(root) for root in roots):
            roots.append(path)
    return roots


async def _load_main_languages(root: Path) -> None:
    """Load the grammars and tags queries of the workspace's main languages now, off the
    path of the first request on such a file (compiling a query takes 8 ms for Python,
    50 ms for TypeScript, 170 ms for C++, holding the GIL; each language costs 1-2 MiB)."""
    from claude_lsp.index.scan import scan_workspace

    files = await scan_workspace(root)
    counts = Counter(f.language for f in files).most_common(MAIN_LANGUAGES)
    for language, count in counts:
        if count >= MAIN_LANGUAGE_SHARE * len(files):  # not the odd script or header
            await asyncio.to_thread(_load_language, language)


def _load_language(language: str) -> None:
    from claude_lsp.index.languages import grammar, tags_query

    grammar(language)
    tags_query(language)


def _import_index() -> None:
    for module in ("claude_lsp.index.build", "claude_lsp.index.document"):
        importlib.import_module(module)


class _IndexProgress:
    """A work-done progress of the index: begin, throttled counts, end."""

    def __init__(self, server: LanguageServer, token: str) -> None:
        self._server = server
        self._token = token
        self._reported = 0.0
        self._summaries: list[str] = []

    @classmethod
    async def start(cls, server: LanguageServer, title: str) -> _IndexProgress | None:
        window = server.client_capabilities.window
        if not (window and window.work_done_progress):
            return None
        token = f"claude-index-{uuid.uuid4()}"
        try:
            # A client that never answers must not hold the build up.
            await asyncio.wait_for(server.work_done_progress.create_async(token), CREATE_SECONDS)
        except Exception as exc:  # refused or silent: index without showing it
            log.info("no work-done progress for indexing: %s", exc)
            return None
        server.work_done_progress.begin(
            token, types.WorkDoneProgressBegin(title=title, percentage=0)
        )
        return cls(server, token)

    def report(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._reported < REPORT_SECONDS:
            return
        self._reported = now
        percentage = 100 if total == 0 else min(100, done * 100 // total)
        self._server.work_done_progress.report(
            self._token,
            types.WorkDoneProgressReport(message=f"{done}/{total} files", percentage=percentage),
        )

    def finished(self, summary: str) -> None:
        self._summaries.append(summary)

    def end(self) -> None:
        message = "; ".join(self._summaries) or "stopped"
        progress = self._server.work_done_progress
        progress.end(self._token, types.WorkDoneProgressEnd(message=message))
        # pygls never forgets tokens; drop ours
        future: Any = progress.tokens.pop(self._token, None)
        if future is not None and not future.done():
            future.set_result(None)


def describe(stats: IndexStats) -> str:
    """A build in a few words: how much was parsed shows whether the cache served."""
    return (
        f"{stats.files} files, {stats.definitions} symbols "
        f"({stats.parsed} parsed, {stats.reused} from cache)"
    )
