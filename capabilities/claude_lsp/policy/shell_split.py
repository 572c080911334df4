"""Split a shell command line into the simple commands that permission rules judge.

A rule such as `Bash(git status:*)` must hold for every command a line runs, so
`git status && rm -rf x` is two commands, and so is `git status $(rm x)`: the text
inside substitutions, subshells, groups, backquotes and process substitutions runs too.
Redirections (`> out.txt`, `2>&1`) are dropped from the text a rule sees.

This is not a full shell parser. Whatever it is unsure about (an unclosed quote, a
`case` statement, a keyword such as `for`) is recorded as a problem, and the caller
must then refuse to let an allow rule approve the line. Deny rules are still checked
on everything that could be extracted, in several spellings (`\\rm`, `/bin/rm`,
`sudo rm`, `sh -c 'rm ...'`), since a deny rule that a quote can dodge protects nothing.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

_METACHARS = frozenset(" \t\n;&|()<>")
_OPERATORS = ("&&", "||", ";;", "|&", ";", "|", "&")
_REDIRECTIONS = ("&>>", "&>", "<<<", "<<-", "<<", "<>", "<&", ">>", ">&", ">|", "<", ">")
# Words that open or continue compound statements; the text after them is still a
# command (`then rm x`), but the statement as a whole is not analysed.
_KEYWORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until"}
    | {"for", "select", "function", "coproc", "[[", "]]"}
)
_MAX_NESTING = 64
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")
# Commands that run their arguments as another command.
_WRAPPERS = frozenset(
    {"sudo", "doas", "env", "command", "builtin", "exec", "nohup", "nice", "ionice"}
    | {"time", "timeout", "stdbuf", "xargs", "!"}
)
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "fish"})
_SCRIPT_FLAG = re.compile(r"-[A-Za-z]*c[A-Za-z]*")
_MAX_SCRIPT_DEPTH = 3


@dataclass(frozen=True)
class Word:
    """One shell word: as written (`raw`) and with quotes and escapes removed (`value`).

    Substitutions stay as written in both: what they expand to is unknown until run.
    """

    raw: str
    value: str


@dataclass(frozen=True)
class SimpleCommand:
    """One command and its arguments, without redirections."""

    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        """The words as written, one space apart: what Bash rules are matched against."""
        return " ".join(word.raw for word in self.words)


@dataclass(frozen=True)
class CommandSplit:
    commands: tuple[SimpleCommand, ...]
    # Why the line could not be analysed with confidence; empty when it could.
    problems: tuple[str, ...]
    # Whether the line had any operator, redirection, substitution, group or comment.
    compound: bool
    # The files output redirections write to (`> out.txt`, `>> log`, `&> all`), as
    # written after quote removal; substitutions stay unexpanded.
    writes: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.problems


def split_command(command: str) -> CommandSplit:
    """Every simple command `command` would run, and whether the split is trustworthy."""
    parser = _Parser(command, 0)
    parser.parse_list(None)
    return CommandSplit(
        tuple(parser.commands), tuple(parser.problems), parser.compound, tuple(parser.writes)
    )


def normalize_line(command: str) -> str:
    """`command` with runs of blanks made one space; newlines (separators) are kept."""
    lines = (" ".join(line.split()) for line in command.strip().splitlines())
    return "\n".join(line for line in lines if line)


def spellings(split: CommandSplit) -> frozenset[str]:
    """Texts of every command in `split` as deny and ask rules should see them.

    Besides the text as written: the unquoted text, the text without leading variable
    assignments, with the program's directory removed, every tail after a wrapper such
    as `sudo` or `xargs`, and the commands of `sh -c SCRIPT` and `eval`. Only ever used
    to deny or ask, where matching too much is the safe mistake.
    """
    found: set[str] = set()
    for command in split.commands:
        _add_spellings(command.words, found, 0)
    return frozenset(found)


def _add_spellings(words: tuple[Word, ...], found: set[str], depth: int) -> None:
    starts, seen = [0], {0}
    while starts:
        start = starts.pop()
        tail = words[start:]
        if not tail:
            continue
        values = [word.value for word in tail]
        found.add(" ".join(word.raw for word in tail))
        found.add(" ".join(values))
        program = posixpath.basename(values[0]) or values[0]
        found.add(" ".join([program, *values[1:]]))
        following: list[int] = []
        if _ASSIGNMENT.match(values[0]):
            following.append(start + 1)
        if program in _WRAPPERS:
            following.extend(range(start + 1, len(words)))
        for index in following:
            if index not in seen:
                seen.add(index)
                starts.append(index)
        script = _script_of(program, values)
        if script is not None and depth < _MAX_SCRIPT_DEPTH:
            for command in split_command(script).commands:
                _add_spellings(command.words, found, depth + 1)


def _script_of(program: str, values: list[str]) -> str | None:
    """The command text `sh -c TEXT` or `eval TEXT` would run, if this is one of them."""
    if program == "eval":
        return " ".join(values[1:])
    if program in _SHELLS:
        for index, value in enumerate(values[1:-1], start=1):
            if _SCRIPT_FLAG.fullmatch(value):
                return values[index + 1]
    return None


@dataclass(frozen=True)
class _Heredoc:
    delimiter: str
    strip_tabs: bool
    expands: bool  # an unquoted delimiter: `$(...)` in the body runs


@dataclass
class _Parser:
    """A recursive scanner over one text; nested constructs share its command list."""

    text: str
    depth: int
    pos: int = 0
    commands: list[SimpleCommand] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    compound: bool = False
    heredocs: list[_Heredoc] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)

    def peek(self, offset: int = 0) -> str:
        index = self.pos + offset
        return self.text[index] if index < len(self.text) else ""

    def problem(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)

    def nest(self) -> bool:
        """Enter one more level of nesting; False (and the rest skipped) when too deep."""
        self.depth += 1
        if self.depth <= _MAX_NESTING:
            return True
        self.problem("the command is nested too deeply to analyse")
        self.pos = len(self.text)
        return False

    def parse_list(self, closer: str | None) -> None:
        """Commands up to `closer` (`)`) or the end of the text."""
        if not self.nest():
            return
        words: list[Word] = []
        while True:
            self.skip_blanks()
            char = self.peek()
            if not char:
                self.finish(words)
                if closer:
                    self.problem(f"a '{closer}' is missing")
                if self.heredocs:
                    self.problem("a here-document has no body")
                    self.heredocs.clear()
                break
            if char == closer:
                self.pos += 1
                self.finish(words)
                break
            if char == "\n":
                self.pos += 1
                self.compound = True
                self.finish(words)
                self.read_heredocs()
            elif char == "#":
                self.compound = True
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            elif char in "<>" and self.peek(1) == "(":
                words.append(self.word())
            elif char in "<>" or self.text.startswith("&>", self.pos):
                self.redirect()
            elif operator := self.operator():
                self.pos += len(operator)
                self.compound = True
                if operator == ";;":
                    self.problem("'case' statements are not analysed")
                self.finish(words)
            elif char == "(":
                self.pos += 1
                self.compound = True
                if words:
                    self.problem("a '(' after a word (a function or pattern) is not analysed")
                self.finish(words)
                self.parse_list(")")
            elif char == ")":
                self.pos += 1
                self.problem("a ')' has no matching '('")
            else:
                word = self.word()
                if word.raw.isdigit() and self.peek() in ("<", ">") and self.peek(1) != "(":
                    self.redirect()  # a file descriptor number: `2>&1`
                else:
                    words.append(word)
        self.depth -= 1

    def operator(self) -> str:
        """The control operator at the current position, or ""."""
        return next((op for op in _OPERATORS if self.text.startswith(op, self.pos)), "")

    def finish(self, words: list[Word]) -> None:
        """Record the command in `words` (if any) and empty the list."""
        while words and (words[0].raw in ("{", "}") or words[0].raw in _KEYWORDS):
            if words[0].raw in _KEYWORDS:
                self.problem(f"shell keyword '{words[0].raw}' is not analysed")
            self.compound = True
            words.pop(0)
        if words:
            self.commands.append(SimpleCommand(tuple(words)))
        words.clear()

    def skip_blanks(self) -> None:
        while True:
            if self.peek() in (" ", "\t"):
                self.pos += 1
            elif self.text.startswith("\\\n", self.pos):
                self.pos += 2
            else:
                return

    def word(self) -> Word:
        start = self.pos
        value: list[str] = []
        while char := self.peek():
            if char in "<>" and self.peek(1) == "(" and self.pos == start:
                self.pos += 2
                self.compound = True
                self.parse_list(")")
                value.append(self.text[start : self.pos])
            elif char in _METACHARS:
                break
            elif char == "\\":
                following = self.peek(1)
                if following != "\n":
                    value.append(following or "\\")
                self.pos += 2 if following else 1
            elif char == "'":
                self.single_quoted(value)
            elif char == '"':
                self.double_quoted(value)
            elif char == "$":
                self.dollar(value)
            elif char == "`":
                self.backquoted(value)
            else:
                value.append(char)
                self.pos += 1
        return Word(self.text[start : self.pos], "".join(value))

    def single_quoted(self, value: list[str]) -> None:
        end = self.text.find("'", self.pos + 1)
        if end < 0:
            self.problem("a single quote is not closed")
            end = len(self.text)
        value.append(self.text[self.pos + 1 : end])
        self.pos = end + 1

    def double_quoted(self, value: list[str]) -> None:
        self.pos += 1
        while True:
            char = self.peek()
            if not char:
                self.problem("a double quote is not closed")
                return
            if char == '"':
                self.pos += 1
                return
            if char == "\\" and self.peek(1) in ("$", "`", '"', "\\", "\n"):
                if self.peek(1) != "\n":
                    value.append(self.peek(1))
                self.pos += 2
            elif char == "$":
                self.dollar(value)
            elif char == "`":
                self.backquoted(value)
            else:
                value.append(char)
                self.pos += 1

    def dollar(self, value: list[str]) -> None:
        """`$(...)`, `$((...))`, `${...}`, `$'...'`, `$"..."` or a plain `$`."""
        start, following = self.pos, self.peek(1)
        if following == "'":
            self.ansi_c_quoted(value)
        elif following == '"':
            self.pos += 1
            self.double_quoted(value)
        elif following not in ("(", "{"):
            value.append("$")
            self.pos += 1
        elif self.nest():
            self.compound = True
            if following == "{":
                self.pos += 2
                self.scan_to("}")
            elif self.peek(2) == "(":
                self.pos += 3
                self.scan_to("))")
            else:
                self.pos += 2
                self.parse_list(")")
            self.depth -= 1
            value.append(self.text[start : self.pos])

    def ansi_c_quoted(self, value: list[str]) -> None:
        self.pos += 2
        start = self.pos
        while (char := self.peek()) and char != "'":
            if char == "\\":
                self.problem("escapes in $'...' strings are not analysed")
            self.pos += 2 if char == "\\" else 1
        if not self.peek():
            self.problem("a $'...' string is not closed")
        value.append(self.text[start : self.pos])
        self.pos += 1

    def scan_to(self, closer: str) -> None:
        """Skip a `${...}` or `$((...))` body, parsing the substitutions inside it."""
        depth = 0
        ignored: list[str] = []
        while char := self.peek():
            if depth == 0 and self.text.startswith(closer, self.pos):
                self.pos += len(closer)
                return
            if char == "\\":
                self.pos += 2
            elif char == "'" and closer == "}":
                self.single_quoted(ignored)
            elif char == '"':
                self.double_quoted(ignored)
            elif char == "$":
                self.dollar(ignored)
            elif char == "`":
                self.backquoted(ignored)
            else:
                if char in "({":
                    depth += 1
                elif char in ")}" and depth:
                    depth -= 1
                self.pos += 1
        self.problem(f"a '{closer}' is missing")

    def backquoted(self, value: list[str]) -> None:
        start = self.pos
        self.pos += 1
        inner: list[str] = []
        while (char := self.peek()) and char != "`":
            if char == "\\" and self.peek(1) in ("`", "$", "\\"):
                inner.append(self.peek(1))
                self.pos += 2
            else:
                inner.append(char)
                self.pos += 1
        if not self.peek():
            self.problem("a backquote is not closed")
        self.pos += 1
        self.compound = True
        self.merge(_Parser("".join(inner), self.depth + 1), body=False)
        value.append(self.text[start : self.pos])

    def merge(self, inner: _Parser, *, body: bool) -> None:
        """Parse `inner` (a command list, or a here-document body) into this parser."""
        if inner.depth > _MAX_NESTING:
            self.problem("the command is nested too deeply to analyse")
            return
        if body:
            inner.scan_body()
        else:
            inner.parse_list(None)
        self.commands.extend(inner.commands)
        self.writes.extend(inner.writes)
        for message in inner.problems:
            self.problem(message)

    def redirect(self) -> None:
        operator = next(op for op in _REDIRECTIONS if self.text.startswith(op, self.pos))
        self.pos += len(operator)
        self.compound = True
        self.skip_blanks()
        char = self.peek()
        if not char or (char in _METACHARS and not (char in "<>" and self.peek(1) == "(")):
            self.problem(f"the redirection '{operator}' has no target")
            return
        target = self.word()  # not part of the command text; its substitutions still run
        duplicates_descriptor = operator in (">&", "<&") and target.value.rstrip("-").isdigit()
        if ">" in operator and not duplicates_descriptor:
            self.writes.append(target.value)
        if operator in ("<<", "<<-"):
            self.heredocs.append(
                _Heredoc(target.value, operator == "<<-", expands=target.raw == target.value)
            )

    def read_heredocs(self) -> None:
        """After a newline: the bodies of the here-documents its line opened."""
        for heredoc in self.heredocs:
            body: list[str] = []
            while True:
                if self.pos >= len(self.text):
                    self.problem(f"the here-document ending at {heredoc.delimiter!r} never ends")
                    break
                end = self.text.find("\n", self.pos)
                end = len(self.text) if end < 0 else end
                line = self.text[self.pos : end]
                self.pos = end + 1
                if (line.lstrip("\t") if heredoc.strip_tabs else line) == heredoc.delimiter:
                    break
                body.append(line)
            if heredoc.expands:
                self.merge(_Parser("\n".join(body), self.depth + 1), body=True)
        self.heredocs.clear()

    def scan_body(self) -> None:
        """An unquoted here-document: only its substitutions run."""
        ignored: list[str] = []
        while char := self.peek():
            if char == "\\":
                self.pos += 2
            elif char == "$":
                self.dollar(ignored)
            elif char == "`":
                self.backquoted(ignored)
            else:
                self.pos += 1
