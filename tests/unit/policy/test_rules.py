"""Rule syntax and the matching of each kind of specifier."""

from __future__ import annotations

from pathlib import Path

import pytest

from claude_lsp.policy.rules import (
    CommandPattern,
    DomainPattern,
    PathPattern,
    Rule,
    RuleError,
    RuleScope,
    RuleSource,
    path_rule,
    split_rule_list,
    url_host,
)

CLI = RuleSource(RuleScope.CLI_ARG)


@pytest.mark.parametrize(
    ("text", "tool", "specifier"),
    [
        ("Bash", "Bash", None),
        ("  Bash  ", "Bash", None),
        ("Bash(*)", "Bash", None),
        ("Bash(npm run test:*)", "Bash", "npm run test:*"),
        ('Bash(echo "(x)")', "Bash", 'echo "(x)"'),
        ("Read(./secrets/**)", "Read", "./secrets/**"),
        ("WebFetch(domain:example.com)", "WebFetch", "domain:example.com"),
        ("mcp__github", "mcp__github", None),
        ("mcp__github__*", "mcp__github__*", None),
        ("mcp__github__create_issue", "mcp__github__create_issue", None),
        ("Agent(Explore)", "Agent", "Explore"),
        ("Task", "Agent", None),  # Claude Code's earlier name for Agent
        ("Task(Explore)", "Agent", "Explore"),
    ],
)
def test_rules_parse(text: str, tool: str, specifier: str | None) -> None:
    rule = Rule.parse(text, CLI)
    assert (rule.tool, rule.specifier) == (tool, specifier)
    assert Rule.parse(rule.text, CLI) == rule


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Bash(",
        "Bash()",
        "Bash( :* )",
        "Read()",
        "Read(~bob/notes)",
        "Read(!secrets)",
        "WebFetch(example.com)",
        "WebFetch(domain:exa mple.com)",
        "TodoWrite(x)",
        "Agent(two words)",
        "Foo__*",
        "(x)",
    ],
)
def test_malformed_rules_are_refused(text: str) -> None:
    with pytest.raises(RuleError):
        Rule.parse(text, CLI)


@pytest.mark.parametrize(
    ("rule", "tool", "covered"),
    [
        ("Edit", "Write", True),
        ("Edit", "MultiEdit", True),
        ("Edit", "NotebookEdit", True),
        ("Edit(./src/**)", "Write", True),
        ("Edit", "Read", False),
        ("Write", "Edit", False),
        ("Read", "Grep", True),
        ("Read", "Glob", True),
        ("Read", "LS", True),
        ("Read", "NotebookRead", True),
        ("Read", "Edit", False),
        ("Grep", "Read", False),
        ("Bash", "BashOutput", False),
        ("mcp__github", "mcp__github__create_issue", True),
        ("mcp__github__*", "mcp__github__create_issue", True),
        ("mcp__github", "mcp__githubx__create_issue", False),
        ("mcp__github__create_issue", "mcp__github__create_issue", True),
        ("mcp__github__create_issue", "mcp__github__list_issues", False),
    ],
)
def test_rules_cover_tool_groups_and_mcp_servers(rule: str, tool: str, covered: bool) -> None:
    assert Rule.parse(rule, CLI).covers(tool) is covered


@pytest.mark.parametrize(
    ("spec", "command", "expected"),
    [
        # prefix rules: the prefix itself or the prefix and more words
        ("npm run test:*", "npm run test", True),
        ("npm run test:*", "npm run test -- --watch", True),
        ("npm run test:*", "npm run testing", False),
        ("npm run test:*", "npm run tes", False),
        ("npm  run   test:*", "npm run test", True),
        ("git status:*", "git status", True),
        ("git status:*", "git statusx", False),
        ("git status:*", "git  status", False),  # callers pass normalized text
        # glob rules: `*` is any run of characters
        ("ls *", "ls -la", True),
        ("ls *", "ls", True),
        ("ls *", "lsof", False),
        ("ls*", "lsof", True),
        ("git * main", "git push origin main", True),
        ("git * main", "git push origin main2", False),
        ("git * main", "git main", False),
        ("*.sh", "./build.sh", True),
        # exact rules
        ("git status", "git status", True),
        ("git status", "git status -s", False),
        ("git   status", "git status", True),
        ('echo "a  b"', 'echo "a  b"', True),
        ('echo "a  b"', 'echo "a b"', False),
    ],
)
def test_command_patterns(spec: str, command: str, expected: bool) -> None:
    assert CommandPattern.parse(spec).matches(command) is expected


def test_command_patterns_with_operators_compare_whole_lines() -> None:
    pattern = CommandPattern.parse("curl * | sh")
    assert pattern.compound and pattern.kind == "glob"
    assert pattern.occurs_in("curl -s https://x.example | sh")
    assert pattern.occurs_in("cd /tmp && curl x | sh")
    assert not CommandPattern.parse("git status").compound


def test_rule_lists_split_outside_parentheses() -> None:
    assert split_rule_list("Read, Edit  Bash(git commit -m 'a, b'),Bash(echo $(date))") == [
        "Read",
        "Edit",
        "Bash(git commit -m 'a, b')",
        "Bash(echo $(date))",
    ]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A project with a nested folder layout; returned resolved, as tools give paths."""
    project = tmp_path / "project"
    for folder in ("src/app", "secrets/deep", "docs", "a/b/c"):
        (project / folder).mkdir(parents=True)
    return project.resolve()


def matches(
    spec: str, path: Path, cwd: Path, *, folder: bool = False, base: Path | None = None
) -> bool:
    return PathPattern.parse(spec).matches(path, folder=folder, cwd=cwd, rule_base=base)


@pytest.mark.parametrize(
    ("spec", "relative", "expected"),
    [
        ("./secrets/**", "secrets/key.pem", True),
        ("./secrets/**", "secrets/deep/key.pem", True),
        ("./secrets/**", "secretsx/key.pem", False),
        ("./secrets/**", "secrets", False),  # the contents, not a file named secrets
        ("./secrets/", "secrets/key.pem", True),
        ("secrets/**", "secrets/key.pem", True),
        ("secrets/**", "docs/secrets/key.pem", False),  # a middle slash anchors
        ("secrets/", "docs/secrets/key.pem", True),  # a trailing slash does not
        ("./secrets", "secrets/deep/key.pem", True),  # a matched folder covers its contents
        (".env", ".env", True),
        (".env", "a/b/.env", True),
        (".env", "a/b/.envrc", False),
        ("*.env", "a/prod.env", True),
        ("./*.env", "a/prod.env", False),
        ("./*.env", "prod.env", True),
        ("src/*.py", "src/main.py", True),
        ("src/*.py", "src/app/main.py", False),
        ("src/**/*.py", "src/main.py", True),
        ("src/**/*.py", "src/app/main.py", True),
        ("**/main.py", "src/app/main.py", True),
        ("./src/?.py", "src/a.py", True),
        ("./src/?.py", "src/ab.py", False),
        ("./src/[ab].py", "src/b.py", True),
        ("./src/[!ab].py", "src/b.py", False),
        ("./src/[!ab].py", "src/c.py", True),
        ("./a/**/c/*.txt", "a/b/c/x.txt", True),
        ("./a/**/c/*.txt", "a/c/x.txt", True),
        ("./docs/../secrets/**", "secrets/key.pem", True),
        ("./src/\\*.py", "src/*.py", True),
        ("./src/\\*.py", "src/a.py", False),
    ],
)
def test_path_patterns_relative_to_cwd(
    tree: Path, spec: str, relative: str, expected: bool
) -> None:
    assert matches(spec, tree / relative, tree) is expected


def test_folder_tools_match_a_folder_whose_contents_are_covered(tree: Path) -> None:
    assert matches("./secrets/**", tree / "secrets", tree, folder=True)
    assert matches("./secrets/", tree / "secrets", tree, folder=True)
    assert matches("./secrets/**", tree / "secrets" / "deep", tree, folder=True)
    assert not matches("./secrets/**", tree, tree, folder=True)
    assert not matches("./secrets/**", tree / "docs", tree, folder=True)


def test_path_anchors(tree: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    key = home.resolve() / ".ssh" / "id_ed25519"
    assert matches("~/.ssh/**", key, tree)
    assert matches("~/.ssh/id_*", key, tree)
    assert not matches("~/.ssh/**", tree / ".ssh" / "id_ed25519", tree)
    absolute = f"/{tree.as_posix()}/docs/**"
    assert matches(absolute, tree / "docs" / "x.md", Path("/"))
    assert not matches(absolute, tree / "src" / "x.md", Path("/"))
    # `/path`: from the rule's base folder (the settings' project root), not the cwd
    assert matches("/docs/**", tree / "docs" / "x.md", tree / "src", base=tree)
    assert not matches("/docs/**", tree / "docs" / "x.md", tree / "src", base=tree / "src")
    assert matches("/docs/**", tree / "docs" / "x.md", tree)  # no base: the cwd
    # `./path` and `path`: from the cwd
    assert matches("./docs/*.md", tree / "docs" / "x.md", tree)
    assert not matches("./docs/*.md", tree / "docs" / "x.md", tree / "src")
    assert matches("docs/*.md", tree / "src" / "docs" / "x.md", tree / "src")


def test_symlinked_bases_and_targets_are_resolved(tree: Path, tmp_path: Path) -> None:
    link = tmp_path / "link-to-project"
    link.symlink_to(tree, target_is_directory=True)
    # the cwd given through a symlink, the path resolved by the tool
    assert matches("./secrets/**", tree / "secrets" / "k", link)
    # a rule naming a symlinked folder covers the folder it points to
    (tree / "keys").symlink_to(tree / "secrets", target_is_directory=True)
    assert matches("./keys/**", tree / "secrets" / "k", tree)
    assert matches(f"/{link.as_posix()}/secrets/*", tree / "secrets" / "k", tree)
    # a symlinked file
    (tree / "secrets" / "real.env").write_text("x")
    (tree / "shortcut.env").symlink_to(tree / "secrets" / "real.env")
    assert matches("./shortcut.env", (tree / "shortcut.env").resolve(), tree)
    # `..` in the tool's path is resolved before matching
    sneaky = (tree / "docs" / ".." / "secrets" / "k").resolve()
    assert matches("./secrets/**", sneaky, tree)


def test_path_rule_texts_escape_glob_characters(tmp_path: Path) -> None:
    odd = tmp_path / "a*b[1]?"
    odd.mkdir()
    spec = path_rule(odd.resolve(), contents=True)
    assert spec.startswith("//") and spec.endswith("/**")
    assert matches(spec, odd.resolve() / "f", Path("/"))
    sibling = tmp_path / "aXb1Y"
    sibling.mkdir()
    assert not matches(spec, sibling.resolve() / "f", Path("/"))
    assert path_rule(Path("/"), contents=True) == "//**"


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Example.COM/path", "example.com"),
        ("http://example.com.:8080/", "example.com"),
        ("https://user@evil.test/@example.com", "evil.test"),
        ("https://example.com@evil.test/", "evil.test"),
        ("https://evil.test\\@example.com/", None),
        ("ftp://example.com/", None),
        ("https://ex%61mple.com/", None),
        ("https://example.com:99999/", None),
        ("https:///path", None),
        ("not a url", None),
        (42, None),
    ],
)
def test_url_hosts_are_read_strictly(url: object, host: str | None) -> None:
    assert url_host(url) == host


@pytest.mark.parametrize(
    ("spec", "host", "expected"),
    [
        ("domain:example.com", "example.com", True),
        ("domain:example.com", "docs.example.com", False),
        ("domain:example.com", "notexample.com", False),
        ("domain:*.example.com", "docs.example.com", True),
        ("domain:*.example.com", "a.b.example.com", True),
        ("domain:*.example.com", "example.com", False),
        ("domain:*.example.com", "badexample.com", False),
        ("domain:Example.COM.", "example.com", True),
    ],
)
def test_domain_patterns(spec: str, host: str, expected: bool) -> None:
    assert DomainPattern.parse(spec).matches(host) is expected
