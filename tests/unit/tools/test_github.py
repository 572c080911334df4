"""The GitHub tool driving the real `gh` against a fake GitHub (HTTPS on 127.0.0.1): what
the model reads, what is sent, which calls ask, and how failures are explained."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pygit2
import pytest
from tests.unit.tools.conftest import MakeCtx
from tests.unit.tools.test_github_fake import FakeGitHub, comment, issue, pull, user

from claude_lsp.policy.permissions import PermissionMode, PermissionPolicy, parse_rules
from claude_lsp.tools.base import ToolContext, ToolError
from claude_lsp.tools.github import GitHubTool, preview

# Variables from the machine running the tests that would point gh elsewhere.
GH_VARIABLES = (
    "GH_TOKEN",
    "GITHUB_TOKEN",
    "GH_ENTERPRISE_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "GH_HOST",
    "GH_REPO",
    "GH_CONFIG_DIR",
)


@pytest.fixture(autouse=True)
def no_gh_login_of_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in GH_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def github(tmp_path: Path) -> Iterator[FakeGitHub]:
    with FakeGitHub(tmp_path / "github") as fake:
        yield fake


@pytest.fixture
def gh_ctx(make_ctx: MakeCtx, github: FakeGitHub) -> ToolContext:
    """A session whose environment names the fake's repository (GH_REPO)."""
    ctx = make_ctx()
    ctx.env = {**github.env(), "GH_REPO": github.repo}
    return ctx


async def gh(ctx: ToolContext, tool: GitHubTool | None = None, **call: Any) -> str:
    tool = tool or GitHubTool()
    assert tool.validate(call) is None
    return (await tool.run(call, ctx)).text()


def seed(github: FakeGitHub) -> None:
    github.pulls[12] = pull(
        12,
        "Fix the parser",
        "fix-parser",
        draft=True,
        labels=[{"name": "bug"}],
        body="Parses empty input.\n\nFixes #7.",
        html_url="https://example.test/acme/widgets/pull/12",
        mergeable=True,
        commits=2,
        additions=10,
        deletions=2,
        changed_files=3,
        requested_reviewers=[user("carol")],
    )
    github.pulls[9] = pull(
        9, "Old work", "old", author="bob", state="closed", merged_at="2024-03-01T00:00:00Z"
    )
    github.issues[7] = issue(
        7,
        "Crash on empty input",
        labels=[{"name": "bug"}, {"name": "parser"}],
        comments=1,
        body="Traceback follows.",
        assignees=[user("ada")],
        html_url="https://example.test/acme/widgets/issues/7",
    )
    github.issues[8] = issue(8, "Docs typo", labels=[{"name": "docs"}])
    github.comments[7] = [comment("bob", "Same here.", "2024-04-02T12:00:00Z")]


async def test_lists_of_pull_requests_and_issues(gh_ctx: ToolContext, github: FakeGitHub) -> None:
    seed(github)
    assert await gh(gh_ctx, operation="pr_list") == (
        "#12 [draft] Fix the parser — ada, fix-parser → main, updated 2024-05-02"
    )
    assert github.requests[-1].query == {"state": "open", "per_page": "20"}
    everything = await gh(gh_ctx, operation="pr_list", state="all", limit=5)
    assert (
        everything.splitlines()[1] == "#9 [merged] Old work — bob, old → main, updated 2024-05-02"
    )
    assert github.requests[-1].query == {"state": "all", "per_page": "5"}
    assert await gh(gh_ctx, operation="pr_list", base="release") == "No open pull requests."

    # GitHub lists pull requests among issues; the tool leaves them out.
    assert await gh(gh_ctx, operation="issue_list") == (
        "#7 [open] Crash on empty input — grace, labels: bug, parser, 1 comments, "
        "updated 2024-04-03\n"
        "#8 [open] Docs typo — grace, labels: docs, 0 comments, updated 2024-04-03"
    )
    bugs = await gh(gh_ctx, operation="issue_list", labels=["bug", "parser"])
    assert bugs.startswith("#7 ") and "#8" not in bugs
    assert github.requests[-1].query["labels"] == "bug,parser"
    assert await gh(gh_ctx, operation="issue_list", state="closed") == "No closed issues."


async def test_viewing_an_issue_and_a_pull_request(gh_ctx: ToolContext, github: FakeGitHub) -> None:
    seed(github)
    assert await gh(gh_ctx, operation="issue_view", number=7) == (
        "#7 Crash on empty input [open]\n"
        "Opened by grace on 2024-04-01; labels: bug, parser; assigned to ada\n"
        "https://example.test/acme/widgets/issues/7\n"
        "\n"
        "Traceback follows.\n"
        "\n"
        "Comments:\n"
        "- bob (2024-04-02 12:00):\n"
        "  Same here."
    )
    github.reviews[12] = [
        {"user": user("carol"), "state": "CHANGES_REQUESTED", "body": "Needs a test.",
         "submitted_at": "2024-05-02T09:00:00Z"},
        {"user": user("carol"), "state": "COMMENTED", "body": "",
         "submitted_at": "2024-05-02T09:01:00Z"},
    ]  # fmt: skip
    github.comments[12] = [comment("bob", "Thanks!\nLooks right.")]
    github.code_comments[12] = [
        comment("carol", "Off by one?", "2024-05-02T09:00:30Z", path="src/parse.py", line=42)
    ]
    assert await gh(gh_ctx, operation="pr_view", number=12) == (
        "#12 Fix the parser [draft]\n"
        "ada wants to merge fix-parser into main (head 012aaaa): 2 commits, +10 -2 in 3 files\n"
        "https://example.test/acme/widgets/pull/12\n"
        "Mergeable: yes\n"
        "Labels: bug\n"
        "Review requested from: carol\n"
        "\n"
        "Parses empty input.\n"
        "\n"
        "Fixes #7.\n"
        "\n"
        "Reviews:\n"
        "- carol changes requested (2024-05-02 09:00):\n"
        "  Needs a test.\n"
        "\n"
        "Comments:\n"
        "- bob (2024-05-02 11:00):\n"
        "  Thanks!\n"
        "  Looks right.\n"
        "\n"
        "Comments on the code:\n"
        "- carol on src/parse.py:42 (2024-05-02 09:00):\n"
        "  Off by one?"
    )
    # A pull request viewed as an issue says where its reviews are.
    assert "pr_view shows its reviews" in await gh(gh_ctx, operation="issue_view", number=12)


async def test_the_diff_and_the_checks_of_a_pull_request(
    gh_ctx: ToolContext, github: FakeGitHub
) -> None:
    seed(github)
    github.diffs[12] = "diff --git a/parse.py b/parse.py\n-    x\n+    y\n"
    assert await gh(gh_ctx, operation="pr_diff", number=12) == github.diffs[12]
    assert github.requests[-1].headers["Accept"] == "application/vnd.github.diff"

    sha = github.pulls[12]["head"]["sha"]
    assert await gh(gh_ctx, operation="pr_checks", number=12) == (
        "No checks reported for #12 (at 012aaaa)."
    )
    github.check_runs[sha] = [
        {"name": "build", "status": "completed", "conclusion": "success", "html_url": "u1"},
        {"name": "lint", "status": "in_progress", "conclusion": None, "html_url": None},
        {"name": "test", "status": "completed", "conclusion": "failure", "html_url": "u3"},
        {"name": "docs", "status": "completed", "conclusion": "skipped", "html_url": None},
    ]
    github.statuses[sha] = [
        {"context": "ci/legacy", "state": "error", "description": "Broke", "target_url": "u5"}
    ]
    assert await gh(gh_ctx, operation="pr_checks", number=12) == (
        "Checks of #12 at 012aaaa: 2 failing, 1 pending, 1 passing\n"
        "fail    test (failure) u3\n"
        "fail    ci/legacy: Broke u5\n"
        "pending lint (in_progress)\n"
        "pass    build u1\n"
        "skipped docs (skipped)"
    )


async def test_creating_and_commenting(
    gh_ctx: ToolContext, github: FakeGitHub, tmp_path: Path
) -> None:
    seed(github)
    github.branches.add("fix-parser")
    # head defaults to the current branch of the working directory's repository, base
    # to the repository's default branch.
    repo = pygit2.init_repository(str(gh_ctx.cwd), initial_head="fix-parser")
    author = pygit2.Signature("Ada", "ada@example.com")
    repo.create_commit("HEAD", author, author, "Work\n", repo.index.write_tree(), [])
    created = await gh(
        gh_ctx, operation="pr_create", title="Parse = 'empty'", body="@team: see #7", draft=True
    )
    assert created == (
        f"Created draft pull request #13 (fix-parser → main): "
        f"https://{github.host}/acme/widgets/pull/13"
    )
    issued = await gh(
        gh_ctx, operation="issue_create", title="Follow-up", labels=["parser", "good first"]
    )
    assert issued == f"Created issue #14: https://{github.host}/acme/widgets/issues/14"
    commented = await gh(gh_ctx, operation="pr_comment", number=13, body="Ready.\n\n- [x] tests")
    assert commented.startswith("Commented on #13: https://")
    await gh(gh_ctx, operation="issue_comment", number=7, body="Fixed by #13.")

    # The fields reach GitHub exactly as given: no `@file` reading, no type guessing.
    assert [(request.path, request.body) for request in github.posted()] == [
        (
            "/repos/acme/widgets/pulls",
            {
                "title": "Parse = 'empty'",
                "head": "fix-parser",
                "base": "main",
                "body": "@team: see #7",
                "draft": True,
            },
        ),
        ("/repos/acme/widgets/issues", {"title": "Follow-up", "labels": ["parser", "good first"]}),
        ("/repos/acme/widgets/issues/13/comments", {"body": "Ready.\n\n- [x] tests"}),
        ("/repos/acme/widgets/issues/7/comments", {"body": "Fixed by #13."}),
    ]


async def test_the_repository_can_be_named_with_its_host(
    make_ctx: MakeCtx, github: FakeGitHub
) -> None:
    """repo `HOST/OWNER/REPO` reaches that host, whatever gh's default host is."""
    seed(github)
    ctx = make_ctx()
    ctx.env = {key: value for key, value in github.env().items() if key != "GH_HOST"}
    listed = await gh(ctx, operation="pr_list", repo=f"https://{github.repo}.git")
    assert listed.startswith("#12 ")
    with pytest.raises(ToolError, match="repo 'acme' is not OWNER/REPO or HOST/OWNER/REPO"):
        await gh(ctx, operation="pr_list", repo="acme")


async def test_github_errors_are_explained(gh_ctx: ToolContext, github: FakeGitHub) -> None:
    seed(github)
    with pytest.raises(ToolError) as missing:
        await gh(gh_ctx, operation="pr_view", number=99)
    assert str(missing.value).startswith(
        "GitHub has no repos/acme/widgets/pulls/99 (HTTP 404 Not Found): check the repository"
    )
    with pytest.raises(ToolError) as unpushed:
        await gh(gh_ctx, operation="pr_create", title="x", head="not-pushed", base="main")
    assert "(HTTP 422)" in str(unpushed.value)
    assert str(unpushed.value).endswith("GitHub said: Validation Failed; head invalid")
    with pytest.raises(ToolError, match="pr_comment needs body"):
        await gh(gh_ctx, operation="pr_comment", number=12)
    with pytest.raises(ToolError, match="pr_diff needs number"):
        await gh(gh_ctx, operation="pr_diff")


async def test_without_gh_the_model_is_told_how_to_get_it(
    gh_ctx: ToolContext, tmp_path: Path
) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    gh_ctx.env["PATH"] = str(empty)
    with pytest.raises(ToolError) as failed:
        await gh(gh_ctx, operation="pr_list")
    message = str(failed.value)
    assert "The GitHub CLI (gh) is not installed" in message
    assert "https://cli.github.com" in message and "apt install gh" in message


async def test_without_a_login_the_model_is_told_how_to_log_in(
    make_ctx: MakeCtx, github: FakeGitHub, tmp_path: Path
) -> None:
    seed(github)
    # No token at all, for github.com: gh refuses before making any request.
    ctx = make_ctx()
    ctx.env = {"GH_CONFIG_DIR": str(tmp_path / "no-login")}
    with pytest.raises(ToolError) as logged_out:
        await gh(ctx, operation="issue_list", repo="acme/widgets")
    assert str(logged_out.value).startswith("gh is not logged in to GitHub")
    assert "`gh auth login`" in str(logged_out.value) and "GH_TOKEN" in str(logged_out.value)
    # A token GitHub refuses (HTTP 401) gets the same advice.
    ctx.env = {**github.env(), "GH_ENTERPRISE_TOKEN": "expired", "GH_REPO": github.repo}
    with pytest.raises(ToolError) as refused:
        await gh(ctx, operation="issue_list")
    assert str(refused.value).startswith("gh is not logged in to GitHub")
    assert "Bad credentials (HTTP 401)" in str(refused.value)


async def test_outside_a_github_repository_the_model_is_asked_for_one(
    make_ctx: MakeCtx, github: FakeGitHub
) -> None:
    ctx = make_ctx()
    ctx.env = github.env()  # no GH_REPO, and the folder is no git repository
    with pytest.raises(ToolError, match=r"Which repository\?.*give repo as OWNER/REPO"):
        await gh(ctx, operation="pr_list")


async def until(condition: Any) -> None:
    """Wait (at most 20 s) for `condition()` to hold."""
    async with asyncio.timeout(20):
        while not condition():
            await asyncio.sleep(0.02)


async def test_a_slow_github_times_out_and_gh_is_stopped(
    gh_ctx: ToolContext, github: FakeGitHub
) -> None:
    seed(github)
    github.hanging.add("/repos/acme/widgets/pulls")
    with pytest.raises(ToolError, match=r"did not finish within 0\.5 s and was stopped"):
        await gh(gh_ctx, GitHubTool(timeout_s=0.5), operation="pr_list")
    await until(lambda: github.dropped == ["/repos/acme/widgets/pulls"])


async def test_cancelling_stops_gh(gh_ctx: ToolContext, github: FakeGitHub) -> None:
    seed(github)
    github.hanging.add("/repos/acme/widgets/issues")
    call = {"operation": "issue_list"}
    running = asyncio.create_task(GitHubTool().run(call, gh_ctx))
    await until(lambda: github.requests)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    await until(lambda: github.dropped == ["/repos/acme/widgets/issues"])


def test_reading_runs_without_asking_and_each_write_asks(gh_ctx: ToolContext) -> None:
    tool = GitHubTool()
    root = gh_ctx.cwd
    policy = PermissionPolicy(roots=[root], cwd=root)
    plan = PermissionPolicy(mode=PermissionMode.PLAN, roots=[root], cwd=root)
    accept = PermissionPolicy(mode=PermissionMode.ACCEPT_EDITS, roots=[root], cwd=root)
    for call in (
        {"operation": "pr_list"},
        {"operation": "pr_view", "number": 1},
        {"operation": "pr_checks", "number": 1},
        {"operation": "issue_view", "number": 1},
    ):
        assert tool.is_read_only(call)
        for mode in (policy, plan):
            assert mode.decide(tool, call, tool.paths(call, gh_ctx)).behavior == "allow"
    comment_pr = {"operation": "pr_comment", "number": 1, "body": "x"}
    create_issue = {"operation": "issue_create", "title": "x"}
    for call in (comment_pr, create_issue, {"operation": "pr_create", "title": "x"}):
        assert not tool.is_read_only(call)
        assert policy.decide(tool, call, []).behavior == "ask"
        assert accept.decide(tool, call, []).behavior == "ask"
        assert plan.decide(tool, call, []).behavior == "deny"
    # "Always allow" on a comment allows comments on pull requests, nothing else.
    assert policy.allow_always(tool, comment_pr, []) == ["GitHub(pr_comment)"]
    assert policy.decide(tool, {**comment_pr, "number": 2}, []).behavior == "allow"
    assert policy.decide(tool, create_issue, []).behavior == "ask"
    assert tool.title(comment_pr) == "GitHub pr comment #1"


def test_a_read_from_a_host_the_model_names_asks() -> None:
    """gh hands GH_ENTERPRISE_TOKEN to any host but github.com: the user decides."""
    tool = GitHubTool()
    policy = PermissionPolicy(roots=[Path("/nowhere")], cwd=Path("/nowhere"))
    for repo, asks in (
        ("acme/widgets", False),
        ("github.com/acme/widgets", False),
        ("https://GitHub.com/acme/widgets.git", False),
        ("attacker.example:8443/acme/widgets", True),
        ("https://ghe.corp.example/acme/widgets", True),
    ):
        call = {"operation": "pr_view", "number": 1, "repo": repo}
        assert tool.is_read_only(call) is not asks, repo
        assert policy.decide(tool, call, []).behavior == ("ask" if asks else "allow")


def test_no_rule_or_mode_approves_a_call_to_a_host_the_model_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rule kept for one operation must not send the token to whatever host the model
    picks: such calls ask whatever the allow rules and mode, and keep no rule."""
    tool = GitHubTool()
    root = Path("/nowhere")
    policy = PermissionPolicy(roots=[root], cwd=root)
    comment_pr = {"operation": "pr_comment", "number": 1, "body": "x"}
    elsewhere = {**comment_pr, "repo": "evil.com/o/r"}
    read_elsewhere = {"operation": "pr_view", "number": 1, "repo": "https://evil.com/o/r"}
    # "Always allow" offers no rule for such a call, and approving one keeps none.
    assert policy.suggest_rules(tool, elsewhere, []) == []
    assert policy.allow_always(tool, read_elsewhere, []) == []
    assert policy.allow == []
    assert policy.decide(tool, read_elsewhere, []).behavior == "ask"
    # The rule kept for comments on the default host does not reach another one.
    assert policy.allow_always(tool, comment_pr, []) == ["GitHub(pr_comment)"]
    assert policy.decide(tool, comment_pr, []).behavior == "allow"
    asked = policy.decide(tool, elsewhere, [])
    assert asked.behavior == "ask" and asked.rules == ()
    assert "evil.com" in asked.reason and "GH_ENTERPRISE_TOKEN" in asked.reason
    # Nor does a rule for the whole tool, nor any mode; plan mode refuses; deny denies.
    everything = parse_rules(["GitHub"], behavior="allow", warnings=[])
    for mode in (PermissionMode.DEFAULT, PermissionMode.ACCEPT_EDITS, PermissionMode.BYPASS):
        allowing = PermissionPolicy(mode=mode, allow=everything, roots=[root], cwd=root)
        for call in (elsewhere, read_elsewhere):
            assert allowing.decide(tool, call, []).behavior == "ask", (mode, call)
    plan = PermissionPolicy(mode=PermissionMode.PLAN, allow=everything, roots=[root], cwd=root)
    assert plan.decide(tool, read_elsewhere, []).behavior == "deny"
    denied = parse_rules(["GitHub(pr_comment)"], behavior="deny", warnings=[])
    deny = PermissionPolicy(mode=PermissionMode.BYPASS, deny=denied, roots=[root], cwd=root)
    assert deny.decide(tool, elsewhere, []).behavior == "deny"
    # The host the user set in GH_HOST is theirs, like github.com.
    monkeypatch.setenv("GH_HOST", "GHE.corp.example")
    at_work = {**comment_pr, "repo": "ghe.corp.example/o/r"}
    assert tool.is_read_only({**read_elsewhere, "repo": "ghe.corp.example/o/r"})
    assert policy.suggest_rules(tool, at_work, []) == ["GitHub(pr_comment)"]
    assert policy.decide(tool, at_work, []).behavior == "allow"
    assert policy.decide(tool, elsewhere, []).behavior == "ask"
    assert policy.decide(tool, {**comment_pr, "repo": "github.com/o/r"}, []).behavior == "allow"


def test_a_write_question_shows_what_would_be_published() -> None:
    comment_pr = {"operation": "pr_comment", "number": 12, "body": "LGTM\n"}
    assert preview(comment_pr) == "Comment on #12:\n\nLGTM"
    assert preview({"operation": "pr_create", "title": "Fix", "draft": True, "repo": "a/b"}) == (
        "New pull request in a/b (draft): Fix\nthe current branch → the default branch"
    )
    assert (
        preview(
            {"operation": "issue_create", "title": "Bug", "labels": ["x", "y"], "body": "Steps"}
        )
        == "New issue: Bug\nLabels: x, y\n\nSteps"
    )
    assert preview({"operation": "pr_view", "number": 1}) is None
