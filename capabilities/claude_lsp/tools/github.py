"""GitHub: pull requests, issues and checks, through the GitHub CLI (`gh`).

Claude Code reaches GitHub by running `gh` with Bash; this tool is an addition with a
schema of its own, so the model needs no flags and reads short, formatted results.
Every operation is a REST call made with `gh api`: gh brings the login, the host and
the repository of the working directory (its git remote, or `GH_REPO`), and the REST
answers have one shape whatever gh's version, unlike the `--json` fields of `gh pr`.
Reading runs without asking (it changes nothing and touches no local file); creating
and commenting ask, and "always allow" keeps a rule for that operation only. A call to
a host the model names, other than github.com or the GH_HOST the user set, asks every
time (see `foreign_host`).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

from claude_lsp.git.diff import MAX_DIFF_CHARS
from claude_lsp.process_groups import GroupProcess
from claude_lsp.tools.base import Tool, ToolContext, ToolError, ToolKind, ToolResult

READ_OPERATIONS = ("pr_list", "pr_view", "pr_diff", "pr_checks", "issue_list", "issue_view")
WRITE_OPERATIONS = ("pr_create", "pr_comment", "issue_create", "issue_comment")
NUMBERED = ("pr_view", "pr_diff", "pr_checks", "pr_comment", "issue_view", "issue_comment")

TIMEOUT_S = 60.0
OUTPUT_GRACE_S = 1.0
"""After gh exits, how long its output may take to arrive."""
MAX_OUTPUT_BYTES = 8 * 1024 * 1024
MAX_ERROR_CHARS = 2000
MAX_VIEW_CHARS = 40_000
DEFAULT_LIMIT = 20

NOT_INSTALLED = (
    "The GitHub CLI (gh) is not installed: no `gh` on PATH. Install it from "
    "https://cli.github.com or with the system's package manager (`apt install gh`, "
    "`brew install gh`, `winget install GitHub.cli`), then log in with `gh auth login`."
)
NOT_AUTHENTICATED = (
    "gh is not logged in to GitHub (or its token was refused): run `gh auth login`, or set "
    "GH_TOKEN (GH_ENTERPRISE_TOKEN for GitHub Enterprise) in the environment."
)
_REPO = re.compile(
    r"(?:(?P<host>[A-Za-z0-9.-]+(?::[0-9]+)?)/)?(?P<owner>[A-Za-z0-9_.-]+)/(?P<name>[A-Za-z0-9_.-]+)"
)


class GitHubTool(Tool):
    name: ClassVar[str] = "GitHub"
    description: ClassVar[str] = (
        "Pull requests, issues and CI checks on GitHub, through the GitHub CLI (gh), "
        "which must be installed and logged in.\n\n"
        "- pr_list / issue_list: recent ones (state open, closed or all; limit; labels "
        "filters issues).\n"
        "- pr_view: a pull request with its description, reviews and comments (also those "
        "on lines of code). issue_view: an issue and its comments.\n"
        "- pr_diff: the pull request's changes as a unified diff. pr_checks: its CI "
        "checks and statuses, failing ones first.\n"
        "- pr_create: open a pull request (title, body; head: the pushed branch, default "
        "the current one; base default: the repository's default branch; draft).\n"
        "- pr_comment / issue_comment: add a comment (number, body). issue_create: open "
        "an issue (title, body, labels).\n"
        "repo is OWNER/REPO (or HOST/OWNER/REPO); by default the working directory's "
        "GitHub repository. Reading needs no permission; creating and commenting ask first."
    )
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "operation": {"type": "string", "enum": [*READ_OPERATIONS, *WRITE_OPERATIONS]},
            "repo": {
                "type": "string",
                "description": "OWNER/REPO or HOST/OWNER/REPO; default: the working "
                "directory's repository.",
            },
            "number": {
                "type": "integer",
                "minimum": 1,
                "description": "The pull request or issue number.",
            },
            "state": {
                "type": "string",
                "enum": ["open", "closed", "all"],
                "description": "Lists: which ones (default open).",
            },
            "limit": {
                "type": "integer",
                "minimum": 1,
                "maximum": 100,
                "description": f"Lists: how many (default {DEFAULT_LIMIT}).",
            },
            "labels": {
                "type": "array",
                "items": {"type": "string"},
                "description": "issue_list: only issues with all of these; issue_create: "
                "labels to set.",
            },
            "title": {"type": "string", "description": "pr_create, issue_create: the title."},
            "body": {
                "type": "string",
                "description": "The description (pr_create, issue_create) or the comment "
                "(pr_comment, issue_comment), in Markdown.",
            },
            "head": {
                "type": "string",
                "description": "pr_create: the branch with the changes, pushed already "
                "(default: the current branch).",
            },
            "base": {
                "type": "string",
                "description": "pr_create: the branch to merge into (default: the "
                "repository's default branch); pr_list: only those into it.",
            },
            "draft": {"type": "boolean", "description": "pr_create: open it as a draft."},
        },
        "required": ["operation"],
        "additionalProperties": False,
    }
    read_only: ClassVar[bool] = False
    kind: ClassVar[ToolKind] = "fetch"

    def __init__(self, timeout_s: float = TIMEOUT_S) -> None:
        self.timeout_s = timeout_s

    def is_read_only(self, tool_input: Mapping[str, Any]) -> bool:
        """Reads, except those sent to a host of the model's choosing (`foreign_host`)."""
        return tool_input.get("operation") in READ_OPERATIONS and foreign_host(tool_input) is None

    def title(self, tool_input: dict[str, Any]) -> str:
        words = ["GitHub", str(tool_input.get("operation", "")).replace("_", " ")]
        if tool_input.get("number"):
            words.append(f"#{tool_input['number']}")
        if tool_input.get("repo"):
            words.append(f"in {tool_input['repo']}")
        return " ".join(words)

    async def run(self, tool_input: dict[str, Any], ctx: ToolContext) -> ToolResult:
        operation = str(tool_input["operation"])
        for needed in _needs(operation):
            if tool_input.get(needed) in (None, ""):
                raise ToolError(f"{operation} needs {needed}.")
        gh = Gh.for_context(ctx, tool_input.get("repo"), self.timeout_s)
        return ToolResult(await OPERATIONS[operation](gh, tool_input))


def repo_host(repo: object) -> str | None:
    """The host a `repo` input names (`HOST/OWNER/REPO`), lower-case; None if none."""
    match = _REPO.fullmatch(_repo_spec(repo)) if isinstance(repo, str) else None
    return match["host"].lower() if match and match["host"] else None


def foreign_host(tool_input: Mapping[str, Any]) -> str | None:
    """The host a call's `repo` names when it is neither github.com nor the GH_HOST the
    user set; None otherwise. gh gives any other host the GitHub Enterprise token
    (GH_ENTERPRISE_TOKEN), so such a call is asked about each time, whatever the rules."""
    host = repo_host(tool_input.get("repo"))
    trusted = {"github.com", os.environ.get("GH_HOST", "github.com").strip().lower()}
    return host if host is not None and host not in trusted else None


def _repo_spec(given: str) -> str:
    """`given` without a URL's scheme and `.git` ending: `HOST/OWNER/REPO` or `OWNER/REPO`."""
    return re.sub(r"^https?://", "", given.strip()).removesuffix("/").removesuffix(".git")


def preview(tool_input: Mapping[str, Any]) -> str | None:
    """What a write would publish, for its permission question; None for a read."""
    operation = tool_input.get("operation")
    where = f" in {tool_input['repo']}" if tool_input.get("repo") else ""
    if operation == "pr_create":
        head = tool_input.get("head") or "the current branch"
        base = tool_input.get("base") or "the default branch"
        draft = " (draft)" if tool_input.get("draft") else ""
        lead = f"New pull request{where}{draft}: {tool_input.get('title')}\n{head} → {base}"
    elif operation == "issue_create":
        labels = ", ".join(tool_input.get("labels") or [])
        lead = f"New issue{where}: {tool_input.get('title')}"
        lead += f"\nLabels: {labels}" if labels else ""
    elif operation in ("pr_comment", "issue_comment"):
        lead = f"Comment on #{tool_input.get('number')}{where}:"
    else:
        return None
    body = str(tool_input.get("body") or "").strip()
    return f"{lead}\n\n{body}" if body else lead


def _needs(operation: str) -> list[str]:
    needed = ["number"] if operation in NUMBERED else []
    if operation in ("pr_create", "issue_create"):
        needed.append("title")
    if operation in ("pr_comment", "issue_comment"):
        needed.append("body")
    return needed


@dataclass(frozen=True)
class Gh:
    """`gh api` for one repository, run in the session's folder and environment."""

    binary: str
    cwd: Path
    env: dict[str, str]
    repo: str
    """The REST path of the repository: `repos/OWNER/NAME`, or gh's placeholders."""
    timeout_s: float

    @classmethod
    def for_context(cls, ctx: ToolContext, repo: object, timeout_s: float) -> Gh:
        env = ctx.subprocess_env()
        binary = shutil.which("gh", path=env.get("PATH"))
        if binary is None:
            raise ToolError(NOT_INSTALLED)
        env.update(GH_PROMPT_DISABLED="1", NO_COLOR="1", GH_NO_UPDATE_NOTIFIER="1")
        given = repo if isinstance(repo, str) and repo else env.get("GH_REPO", "")
        if not given:
            return cls(binary, ctx.cwd, env, "repos/{owner}/{repo}", timeout_s)
        match = _REPO.fullmatch(_repo_spec(given))
        if match is None or {match["owner"], match["name"]} & {".", ".."}:
            source = "repo" if repo else "GH_REPO"
            raise ToolError(f"{source} {given!r} is not OWNER/REPO or HOST/OWNER/REPO.")
        if match["host"]:
            env["GH_HOST"] = match["host"]  # `gh api` calls the default host otherwise
        return cls(binary, ctx.cwd, env, f"repos/{match['owner']}/{match['name']}", timeout_s)

    async def get(self, path: str, **query: object) -> Any:
        """The JSON answer to GET `path` (below the repository; "" for itself)."""
        return _json(await self.call(self._url(path, query)))

    async def post(
        self, path: str, fields: Sequence[tuple[str, str]], flags: Sequence[str] = ()
    ) -> Any:
        """POST `fields` (strings, sent as they are; `labels[]` for an array) and the
        boolean `flags` set true, as JSON; the JSON answer."""
        args = ["--method", "POST"]
        for key, value in fields:
            args += ["-f", f"{key}={value}"]
        for flag in flags:
            args += ["-F", f"{flag}=true"]
        return _json(await self.call(self._url(path, {}), *args))

    async def diff(self, path: str) -> str:
        return await self.call(self._url(path, {}), "-H", "Accept: application/vnd.github.diff")

    def _url(self, path: str, query: Mapping[str, object]) -> str:
        url = f"{self.repo}/{path}" if path else self.repo
        given = {key: value for key, value in query.items() if value not in (None, "")}
        return f"{url}?{urlencode(given)}" if given else url

    async def call(self, endpoint: str, *args: str) -> str:
        """Run `gh api endpoint args`; its output, or a ToolError saying what went wrong."""
        stdout, stderr = bytearray(), bytearray()

        def on_data(fd: int, data: bytes) -> None:
            if fd == 1:
                stdout.extend(data[: max(0, MAX_OUTPUT_BYTES - len(stdout))])
            else:
                stderr.extend(data)
                del stderr[:-MAX_ERROR_CHARS]

        argv = [self.binary, "api", endpoint, *args]
        try:
            process = await GroupProcess.spawn(argv, cwd=self.cwd, env=self.env, on_data=on_data)
        except (OSError, ValueError) as exc:
            raise ToolError(f"gh could not be started: {exc}") from exc
        try:
            if not await process.wait(self.timeout_s):
                await process.kill_and_reap()
                raise ToolError(
                    f"gh api {endpoint} did not finish within {self.timeout_s:g} s and was "
                    "stopped; GitHub may be slow or unreachable."
                )
            await process.wait_output(OUTPUT_GRACE_S)
        finally:
            if not (process.exited and process.output_done):
                process.kill_now()  # cancelled, timed out, or a child holds the pipes
            process.close()
        out = stdout.decode("utf-8", errors="replace")
        if process.returncode != 0:
            said = stderr.decode("utf-8", errors="replace").strip()
            raise _failure(endpoint, process.returncode, said, out)
        return out


def _failure(endpoint: str, code: int | None, said: str, out: str) -> ToolError:
    """What a failed `gh api` call means, in words the model can act on."""
    if code == 4 or "gh auth login" in said or "HTTP 401" in said:
        return ToolError(f"{NOT_AUTHENTICATED}\ngh said: {said}")
    if "unable to expand placeholder" in said or "none of the git remotes" in said:
        return ToolError(
            "Which repository? The working directory has no GitHub remote that gh "
            f"recognises; give repo as OWNER/REPO.\ngh said: {said}"
        )
    endpoint = endpoint.split("?")[0]
    if "HTTP 404" in said:
        return ToolError(
            f"GitHub has no {endpoint} (HTTP 404 Not Found): check the repository and the "
            "number; a private repository also answers so when the token cannot see it."
        )
    details = _api_errors(out)
    more = f"\nGitHub said: {details}" if details else ""
    return ToolError(f"gh api {endpoint} failed (exit code {code}): {said}{more}")


def _api_errors(out: str) -> str:
    """The message and field errors of a GitHub error answer ("" if it has none)."""
    try:
        answer = json.loads(out)
    except json.JSONDecodeError:
        return ""
    if not isinstance(answer, dict):
        return ""
    parts = [str(answer["message"])] if answer.get("message") else []
    for error in answer.get("errors") or []:
        if isinstance(error, dict):
            text = error.get("message") or " ".join(
                str(error[key]) for key in ("field", "code") if error.get(key)
            )
            parts.append(str(text))
        else:
            parts.append(str(error))
    return "; ".join(parts)


def _json(out: str) -> Any:
    try:
        return json.loads(out)
    except json.JSONDecodeError as exc:
        raise ToolError(f"gh returned something that is not JSON ({exc}): {out[:200]}") from exc


async def _together(*calls: Coroutine[Any, Any, Any]) -> list[Any]:
    """Run gh calls concurrently; the first failure stops the others and is raised."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(call) for call in calls]
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from None
    return [task.result() for task in tasks]


async def _pr_list(gh: Gh, tool_input: dict[str, Any]) -> str:
    state = tool_input.get("state") or "open"
    limit = tool_input.get("limit") or DEFAULT_LIMIT
    pulls = await gh.get("pulls", state=state, base=tool_input.get("base"), per_page=limit)
    lines = [
        f"#{pull['number']} [{_pull_state(pull)}] {pull['title']} — {_login(pull)}, "
        f"{pull['head']['ref']} → {pull['base']['ref']}, updated {_day(pull['updated_at'])}"
        for pull in pulls
    ]
    return "\n".join(lines) or f"No {'' if state == 'all' else state + ' '}pull requests."


async def _issue_list(gh: Gh, tool_input: dict[str, Any]) -> str:
    state = tool_input.get("state") or "open"
    limit = tool_input.get("limit") or DEFAULT_LIMIT
    labels = ",".join(tool_input.get("labels") or [])
    found = await gh.get("issues", state=state, labels=labels, per_page=limit)
    lines = [
        f"#{issue['number']} [{issue['state']}] {issue['title']} — {_login(issue)}"
        + _labels(issue, ", labels: ")
        + f", {issue['comments']} comments, updated {_day(issue['updated_at'])}"
        for issue in found
        if "pull_request" not in issue  # GitHub lists pull requests as issues too
    ]
    return "\n".join(lines) or f"No {'' if state == 'all' else state + ' '}issues."


async def _pr_view(gh: Gh, tool_input: dict[str, Any]) -> str:
    number = tool_input["number"]
    pull = await gh.get(f"pulls/{number}")  # first: a wrong number is reported as such
    comments, reviews, code_comments = await _together(
        gh.get(f"issues/{number}/comments", per_page=100),
        gh.get(f"pulls/{number}/reviews", per_page=100),
        gh.get(f"pulls/{number}/comments", per_page=100),
    )
    lines = [
        f"#{number} {pull['title']} [{_pull_state(pull)}]",
        f"{_login(pull)} wants to merge {pull['head']['ref']} into {pull['base']['ref']} "
        f"(head {str(pull['head']['sha'])[:7]}): {pull.get('commits', '?')} commits, "
        f"+{pull.get('additions', '?')} -{pull.get('deletions', '?')} in "
        f"{pull.get('changed_files', '?')} files",
        str(pull.get("html_url", "")),
    ]
    if pull.get("state") == "open":
        mergeable = {True: "yes", False: "no, it has conflicts"}.get(pull.get("mergeable"))
        lines.append(f"Mergeable: {mergeable or 'not known yet'}")
    lines += [_labels(pull, "Labels: ")] if pull.get("labels") else []
    reviewers = [_login(user) for user in pull.get("requested_reviewers") or []]
    lines += [f"Review requested from: {', '.join(reviewers)}"] if reviewers else []
    lines += ["", (pull.get("body") or "(no description)").strip()]
    verdicts = [
        f"- {_login(review)} {str(review['state']).lower().replace('_', ' ')} "
        f"({_when(review.get('submitted_at'))}){_quoted(review.get('body'))}"
        for review in reviews
        if review.get("body") or review.get("state") != "COMMENTED"
    ]
    lines += ["", "Reviews:", *verdicts] if verdicts else []
    lines += _comment_lines("Comments:", comments)
    on_code = [
        f"- {_login(comment)} on {comment.get('path')}:"
        f"{comment.get('line') or comment.get('original_line') or '?'} "
        f"({_when(comment.get('created_at'))}){_quoted(comment.get('body'))}"
        for comment in code_comments
    ]
    lines += ["", "Comments on the code:", *on_code] if on_code else []
    return _cut("\n".join(lines))


async def _issue_view(gh: Gh, tool_input: dict[str, Any]) -> str:
    number = tool_input["number"]
    issue = await gh.get(f"issues/{number}")
    comments = await gh.get(f"issues/{number}/comments", per_page=100)
    lines = [
        f"#{number} {issue['title']} [{issue['state']}]",
        f"Opened by {_login(issue)} on {_day(issue['created_at'])}"
        + _labels(issue, "; labels: ")
        + (
            f"; assigned to {', '.join(_login(user) for user in issue['assignees'])}"
            if issue.get("assignees")
            else ""
        ),
        str(issue.get("html_url", "")),
    ]
    if "pull_request" in issue:
        lines.append("(A pull request: pr_view shows its reviews, pr_diff its changes.)")
    lines += ["", (issue.get("body") or "(no description)").strip()]
    lines += _comment_lines("Comments:", comments)
    return _cut("\n".join(lines))


async def _pr_diff(gh: Gh, tool_input: dict[str, Any]) -> str:
    diff = await gh.diff(f"pulls/{tool_input['number']}")
    if len(diff) > MAX_DIFF_CHARS:
        more = len(diff) - MAX_DIFF_CHARS
        return f"{diff[:MAX_DIFF_CHARS]}\n# … {more} more characters (pr_view lists the files)\n"
    return diff or "(no differences)"


CHECK_ORDER = {"fail": 0, "pending": 1, "pass": 2, "skipped": 3}


async def _pr_checks(gh: Gh, tool_input: dict[str, Any]) -> str:
    number = tool_input["number"]
    pull = await gh.get(f"pulls/{number}")
    sha = str(pull["head"]["sha"])
    runs, combined = await _together(
        gh.get(f"commits/{sha}/check-runs", per_page=100), gh.get(f"commits/{sha}/status")
    )
    checks = [
        (_run_verdict(run), str(run["name"]), _run_detail(run), run.get("html_url") or "")
        for run in runs.get("check_runs") or []
    ]
    checks += [
        (
            _status_verdict(status["state"]),
            str(status["context"]),
            f": {status['description']}" if status.get("description") else "",
            status.get("target_url") or "",
        )
        for status in combined.get("statuses") or []
    ]
    if not checks:
        return f"No checks reported for #{number} (at {sha[:7]})."
    checks.sort(key=lambda check: CHECK_ORDER[check[0]])
    counts = [
        f"{sum(check[0] == verdict for check in checks)} {label}"
        for verdict, label in (("fail", "failing"), ("pending", "pending"), ("pass", "passing"))
    ]
    lines = [f"Checks of #{number} at {sha[:7]}: {', '.join(counts)}"]
    lines += [f"{verdict:<8}{name}{detail} {url}".rstrip() for verdict, name, detail, url in checks]
    return "\n".join(lines)


def _run_verdict(run: dict[str, Any]) -> str:
    if run.get("status") != "completed":
        return "pending"
    conclusion = run.get("conclusion")
    if conclusion == "success":
        return "pass"
    return "skipped" if conclusion in ("skipped", "neutral") else "fail"


def _run_detail(run: dict[str, Any]) -> str:
    said = run.get("conclusion") if run.get("status") == "completed" else run.get("status")
    return f" ({said})" if said and said != "success" else ""


def _status_verdict(state: str) -> str:
    return {"success": "pass", "pending": "pending"}.get(state, "fail")


async def _pr_create(gh: Gh, tool_input: dict[str, Any]) -> str:
    head = tool_input.get("head") or await asyncio.to_thread(_current_branch, gh.cwd)
    if not head:
        raise ToolError("pr_create needs head: the working directory is not on a branch.")
    base = tool_input.get("base") or (await gh.get(""))["default_branch"]
    fields = [("title", str(tool_input["title"])), ("head", head), ("base", str(base))]
    fields += [("body", str(tool_input["body"]))] if tool_input.get("body") else []
    pull = await gh.post("pulls", fields, ["draft"] if tool_input.get("draft") else [])
    kind = "draft pull request" if pull.get("draft") else "pull request"
    return f"Created {kind} #{pull['number']} ({head} → {base}): {pull.get('html_url', '')}"


async def _issue_create(gh: Gh, tool_input: dict[str, Any]) -> str:
    fields = [("title", str(tool_input["title"]))]
    fields += [("body", str(tool_input["body"]))] if tool_input.get("body") else []
    fields += [("labels[]", str(label)) for label in tool_input.get("labels") or []]
    issue = await gh.post("issues", fields)
    return f"Created issue #{issue['number']}: {issue.get('html_url', '')}"


async def _comment(gh: Gh, tool_input: dict[str, Any]) -> str:
    number = tool_input["number"]
    comment = await gh.post(f"issues/{number}/comments", [("body", str(tool_input["body"]))])
    return f"Commented on #{number}: {comment.get('html_url', '')}"


OPERATIONS: dict[str, Callable[[Gh, dict[str, Any]], Awaitable[str]]] = {
    "pr_list": _pr_list,
    "pr_view": _pr_view,
    "pr_diff": _pr_diff,
    "pr_checks": _pr_checks,
    "issue_list": _issue_list,
    "issue_view": _issue_view,
    "pr_create": _pr_create,
    "pr_comment": _comment,
    "issue_create": _issue_create,
    "issue_comment": _comment,
}


def _current_branch(cwd: Path) -> str | None:
    from claude_lsp.git.context import open_repository

    repo = open_repository(cwd)
    if repo is None or repo.head_is_unborn or repo.head_is_detached:
        return None
    return str(repo.head.shorthand)


def _pull_state(pull: dict[str, Any]) -> str:
    if pull.get("merged_at"):
        return "merged"
    return "draft" if pull.get("draft") and pull.get("state") == "open" else str(pull["state"])


def _login(item: dict[str, Any]) -> str:
    user = item.get("user", item)
    login = user.get("login") if isinstance(user, dict) else None
    return str(login) if login else "ghost"  # GitHub's name for a deleted account


def _labels(item: dict[str, Any], lead: str) -> str:
    names = [str(label.get("name")) for label in item.get("labels") or []]
    return f"{lead}{', '.join(names)}" if names else ""


def _day(stamp: object) -> str:
    return str(stamp)[:10] if stamp else "?"


def _when(stamp: object) -> str:
    """`2024-05-01T09:30:00Z` as `2024-05-01 09:30` (UTC)."""
    return str(stamp)[:16].replace("T", " ") if stamp else "?"


def _quoted(body: object) -> str:
    text = str(body or "").strip()
    if not text:
        return ""
    return ":\n" + "\n".join(f"  {line}" for line in text.splitlines())


def _comment_lines(heading: str, comments: list[dict[str, Any]]) -> list[str]:
    shown = [
        f"- {_login(comment)} ({_when(comment.get('created_at'))}){_quoted(comment.get('body'))}"
        for comment in comments
    ]
    return ["", heading, *shown] if shown else []


def _cut(text: str) -> str:
    if len(text) <= MAX_VIEW_CHARS:
        return text
    return f"{text[:MAX_VIEW_CHARS]}\n# … {len(text) - MAX_VIEW_CHARS} more characters not shown"
