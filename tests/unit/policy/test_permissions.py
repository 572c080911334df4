"""Decisions of the permission policy: rule order, scopes, modes, and remembered answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest

from claude_lsp.agent.tool_runner import ToolRunner
from claude_lsp.host import DiskFiles
from claude_lsp.policy.permissions import (
    PermissionMode,
    PermissionPolicy,
    RuleBehavior,
    parse_rules,
)
from claude_lsp.policy.questions import PermissionAnswer
from claude_lsp.policy.rules import Rule, RuleScope, RuleSource
from claude_lsp.tools.base import Tool, ToolContext, ToolKind, ToolResult
from claude_lsp.tools.bash import BashTool
from claude_lsp.tools.edit import EditTool
from claude_lsp.tools.file_state import FileReadState
from claude_lsp.tools.glob import GlobTool
from claude_lsp.tools.grep import GrepTool
from claude_lsp.tools.ls import LSTool
from claude_lsp.tools.read import ReadTool
from claude_lsp.tools.shells import BackgroundShells
from claude_lsp.tools.write import WriteTool
from tests.unit.test_session import Asker

CLI = RuleSource(RuleScope.CLI_ARG)


class NamedTool(Tool):
    """A stand-in for tools not built yet (WebFetch, MCP tools): only a name and a kind."""

    description = "test tool"
    input_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    read_only = False
    kind: ClassVar[ToolKind] = "fetch"

    def __init__(self, name: str) -> None:
        self.name = name  # type: ignore[misc]

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        return ToolResult("ran")


def rules(behavior: RuleBehavior, *texts: str, source: RuleSource = CLI) -> list[Rule]:
    warnings: list[str] = []
    parsed = parse_rules(texts, behavior=behavior, warnings=warnings, source=source)
    assert warnings == []
    return parsed


def bash(policy: PermissionPolicy, command: str) -> str:
    return policy.decide(BashTool(), {"command": command}, []).behavior


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("git status", "allow"),
        ("git status -s", "allow"),
        ("  git   status  ", "allow"),
        ("git status > /dev/null 2>&1", "allow"),
        ("git status && npm test", "allow"),
        ("npm test -- -k x | grep ok", "allow"),
        ("git statusx", "ask"),
        ("git status && rm -rf x", "ask"),
        ("git status || rm -rf x", "ask"),
        ("git status; rm x", "ask"),
        ("git status & rm x", "ask"),
        ("git status\nrm x", "ask"),
        ("git status $(rm x)", "ask"),
        ('git status "$(rm x)"', "ask"),
        ("git status `rm x`", "ask"),
        ("git status <(rm x)", "ask"),
        ("git status ${x:-$(rm x)}", "ask"),
        ("git status | sh", "ask"),
        ("git status <<EOF\n$(rm x)\nEOF\n", "ask"),
        ("git status 'unclosed", "ask"),
        ("(git status)", "allow"),
        ("git status '$(not run)'", "allow"),
        ("git status \\; rm x", "allow"),  # one command: `;`, `rm`, `x` are git's arguments
        ("FOO=1 git status", "ask"),
        ("for f in a; do git status; done", "ask"),
    ],
)
def test_bash_allow_rules_approve_only_lines_made_of_allowed_commands(
    command: str, expected: str
) -> None:
    policy = PermissionPolicy(
        allow=rules("allow", "Bash(git status:*)", "Bash(npm test:*)", "Bash(grep *)")
    )
    assert bash(policy, command) == expected


@pytest.mark.parametrize(
    "command",
    [
        "rm -rf x",
        "ls && rm -rf x",
        "echo $(rm -rf x)",
        "\\rm -rf x",
        '"rm" -rf x',
        "/bin/rm -rf x",
        "sudo rm -rf x",
        "X=1 rm -rf x",
        "find . | xargs rm -rf",
        "bash -c 'cd /; rm -rf x'",
        "rm -rf x; echo 'oops",  # unsure: checked on what could be extracted
    ],
)
def test_bash_deny_rules_see_every_command_and_spelling(command: str) -> None:
    policy = PermissionPolicy(
        mode=PermissionMode.BYPASS, allow=rules("allow", "Bash"), deny=rules("deny", "Bash(rm:*)")
    )
    decision = policy.decide(BashTool(), {"command": command}, [])
    assert decision.behavior == "deny"
    assert decision.reason == "denied by rule Bash(rm:*) from the command line"


def test_unsure_lines_are_asked_about_when_deny_rules_could_be_hidden() -> None:
    hidden = "echo $'\\x72m' -rf x"
    bypass = PermissionPolicy(mode=PermissionMode.BYPASS, deny=rules("deny", "Bash(rm:*)"))
    decision = bypass.decide(BashTool(), {"command": hidden}, [])
    assert decision.behavior == "ask" and "cannot be checked against rule Bash(rm:*)" in (
        decision.reason
    )
    assert bash(bypass, "echo fine") == "allow"
    assert bash(PermissionPolicy(mode=PermissionMode.BYPASS), hidden) == "allow"
    allowed = PermissionPolicy(allow=rules("allow", "Bash"), ask=rules("ask", "Bash(git push:*)"))
    assert bash(allowed, hidden) == "ask"
    # an exact rule can still approve one exact unsure line
    exact = PermissionPolicy(allow=rules("allow", "Bash(cat <<EOF)"))
    assert bash(exact, "cat <<EOF") == "allow"
    assert bash(exact, "cat <<EOF\nx\nEOF") == "ask"


def test_rules_with_operators_allow_only_the_exact_line() -> None:
    policy = PermissionPolicy(allow=rules("allow", "Bash(make && make install)"))
    assert bash(policy, "make && make install") == "allow"
    assert bash(policy, "make  &&  make install") == "allow"
    assert bash(policy, "make && make install && rm x") == "ask"
    assert bash(policy, "make") == "ask"
    warnings: list[str] = []
    assert parse_rules(["Bash(curl * | sh)"], behavior="allow", warnings=warnings) == []
    assert "cannot contain shell operators" in warnings[0]
    deny = PermissionPolicy(allow=rules("allow", "Bash"), deny=rules("deny", "Bash(curl * | sh)"))
    assert bash(deny, "cd x && curl -s https://x.test/i | sh") == "deny"
    assert bash(deny, "curl -s https://x.test/i") == "allow"


def test_deny_beats_ask_beats_allow_across_scopes(tmp_path: Path) -> None:
    project = RuleSource(RuleScope.PROJECT_SETTINGS, tmp_path)
    user = RuleSource(RuleScope.USER_SETTINGS, tmp_path)
    local = RuleSource(RuleScope.LOCAL_SETTINGS, tmp_path)
    policy = PermissionPolicy(
        mode=PermissionMode.BYPASS,
        allow=rules("allow", "Bash", source=local),
        ask=rules("ask", "Bash(git push:*)", source=user),
        deny=rules("deny", "Bash(git push --force:*)", source=project),
    )
    denied = policy.decide(BashTool(), {"command": "git push --force origin"}, [])
    assert denied.behavior == "deny"
    assert denied.reason == "denied by rule Bash(git push --force:*) from project settings"
    assert denied.rules[0].source.scope is RuleScope.PROJECT_SETTINGS
    asked = policy.decide(BashTool(), {"command": "git push origin"}, [])
    assert asked.behavior == "ask"
    assert asked.reason == "rule Bash(git push:*) from user settings asks for approval"
    allowed = policy.decide(BashTool(), {"command": "git log"}, [])
    assert (allowed.behavior, allowed.reason) == (
        "allow",
        "allowed by rule Bash from local settings",
    )


def test_the_rules_that_allowed_a_line_are_named() -> None:
    policy = PermissionPolicy(allow=rules("allow", "Bash(git status:*)", "Bash(npm test:*)"))
    decision = policy.decide(BashTool(), {"command": "git status && npm test"}, [])
    assert decision.reason == (
        "allowed by rule Bash(git status:*) from the command line, "
        "Bash(npm test:*) from the command line"
    )
    assert len(decision.rules) == 2


def test_bypass_still_asks_for_ask_rules_and_obeys_deny_rules(tmp_path: Path) -> None:
    policy = PermissionPolicy(
        mode=PermissionMode.BYPASS,
        ask=rules("ask", "Bash(git push:*)", "Edit(./prod/**)"),
        deny=rules("deny", "Read(./secrets/**)"),
        roots=[tmp_path],
        cwd=tmp_path,
    )
    assert bash(policy, "git push") == "ask"
    assert bash(policy, "git pull && git push") == "ask"
    assert bash(policy, "git pull") == "allow"
    assert policy.decide(EditTool(), {}, [tmp_path / "prod" / "a.py"]).behavior == "ask"
    assert policy.decide(EditTool(), {}, [Path("/etc/hosts")]).behavior == "allow"
    assert policy.decide(ReadTool(), {}, [tmp_path / "secrets" / "k"]).behavior == "deny"


def test_plan_mode_changes_nothing_even_with_allow_rules(tmp_path: Path) -> None:
    policy = PermissionPolicy(
        mode=PermissionMode.PLAN,
        allow=rules("allow", "Edit", "Bash(git log:*)"),
        roots=[tmp_path],
        cwd=tmp_path,
    )
    edit = policy.decide(WriteTool(), {}, [tmp_path / "a.py"])
    assert edit.behavior == "deny" and "plan mode" in edit.reason
    assert bash(policy, "git log") == "allow"  # what rules allow still runs
    assert bash(policy, "rm x") == "deny"
    assert policy.decide(ReadTool(), {}, [tmp_path / "a.py"]).behavior == "allow"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "secrets" / "deep").mkdir(parents=True)
    (root / "src").mkdir()
    return root.resolve()


@pytest.mark.parametrize(
    ("tool", "relative", "expected"),
    [
        (ReadTool(), "secrets/key.pem", "deny"),
        (ReadTool(), "src/main.py", "allow"),
        (GrepTool(), "secrets/deep", "deny"),
        (GrepTool(), "secrets", "deny"),
        (GlobTool(), "secrets", "deny"),
        (LSTool(), "secrets/deep", "deny"),
        (GrepTool(), "src", "allow"),
        (EditTool(), "secrets/key.pem", "ask"),  # Read rules do not cover edits
    ],
)
def test_read_deny_rules_stop_every_read_tool_inside_the_folder(
    project: Path, tool: Tool, relative: str, expected: str
) -> None:
    policy = PermissionPolicy(
        deny=rules("deny", "Read(./secrets/**)"), roots=[project], cwd=project
    )
    assert policy.decide(tool, {}, [project / relative]).behavior == expected


def test_edit_rules_cover_every_edit_tool(project: Path) -> None:
    policy = PermissionPolicy(
        allow=rules("allow", "Edit(./src/**)"),
        deny=rules("deny", "Edit(**/*.lock)"),
        roots=[project],
        cwd=project,
    )
    for tool in (EditTool(), WriteTool()):
        allowed = policy.decide(tool, {}, [project / "src" / "a.py"])
        assert allowed.behavior == "allow" and "Edit(./src/**)" in allowed.reason
        assert policy.decide(tool, {}, [project / "b.py"]).behavior == "ask"
        assert policy.decide(tool, {}, [project / "src" / "uv.lock"]).behavior == "deny"


def test_paths_outside_the_roots_ask_unless_a_rule_allows_them(
    project: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    outside = outside.resolve()
    policy = PermissionPolicy(mode=PermissionMode.ACCEPT_EDITS, roots=[project], cwd=project)
    read = policy.decide(ReadTool(), {}, [outside / "notes.md"])
    assert read.behavior == "ask" and "outside the session's folders" in read.reason
    assert policy.decide(GrepTool(), {}, [outside]).behavior == "ask"
    assert policy.decide(EditTool(), {}, [outside / "notes.md"]).behavior == "ask"
    assert policy.decide(EditTool(), {}, [project / "src" / "a.py"]).behavior == "allow"
    policy.allow = rules("allow", f"Read(/{outside.as_posix()}/**)")
    assert policy.decide(ReadTool(), {}, [outside / "notes.md"]).behavior == "allow"
    assert policy.decide(GrepTool(), {}, [outside]).behavior == "allow"
    assert policy.decide(EditTool(), {}, [outside / "notes.md"]).behavior == "ask"
    assert policy.decide(ReadTool(), {}, [tmp_path.resolve() / "other"]).behavior == "ask"


def test_roots_given_through_a_symlink_still_contain_resolved_paths(
    project: Path, tmp_path: Path
) -> None:
    link = tmp_path / "via-link"
    link.symlink_to(project, target_is_directory=True)
    policy = PermissionPolicy(mode=PermissionMode.ACCEPT_EDITS, roots=[link], cwd=link)
    assert policy.decide(EditTool(), {}, [project / "src" / "a.py"]).behavior == "allow"
    policy.deny = rules("deny", "Read(./secrets/**)")
    assert policy.decide(ReadTool(), {}, [project / "secrets" / "k"]).behavior == "deny"


def test_webfetch_and_mcp_rules() -> None:
    policy = PermissionPolicy(
        allow=rules("allow", "WebFetch(domain:docs.python.org)", "mcp__github"),
        deny=rules("deny", "WebFetch(domain:*.evil.test)", "mcp__github__delete_repo"),
    )
    fetch = NamedTool("WebFetch")
    assert policy.decide(fetch, {"url": "https://docs.python.org/3/"}, []).behavior == "allow"
    assert policy.decide(fetch, {"url": "https://python.org/"}, []).behavior == "ask"
    assert policy.decide(fetch, {"url": "https://a.evil.test/"}, []).behavior == "deny"
    # a URL whose host is unclear is denied by a domain deny rule, and never allowed
    assert policy.decide(fetch, {"url": "https://x\\@docs.python.org/"}, []).behavior == "deny"
    only_allow = PermissionPolicy(allow=rules("allow", "WebFetch(domain:docs.python.org)"))
    assert only_allow.decide(fetch, {"url": "nope"}, []).behavior == "ask"
    assert policy.decide(NamedTool("mcp__github__list_issues"), {}, []).behavior == "allow"
    assert policy.decide(NamedTool("mcp__github__delete_repo"), {}, []).behavior == "deny"
    assert policy.decide(NamedTool("mcp__gitlab__list_issues"), {}, []).behavior == "ask"


def test_malformed_rules_warn_and_restrictive_ones_fail_closed() -> None:
    warnings: list[str] = []
    deny = parse_rules(["Read(~bob/x) Bash( broken("], behavior="deny", warnings=warnings)
    assert [(rule.tool, rule.specifier) for rule in deny] == [("Read", None), ("Bash", None)]
    assert all(rule.covers_every_use("Grep") for rule in deny[:1])
    assert len(warnings) == 2 and "applies to every use of Read" in warnings[0]
    assert parse_rules(["Read(~bob/x)", "(oops)"], behavior="allow", warnings=warnings) == []
    assert len(warnings) == 4 and "ignored malformed permission rule" in warnings[2]
    ask = parse_rules(["WebFetch(example.com)"], behavior="ask", warnings=warnings)
    assert ask[0].covers_every_use("WebFetch")


@pytest.mark.parametrize(
    ("command", "suggested"),
    [
        ("git status -s", ["Bash(git status:*)"]),
        ("npm run test -- --watch", ["Bash(npm run test:*)"]),
        ("npm install left-pad", ["Bash(npm install:*)"]),
        ("python -m pytest -q tests", ["Bash(python -m pytest:*)"]),
        (
            "cargo build --release && ./target/release/app",
            ["Bash(cargo build:*)", "Bash(./target/release/app)"],
        ),
        ("docker compose up -d", ["Bash(docker compose up:*)"]),
        ("git -C sub status", ["Bash(git -C sub status)"]),
        ("echo hi > out.txt", ["Bash(echo hi)"]),
        ("ls *.py", []),  # a `*` would turn the exact command into a wildcard
        ("git status && git status -s", ["Bash(git status:*)"]),
        ("npm test | tee log", ["Bash(npm test:*)"]),  # `tee log` is allowed already
        ("echo 'unclosed", []),
    ],
)
def test_always_allow_suggests_claude_code_bash_rules(command: str, suggested: list[str]) -> None:
    policy = PermissionPolicy(allow=rules("allow", "Bash(tee:*)"))
    assert policy.allow_always(BashTool(), {"command": command}, []) == suggested
    if suggested:
        assert bash(policy, command) == "allow"
        assert policy.allow_always(BashTool(), {"command": command}, []) == []
    assert all(rule.source.scope is RuleScope.SESSION for rule in policy.allow[1:])


def test_always_allow_for_edits_and_reads_covers_a_folder_for_the_session(
    project: Path, tmp_path: Path
) -> None:
    outside = (tmp_path / "notes").resolve()
    outside.mkdir()
    policy = PermissionPolicy(roots=[project], cwd=project)
    added = policy.allow_always(EditTool(), {}, [project / "src" / "a.py"])
    assert added == [f"Edit(/{project.as_posix()}/**)"]
    assert policy.decide(WriteTool(), {}, [project / "docs" / "new.md"]).behavior == "allow"
    assert policy.decide(EditTool(), {}, [outside / "x.md"]).behavior == "ask"
    assert policy.allow_always(WriteTool(), {}, [outside / "x.md"]) == [
        f"Edit(/{outside.as_posix()}/**)"
    ]
    assert policy.decide(EditTool(), {}, [outside / "y.md"]).behavior == "allow"
    assert policy.allow_always(ReadTool(), {}, [Path("/etc/hosts")]) == ["Read(//etc/**)"]
    assert policy.allow_always(LSTool(), {}, [Path("/usr/share")]) == ["Read(//usr/share/**)"]
    assert policy.decide(GrepTool(), {}, [Path("/usr/share")]).behavior == "allow"
    assert policy.allow_always(NamedTool("WebFetch"), {"url": "https://x.test"}, []) == [
        "WebFetch(domain:x.test)"
    ]
    assert all(rule.source.scope is RuleScope.SESSION for rule in policy.allow)


def test_reject_always_denies_that_exact_call_for_the_session(project: Path) -> None:
    policy = PermissionPolicy(allow=rules("allow", "Bash"), roots=[project], cwd=project)
    added = policy.reject_always(BashTool(), {"command": "git  push --force"}, [])
    assert added == ["Bash(git push --force)"]
    assert bash(policy, "git push --force") == "deny"
    assert bash(policy, "git push") == "allow"
    assert policy.reject_always(BashTool(), {"command": "make && make deploy"}, []) == [
        "Bash(make && make deploy)"
    ]
    assert bash(policy, "make && make deploy") == "deny"
    assert bash(policy, "make") == "allow"
    target = project / "src" / "a.py"
    assert policy.reject_always(WriteTool(), {}, [target]) == [f"Edit(/{target.as_posix()})"]
    assert policy.decide(EditTool(), {}, [target]).behavior == "deny"
    assert policy.decide(EditTool(), {}, [project / "src" / "b.py"]).behavior == "ask"
    assert policy.reject_always(NamedTool("WebFetch"), {}, []) == ["WebFetch"]
    assert policy.deny[-1].source == RuleSource(RuleScope.SESSION)


def project_ctx(project: Path) -> ToolContext:
    return ToolContext(
        cwd=project,
        files=DiskFiles(),
        read_state=FileReadState(),
        shells=BackgroundShells(),
        roots=[project],
    )


def runner(project: Path, policy: PermissionPolicy, asker: Asker | None) -> ToolRunner:
    ctx = project_ctx(project)
    tools: dict[str, Tool] = {"Bash": BashTool()}
    return ToolRunner(tools=tools, policy=policy, asker=asker, emit=lambda _: None, ctx=ctx)


def call(command: str, number: int) -> dict[str, Any]:
    return {"id": f"toolu_{number}", "name": "Bash", "input": {"command": command}}


async def test_runner_remembers_always_allow_as_bash_rules(project: Path) -> None:
    asker = Asker(PermissionAnswer.ALLOW_ALWAYS)
    policy = PermissionPolicy(roots=[project], cwd=project)
    run = runner(project, policy, asker)
    await run.run_one(call("echo one > one.txt", 1))
    await run.run_one(call("echo one > two.txt", 2))
    assert len(asker.questions) == 1
    assert (project / "two.txt").read_text() == "one\n"
    assert [rule.text for rule in policy.allow] == ["Bash(echo one)"]
    await run.run_one(call("echo two", 3))
    assert len(asker.questions) == 2


async def test_runner_reject_always_denies_the_command_without_asking_again(
    project: Path,
) -> None:
    asker = Asker(PermissionAnswer.REJECT_ALWAYS)
    policy = PermissionPolicy(roots=[project], cwd=project)
    run = runner(project, policy, asker)
    first = await run.run_one(call("touch gone.txt", 1))
    assert first["is_error"] and "The user denied permission to use Bash" in str(first)
    second = await run.run_one(call("touch gone.txt", 2))
    assert len(asker.questions) == 1
    assert "denied by rule Bash(touch gone.txt) from this session" in str(second)
    assert not (project / "gone.txt").exists()
    assert len(run.denials) == 2


async def test_runner_without_an_asker_suggests_the_rule_to_allow(project: Path) -> None:
    run = runner(project, PermissionPolicy(roots=[project], cwd=project), None)
    result = await run.run_one(call("git status -s", 1))
    assert "--allowedTools 'Bash(git status:*)'" in str(result)


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("echo hi > notes.txt", "allow"),
        ("echo hi >> sub/log.txt 2>&1", "allow"),
        ("echo hi > /dev/null", "allow"),
        ("echo hi > ~/.bashrc", "ask"),
        ("echo hi > ../outside.txt", "ask"),
        ("echo hi &> /etc/passwd", "ask"),
        ('echo hi > "$TARGET"', "ask"),
        ("echo hi > `pick`", "ask"),
        ("(echo hi > ~/.profile)", "ask"),
        ("echo hi > .env", "deny"),
    ],
)
def test_allowed_commands_still_ask_where_their_redirections_write(
    command: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    project = tmp_path / "project"
    project.mkdir()
    ctx = project_ctx(project)
    policy = PermissionPolicy(
        allow=rules("allow", "Bash(echo:*)"),
        deny=rules("deny", "Edit(.env)"),
        roots=[project],
        cwd=project,
    )
    tool_input = {"command": command}
    decision = policy.decide(BashTool(), tool_input, BashTool().paths(tool_input, ctx))
    assert decision.behavior == expected, decision.reason
