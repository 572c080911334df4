"""Subagent definitions: built-ins, `.claude/agents` files, precedence, tool subsets,
restrictions that are honoured and those that keep a file from loading."""

from __future__ import annotations

from pathlib import Path

from claude_lsp.agent.session import MODEL_ALIASES
from claude_lsp.agent.subagents import MODEL_ALIAS_NAMES, load_agents, tools_for, tools_summary
from claude_lsp.tools.agent import AgentTool
from claude_lsp.tools.base import Tool, ToolResult
from claude_lsp.tools.registry import builtin_tools


def write_agent(folder: Path, file_name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / file_name
    path.write_text(text)
    return path


def all_tools() -> dict[str, Tool]:
    return {tool.name: tool for tool in builtin_tools()}


def test_the_built_in_agents_are_there_without_any_file(tmp_path: Path) -> None:
    catalogue = load_agents(tmp_path)

    assert list(catalogue.agents) == ["general-purpose", "Explore", "Plan"]
    assert catalogue.warnings == ()
    explore = catalogue.agents["Explore"]
    assert explore.read_only and explore.scope == "built-in" and explore.origin == "built-in"
    assert set(tools_for(explore, all_tools())) == {"Glob", "Grep", "LS", "Read", "Symbols", "Git"}


def test_a_file_defines_name_description_tools_model_and_prompt(
    tmp_path: Path, private_claude_config: Path
) -> None:
    path = write_agent(
        tmp_path / ".claude" / "agents",
        "reviewer.md",
        "---\nname: code-reviewer\ndescription: Reviews diffs for bugs\n"
        "tools: Read, Grep, Bash\nmodel: sonnet\n---\nYou review code.\n\nBe strict.\n",
    )

    agent = load_agents(tmp_path).agents["code-reviewer"]

    assert agent.description == "Reviews diffs for bugs"
    assert agent.prompt == "You review code.\n\nBe strict."
    assert agent.tools == ("Read", "Grep", "Bash")
    assert agent.model == "sonnet"
    assert agent.scope == "project" and agent.path == path and not agent.read_only
    assert list(tools_for(agent, all_tools())) == ["Bash", "Grep", "Read"]  # the main order


def test_a_project_agent_wins_over_a_user_agent_and_both_over_a_built_in(
    tmp_path: Path, private_claude_config: Path
) -> None:
    user = private_claude_config / "agents"
    project = tmp_path / ".claude" / "agents"
    write_agent(user, "helper.md", "---\nname: helper\ndescription: mine\n---\nUser prompt.\n")
    write_agent(user, "only-mine.md", "---\nname: only-mine\ndescription: u\n---\nU.\n")
    write_agent(project, "helper.md", "---\nname: helper\ndescription: ours\n---\nProject.\n")
    write_agent(
        project, "explore.md", "---\nname: Explore\ndescription: our own\n---\nLook around.\n"
    )

    agents = load_agents(tmp_path).agents

    assert agents["helper"].description == "ours" and agents["helper"].scope == "project"
    assert agents["only-mine"].scope == "user"
    assert agents["Explore"].prompt == "Look around." and not agents["Explore"].read_only


def test_model_inherit_and_omitted_tools_take_the_main_agents(tmp_path: Path) -> None:
    write_agent(
        tmp_path / ".claude" / "agents",
        "any.md",
        "---\nname: any\ndescription: d\nmodel: inherit\n---\nDo it.\n",
    )
    agent = load_agents(tmp_path).agents["any"]
    available = {**all_tools(), "Agent": AgentTool(_NoSubagents())}

    assert agent.model is None and agent.tools is None
    subset = tools_for(agent, available)
    assert "Agent" not in subset and "ExitPlanMode" not in subset
    assert {"Bash", "Edit", "Read", "TodoWrite"} <= set(subset)


def test_tools_the_main_agent_lacks_are_left_out(tmp_path: Path) -> None:
    write_agent(
        tmp_path / ".claude" / "agents",
        "writer.md",
        "---\nname: writer\ndescription: d\ntools: Read, Write\n---\nWrite.\n",
    )
    agent = load_agents(tmp_path).agents["writer"]
    available = {name: tool for name, tool in all_tools().items() if name != "Write"}

    assert list(tools_for(agent, available)) == ["Read"]


def test_malformed_files_are_skipped_with_a_warning_and_the_others_load(tmp_path: Path) -> None:
    folder = tmp_path / ".claude" / "agents"
    write_agent(folder, "good.md", "---\nname: good\ndescription: fine\n---\nWork.\n")
    write_agent(folder, "bare.md", "Just a prompt, no frontmatter.\n")
    write_agent(folder, "nameless.md", "---\ndescription: d\n---\nWork.\n")
    write_agent(folder, "bad-name.md", "---\nname: two words\ndescription: d\n---\nWork.\n")
    write_agent(folder, "silent.md", "---\nname: silent\n---\nWork.\n")
    write_agent(folder, "empty.md", "---\nname: empty\ndescription: d\n---\n\n")
    write_agent(folder, "binary.md", "")
    (folder / "binary.md").write_bytes(b"\xff\xfe\x00bad")

    catalogue = load_agents(tmp_path)

    assert "good" in catalogue.agents
    assert not {"silent", "empty"} & set(catalogue.agents)
    problems = "\n".join(catalogue.warnings)
    assert len(catalogue.warnings) == 6, problems
    assert f"{folder / 'bare.md'} is ignored: it has no frontmatter" in problems
    assert f"{folder / 'nameless.md'} is ignored: its frontmatter needs a name" in problems
    assert f"{folder / 'bad-name.md'} is ignored: its frontmatter needs a name" in problems
    assert f"{folder / 'silent.md'} is ignored: its frontmatter needs a description" in problems
    assert f"{folder / 'empty.md'} is ignored: it has no system prompt" in problems
    assert f"{folder / 'binary.md'} is ignored: " in problems


def test_unknown_and_forbidden_tool_names_are_warned_about(tmp_path: Path) -> None:
    path = write_agent(
        tmp_path / ".claude" / "agents",
        "odd.md",
        "---\nname: odd\ndescription: d\ntools: Read, Task, Agent, mcp__db__query\n---\nGo.\n",
    )

    catalogue = load_agents(tmp_path)

    assert catalogue.agents["odd"].tools == ("Read", "Task", "Agent", "mcp__db__query")
    assert catalogue.warnings == (
        f"agent file {path}: there is no tool named Task",
        f"agent file {path}: subagents cannot use Agent; it is left out",
    )


def test_two_files_of_one_scope_with_one_name_keep_the_first(tmp_path: Path) -> None:
    folder = tmp_path / ".claude" / "agents"
    write_agent(folder, "a.md", "---\nname: twin\ndescription: first\n---\nA.\n")
    second = write_agent(folder, "b.md", "---\nname: twin\ndescription: second\n---\nB.\n")

    catalogue = load_agents(tmp_path)

    assert catalogue.agents["twin"].description == "first"
    assert catalogue.warnings == (
        f"agent file {second}: another project agent is named twin; this one is ignored",
    )


class _NoSubagents:
    def listing(self) -> list[tuple[str, str]]:
        return []

    async def run(self, subagent_type: str, prompt: str) -> ToolResult:
        raise AssertionError("not run here")


def test_disallowed_tools_are_taken_away_from_the_tools_given(tmp_path: Path) -> None:
    folder = tmp_path / ".claude" / "agents"
    write_agent(
        folder,
        "no-writes.md",
        "---\nname: no-writes\ndescription: d\ndisallowedTools: Write, Edit, Bash\n---\nGo.\n",
    )
    write_agent(
        folder,
        "reader.md",
        "---\nname: reader\ndescription: d\ntools: Read, Bash\ndisallowedTools:\n"
        "  - Bash\n---\nGo.\n",
    )

    catalogue = load_agents(tmp_path)

    no_writes, reader = catalogue.agents["no-writes"], catalogue.agents["reader"]
    assert catalogue.warnings == ()
    given = tools_for(no_writes, all_tools())
    assert not {"Write", "Edit", "Bash", "ExitPlanMode"} & set(given)
    assert {"Read", "NotebookEdit", "Git"} <= set(given)
    assert list(tools_for(reader, all_tools())) == ["Read"]
    assert tools_summary(no_writes) == "all but Agent, ExitPlanMode, Write, Edit, Bash"
    assert tools_summary(reader) == "Read"


def test_a_restriction_that_is_not_supported_skips_the_file(tmp_path: Path) -> None:
    folder = tmp_path / ".claude" / "agents"
    write_agent(
        folder, "planner.md", "---\nname: planner\ndescription: d\npermissionMode: plan\n---\nGo.\n"
    )
    write_agent(
        folder,
        "hooked.md",
        "---\nname: hooked\ndescription: d\nhooks:\n  PreToolUse:\n    - matcher: Bash\n"
        "mcpServers:\n  - github\n---\nGo.\n",
    )
    write_agent(
        folder, "apart.md", "---\nname: apart\ndescription: d\nisolation: worktree\n---\nGo\n"
    )

    catalogue = load_agents(tmp_path)

    assert not {"planner", "hooked", "apart"} & set(catalogue.agents)
    reason = "frontmatter is not supported here, and the agent must not run without that"
    assert catalogue.warnings == (
        f"agent file {folder / 'apart.md'} is ignored: its isolation {reason} restriction "
        "(remove it to use the agent)",
        f"agent file {folder / 'hooked.md'} is ignored: its hooks, mcpServers {reason} "
        "restriction (remove it to use the agent)",
        f"agent file {folder / 'planner.md'} is ignored: its permissionMode {reason} "
        "restriction (remove it to use the agent)",
    )


def test_max_turns_must_be_a_positive_whole_number(tmp_path: Path) -> None:
    folder = tmp_path / ".claude" / "agents"
    write_agent(folder, "brief.md", "---\nname: brief\ndescription: d\nmaxTurns: 3\n---\nGo.\n")
    write_agent(folder, "zero.md", "---\nname: zero\ndescription: d\nmaxTurns: 0\n---\nGo.\n")
    write_agent(folder, "many.md", "---\nname: many\ndescription: d\nmaxTurns: lots\n---\nGo.\n")

    catalogue = load_agents(tmp_path)

    assert catalogue.agents["brief"].max_turns == 3
    assert catalogue.agents["general-purpose"].max_turns is None
    assert not {"zero", "many"} & set(catalogue.agents)
    assert catalogue.warnings == (
        f"agent file {folder / 'many.md'} is ignored: its maxTurns must be a whole number above 0",
        f"agent file {folder / 'zero.md'} is ignored: its maxTurns must be a whole number above 0",
    )


def test_a_model_that_is_no_alias_and_no_claude_id_is_warned_about(tmp_path: Path) -> None:
    folder = tmp_path / ".claude" / "agents"
    for name, model in (
        ("a", "sonnet"),
        ("b", "claude-opus-4-8"),
        ("c", "inherit"),
        ("d", "gpt-5"),
    ):
        write_agent(
            folder, f"{name}.md", f"---\nname: {name}\ndescription: d\nmodel: {model}\n---\nGo.\n"
        )

    catalogue = load_agents(tmp_path)

    assert [catalogue.agents[name].model for name in "abcd"] == [
        "sonnet",
        "claude-opus-4-8",
        None,
        "gpt-5",
    ]
    assert catalogue.warnings == (
        f"agent file {folder / 'd.md'}: model 'gpt-5' is neither an alias (haiku, inherit, "
        "opus, sonnet) nor a model id starting with claude-",
    )


def test_the_model_aliases_agents_accept_are_the_sessions() -> None:
    assert {*MODEL_ALIASES, "inherit"} == MODEL_ALIAS_NAMES
