"""`claude.review [uri]`: the agent reviews a file, or the uncommitted git diff, and its
findings become diagnostics (source `claude`, code `review`).

The review runs as a one-shot session without edit tools; the prompt asks for the
findings as a fenced JSON block (`claude_lsp.review.findings`), and findings about files
that were not under review are dropped. Every finding is a diagnostic on its lines, so
*Claude: fix this* is offered on it like on any other. A new review replaces the
findings of what it reviewed (a diff review: all of them). A finding goes away when its
lines change in the editor, and a file changed on disk while closed loses its findings;
findings below an edit move with their lines.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from claude_lsp.lsp import errors
from claude_lsp.lsp.claude_actions import INFO, WARNING, run_one_shot, tell
from claude_lsp.lsp.diagnostic_sets import publish_diagnostics
from claude_lsp.lsp.editor_edits import code_units
from claude_lsp.lsp.notifications import add_notification_listener
from claude_lsp.lsp.questions import current_text
from claude_lsp.lsp.shown_files import workspace_root
from claude_lsp.tools.base import display_path

if TYPE_CHECKING:
    from collections.abc import Sequence

    from claude_lsp.agent.events import SessionEvent
    from claude_lsp.lsp.server import ClaudeLanguageServer
    from claude_lsp.review.findings import Finding

REVIEW = "claude.review"
OWNER = "review"
SOURCE = "claude"
CODE = "review"
SEVERITIES = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


class Reviews:
    """The review command of one server and the findings it published."""

    def __init__(self, server: ClaudeLanguageServer) -> None:
        self._server = server
        self._findings: dict[str, list[types.Diagnostic]] = {}  # uri -> published

    def register(self) -> None:
        server = self._server

        @server.command(REVIEW)
        async def review(*arguments: Any) -> dict[str, Any]:
            argument = arguments[0] if arguments else None
            uri = argument.get("uri") if isinstance(argument, dict) else argument
            if uri is not None and (not isinstance(uri, str) or not uri.startswith("file:")):
                raise errors.invalid_params(f"uri: {uri!r} is not a file URI")
            return await self.review(uri)

        add_notification_listener(server, types.TEXT_DOCUMENT_DID_CHANGE, self._changed)
        add_notification_listener(
            server, types.WORKSPACE_DID_CHANGE_WATCHED_FILES, self._changed_on_disk
        )

    async def review(self, uri: str | None) -> dict[str, Any]:
        """Review the file at `uri`, or the uncommitted diff; publish the findings."""
        from claude_lsp.agent.events import AgentText
        from claude_lsp.review.findings import read_findings

        root = workspace_root(self._server)
        prepared = await self._prepare(uri, root)
        if isinstance(prepared, dict):
            return prepared
        prompt, reviewed = prepared
        streamed: list[str] = []

        def observe(event: SessionEvent) -> None:
            if isinstance(event, AgentText):
                streamed.append(event.text)

        result = await run_one_shot(self._server, prompt, read_only=True, observer=observe)
        if result.get("stopReason") != "end_turn":
            tell(self._server, f"Claude review stopped ({result.get('stopReason')})", WARNING)
            return {"stopReason": result.get("stopReason"), "findings": 0, "files": []}
        answer = "".join(streamed) or str(result.get("result") or "")
        found = read_findings(answer, root, reviewed)
        if not found.found_block:
            tell(self._server, "Claude review: the answer had no findings block", WARNING)
            return {"stopReason": "end_turn", "findings": 0, "files": []}
        published = self._publish(found.findings, replacing=uri)
        names = ", ".join(display_path(Path(to_fs_path(u) or u), root) for u in published)
        count = len(found.findings)
        tell(
            self._server,
            f"Claude review: {count} finding{'s' if count != 1 else ''}"
            + (f" in {names}" if names else ""),
            INFO,
        )
        return {
            "stopReason": "end_turn",
            "findings": count,
            "dropped": found.dropped,
            "files": published,
        }

    async def _prepare(
        self, uri: str | None, root: Path
    ) -> tuple[str, list[Path]] | dict[str, Any]:
        """The prompt and the files under review; a result already when there is none."""
        from claude_lsp.git.diff import working_tree_diff
        from claude_lsp.review.prompts import diff_review_prompt, file_review_prompt

        if uri is not None:
            path = Path(to_fs_path(uri) or uri)
            text = current_text(self._server, path)
            if text is None:
                raise errors.invalid_params(f"uri: cannot read {path}")
            document = self._server.workspace.text_documents.get(uri)
            language = (document.language_id if document else None) or ""
            return file_review_prompt(path, text, root, language), [path]
        changes = await asyncio.to_thread(working_tree_diff, root)
        if changes is None:
            raise errors.invalid_params(
                f"uri: {root} is not in a git repository; give the file to review"
            )
        if changes.empty:
            tell(self._server, "Claude review: no uncommitted changes to review", INFO)
            return {"stopReason": "end_turn", "findings": 0, "files": []}
        return diff_review_prompt(changes), changes.existing_paths()

    def _publish(self, findings: Sequence[Finding], *, replacing: str | None) -> list[str]:
        """Publish `findings`, replacing the findings on `replacing` (None: all of them).

        Returns the URIs that have findings now, from this review.
        """
        by_uri: dict[str, list[types.Diagnostic]] = {}
        texts: dict[Path, list[str]] = {}
        for finding in findings:
            uri = replacing or from_fs_path(str(finding.path)) or finding.path.as_uri()
            if finding.path not in texts:
                texts[finding.path] = (current_text(self._server, finding.path) or "").split("\n")
            by_uri.setdefault(uri, []).append(self._diagnostic(finding, texts[finding.path]))
        stale = [replacing] if replacing else list(self._findings)
        for uri in stale:
            if uri not in by_uri:
                self._set(uri, [])
        for uri, diagnostics in by_uri.items():
            self._set(uri, diagnostics)
        return sorted(by_uri)

    def _diagnostic(self, finding: Finding, lines: list[str]) -> types.Diagnostic:
        """The finding on its lines (clamped to the file), from column 0 to the line's end."""
        last_line = max(0, len(lines) - 1)
        first = min(finding.line - 1, last_line)
        last = min(finding.end_line - 1, last_line)
        encoding = self._server.workspace.position_encoding
        end = code_units(lines[last].rstrip("\r"), encoding) if lines else 0
        message = finding.message
        if finding.suggestion:
            message += f"\n\nSuggestion: {finding.suggestion}"
        return types.Diagnostic(
            range=types.Range(
                start=types.Position(line=first, character=0),
                end=types.Position(line=last, character=end),
            ),
            severity=SEVERITIES[finding.severity],
            source=SOURCE,
            code=CODE,
            message=message,
            data={"suggestion": finding.suggestion} if finding.suggestion else None,
        )

    def _set(self, uri: str, diagnostics: list[types.Diagnostic]) -> None:
        if diagnostics:
            self._findings[uri] = diagnostics
        else:
            self._findings.pop(uri, None)
        publish_diagnostics(self._server, OWNER, uri, diagnostics)

    def _changed(self, params: types.DidChangeTextDocumentParams) -> None:
        """Drop the findings on lines an edit touched; move those below it with it."""
        uri = params.text_document.uri
        before = self._findings.get(uri)
        if not before:
            return
        after = before
        for change in params.content_changes:
            if not isinstance(change, types.TextDocumentContentChangePartial):
                after = []  # the whole text was replaced
                break
            after = after_edit(after, change.range, change.text)
        if after != before:
            self._set(uri, after)

    def _changed_on_disk(self, params: types.DidChangeWatchedFilesParams) -> None:
        """A closed file changed or went away: its findings no longer point anywhere."""
        open_documents = self._server.workspace.text_documents
        for event in params.changes:
            closed = event.uri in self._findings and event.uri not in open_documents
            if closed and event.type != types.FileChangeType.Created:
                self._set(event.uri, [])


def after_edit(
    diagnostics: Sequence[types.Diagnostic], edited: types.Range, text: str
) -> list[types.Diagnostic]:
    """`diagnostics` after `edited` was replaced by `text`: those on the edited lines are
    gone, those below moved by the lines the edit added or removed."""
    shift = text.count("\n") - (edited.end.line - edited.start.line)
    kept = []
    for diagnostic in diagnostics:
        first, last = diagnostic.range.start.line, diagnostic.range.end.line
        if last < edited.start.line:
            kept.append(diagnostic)
        elif first > edited.end.line:
            kept.append(attrs.evolve(diagnostic, range=_moved(diagnostic.range, shift)))
    return kept


def _moved(lines: types.Range, shift: int) -> types.Range:
    return types.Range(
        start=types.Position(line=lines.start.line + shift, character=lines.start.character),
        end=types.Position(line=lines.end.line + shift, character=lines.end.character),
    )
