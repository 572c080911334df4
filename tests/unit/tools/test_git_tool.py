"""The Git tool on a real repository made with pygit2: looking, staging and committing,
which calls ask, and what Read deny rules hide."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pygit2
import pytest
from tests.unit.tools.conftest import MakeCtx

from claude_lsp.policy.permissions import PermissionMode, PermissionPolicy, parse_rules
from claude_lsp.tools.base import ToolContext, ToolError
from claude_lsp.tools.git import GitTool

AUTHOR = pygit2.Signature("Ada", "ada@example.com", 1_700_000_000, 0)


@pytest.fixture
def repo(tmp_path: Path) -> pygit2.Repository:
    root = tmp_path / "repo"
    repository = pygit2.init_repository(str(root), initial_head="main")
    repository.config["user.name"] = "Ada"
    repository.config["user.email"] = "ada@example.com"
    (root / "calc.py").write_text("def add(a, b):\n    return a - b\n")
    (root / "secrets").mkdir()
    (root / "secrets" / "key.txt").write_text("hunter2\n")
    repository.index.add_all()
    repository.index.write()
    tree = repository.index.write_tree()
    repository.create_commit("HEAD", AUTHOR, AUTHOR, "First commit\n", tree, [])
    return repository


@pytest.fixture
def git_ctx(make_ctx: MakeCtx, repo: pygit2.Repository) -> ToolContext:
    return make_ctx(cwd=Path(repo.workdir))


async def git(ctx: ToolContext, **call: Any) -> str:
    assert GitTool().validate(call) is None
    return (await GitTool().run(call, ctx)).text()


async def test_status_diff_log_show_and_blame(git_ctx: ToolContext) -> None:
    root = git_ctx.cwd
    (root / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (root / "new.py").write_text("x = 1\n")

    assert await git(git_ctx, operation="status") == "On branch main\n M calc.py\n?? new.py"
    unstaged = await git(git_ctx, operation="diff")
    assert "-    return a - b\n+    return a + b" in unstaged
    assert await git(git_ctx, operation="diff", staged=True) == "(no differences)"
    assert "calc.py" in await git(git_ctx, operation="diff", revision="HEAD", paths=["calc.py"])

    log = await git(git_ctx, operation="log")
    assert log.endswith("2023-11-14 22:13 Ada: First commit")
    shown = await git(git_ctx, operation="show")
    assert "Author: Ada <ada@example.com>" in shown and "+def add(a, b):" in shown
    blamed = await git(git_ctx, operation="blame", paths=["calc.py"])
    assert blamed.splitlines()[1].endswith("(Ada 2023-11-14    2)     return a - b")


async def test_add_commit_and_branch(git_ctx: ToolContext, repo: pygit2.Repository) -> None:
    root = git_ctx.cwd
    (root / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    with pytest.raises(ToolError, match="nothing is staged"):
        await git(git_ctx, operation="commit", message="Fix add")

    staged = await git(git_ctx, operation="add", paths=["calc.py"])
    assert staged.endswith("M  calc.py")
    committed = await git(git_ctx, operation="commit", message="Fix add\n\nIt subtracted.")
    assert committed.startswith("Committed ") and committed.endswith("on main: Fix add")
    head = repo.head.peel(pygit2.Commit)
    assert head.message == "Fix add\n\nIt subtracted." and head.author.name == "Ada"
    assert await git(git_ctx, operation="status") == "On branch main\n(nothing to commit)"

    created = await git(git_ctx, operation="branch", name="topic")
    assert created.startswith("Created branch topic at ")
    assert await git(git_ctx, operation="branch") == "* main\n  topic"
    with pytest.raises(ToolError, match="exists already"):
        await git(git_ctx, operation="branch", name="topic")


async def test_mistakes_are_explained(
    git_ctx: ToolContext, make_ctx: MakeCtx, tmp_path: Path
) -> None:
    with pytest.raises(ToolError, match="unknown revision 'nope'"):
        await git(git_ctx, operation="show", revision="nope")
    with pytest.raises(ToolError, match="blame needs the file"):
        await git(git_ctx, operation="blame")
    with pytest.raises(ToolError, match="outside the repository"):
        await git(git_ctx, operation="add", paths=[str(tmp_path)])
    outside = tmp_path / "plain"
    outside.mkdir()
    with pytest.raises(ToolError, match="not in a git repository"):
        await git(make_ctx(cwd=outside), operation="status")


async def test_read_deny_rules_hide_files(make_ctx: MakeCtx, repo: pygit2.Repository) -> None:
    root = Path(repo.workdir)
    policy = PermissionPolicy(
        deny=parse_rules(["Read(./secrets/**)"], behavior="deny", warnings=[]),
        roots=[root],
        cwd=root,
    )
    ctx = make_ctx(cwd=root)
    ctx.hidden_paths = policy.hidden_paths
    (root / "secrets" / "key.txt").write_text("hunter3\n")
    (root / "calc.py").write_text("changed\n")
    assert "secrets" not in await git(ctx, operation="status")
    assert "hunter" not in await git(ctx, operation="diff")
    assert "hunter" not in await git(ctx, operation="show")
    with pytest.raises(ToolError, match="denied by the permission rules"):
        await git(ctx, operation="blame", paths=["secrets/key.txt"])
    (root / "secrets" / "new.txt").write_text("swordfish\n")
    staged = await git(ctx, operation="add", paths=["."])
    assert "secrets" not in staged and "M  calc.py" in staged
    assert "(2 files hidden by permission rules left unstaged.)" in staged
    # Not merely unreported: the denied files stay out of the index, so out of commits.
    index = pygit2.Repository(str(root)).index
    assert index["secrets/key.txt"].id == repo.revparse_single("HEAD:secrets/key.txt").id
    assert "secrets/new.txt" not in index
    with pytest.raises(ToolError, match=r"secrets/new\.txt is denied by the permission rules"):
        await git(ctx, operation="add", paths=["secrets/new.txt"])


async def test_a_long_first_file_is_cut(git_ctx: ToolContext) -> None:
    (git_ctx.cwd / "calc.py").write_text("x = 1\n" * 30_000)
    shown = await git(git_ctx, operation="diff")
    assert len(shown) < 81_000 and "more characters of calc.py" in shown


async def test_commits_that_cannot_be_made_are_refused(
    make_ctx: MakeCtx, repo: pygit2.Repository, tmp_path: Path
) -> None:
    empty = pygit2.init_repository(str(tmp_path / "empty"), initial_head="main")
    empty.config["user.name"] = "Ada"
    empty.config["user.email"] = "ada@example.com"
    with pytest.raises(ToolError, match="nothing is staged"):
        await git(make_ctx(cwd=tmp_path / "empty"), operation="commit", message="x")

    root = Path(repo.workdir)
    (root / ".git" / "MERGE_HEAD").write_text(f"{repo.head.target}\n")
    (root / "calc.py").write_text("merged\n")
    ctx = make_ctx(cwd=root)
    await git(ctx, operation="add", paths=["calc.py"])
    with pytest.raises(ToolError, match="a merge, rebase or similar is in progress"):
        await git(ctx, operation="commit", message="Merge")


def test_looking_runs_without_asking_and_changing_asks(git_ctx: ToolContext) -> None:
    tool = GitTool()
    root = git_ctx.cwd
    policy = PermissionPolicy(roots=[root], cwd=root)
    plan = PermissionPolicy(mode=PermissionMode.PLAN, roots=[root], cwd=root)
    accept = PermissionPolicy(mode=PermissionMode.ACCEPT_EDITS, roots=[root], cwd=root)
    for call in ({"operation": "status"}, {"operation": "branch"}, {"operation": "log"}):
        assert tool.is_read_only(call)
        assert policy.decide(tool, call, tool.paths(call, git_ctx)).behavior == "allow"
    for call in (
        {"operation": "commit", "message": "x"},
        {"operation": "add", "paths": ["calc.py"]},
        {"operation": "branch", "name": "topic"},
    ):
        assert not tool.is_read_only(call)
        paths = tool.paths(call, git_ctx)
        assert policy.decide(tool, call, paths).behavior == "ask"
        assert accept.decide(tool, call, paths).behavior == "ask"
        assert plan.decide(tool, call, paths).behavior == "deny"


def test_read_rules_never_approve_git_and_a_larger_repository_asks(
    make_ctx: MakeCtx, repo: pygit2.Repository
) -> None:
    tool = GitTool()
    root = Path(repo.workdir)
    reading = PermissionPolicy(
        allow=parse_rules(["Read", "Read(./**)"], behavior="allow", warnings=[]),
        roots=[root],
        cwd=root,
    )
    commit = {"operation": "commit", "message": "x"}
    ctx = make_ctx(cwd=root)
    assert reading.decide(tool, commit, tool.paths(commit, ctx)).behavior == "ask"
    assert reading.suggest_rules(tool, commit, tool.paths(commit, ctx)) == ["Git(commit)"]

    inner = root / "secrets"
    inside = PermissionPolicy(roots=[inner], cwd=inner)
    status = {"operation": "status"}
    paths = tool.paths(status, make_ctx(cwd=inner))
    assert paths == [root]
    assert inside.decide(tool, status, paths).behavior == "ask"  # it would show all of it


async def test_the_repository_asked_about_is_the_one_opened(
    make_ctx: MakeCtx, repo: pygit2.Repository
) -> None:
    """A `.git` that is not a repository does not make a larger one look small."""
    root = Path(repo.workdir)
    inner = root / "secrets"
    (inner / ".git").mkdir()
    tool = GitTool()
    status = {"operation": "status"}
    paths = tool.paths(status, make_ctx(cwd=inner))
    assert paths == [root.resolve()]
    assert PermissionPolicy(roots=[inner], cwd=inner).decide(tool, status, paths).behavior == "ask"


async def test_a_damaged_repository_is_reported(git_ctx: ToolContext) -> None:
    (git_ctx.cwd / ".git" / "index").write_bytes(b"DIRC garbage")
    with pytest.raises(ToolError, match="git status failed"):
        await git(git_ctx, operation="status")


async def test_add_stages_what_is_named_and_refuses_what_is_not_there(
    git_ctx: ToolContext, repo: pygit2.Repository
) -> None:
    root = git_ctx.cwd
    with pytest.raises(ToolError, match=r"pathspec 'nope\.py' did not match any files"):
        await git(git_ctx, operation="add", paths=["nope.py"])
    (root / ".gitignore").write_text("build/\n*.log\n")
    (root / "debug.log").write_text("noise\n")
    with pytest.raises(ToolError, match=r"debug\.log is ignored"):
        await git(git_ctx, operation="add", paths=["debug.log"])
    # A file with no changes is fine, as with git.
    unchanged = await git(git_ctx, operation="add", paths=["calc.py"])
    assert unchanged.startswith("Nothing to stage in calc.py: no changes.")

    # A symlink is staged as the link (its target's path), not as the file it points to.
    (root / "link.py").symlink_to("calc.py")
    staged = await git(git_ctx, operation="add", paths=["link.py"])
    assert "A  link.py" in staged and "calc.py" not in staged
    entry = pygit2.Repository(str(root)).index["link.py"]
    assert entry.mode == pygit2.enums.FileMode.LINK
    assert repo.get(entry.id).data == b"calc.py"

    # A deleted file is staged as deleted.
    (root / "calc.py").unlink()
    staged = await git(git_ctx, operation="add", paths=["calc.py"])
    assert "D  calc.py" in staged


async def test_diff_of_a_branch_since_it_left_another(
    git_ctx: ToolContext, repo: pygit2.Repository
) -> None:
    root = git_ctx.cwd
    first = repo.head.target
    repo.branches.local.create("topic", repo.get(first))
    (root / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    await git(git_ctx, operation="add", paths=["calc.py"])
    await git(git_ctx, operation="commit", message="Fix add on main")
    topic_tree = repo.get(first).tree
    builder = repo.TreeBuilder(topic_tree)
    builder.insert("topic.txt", repo.create_blob(b"topic\n"), pygit2.enums.FileMode.BLOB)
    repo.create_commit("refs/heads/topic", AUTHOR, AUTHOR, "Topic work\n", builder.write(), [first])

    own = await git(git_ctx, operation="diff", revision="main...topic")
    assert "+topic" in own and "calc.py" not in own  # main's later fix is not topic's
    both = await git(git_ctx, operation="diff", revision="main..topic")
    assert "+topic" in both and "-    return a + b" in both
    with pytest.raises(ToolError, match="unknown revision 'nope'"):
        await git(git_ctx, operation="diff", revision="main...nope")


def test_always_allowing_one_git_write_allows_only_that_operation(
    git_ctx: ToolContext,
) -> None:
    tool = GitTool()
    root = git_ctx.cwd
    policy = PermissionPolicy(roots=[root], cwd=root)
    add = {"operation": "add", "paths": ["calc.py"]}
    commit = {"operation": "commit", "message": "x"}
    branch = {"operation": "branch", "name": "topic"}
    assert policy.allow_always(tool, add, tool.paths(add, git_ctx)) == ["Git(add)"]
    assert policy.decide(tool, add, tool.paths(add, git_ctx)).behavior == "allow"
    assert policy.decide(tool, commit, tool.paths(commit, git_ctx)).behavior == "ask"
    assert policy.decide(tool, branch, tool.paths(branch, git_ctx)).behavior == "ask"
    # "Always deny" is as narrow: looking keeps working.
    assert policy.reject_always(tool, commit, tool.paths(commit, git_ctx)) == ["Git(commit)"]
    assert policy.decide(tool, commit, tool.paths(commit, git_ctx)).behavior == "deny"
    status = {"operation": "status"}
    assert policy.decide(tool, status, tool.paths(status, git_ctx)).behavior == "allow"
    # Settings can name operations too; a misspelt one is reported.
    warnings: list[str] = []
    rules = parse_rules(["Git(commit)", "Git(Commit!)"], behavior="allow", warnings=warnings)
    assert [rule.text for rule in rules] == ["Git(commit)"]
    assert "is not an operation name" in warnings[0]
