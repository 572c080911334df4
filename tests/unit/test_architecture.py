"""Structural rules that keep the code base honest (ARCHITECTURE.md's one import rule)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "capabilities" / "claude_lsp"
ADAPTER = ROOT / "server" / "claude_lsp"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at top level or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_core_never_imports_the_lsp_stack_or_the_adapter() -> None:
    adapter_packages = {
        f"claude_lsp.{p.stem}" for p in ADAPTER.iterdir() if p.is_dir() or p.suffix == ".py"
    }
    forbidden = {"pygls", "lsprotocol", *adapter_packages}
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        for module in imported_modules(path):
            if any(module == bad or module.startswith(bad + ".") for bad in forbidden):
                offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert adapter_packages, "the adapter has packages to protect"
    assert offenders == []


def test_claude_lsp_is_one_namespace_package_over_two_roots() -> None:
    assert not (CORE / "__init__.py").exists() and not (ADAPTER / "__init__.py").exists()
    core_names = {p.name for p in CORE.iterdir()}
    adapter_names = {p.name for p in ADAPTER.iterdir()}
    assert not (core_names & adapter_names) - {"__pycache__"}


def test_server_start_up_does_not_load_heavy_modules() -> None:
    """Editors time `initialize`: the SDK, jsonschema, git and the agent core (rules,
    settings, memory, hooks) load on first use only."""
    code = (
        "import sys\n"
        "from claude_lsp.lsp.server import create_server\n"
        "from claude_lsp.cli.main import build_parser\n"
        "create_server(); build_parser()\n"
        "heavy = ['anthropic', 'httpx2', 'jsonschema', 'pygit2', 'jedi', 'tree_sitter',\n"
        "         'claude_lsp.agent.session', 'claude_lsp.policy.rules',\n"
        "         'claude_lsp.policy.shell_split', 'claude_lsp.settings.load',\n"
        "         'claude_lsp.memory.discovery', 'claude_lsp.hooks']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_print_mode_attached_to_a_server_loads_no_lsp_stack() -> None:
    """Attached to a warm server, `claude-lsp -p` is a thin client: what it imports must
    start in a fraction of the time the server's imports take."""
    code = (
        "import sys\n"
        "from claude_lsp.cli.main import build_parser\n"
        "from claude_lsp.cli.print_mode import run_attached\n"
        "from claude_lsp.cli.print_client import run_session\n"
        "from claude_lsp.cli.attach_client import attach\n"
        "heavy = ['pygls', 'lsprotocol', 'anthropic', 'jsonschema', 'claude_lsp.lsp.server',\n"
        "         'claude_lsp.agent.session', 'rich', 'prompt_toolkit']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
