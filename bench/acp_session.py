"""ACP bench: one "fix the bug in calc.py" session driven over the Agent Client Protocol,
`claude-lsp --acp` side by side with Zed's adapter for Claude Code
(`@zed-industries/claude-code-acp`), in one run.

An editor's view of an agent: spawn it, `initialize`, `session/new` (ready), one
`session/prompt` whose Edit asks permission (answered allow once), until the prompt
answers (turn). Both agents talk to the same fake Messages API (tests/fakeapi, scenario
fix-calc: Read, Edit, final answer) and the client declares no `fs` capability, so both
work on disk with their own tools. Runs are interleaved and rotate which agent goes
first; every run is verified (stop reason, one permission question, calc.py fixed).
Claude Code refuses to run as root, so as root its adapter runs as `nobody`.

    python bench/acp_session.py [--runs 5] [--peer PATH] [--no-install] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import loadavg, run_main, warn_if_busy
from scenario import BUGGY, FIXED_LINE, PROMPT, fake_api

BENCH = Path(__file__).resolve().parent
PEER_NAME = "claude-code-acp"
PEER_PACKAGE = "@zed-industries/claude-code-acp"
PEER_BIN = BENCH / ".peer" / "node_modules" / ".bin" / "claude-code-acp"


@dataclass
class Agent:
    name: str
    argv: list[str]
    runs: list[dict[str, float]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


class Editor:
    """The client side: allow once, remember what was asked."""

    def __init__(self) -> None:
        self.questions: list[str] = []
        self.updates = 0

    async def session_update(self, session_id: str, update: Any, **kwargs: Any) -> None:
        self.updates += 1

    async def request_permission(
        self, session_id: str, tool_call: Any, options: list[Any], **kwargs: Any
    ) -> Any:
        from acp.schema import AllowedOutcome, RequestPermissionResponse

        self.questions.append(str(tool_call.title))
        allow = next(o for o in options if o.kind == "allow_once")
        return RequestPermissionResponse(
            outcome=AllowedOutcome(outcome="selected", option_id=allow.option_id)
        )


def find_peer(given: str | None, install: bool) -> str:
    if given:
        return given
    if PEER_BIN.exists():
        return str(PEER_BIN)
    npm = shutil.which("npm")
    if not install or npm is None:
        sys.exit(f"{PEER_NAME} not found; pass --peer PATH (or allow the npm install)")
    print(f"installing {PEER_PACKAGE} into bench/.peer/ (npm) ...", flush=True)
    subprocess.run(
        [npm, "install", "--prefix", str(BENCH / ".peer"), PEER_PACKAGE],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return str(PEER_BIN)


def as_user(argv: list[str], env: dict[str, str]) -> list[str]:
    """Claude Code will not run as root: as root, run the peer as `nobody`."""
    if os.geteuid() != 0:
        return argv
    assignments = [f"{key}={value}" for key, value in env.items()]
    return ["runuser", "-u", "nobody", "--", "env", "-i", *assignments, *argv]


async def run_once(
    agent: Agent, work: Path, env: dict[str, str], timeout_s: float, think_s: float
) -> None:
    from acp import PROTOCOL_VERSION, text_block
    from acp.schema import ClientCapabilities, FileSystemCapabilities
    from acp.stdio import spawn_agent_process

    calc = work / "calc.py"
    calc.write_text(BUGGY)
    home = Path(tempfile.mkdtemp(prefix="acp-home-"))
    os.chmod(home, 0o777)
    run_env = {**env, "HOME": str(home)}
    argv = agent.argv if agent.name != PEER_NAME else as_user(agent.argv, run_env)
    editor = Editor()
    started = time.perf_counter()
    try:
        async with (
            asyncio.timeout(timeout_s),
            spawn_agent_process(
                editor,  # type: ignore[arg-type]
                argv[0],
                *argv[1:],
                env=run_env,
                cwd=work,
                transport_kwargs={"stderr": subprocess.DEVNULL},
            ) as (connection, _process),
        ):
            await connection.initialize(
                protocol_version=PROTOCOL_VERSION,
                client_capabilities=ClientCapabilities(
                    fs=FileSystemCapabilities(read_text_file=False, write_text_file=False)
                ),
            )
            session = await connection.new_session(cwd=str(work), mcp_servers=[])
            await asyncio.sleep(think_s)  # the user typing: not timed
            ready = time.perf_counter()
            result = await connection.prompt(
                session_id=session.session_id, prompt=[text_block(PROMPT)]
            )
            done = time.perf_counter()
    except Exception as exc:  # a failed run is reported, never timed
        agent.failures.append(f"{type(exc).__name__}: {exc}")
        return
    finally:
        shutil.rmtree(home, ignore_errors=True)
    problems = []
    if result.stop_reason != "end_turn":
        problems.append(f"stop reason {result.stop_reason}")
    if len(editor.questions) != 1:
        problems.append(f"{len(editor.questions)} permission questions")
    if FIXED_LINE not in calc.read_text():
        problems.append("calc.py not fixed")
    if problems:
        agent.failures.append(", ".join(problems))
        return
    agent.runs.append(
        {
            "ready_ms": (ready - started) * 1000 - think_s * 1000,
            "turn_ms": (done - ready) * 1000,
            "total_ms": (done - started) * 1000 - think_s * 1000,
        }
    )


def median(agent: Agent, key: str) -> float | None:
    values = [run[key] for run in agent.runs]
    return statistics.median(values) if values else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--peer", help=f"path of the {PEER_NAME} executable")
    parser.add_argument("--no-install", action="store_true", help="never npm-install the peer")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per run")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds between session/new and the prompt, left out of the times (a user "
        "typing; 0: the prompt is sent at once, the worst case for warm-up)",
    )
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    load_before = warn_if_busy()
    ours = shutil.which("claude-lsp", path=str(Path(sys.executable).parent)) or "claude-lsp"
    agents = [
        Agent("claude-lsp --acp", [ours, "--acp"]),
        Agent(PEER_NAME, [find_peer(args.peer, install=not args.no_install)]),
    ]
    with tempfile.TemporaryDirectory(prefix="acp-bench-") as tmp:
        work = Path(tmp) / "project"
        work.mkdir()
        os.chmod(tmp, 0o755)
        os.chmod(work, 0o777)
        (work / "calc.py").write_text(BUGGY)
        os.chmod(work / "calc.py", 0o666)
        logs = Path(tmp)
        calc = work / "calc.py"
        with fake_api(calc, logs / "requests.jsonl", logs / "fake.err", 30) as url:
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "ANTHROPIC_BASE_URL": url,
                "ANTHROPIC_API_KEY": "bench-key-not-secret",
                "DISABLE_AUTOUPDATER": "1",
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            }
            for i in range(args.runs):
                order = agents if i % 2 == 0 else agents[::-1]
                for agent in order:
                    asyncio.run(run_once(agent, work, env, args.timeout, args.think))
    report: dict[str, Any] = {
        "think_s": args.think,
        "machine": platform.platform(),
        "load_before": load_before,
        "load_after": loadavg(),
        "agents": {},
    }
    print(f"\n{'agent':<22}{'ok':>4}{'ready ms':>10}{'turn ms':>10}{'total ms':>10}")
    for agent in agents:
        figures = {key: median(agent, key) for key in ("ready_ms", "turn_ms", "total_ms")}
        report["agents"][agent.name] = {
            **figures,
            "ok_runs": len(agent.runs),
            "failures": agent.failures,
        }
        shown = [f"{v:>10.0f}" if v is not None else f"{'-':>10}" for v in figures.values()]
        print(f"{agent.name:<22}{len(agent.runs):>4}{''.join(shown)}")
        for failure in agent.failures:
            print(f"  failed: {failure}")
    ours_total = report["agents"][agents[0].name]["total_ms"]
    peer_total = report["agents"][PEER_NAME]["total_ms"]
    if ours_total and peer_total:
        report["ratio_total"] = ours_total / peer_total
        print(f"claude-lsp / {PEER_NAME} (total, medians): {ours_total / peer_total:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    return 1 if any(agent.failures for agent in agents) else 0


if __name__ == "__main__":
    run_main(main)
