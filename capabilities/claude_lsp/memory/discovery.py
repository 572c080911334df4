"""Finding the memory files of a session: what loads at start and what loads on touch.

At start, broadest first so that later (more specific) instructions win: the managed
file an administrator installs, the user's `CLAUDE.md` and rules in the configuration
folder, then for every directory from the top of the filesystem down to the cwd its
`CLAUDE.md`, `.claude/CLAUDE.md`, unconditional `.claude/rules/**/*.md` (sorted) and
`CLAUDE.local.md`. Like Claude Code, the climb stops below the filesystem root: `/`
itself is never read, so a stray `/CLAUDE.md` cannot steer every session on a machine.

Nothing below the cwd is walked at start, so a huge workspace costs nothing. Memory in
subdirectories, and rules whose `paths:` globs match, load when the agent touches a
file there (`MemoryIndex.touched`); that looks only at the directories between the cwd
and the file. Rule globs are relative to the directory holding the rule's `.claude`
folder (the cwd for user rules).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from claude_lsp.frontmatter import as_list, split_frontmatter
from claude_lsp.globs import compile_glob
from claude_lsp.memory.files import MemoryFile, MemoryKind, read_memory_text
from claude_lsp.memory.imports import ImportLoader
from claude_lsp.sessions.transcripts import config_dir

NESTED_NAMES = ("CLAUDE.md", ".claude/CLAUDE.md", "CLAUDE.local.md")


def default_managed_path() -> Path:
    """Where administrators install organisation-wide memory on this platform."""
    if sys.platform == "darwin":
        return Path("/Library/Application Support/ClaudeCode/CLAUDE.md")
    if sys.platform == "win32":
        program_files = os.environ.get("PROGRAMFILES", r"C:\Program Files")
        return Path(program_files) / "ClaudeCode" / "CLAUDE.md"
    return Path("/etc/claude-code/CLAUDE.md")


@dataclass(frozen=True)
class ConditionalRule:
    """A rule with `paths:` globs, waiting for a matching file to be touched."""

    path: Path
    text: str
    base: Path
    patterns: tuple[re.Pattern[str], ...]

    def applies_to(self, path: Path) -> bool:
        relative = relative_path(path, self.base)
        if relative is None:
            return False
        return any(pattern.fullmatch(relative.as_posix()) for pattern in self.patterns)


class MemoryIndex:
    """The session's memory: what loaded at start, and what is still to load on touch.

    `warnings` grows as `touched` reads more files; show new ones to the user.
    """

    def __init__(
        self,
        cwd: Path,
        files: list[MemoryFile],
        loader: ImportLoader,
        pending_rules: list[ConditionalRule],
    ) -> None:
        self.cwd = cwd
        self.files = files
        self._loader = loader
        self._pending_rules = pending_rules
        self._checked_dirs: set[Path] = set()

    @property
    def warnings(self) -> list[str]:
        return self._loader.warnings

    def touched(self, path: Path) -> list[MemoryFile]:
        """Memory that applies to `path` (read or edited; relative to the cwd) not yet loaded.

        Nested `CLAUDE.md`, `.claude/CLAUDE.md` and `CLAUDE.local.md` files of every
        directory below the cwd down to the file's own folder (shallowest first), then
        conditional rules whose globs match. Each file is returned once per session.
        """
        target = Path(os.path.normpath(self.cwd / path))
        found: list[MemoryFile] = []
        relative = relative_path(target, self.cwd)
        if relative is not None:
            parts = relative.parts if target.is_dir() else relative.parts[:-1]
            directory = self.cwd
            for part in parts:
                directory /= part
                if directory in self._checked_dirs:
                    continue
                self._checked_dirs.add(directory)
                for name in NESTED_NAMES:
                    found.extend(self._loader.load(directory / name, "nested"))
        for rule in [rule for rule in self._pending_rules if rule.applies_to(target)]:
            self._pending_rules.remove(rule)
            if self._loader.claim(rule.path):
                found.extend(self._loader.expand(MemoryFile(rule.path, "rule", rule.text)))
        return found


def split_rule(text: str) -> tuple[list[str], str]:
    """A rule's `paths:` globs (none: it always applies) and its text without frontmatter."""
    fields, body = split_frontmatter(text)
    return as_list(fields.get("paths")), body.lstrip("\n") if fields else body


def rule_glob(pattern: str) -> str:
    """A `paths:` entry as a glob relative to the rule's base (`./src/`, `/src/` = `src/**`)."""
    pattern = pattern.strip().removeprefix("./").lstrip("/")
    return pattern + "**" if pattern.endswith("/") else pattern


def load_memory(cwd: Path, *, managed_path: Path | None = None) -> MemoryIndex:
    """The memory files a session in `cwd` starts with, in the order the model reads them."""
    root = Path(os.path.abspath(cwd))
    loader = ImportLoader()
    files: list[MemoryFile] = []
    pending: list[ConditionalRule] = []
    known_rules: set[Path] = set()

    def add_rules(rules_dir: Path, base: Path) -> None:
        for rule in _rule_files(rules_dir, known_rules):
            text = read_memory_text(rule, loader.warnings)
            if text is None:
                continue
            globs, body = split_rule(text)
            if globs:
                patterns = tuple(compile_glob(rule_glob(glob)) for glob in globs)
                pending.append(ConditionalRule(rule, body, base, patterns))
            elif loader.claim(rule):
                files.extend(loader.expand(MemoryFile(rule, "rule", body)))

    def add(path: Path, kind: MemoryKind) -> None:
        files.extend(loader.load(path, kind))

    add(managed_path or default_managed_path(), "managed")
    user_dir = config_dir()
    add(user_dir / "CLAUDE.md", "user")
    add_rules(user_dir / "rules", root)
    for directory in ancestors(root):
        add(directory / "CLAUDE.md", "project")
        add(directory / ".claude" / "CLAUDE.md", "project")
        add_rules(directory / ".claude" / "rules", directory)
        add(directory / "CLAUDE.local.md", "local")
    return MemoryIndex(root, files, loader, pending)


def ancestors(cwd: Path) -> list[Path]:
    """`cwd` and the directories above it, top first, without the filesystem root."""
    return [d for d in [cwd, *cwd.parents] if d != d.parent][::-1]


def relative_path(path: Path, base: Path) -> Path | None:
    """`path` relative to `base` when it lies below it (also through symlinks), else None."""
    for candidate, root in ((path, base), (path.resolve(), base.resolve())):
        try:
            return candidate.relative_to(root)
        except ValueError:
            continue
    return None


def _rule_files(rules_dir: Path, known: set[Path]) -> list[Path]:
    """Markdown files under `rules_dir`, sorted, skipping any already found elsewhere."""
    if not rules_dir.is_dir():
        return []
    found = []
    for path in sorted(rules_dir.rglob("*.md"), key=lambda p: p.relative_to(rules_dir).parts):
        key = path.resolve()
        if path.is_file() and key not in known:
            known.add(key)
            found.append(path)
    return found
