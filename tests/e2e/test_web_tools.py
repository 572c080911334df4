"""WebFetch and WebSearch through the real server: the model's calls are scripted, pages
come from a real HTTP server on 127.0.0.1, and the small model's requests and the tool
results the main model receives are checked, with the permission questions shown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from claude_lsp.tools.web_fetch import ANSWER_SYSTEM_PROMPT
from claude_lsp.web.search import SEARCH_SYSTEM_PROMPT
from tests.conftest import agent_env
from tests.e2e.conftest import new_session, prompt, start_editor
from tests.fakeapi import FakeAnthropic, reply, text, tool_use, web_search
from tests.unit.tools.test_web_fetch import ARTICLE, LocalSite

SMALL_MODEL = "claude-haiku-4-5"


def tool_result(fake_api: FakeAnthropic, request: int) -> dict[str, Any]:
    """The tool_result the main model received in its `request`-th request."""
    block = fake_api.message_requests()[request].body["messages"][-1]["content"][0]
    assert block["type"] == "tool_result"
    return dict(block)


def result_text(block: dict[str, Any]) -> str:
    return "".join(part["text"] for part in block["content"] if part["type"] == "text")


async def test_web_fetch_asks_then_answers_from_the_page_with_the_small_model(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    with LocalSite() as site:
        url = site.page("/notes", ARTICLE)
        fake_api.script(
            reply(tool_use("WebFetch", {"url": url, "prompt": "Which version is current?"})),
            reply(text("Version 3 is current.")),  # the small model reads the page
            reply(tool_use("WebFetch", {"url": url, "prompt": "Is it faster?"})),
            reply(text("Yes, it is faster.")),
            reply(text("Version 3, and it is faster.")),
        )
        env = agent_env(fake_api, tmp_path, ANTHROPIC_SMALL_FAST_MODEL="haiku")
        async with start_editor(env, project, sessionUpdate=True, requestPermission=True) as (
            client,
            recorder,
        ):
            session_id = await new_session(client, project)
            result = await prompt(client, session_id, "what is new in the release?")

    assert result["stopReason"] == "end_turn"
    requests = fake_api.message_requests()
    assert {"WebFetch", "WebSearch"} <= {tool["name"] for tool in requests[0].body["tools"]}
    small = requests[1].body
    assert small["model"] == SMALL_MODEL and small["system"] == ANSWER_SYSTEM_PROMPT
    assert "tools" not in small
    question = small["messages"][0]["content"][0]["text"]
    assert question.startswith(f'<page url="{url}">\nTitle: Release notes\n\n# Version 3\n')
    assert f"[the changes]({site.url('/changes')})" in question and "track(" not in question
    assert question.endswith("</page>\n\nWhich version is current?")
    assert result_text(tool_result(fake_api, 2)) == "Version 3 is current."
    # The second question about the page was answered from the cache.
    assert requests[3].body["messages"][0]["content"][0]["text"].endswith("Is it faster?")
    assert result_text(tool_result(fake_api, 4)) == "Yes, it is faster."
    assert site.hits == ["/notes"]
    # Each call was asked about, showing the URL and offering to allow its host.
    assert [q["toolCall"]["title"] for q in recorder.permission_requests] == [f"Fetch {url}"] * 2
    first = recorder.permission_requests[0]
    assert first["toolCall"]["kind"] == "fetch" and first["toolCall"]["rawInput"]["url"] == url
    names = [option["name"] for option in first["options"]]
    assert "Always allow WebFetch(domain:127.0.0.1) in this project" in names


async def test_always_allow_saves_a_domain_rule(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    with LocalSite() as site:
        first, second = site.page("/a", "<p>A</p>"), site.page("/b", "<p>B</p>")
        fake_api.script(
            reply(tool_use("WebFetch", {"url": first, "prompt": "?"})),
            reply(text("A.")),
            reply(tool_use("WebFetch", {"url": second, "prompt": "?"})),
            reply(text("B.")),
            reply(text("Both read.")),
        )
        env = agent_env(fake_api, tmp_path)
        async with start_editor(env, project, sessionUpdate=True, requestPermission=True) as (
            client,
            recorder,
        ):
            recorder.permission_answer = "allow_always"
            session_id = await new_session(client, project)
            await prompt(client, session_id, "read both")

    assert len(recorder.permission_requests) == 1  # the host was allowed from then on
    assert result_text(tool_result(fake_api, 4)) == "B." and site.hits == ["/a", "/b"]
    saved = json.loads((project / ".claude" / "settings.local.json").read_text())
    assert saved["permissions"]["allow"] == ["WebFetch(domain:127.0.0.1)"]


async def test_a_redirect_to_another_host_is_reported_and_fetched_on_request(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    with LocalSite() as site:
        target = site.url("/new", host="localhost")
        site.page("/new", "<p>The new home.</p>")
        url = site.redirect("/old", target, status=301)
        fake_api.script(
            reply(tool_use("WebFetch", {"url": url, "prompt": "Where is it?"})),
            reply(tool_use("WebFetch", {"url": target, "prompt": "Where is it?"})),
            reply(text("At its new home.")),
            reply(text("It moved.")),
        )
        env = agent_env(fake_api, tmp_path)
        async with start_editor(env, project, sessionUpdate=True, requestPermission=True) as (
            client,
            recorder,
        ):
            session_id = await new_session(client, project)
            await prompt(client, session_id, "where did it go?")

    redirected = tool_result(fake_api, 1)
    assert "is_error" not in redirected
    assert result_text(redirected) == (
        f"{url} redirects (HTTP 301) to another host: {target}\nIt was not followed. To read "
        f'that page, call WebFetch again with url "{target}" and the same prompt.'
    )
    assert result_text(tool_result(fake_api, 3)) == "At its new home."
    assert site.hits == ["/old", "/new"]
    titles = [q["toolCall"]["title"] for q in recorder.permission_requests]
    assert titles == [f"Fetch {url}", f"Fetch {target}"]  # the new host was asked about


async def test_domain_rules_allow_and_deny_without_asking(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    with LocalSite() as site:
        allowed = site.page("/page", "<p>Allowed.</p>")
        denied = site.url("/page", host="localhost")
        fake_api.script(
            reply(tool_use("WebFetch", {"url": allowed, "prompt": "?"})),
            reply(text("It says allowed.")),
            reply(tool_use("WebFetch", {"url": denied, "prompt": "?"})),
            reply(text("That host is denied.")),
        )
        env = agent_env(fake_api, tmp_path)
        async with start_editor(env, project, sessionUpdate=True, requestPermission=True) as (
            client,
            recorder,
        ):
            session_id = await new_session(
                client,
                project,
                allowedTools=["WebFetch(domain:127.0.0.1)"],
                disallowedTools=["WebFetch(domain:localhost)", "WebSearch"],
            )
            await prompt(client, session_id, "read it")

    assert recorder.permission_requests == []
    assert result_text(tool_result(fake_api, 2)) == "It says allowed."
    refused = tool_result(fake_api, 3)
    assert refused["is_error"] is True
    assert result_text(refused) == (
        "Permission to use WebFetch was denied: denied by rule WebFetch(domain:localhost) "
        "from the command line."
    )
    assert site.hits == ["/page"]
    # A `WebSearch` deny rule takes the tool away; a domain rule leaves WebFetch offered.
    offered = {tool["name"] for tool in fake_api.message_requests()[0].body["tools"]}
    assert "WebFetch" in offered and "WebSearch" not in offered


async def test_web_search_returns_titles_and_urls_from_the_server_tool(
    fake_api: FakeAnthropic, project: Path, tmp_path: Path
) -> None:
    query = "pygls latest release"
    fake_api.script(
        reply(tool_use("WebSearch", {"query": query, "allowed_domains": ["pypi.org"]})),
        reply(
            *web_search(query, [("pygls · PyPI", "https://pypi.org/project/pygls/")]),
            text("pygls 2.1 is the latest release."),
        ),
        reply(tool_use("WebSearch", {"query": "pygls 3"})),
        reply(*web_search("pygls 3", error_code="max_uses_exceeded")),
        reply(text("pygls 2.1 is the latest; see [PyPI](https://pypi.org/project/pygls/).")),
    )
    env = agent_env(fake_api, tmp_path)
    async with start_editor(env, project, sessionUpdate=True, requestPermission=True) as (
        client,
        recorder,
    ):
        session_id = await new_session(client, project)
        result = await prompt(client, session_id, "which pygls is current?")

    assert result["stopReason"] == "end_turn"
    search = fake_api.message_requests()[1].body
    assert search["model"] == SMALL_MODEL and search["system"] == SEARCH_SYSTEM_PROMPT
    assert search["tools"] == [
        {
            "type": "web_search_20250305",
            "name": "web_search",
            "max_uses": 8,
            "allowed_domains": ["pypi.org"],
        }
    ]
    assert search["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": f"Search the web for: {query}"}]}
    ]
    assert result_text(tool_result(fake_api, 2)) == (
        f'Web search results for "{query}":\n\n'
        "1. pygls · PyPI\n   https://pypi.org/project/pygls/\n\n"
        "Summary:\npygls 2.1 is the latest release.\n\n"
        "Cite the pages you rely on as Markdown links, [title](url)."
    )
    failed = tool_result(fake_api, 4)
    assert failed["is_error"] is True
    assert result_text(failed) == (
        "The web search for 'pygls 3' failed: max_uses_exceeded (the request used up its searches)."
    )
    titles = [q["toolCall"]["title"] for q in recorder.permission_requests]
    assert titles == [f"Search the web: {query}", "Search the web: pygls 3"]
    names = [option["name"] for option in recorder.permission_requests[0]["options"]]
    assert "Always allow WebSearch in this project" in names
