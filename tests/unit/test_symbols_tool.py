"""The Symbols tool through a real session: the index answers the model by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claude_lsp.policy.permissions import PermissionMode
from tests.fakeapi import FakeAnthropic, reply, text, tool_use
from tests.unit.test_session import close_sessions, make_session, user

__all__ = ["close_sessions"]  # the fixture that closes the sessions these tests open

GREETER = '''\
class Greeter:
    """Says hello."""

    def hello(self, name: str) -> str:
        return f"héllo {name}"


def main() -> None:
    Greeter().hello("x")
'''

WIDGET = """\
export class Widget {
  render(): string { return greet("w"); }
}
export function greet(who: string): string { return who; }
"""


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CLAUDE_LSP_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "ws"
    (root / "app").mkdir(parents=True)
    (root / "app" / "greeter.py").write_text(GREETER)
    (root / "web").mkdir()
    (root / "web" / "widget.ts").write_text(WIDGET)
    (root / "secrets").mkdir()
    (root / "secrets" / "keys.py").write_text("class Greeter:\n    pass\n")
    return root


def results(fake: FakeAnthropic) -> list[str]:
    """The text of every tool_result the model got back, in order."""
    found = []
    for request in fake.message_requests():
        for block in request.body["messages"][-1]["content"]:
            if block.get("type") == "tool_result":
                found.append("\n".join(part["text"] for part in block["content"]))
    return found


async def test_definitions_references_outline_and_search(
    fake_api: FakeAnthropic, workspace: Path
) -> None:
    calls = [
        {"operation": "definitions", "name": "Greeter.hello"},
        {"operation": "references", "name": "greet"},
        {"operation": "outline", "file_path": "app/greeter.py"},
        {"operation": "search", "query": "Grtr"},
        {"operation": "definitions"},
    ]
    fake_api.script(*(reply(tool_use("Symbols", call)) for call in calls), reply(text("ok")))
    session = make_session(fake_api, workspace, [])
    await session.prompt(user("find things"))

    definitions, references, outline, search, missing = results(fake_api)
    assert definitions == "app/greeter.py:4:9  method Greeter.hello"
    assert references.splitlines() == [
        "web/widget.ts:4:17  function greet",
        "web/widget.ts:2:29  use",
    ]
    assert outline.splitlines() == [
        "class Greeter  (line 1)",
        "  method hello  (line 4)",
        "function main  (line 8)",
    ]
    assert search.splitlines()[0] == "app/greeter.py:1:7  class Greeter"
    assert 'operation "definitions" needs `name`' in missing


async def test_read_deny_rules_hide_results(fake_api: FakeAnthropic, workspace: Path) -> None:
    (workspace / ".claude").mkdir()
    (workspace / ".claude" / "settings.json").write_text(
        json.dumps({"permissions": {"deny": ["Read(./secrets/**)"]}})
    )
    fake_api.script(
        reply(tool_use("Symbols", {"operation": "definitions", "name": "Greeter"})),
        reply(tool_use("Symbols", {"operation": "outline", "file_path": "secrets/keys.py"})),
        reply(text("ok")),
    )
    session = make_session(fake_api, workspace, [], permission_mode=PermissionMode.DEFAULT)
    await session.prompt(user("find Greeter"))
    found, outline = results(fake_api)
    assert found.splitlines() == [
        "app/greeter.py:1:7  class Greeter",
        "(1 result hidden by permission rules.)",
    ]
    assert "denied" in outline
