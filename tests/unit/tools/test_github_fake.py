"""A fake GitHub for the GitHub tool's tests (unit and e2e); it holds no tests itself.

GitHub Enterprise's REST API (`/api/v3/...`) for one repository, over real HTTPS on
127.0.0.1 with a certificate from a throwaway CA (trustme). The real `gh` binary talks
to it: `env()` gives the variables that point gh there (GH_HOST, GH_ENTERPRISE_TOKEN,
SSL_CERT_FILE, a config folder of its own) without touching the user's gh login.
Only the endpoints the tool uses are served, with GitHub's JSON shapes; anything else
answers 404 as GitHub does, and a wrong token 401.
"""

from __future__ import annotations

import contextlib
import json
import re
import select
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import trustme

TOKEN = "gh-test-token-not-secret"
HANG_LIMIT_S = 30.0
"""How long a request to a hanging path is held at most (the client should drop it)."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


def user(login: str) -> dict[str, Any]:
    return {"login": login, "type": "User"}


def pull(number: int, title: str, head: str, *, author: str = "ada", **more: Any) -> dict[str, Any]:
    """A pull request as GitHub's REST API shows it (the fields the tool reads, and a few)."""
    data: dict[str, Any] = {
        "number": number,
        "title": title,
        "state": "open",
        "draft": False,
        "merged_at": None,
        "user": user(author),
        "body": "",
        "head": {"ref": head, "sha": f"{number:03d}" + "a" * 37},
        "base": {"ref": "main", "sha": "b" * 40},
        "html_url": "",
        "labels": [],
        "requested_reviewers": [],
        "mergeable": None,
        "commits": 1,
        "additions": 1,
        "deletions": 1,
        "changed_files": 1,
        "created_at": "2024-05-01T09:30:00Z",
        "updated_at": "2024-05-02T10:00:00Z",
    }
    data.update(more)
    return data


def issue(number: int, title: str, *, author: str = "grace", **more: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": number,
        "title": title,
        "state": "open",
        "user": user(author),
        "body": "",
        "labels": [],
        "assignees": [],
        "comments": 0,
        "html_url": "",
        "created_at": "2024-04-01T08:00:00Z",
        "updated_at": "2024-04-03T08:00:00Z",
    }
    data.update(more)
    return data


def comment(
    author: str, body: str, when: str = "2024-05-02T11:00:00Z", **more: Any
) -> dict[str, Any]:
    return {"user": user(author), "body": body, "created_at": when, **more}


@dataclass
class FakeGitHub:
    """One repository, `acme/widgets`, and what clients asked of it."""

    folder: Path
    owner: str = "acme"
    name: str = "widgets"
    token: str = TOKEN
    default_branch: str = "main"
    branches: set[str] = field(default_factory=lambda: {"main"})
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    code_comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    diffs: dict[int, str] = field(default_factory=dict)
    check_runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Requests to these paths get no answer until the client goes away.
    hanging: set[str] = field(default_factory=set)
    requests: list[Request] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        authority = trustme.CA()
        self.ca_file = self.folder / "ca.pem"
        authority.cert_pem.write_to_path(str(self.ca_file))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        authority.issue_cert("localhost", "127.0.0.1").configure_cert(context)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._lock = threading.Lock()

    def __enter__(self) -> FakeGitHub:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def host(self) -> str:
        return f"localhost:{self._server.server_address[1]}"

    @property
    def repo(self) -> str:
        return f"{self.host}/{self.owner}/{self.name}"

    def env(self) -> dict[str, str]:
        """What points the real gh at this fake, logged in with the right token."""
        return {
            "GH_HOST": self.host,
            "GH_ENTERPRISE_TOKEN": self.token,
            "SSL_CERT_FILE": str(self.ca_file),
            "GH_CONFIG_DIR": str(self.folder / "gh-config"),
        }

    def posted(self) -> list[Request]:
        return [request for request in self.requests if request.method == "POST"]

    def answer(self, method: str, path: str, query: dict[str, str], body: Any) -> Any:
        """(status, JSON or text) for one request below /api/v3."""
        prefix = f"/repos/{self.owner}/{self.name}"
        if not path.startswith(prefix):
            return 404, NOT_FOUND
        route = path[len(prefix) :]
        for pattern, handler in ROUTES:
            match = re.fullmatch(pattern, f"{method} {route}")
            if match is not None:
                with self._lock:
                    return handler(self, query, body, *match.groups())
        return 404, NOT_FOUND

    def _repo(self, query: dict[str, str], body: Any) -> Any:
        return 200, {
            "full_name": f"{self.owner}/{self.name}",
            "default_branch": self.default_branch,
        }

    def _pulls(self, query: dict[str, str], body: Any) -> Any:
        state, base = query.get("state", "open"), query.get("base")
        found = [
            item
            for item in self.pulls.values()
            if state in ("all", item["state"]) and base in (None, item["base"]["ref"])
        ]
        return 200, found[: int(query.get("per_page", 30))]

    def _pull(self, query: dict[str, str], body: Any, number: str) -> Any:
        found = self.pulls.get(int(number))
        return (200, found) if found else (404, NOT_FOUND)

    def _listed(self, table: str, number: str) -> Any:
        if int(number) not in self.pulls and int(number) not in self.issues:
            return 404, NOT_FOUND
        return 200, getattr(self, table).get(int(number), [])

    def _issues(self, query: dict[str, str], body: Any) -> Any:
        state = query.get("state", "open")
        wanted = {name for name in query.get("labels", "").split(",") if name}
        everything = [*self.issues.values(), *map(_as_issue, self.pulls.values())]
        found = [
            item
            for item in everything
            if state in ("all", item["state"])
            and wanted <= {label["name"] for label in item["labels"]}
        ]
        return 200, found[: int(query.get("per_page", 30))]

    def _issue(self, query: dict[str, str], body: Any, number: str) -> Any:
        if int(number) in self.issues:
            return 200, self.issues[int(number)]
        if int(number) in self.pulls:
            return 200, _as_issue(self.pulls[int(number)])
        return 404, NOT_FOUND

    def _add_comment(self, query: dict[str, str], body: Any, number: str) -> Any:
        if int(number) not in self.pulls and int(number) not in self.issues:
            return 404, NOT_FOUND
        if not isinstance(body, dict) or not body.get("body"):
            return 422, {"message": "Validation Failed", "errors": [{"field": "body"}]}
        made = comment("ada", body["body"])
        self.comments.setdefault(int(number), []).append(made)
        made["html_url"] = f"https://{self.repo}/issues/{number}#issuecomment-{len(self.requests)}"
        return 201, made

    def _create_pull(self, query: dict[str, str], body: Any) -> Any:
        if body.get("head") not in self.branches:
            return 422, validation_failed("PullRequest", "head")
        number = 1 + max([0, *self.pulls, *self.issues])
        made = pull(
            number,
            body["title"],
            body["head"],
            body=body.get("body", ""),
            draft=body.get("draft", False),
            base={"ref": body["base"], "sha": "b" * 40},
            html_url=f"https://{self.host}/{self.owner}/{self.name}/pull/{number}",
        )
        self.pulls[number] = made
        return 201, made

    def _create_issue(self, query: dict[str, str], body: Any) -> Any:
        number = 1 + max([0, *self.pulls, *self.issues])
        labels = [{"name": name} for name in body.get("labels", [])]
        made = issue(
            number,
            body["title"],
            author="ada",
            body=body.get("body", ""),
            labels=labels,
            html_url=f"https://{self.host}/{self.owner}/{self.name}/issues/{number}",
        )
        self.issues[number] = made
        return 201, made

    def _check_runs(self, query: dict[str, str], body: Any, sha: str) -> Any:
        runs = self.check_runs.get(sha, [])
        return 200, {"total_count": len(runs), "check_runs": runs}

    def _status(self, query: dict[str, str], body: Any, sha: str) -> Any:
        return 200, {"sha": sha, "statuses": self.statuses.get(sha, [])}


NOT_FOUND = {
    "message": "Not Found",
    "documentation_url": "https://docs.github.com/rest",
}


def validation_failed(resource: str, name: str) -> dict[str, Any]:
    return {
        "message": "Validation Failed",
        "errors": [{"resource": resource, "field": name, "code": "invalid"}],
    }


def _as_issue(item: dict[str, Any]) -> dict[str, Any]:
    """A pull request as the issues endpoints list it (they list both)."""
    return {**issue(item["number"], item["title"]), **item, "pull_request": {"url": ""}}


ROUTES: list[tuple[str, Any]] = [
    (r"GET ", FakeGitHub._repo),
    (r"GET /pulls", FakeGitHub._pulls),
    (r"POST /pulls", FakeGitHub._create_pull),
    (r"GET /pulls/(\d+)", FakeGitHub._pull),
    (r"GET /pulls/(\d+)/reviews", lambda fake, q, b, n: fake._listed("reviews", n)),
    (r"GET /pulls/(\d+)/comments", lambda fake, q, b, n: fake._listed("code_comments", n)),
    (r"GET /issues", FakeGitHub._issues),
    (r"POST /issues", FakeGitHub._create_issue),
    (r"GET /issues/(\d+)", FakeGitHub._issue),
    (r"GET /issues/(\d+)/comments", lambda fake, q, b, n: fake._listed("comments", n)),
    (r"POST /issues/(\d+)/comments", FakeGitHub._add_comment),
    (r"GET /commits/(\w+)/check-runs", FakeGitHub._check_runs),
    (r"GET /commits/(\w+)/status", FakeGitHub._status),
]


def _handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def handle(self) -> None:
            with contextlib.suppress(OSError):  # a client killed mid-request (cancel tests)
                super().handle()

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def _answer(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            path = parts.path.removeprefix("/api/v3")
            fake.requests.append(
                Request(self.command, path, query, dict(self.headers.items()), body)
            )
            if path in fake.hanging:
                self._hold(path)
                return
            if self.headers.get("Authorization") != f"token {fake.token}":
                self._send(401, {"message": "Bad credentials"})
                return
            status, answer = fake.answer(self.command, path, query, body)
            if status == 200 and "diff" in self.headers.get("Accept", ""):
                match = re.fullmatch(r"/repos/[^/]+/[^/]+/pulls/(\d+)", path)
                if match is not None:
                    self._send(200, fake.diffs.get(int(match[1]), ""), "text/plain")
                    return
            self._send(status, answer)

        def _hold(self, path: str) -> None:
            """Answer nothing; note when the client closes the connection (was killed)."""
            deadline = time.monotonic() + HANG_LIMIT_S
            while time.monotonic() < deadline:
                readable, _, _ = select.select([self.connection], [], [], 0.05)
                try:
                    gone = bool(readable) and not self.connection.recv(1)
                except OSError:
                    gone = True
                if gone:
                    fake.dropped.append(path)
                    return

        def _send(self, status: int, answer: Any, kind: str = "application/json") -> None:
            data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
